//! Runtime functions called by generated code (see the list at the end of
//! `abi.rs`; the compiler's `libcalls.rs` declares the same signatures).
//!
//! Each computes a `Result` and traps only after it is returned, so no value
//! with a destructor is live when `trap::raise` jumps out.

use crate::abi::{ElemDesc, TrapCode, ELEM_ITEM_GLOBAL, ELEM_ITEM_NULL};
use crate::core::{memory, table, trap, vmctx};
use core::ffi::c_void;

#[inline]
unsafe fn check(vmctx: *mut c_void, r: Result<(), TrapCode>) {
    // SAFETY: `vmctx` is a live instance of the current store (ABI contract: generated code passes
    // its own vmctx), so its store has the landing pad `raise` unwinds to.
    unsafe {
        if let Err(code) = r {
            trap::raise(vmctx::store(vmctx), code);
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_rt_memory_grow(
    vmctx: *mut c_void,
    mem: u32,
    delta_pages: u64,
) -> u64 {
    // SAFETY: vmctx is a live instance and `mem` a memory index of its module (ABI contract:
    // generated code passes its own vmctx and validated indices).
    unsafe { memory::grow(vmctx::memory(vmctx, mem), delta_pages).unwrap_or(u64::MAX) }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_rt_memory_fill(
    vmctx: *mut c_void,
    mem: u32,
    dst: u64,
    val: u32,
    len: u64,
) {
    // SAFETY: vmctx is a live instance and `mem` a memory index of its module (ABI contract);
    // `memory::fill` bounds-checks the range.
    unsafe {
        check(
            vmctx,
            memory::fill(vmctx::memory(vmctx, mem), dst, val as u8, len),
        );
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_rt_memory_copy(
    vmctx: *mut c_void,
    dst_mem: u32,
    src_mem: u32,
    dst: u64,
    src: u64,
    len: u64,
) {
    // SAFETY: vmctx is a live instance and both indices are memories of its module (ABI contract);
    // `memory::copy` bounds-checks both ranges.
    unsafe {
        let d = vmctx::memory(vmctx, dst_mem);
        let s = vmctx::memory(vmctx, src_mem);
        check(vmctx, memory::copy(d, s, dst, src, len));
    }
}

/// Bytes of data segment `data`, empty once dropped.
unsafe fn data_bytes(vmctx: *mut c_void, data: u32) -> &'static [u8] {
    // SAFETY: vmctx is a live instance and `data` a segment index of its module (ABI contract); the
    // descriptor's segment table is static data of the object.
    unsafe {
        if *vmctx::data_dropped(vmctx, data) != 0 {
            return &[];
        }
        (*vmctx::desc(vmctx).data.add(data as usize)).as_bytes()
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_rt_memory_init(
    vmctx: *mut c_void,
    mem: u32,
    data: u32,
    dst: u64,
    src: u32,
    len: u32,
) {
    // SAFETY: vmctx is a live instance and `data`/`mem` valid indices of its module (ABI contract);
    // `memory::init` bounds-checks both ranges.
    unsafe {
        let bytes = data_bytes(vmctx, data);
        check(
            vmctx,
            memory::init(vmctx::memory(vmctx, mem), bytes, dst, src, len),
        );
    }
}

/// `memory.atomic.wait32` (`wide` = 0) / `wait64` on a bounds-checked,
/// aligned address of a shared memory. Programs here are single-threaded:
/// nothing can change the value or notify, so a match just waits out the
/// timeout.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_atomic_wait(
    vmctx: *mut c_void,
    addr: *const u8,
    expected: u64,
    timeout_ns: i64,
    wide: u32,
) -> u32 {
    // SAFETY: generated code bounds-checked and alignment-checked `addr` inside a live memory of
    // vmctx before the call (ABI contract for wait), and vmctx is a live instance.
    unsafe {
        let value = if wide != 0 {
            core::ptr::read_volatile(addr as *const u64)
        } else {
            core::ptr::read_volatile(addr as *const u32) as u64
        };
        if value != expected {
            return 1;
        }
        if timeout_ns < 0 {
            trap::raise(vmctx::store(vmctx), TrapCode::WaitForever);
        }
        crate::sys::sleep_ns(timeout_ns as u64);
        2
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_rt_data_drop(vmctx: *mut c_void, data: u32) {
    // SAFETY: vmctx is a live instance and `data` a segment index of its module (ABI contract).
    unsafe {
        *vmctx::data_dropped(vmctx, data) = 1;
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_rt_table_grow(
    vmctx: *mut c_void,
    table: u32,
    init: usize,
    delta: u32,
) -> u32 {
    // SAFETY: vmctx is a live instance and `table` a table index of its module (ABI contract).
    unsafe { table::grow(vmctx::table(vmctx, table), delta, init).unwrap_or(u32::MAX) }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_rt_table_fill(
    vmctx: *mut c_void,
    table: u32,
    dst: u32,
    val: usize,
    len: u32,
) {
    // SAFETY: vmctx is a live instance and `table` a table index of its module (ABI contract);
    // `table::fill` bounds-checks the range.
    unsafe {
        check(
            vmctx,
            table::fill(vmctx::table(vmctx, table), dst, val, len),
        );
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_rt_table_copy(
    vmctx: *mut c_void,
    dst_table: u32,
    src_table: u32,
    dst: u32,
    src: u32,
    len: u32,
) {
    // SAFETY: vmctx is a live instance and both indices are tables of its module (ABI contract);
    // `table::copy` bounds-checks both ranges.
    unsafe {
        let d = vmctx::table(vmctx, dst_table);
        let s = vmctx::table(vmctx, src_table);
        check(vmctx, table::copy(d, s, dst, src, len));
    }
}

/// Items of element segment `elem`, empty once dropped.
unsafe fn elem_items(vmctx: *mut c_void, elem: u32) -> &'static [u32] {
    // SAFETY: vmctx is a live instance and `elem` a segment index of its module (ABI contract); the
    // descriptor's segment table is static data of the object.
    unsafe {
        if *vmctx::elem_dropped(vmctx, elem) != 0 {
            return &[];
        }
        let e: &ElemDesc = &*vmctx::desc(vmctx).elems.add(elem as usize);
        if e.len == 0 {
            &[]
        } else {
            core::slice::from_raw_parts(e.items, e.len as usize)
        }
    }
}

/// The reference an element item denotes in instance `vmctx`.
pub unsafe fn elem_value(vmctx: *mut c_void, item: u32) -> usize {
    // SAFETY: vmctx is a live instance and `item` comes from one of its module's element segments,
    // so the global or function index it encodes exists (ABI contract).
    unsafe {
        if item == ELEM_ITEM_NULL {
            0
        } else if item & ELEM_ITEM_GLOBAL != 0 {
            // References are stored in the low 8 bytes of the cell.
            vmctx::global(vmctx, item & !ELEM_ITEM_GLOBAL)
                .cast::<usize>()
                .read_unaligned()
        } else {
            vmctx::funcref(vmctx, item) as usize
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_rt_table_init(
    vmctx: *mut c_void,
    table: u32,
    elem: u32,
    dst: u32,
    src: u32,
    len: u32,
) {
    // SAFETY: vmctx is a live instance and `elem`/`table` valid indices of its module (ABI
    // contract); `table::init` bounds-checks both ranges.
    unsafe {
        let items = elem_items(vmctx, elem);
        let t = vmctx::table(vmctx, table);
        check(
            vmctx,
            table::init(t, items, dst, src, len, |i| elem_value(vmctx, i)),
        );
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_rt_elem_drop(vmctx: *mut c_void, elem: u32) {
    // SAFETY: vmctx is a live instance and `elem` a segment index of its module (ABI contract).
    unsafe {
        *vmctx::elem_dropped(vmctx, elem) = 1;
    }
}
