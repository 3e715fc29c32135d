//! `wasi:io/error`, `wasi:io/streams` and `wasi:io/poll`.
//!
//! Streams are synchronous: a write has reached the host fd (stdout and
//! stderr unbuffered, as preview1 writes them) when it returns, so flushes
//! are no-ops and output streams are always ready. Reads from files are
//! `pread`s at the stream's position; reads from stdin block only in the
//! `blocking-*` functions.

use super::state::{self, raw, Error, Input, Output, Pollable};
use super::val::{bytes, get, put, put_bytes, put_list, u32s};
use crate::abi::TrapCode;
use crate::wasi::clocks::{self, Clock};
use core::ffi::c_void;

/// Most bytes one `read` returns.
const READ_MAX: u64 = 1 << 20;
/// What `check-write` grants (writes are synchronous, any size works).
const WRITE_BUDGET: u64 = 1 << 20;

/// `stream-error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamError {
    /// `last-operation-failed(error)` with the error's rep
    Failed(u32),
    Closed,
}

type SR<T> = Result<T, StreamError>;

/// A new `error` resource.
pub fn new_error(msg: String, code: Option<u8>) -> u32 {
    state::with(|s| s.errors.insert(Error { msg, code }))
}

/// `last-operation-failed` for a host I/O error.
fn failed(e: std::io::Error) -> StreamError {
    let code = e.raw_os_error().map(super::fs::code_from_host);
    StreamError::Failed(new_error(e.to_string(), code))
}

/// Stores a `stream-error` at `off` (discriminant, then the handle at +4).
unsafe fn put_stream_error(r: *mut u8, off: usize, e: StreamError) {
    // SAFETY: the caller passes a result area laid out for the function's result type; the offsets
    // written follow it.
    unsafe {
        match e {
            StreamError::Failed(rep) => {
                put(r, off, 0u8);
                put(r, off + 4, rep);
            }
            StreamError::Closed => put(r, off, 1u8),
        }
    }
}

/// `result<_, stream-error>`: payload at 4.
unsafe fn put_unit(r: *mut u8, v: SR<()>) -> u32 {
    // SAFETY: the caller passes a result area laid out for the function's result type; the offsets
    // written follow it.
    unsafe {
        match v {
            Ok(()) => put(r, 0, 0u8),
            Err(e) => {
                put(r, 0, 1u8);
                put_stream_error(r, 4, e);
            }
        }
        0
    }
}

/// `result<u64, stream-error>`: payload at 8.
unsafe fn put_u64(r: *mut u8, v: SR<u64>) -> u32 {
    // SAFETY: the caller passes a result area laid out for the function's result type; the offsets
    // written follow it.
    unsafe {
        match v {
            Ok(n) => {
                put(r, 0, 0u8);
                put(r, 8, n);
            }
            Err(e) => {
                put(r, 0, 1u8);
                put_stream_error(r, 8, e);
            }
        }
        0
    }
}

fn retry(mut f: impl FnMut() -> isize) -> std::io::Result<usize> {
    loop {
        let n = f();
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => {}
            Some(libc::EAGAIN) => wait_fd(-1, libc::POLLOUT | libc::POLLIN),
            _ => return Err(e),
        }
    }
}

/// Waits until `fd` is ready for `events` (any fd if `fd` is -1: then only
/// a short pause before retrying).
fn wait_fd(fd: i32, events: i16) {
    let mut p = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    // SAFETY: the pollfd array and timeout are live locals for the call's duration.
    unsafe { libc::poll(&mut p, 1, if fd < 0 { 1 } else { -1 }) };
}

fn readable_now(fd: i32) -> bool {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: the pollfd array and timeout are live locals for the call's duration.
    unsafe { libc::poll(&mut p, 1, 0) > 0 }
}

// ---------------------------------------------------------------------------
// Input streams.

enum Source {
    Stdin,
    File(state::Fd, u64),
}

/// Reads up to `len` bytes from input stream `rep`.
pub fn read(rep: u32, len: u64, blocking: bool) -> SR<Vec<u8>> {
    let src = state::with(|s| match s.inputs.get(rep) {
        Some(Input::Stdin) => Some(Source::Stdin),
        Some(Input::File { fd, pos }) => Some(Source::File(fd.clone(), *pos)),
        None => None,
    });
    let Some(src) = src else {
        return Err(StreamError::Closed);
    };
    if len == 0 {
        return Ok(Vec::new());
    }
    let mut buf = vec![0u8; len.min(READ_MAX) as usize];
    let n = match src {
        Source::Stdin => {
            if !blocking && !readable_now(0) {
                return Ok(Vec::new());
            }
            // SAFETY: the buffer pointer and length come from one live slice.
            retry(|| unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) })
                .map_err(failed)?
        }
        Source::File(fd, pos) => {
            // SAFETY: a libc call on a descriptor held meanwhile; its pointers are live locals or C
            // strings.
            let n = retry(|| unsafe {
                libc::pread(raw(&fd), buf.as_mut_ptr().cast(), buf.len(), pos as i64)
            })
            .map_err(failed)?;
            state::with(|s| {
                if let Some(Input::File { pos, .. }) = s.inputs.get(rep) {
                    *pos += n as u64;
                }
            });
            n
        }
    };
    if n == 0 {
        return Err(StreamError::Closed);
    }
    buf.truncate(n);
    Ok(buf)
}

