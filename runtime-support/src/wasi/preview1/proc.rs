//! Arguments, environment, clocks, randomness, process control and the
//! socket functions (not supported: no socket is ever open).

use super::errno::{ret, INVAL, NOSYS, NOTSOCK, R};
use super::mem::Mem;
use super::state;
use crate::abi::TrapCode;
use crate::wasi::clocks::{self, Clock};
use crate::wasi::host::{self, EXIT_STATUS};
use crate::wasi::random::fill_random;
use core::ffi::c_void;
use core::sync::atomic::Ordering;

/// Writes a list of NUL-terminated strings: pointers at `ptrs`, bytes at `buf`.
unsafe fn put_list(vmctx: *mut c_void, list: &[Vec<u8>], ptrs: i32, buf: i32) -> R<()> {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        let m = Mem::of(vmctx)?;
        // Offsets in u64: a list ending at the top of a 4 GiB memory must not wrap.
        let (ptrs, mut at) = (ptrs as u32 as u64, buf as u32 as u64);
        for (i, s) in list.iter().enumerate() {
            let slot = ptrs + 4 * i as u64;
            let end = at + s.len() as u64;
            let (slot, at32, end) = (fits(slot)?, fits(at)?, fits(end)?);
            m.put_u32(slot, at32)?;
            m.write(at32, s)?;
            m.write(end, &[0])?;
            at = end as u64 + 1;
        }
        Ok(())
    }
}

fn fits(v: u64) -> R<u32> {
    u32::try_from(v).map_err(|_| super::errno::FAULT)
}

unsafe fn put_sizes(vmctx: *mut c_void, list: &[Vec<u8>], count: i32, size: i32) -> R<()> {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        let m = Mem::of(vmctx)?;
        m.put_u32(count as u32, list.len() as u32)?;
        m.put_u32(size as u32, list.iter().map(|s| s.len() as u32 + 1).sum())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_args_get(
    vmctx: *mut c_void,
    argv: i32,
    argv_buf: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        let list = host::args();
        ret(put_list(vmctx, &list, argv, argv_buf))
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_args_sizes_get(
    vmctx: *mut c_void,
    argc: i32,
    argv_buf_size: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        let list = host::args();
        ret(put_sizes(vmctx, &list, argc, argv_buf_size))
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_environ_get(
    vmctx: *mut c_void,
    environ: i32,
    environ_buf: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        let list = host::env();
        ret(put_list(vmctx, &list, environ, environ_buf))
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_environ_sizes_get(
    vmctx: *mut c_void,
    count: i32,
    size: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        let list = host::env();
        ret(put_sizes(vmctx, &list, count, size))
    }
}

/// The host clock for a preview1 `$clockid`.
pub fn clock(id: i32) -> R<Clock> {
    Ok(match id {
        0 => Clock::Realtime,
        1 => Clock::Monotonic,
        2 => Clock::ProcessCputime,
        3 => Clock::ThreadCputime,
        _ => return Err(INVAL),
    })
}

/// Current time of a preview1 clock, in nanoseconds.
pub fn now(id: i32) -> R<u64> {
    Ok(clocks::now(clock(id)?)?)
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_clock_res_get(
    vmctx: *mut c_void,
    id: i32,
    out: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let m = Mem::of(vmctx)?;
            let c = clock(id)?;
            m.put_u64(out as u32, clocks::resolution(c)?)
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_clock_time_get(
    vmctx: *mut c_void,
    id: i32,
    _precision: i64,
    out: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let m = Mem::of(vmctx)?;
            m.put_u64(out as u32, now(id)?)
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_random_get(
    vmctx: *mut c_void,
    buf: i32,
    len: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            Ok(fill_random(Mem::of(vmctx)?.slice(buf as u32, len as u32)?)?)
        })())
    }
}

/// Ends the program with status `code`: unwinds out of wasm (like a trap,
/// with [`TrapCode::Exit`]); the entry returns the status.
#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_proc_exit(
    vmctx: *mut c_void,
    code: i32,
) {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        EXIT_STATUS.store(code, Ordering::SeqCst);
        crate::core::trap::raise(crate::core::vmctx::store(vmctx), TrapCode::Exit)
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_proc_raise(
    _vmctx: *mut c_void,
    _sig: i32,
) -> i32 {
    NOSYS as i32
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_sched_yield(
    _vmctx: *mut c_void,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        libc::sched_yield();
        0
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_sock_accept(
    _vmctx: *mut c_void,
    fd: i32,
    _flags: i32,
    _out: i32,
) -> i32 {
    sock(fd)
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_sock_recv(
    _vmctx: *mut c_void,
    fd: i32,
    _ri_data: i32,
    _ri_data_len: i32,
    _ri_flags: i32,
    _ro_datalen: i32,
    _ro_flags: i32,
) -> i32 {
    sock(fd)
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_sock_send(
    _vmctx: *mut c_void,
    fd: i32,
    _si_data: i32,
    _si_data_len: i32,
    _si_flags: i32,
    _so_datalen: i32,
) -> i32 {
    sock(fd)
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_sock_shutdown(
    _vmctx: *mut c_void,
    fd: i32,
    _how: i32,
) -> i32 {
    sock(fd)
}

/// No descriptor is a socket: `badf` for a closed one, else `notsock`.
fn sock(fd: i32) -> i32 {
    ret(state::host_fd(fd).and(Err(NOTSOCK)))
}
