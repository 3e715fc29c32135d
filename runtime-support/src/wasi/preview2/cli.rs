//! `wasi:cli`: environment, exit, standard streams and terminals (never a
//! terminal: every `get-terminal-*` answers `none`).

use super::state::{self, Input, Output};
use super::val::{get, put, put_bytes, put_list};
use crate::abi::TrapCode;
use core::ffi::c_void;
use core::sync::atomic::Ordering;

fn args() -> Vec<Vec<u8>> {
    crate::wasi::host::args()
}

fn env() -> Vec<Vec<u8>> {
    crate::wasi::host::env()
}

/// Strings cross as UTF-8: host bytes that are not are replaced.
fn utf8(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `get-environment() -> list<tuple<string, string>>` (elements of 32
/// bytes: key at 0, value at 16).
pub unsafe fn get_environment(ctx: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let vars: Vec<(String, String)> = env()
            .iter()
            .map(|kv| match kv.iter().position(|&b| b == b'=') {
                Some(i) => (utf8(&kv[..i]), utf8(&kv[i + 1..])),
                None => (utf8(kv), String::new()),
            })
            .collect();
        put_list(ctx, r, 0, vars.len(), 32, 8, |e, i| {
            put_bytes(ctx, e, 0, vars[i].0.as_bytes());
            put_bytes(ctx, e, 16, vars[i].1.as_bytes());
        });
        0
    }
}

/// `get-arguments() -> list<string>`.
pub unsafe fn get_arguments(ctx: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let args: Vec<String> = args().iter().map(|a| utf8(a)).collect();
        put_list(ctx, r, 0, args.len(), 16, 8, |e, i| {
            put_bytes(ctx, e, 0, args[i].as_bytes())
        });
        0
    }
}

/// `initial-cwd() -> option<string>`: none (there is no current directory
/// in the sandbox).
pub unsafe fn initial_cwd(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, 0u8);
        0
    }
}

unsafe fn exit_with(ctx: *mut c_void, status: i32) -> u32 {
    // SAFETY: `ctx` is the calling component context; a host call runs under its store's landing
    // pad, which the exit unwinds to.
    unsafe {
        crate::wasi::EXIT_STATUS.store(status, Ordering::SeqCst);
        crate::core::trap::raise(crate::component::store(ctx), TrapCode::Exit)
    }
}

/// `exit(status: result)`: ok → 0, err → 1.
pub unsafe fn exit(ctx: *mut c_void, a: *const u8, _r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let is_err: u8 = get(a, 0);
        exit_with(ctx, if is_err == 0 { 0 } else { 1 })
    }
}

/// `exit-with-code(status-code: u8)`.
pub unsafe fn exit_with_code(ctx: *mut c_void, a: *const u8, _r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let code: u8 = get(a, 0);
        exit_with(ctx, code as i32)
    }
}

pub unsafe fn get_stdin(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, state::with(|s| s.inputs.insert(Input::Stdin)));
        0
    }
}

pub unsafe fn get_stdout(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, state::with(|s| s.outputs.insert(Output::Stdio(1))));
        0
    }
}

pub unsafe fn get_stderr(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, state::with(|s| s.outputs.insert(Output::Stdio(2))));
        0
    }
}

/// `get-terminal-*() -> option<terminal-*>`: none.
pub unsafe fn no_terminal(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, 0u8);
        0
    }
}

/// Drop of a resource the host never hands out (or keeps nothing for).
pub unsafe fn drop_nothing(_: *mut c_void, _rep: u32) {}