/// `result<list<u8>, stream-error>`: payload at 8.
unsafe fn input_read_impl(ctx: *mut c_void, a: *const u8, r: *mut u8, blocking: bool) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        match read(get(a, 0), get(a, 8), blocking) {
            Ok(data) => {
                put(r, 0, 0u8);
                put_bytes(ctx, r, 8, &data);
            }
            Err(e) => {
                put(r, 0, 1u8);
                put_stream_error(r, 8, e);
            }
        }
        0
    }
}

pub unsafe fn input_read(ctx: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { input_read_impl(ctx, a, r, false) }
}

pub unsafe fn input_blocking_read(ctx: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { input_read_impl(ctx, a, r, true) }
}

fn skip(rep: u32, len: u64, blocking: bool) -> SR<u64> {
    let mut done = 0u64;
    while done < len {
        let n = read(rep, len - done, blocking && done == 0);
        match n {
            Ok(b) if b.is_empty() => break,
            Ok(b) => done += b.len() as u64,
            Err(StreamError::Closed) if done > 0 => break,
            Err(e) => return Err(e),
        }
        if !blocking {
            break;
        }
    }
    Ok(done)
}

pub unsafe fn input_skip(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { put_u64(r, skip(get(a, 0), get(a, 8), false)) }
}

pub unsafe fn input_blocking_skip(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { put_u64(r, skip(get(a, 0), get(a, 8), true)) }
}

pub unsafe fn input_subscribe(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let rep: u32 = get(a, 0);
        let p = state::with(|s| {
            let p = match s.inputs.get(rep) {
                Some(Input::Stdin) => Pollable::Readable(0),
                _ => Pollable::Ready,
            };
            s.pollables.insert(p)
        });
        put(r, 0, p);
        0
    }
}

pub unsafe fn drop_input(_: *mut c_void, rep: u32) {
    state::with(|s| s.inputs.remove(rep));
}

// ---------------------------------------------------------------------------
// Output streams.

enum Sink {
    Stdio(i32),
    File(state::Fd, u64, bool),
}

fn write_all(mut f: impl FnMut(&[u8], u64) -> isize, data: &[u8]) -> std::io::Result<()> {
    let mut done = 0;
    while done < data.len() {
        let n = retry(|| f(&data[done..], done as u64))?;
        if n == 0 {
            return Err(std::io::Error::from_raw_os_error(libc::EIO));
        }
        done += n;
    }
    Ok(())
}

/// Writes `data` to output stream `rep` (all of it, or an error).
pub fn write(rep: u32, data: &[u8]) -> SR<()> {
    let sink = state::with(|s| match s.outputs.get(rep) {
        Some(Output::Stdio(fd)) => Some(Sink::Stdio(*fd)),
        Some(Output::File { fd, pos, append }) => Some(Sink::File(fd.clone(), *pos, *append)),
        None => None,
    });
    match sink {
        None => Err(StreamError::Closed),
        Some(Sink::Stdio(fd)) => write_all(
            // SAFETY: the buffer pointer and length come from one live slice.
            |b, _| unsafe { libc::write(fd, b.as_ptr().cast(), b.len()) },
            data,
        )
        .map_err(failed),
        Some(Sink::File(fd, mut pos, append)) => {
            let h = raw(&fd);
            if append {
                // SAFETY: all-zero is a valid `libc::stat` (plain integers), used as an out-buffer.
                let mut st: libc::stat = unsafe { core::mem::zeroed() };
                // SAFETY: a libc call on a descriptor held meanwhile; its pointers are live locals
                // or C strings.
                if unsafe { libc::fstat(h, &mut st) } < 0 {
                    return Err(failed(std::io::Error::last_os_error()));
                }
                pos = st.st_size as u64;
            }
            write_all(
                // SAFETY: the buffer pointer and length come from one live slice.
                |b, off| unsafe { libc::pwrite(h, b.as_ptr().cast(), b.len(), (pos + off) as i64) },
                data,
            )
            .map_err(failed)?;
            state::with(|s| {
                if let Some(Output::File { pos: p, .. }) = s.outputs.get(rep) {
                    *p = pos + data.len() as u64;
                }
            });
            Ok(())
        }
    }
}

fn exists(rep: u32) -> SR<()> {
    state::with(|s| s.outputs.get(rep).map(drop).ok_or(StreamError::Closed))
}

pub unsafe fn output_check_write(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { put_u64(r, exists(get(a, 0)).map(|()| WRITE_BUDGET)) }
}

pub unsafe fn output_write(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { put_unit(r, write(get(a, 0), bytes(a, 8))) }
}

pub unsafe fn output_flush(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { put_unit(r, exists(get(a, 0))) }
}

fn zeroes(rep: u32, len: u64) -> SR<()> {
    let chunk = vec![0u8; len.min(1 << 16) as usize];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len() as u64);
        write(rep, &chunk[..n as usize])?;
        left -= n;
    }
    Ok(())
}

pub unsafe fn output_write_zeroes(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { put_unit(r, zeroes(get(a, 0), get(a, 8))) }
}

pub unsafe fn output_subscribe(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, state::with(|s| s.pollables.insert(Pollable::Ready)));
        0
    }
}

/// `splice(self, src: borrow<input-stream>, len)`: self at 0, src at 4, len at 8.
fn splice(dst: u32, src: u32, len: u64, blocking: bool) -> SR<u64> {
    let data = read(src, len, blocking)?;
    write(dst, &data)?;
    Ok(data.len() as u64)
}

pub unsafe fn output_splice(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { put_u64(r, splice(get(a, 0), get(a, 4), get(a, 8), false)) }
}

pub unsafe fn output_blocking_splice(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { put_u64(r, splice(get(a, 0), get(a, 4), get(a, 8), true)) }
}

pub unsafe fn drop_output(_: *mut c_void, rep: u32) {
    state::with(|s| s.outputs.remove(rep));
}

// ---------------------------------------------------------------------------
// Errors.

pub unsafe fn error_to_debug_string(ctx: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let rep: u32 = get(a, 0);
        let msg = state::with(|s| s.errors.get(rep).map(|e| e.msg.clone()));
        put_bytes(ctx, r, 0, msg.unwrap_or_default().as_bytes());
        0
    }
}

pub unsafe fn drop_error(_: *mut c_void, rep: u32) {
    state::with(|s| s.errors.remove(rep));
}

// ---------------------------------------------------------------------------
// Pollables.

fn monotonic_now() -> u64 {
    clocks::now(Clock::Monotonic).unwrap_or(0)
}

fn is_ready(p: Pollable) -> bool {
    match p {
        Pollable::Ready => true,
        Pollable::At(t) => monotonic_now() >= t,
        Pollable::Readable(fd) => readable_now(fd),
    }
}

/// Blocks until at least one of `ps` is ready; their indices.
pub fn wait(ps: &[Pollable]) -> Vec<u32> {
    loop {
        let ready: Vec<u32> = (0..ps.len() as u32)
            .filter(|&i| is_ready(ps[i as usize]))
            .collect();
        if !ready.is_empty() {
            return ready;
        }
        let now = monotonic_now();
        let deadline = ps
            .iter()
            .filter_map(|p| match p {
                Pollable::At(t) => Some(t.saturating_sub(now)),
                _ => None,
            })
            .min();
        let mut fds: Vec<libc::pollfd> = ps
            .iter()
            .filter_map(|p| match p {
                Pollable::Readable(fd) => Some(libc::pollfd {
                    fd: *fd,
                    events: libc::POLLIN,
                    revents: 0,
                }),
                _ => None,
            })
            .collect();
        let ts = deadline.map(|ns| libc::timespec {
            tv_sec: (ns / 1_000_000_000) as i64,
            tv_nsec: (ns % 1_000_000_000) as i64,
        });
        // SAFETY: the pollfd array and timeout are live locals for the call's duration.
        unsafe {
            libc::ppoll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                ts.as_ref().map_or(core::ptr::null(), |t| t as *const _),
                core::ptr::null(),
            )
        };
    }
}

pub fn pollable(rep: u32) -> Pollable {
    state::with(|s| s.pollables.get(rep).copied()).unwrap_or(Pollable::Ready)
}

pub unsafe fn pollable_ready(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, is_ready(pollable(get(a, 0))) as u8);
        0
    }
}

pub unsafe fn pollable_block(_: *mut c_void, a: *const u8, _r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        wait(&[pollable(get(a, 0))]);
        0
    }
}

/// `poll(in: list<borrow<pollable>>) -> list<u32>`. An empty list traps
/// (it would block forever).
pub unsafe fn poll(ctx: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let reps = u32s(a, 0);
        if reps.is_empty() {
            return TrapCode::Unreachable as u32;
        }
        let ps: Vec<Pollable> = reps.iter().map(|&p| pollable(p)).collect();
        let ready = wait(&ps);
        put_list(ctx, r, 0, ready.len(), 4, 4, |e, i| put(e, 0, ready[i]));
        0
    }
}

pub unsafe fn drop_pollable(_: *mut c_void, rep: u32) {
    state::with(|s| s.pollables.remove(rep));
}

/// A new pollable.
pub fn new_pollable(p: Pollable) -> u32 {
    state::with(|s| s.pollables.insert(p))
}
