//! What the host does with a context besides instantiating and freeing it:
//! export calls (`wacc_rt_component_call`, behind every `P_export_*` and
//! `P_call`), poisoning after a trap, the last error's text, user data and
//! errors reported by import implementations.
//!
//! A trap poisons the context (`VMComponentContext::poisoned`): the
//! canonical ABI leaves a component instance that trapped unusable, so no
//! guest code runs on the context again. Export calls return `CannotEnter`,
//! host-import trampolines trap with it when an import implementation
//! returns 0 on a context a nested call poisoned, and freeing it runs no
//! destructors of guest resources. Calls refused before anything ran (null
//! pointers, an unknown handle given to `wacc_rt_component_resource_drop`)
//! return their code without poisoning.

use super::context::{header, private, store, Private};
use super::handles::Buf;
use crate::abi::component::{NEEDS_ARGS, NEEDS_RESULT};
use crate::abi::libcalls::ArrayCall;
use crate::abi::{TrapCode, ValRaw};
use crate::core::trap;
use core::ffi::{c_char, c_void};
use core::fmt::Write;

/// True if a trap poisoned the context.
pub(crate) unsafe fn poisoned(ctx: *mut c_void) -> bool {
    // SAFETY: `ctx` is a live context (caller's contract).
    unsafe { (*header(ctx)).poisoned != 0 }
}

/// Runs `f(ctx)` as a call on the context: if no other call is running,
/// the host arena is reset first (with `reset`: export calls, not
/// destructor calls of the host, which may hold results while it drops
/// their handles); calls nested in this one do not reset it.
pub(crate) unsafe fn enter(
    ctx: *mut c_void,
    reset: bool,
    f: impl FnOnce(*mut c_void) -> u32,
) -> u32 {
    // SAFETY: `ctx` is a live context used by one thread; its private state exists (checked).
    unsafe {
        let Some(p) = private(ctx) else {
            return TrapCode::OutOfMemory as u32;
        };
        if (*p).depth == 0 {
            if reset {
                (*p).arena.reset();
            }
            (*p).has_host_error = false;
            (*p).unresolved = (core::ptr::null(), 0);
            (*p).refused_site = 0;
        }
        (*p).depth += 1;
        let code = f(ctx);
        (*p).depth -= 1;
        code
    }
}

/// The last error's text, replaced by what `write` writes.
unsafe fn set_error(ctx: *mut c_void, write: impl FnOnce(&mut Text)) {
    // SAFETY: `ctx` is a live context; its private state is checked to exist.
    unsafe {
        let Some(p) = private(ctx) else { return };
        let mut t = Text(&mut (*p).last_error);
        t.0.len = 0;
        write(&mut t);
        if !t.0.push(0) {
            // Out of memory: no text rather than an unterminated one.
            t.0.len = 0;
        }
    }
}

/// A text being written into a buffer (no terminating NUL yet).
struct Text<'a>(&'a mut Buf<u8>);

impl Write for Text<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for &b in s.as_bytes() {
            // SAFETY: the buffer is owned by the context's private state.
            if !unsafe { self.0.push(b) } {
                return Err(core::fmt::Error);
            }
        }
        Ok(())
    }
}

fn message(code: u32) -> &'static str {
    trap::message_c(code).to_str().unwrap_or("")
}

/// Writes the description of trap `code` with its detail.
unsafe fn describe(ctx: *mut c_void, p: *mut Private, code: u32, detail: u32, t: &mut Text) {
    // SAFETY: `p` is the private state of a live context.
    unsafe {
        let code_ = TrapCode::from_u32(code);
        let bytes = |b: &Buf<u8>| {
            if b.len == 0 {
                &[][..]
            } else {
                core::slice::from_raw_parts(b.ptr, b.len as usize)
            }
        };
        match code_ {
            Some(TrapCode::HostError) if (*p).has_host_error => {
                let msg = bytes(&(*p).host_error);
                let _ = t.write_str(utf8_prefix(msg));
            }
            Some(TrapCode::UnresolvedImport) if !(*p).unresolved.0.is_null() => {
                let (name, len) = (*p).unresolved;
                let name = core::slice::from_raw_parts(name, len);
                let _ = write!(t, "unresolved import {}", utf8_prefix(name));
            }
            Some(TrapCode::Denied | TrapCode::HookRefused) if (*p).refused_site != 0 => {
                let _ = super::intercept::describe(ctx, code, detail, (*p).refused_site, t);
            }
            Some(TrapCode::UnknownHandle | TrapCode::WrongResourceType | TrapCode::OwnBorrowed) => {
                let _ = write!(t, "{} (handle {detail})", message(code));
            }
            _ => {
                let _ = t.write_str(message(code));
            }
        }
    }
}

/// The longest valid UTF-8 prefix of `b` (the host's message may be cut
/// anywhere).
fn utf8_prefix(b: &[u8]) -> &str {
    match core::str::from_utf8(b) {
        Ok(s) => s,
        // SAFETY: `valid_up_to` bytes are valid UTF-8.
        Err(e) => unsafe { core::str::from_utf8_unchecked(&b[..e.valid_up_to()]) },
    }
}

/// A call on `ctx` ended with trap `code`: the context is poisoned and the
/// last error describes the trap, unless an earlier (nested) trap poisoned
/// it already: its description stays.
pub(crate) unsafe fn trapped(ctx: *mut c_void, code: u32) {
    // SAFETY: `ctx` is a live context; its store is null (checked) or live.
    unsafe {
        let h = header(ctx);
        if (*h).poisoned != 0 {
            return;
        }
        (*h).poisoned = code;
        let s = store(ctx);
        let detail = if s.is_null() { 0 } else { (*s).trap_detail };
        if let Some(p) = private(ctx) {
            set_error(ctx, |t| describe(ctx, p, code, detail, t));
        }
    }
}

/// A call on `ctx` refused by a check before anything ran: the last error
/// says why and the store's `trap_detail` holds `detail`; the context is
/// not poisoned. Returns the code.
pub(crate) unsafe fn refuse(ctx: *mut c_void, (code, detail): (TrapCode, u32)) -> u32 {
    // SAFETY: `ctx` is a live context; its store is null (checked) or live.
    unsafe {
        let s = store(ctx);
        if !s.is_null() {
            (*s).trap_detail = detail;
        }
        if let Some(p) = private(ctx) {
            set_error(ctx, |t| describe(ctx, p, code as u32, detail, t));
        }
        code as u32
    }
}

/// Runs export entry `entry(ctx, [args, result])` for the host: refuses a
/// null context (`InvalidArgument`), a poisoned one (`CannotEnter`, the
/// last error still describing the trap that poisoned it), and null
/// `args` / `result` where `needs` says the entry reads or writes them
/// (`InvalidArgument`, without poisoning). Then runs it under a landing
/// pad: the host arena is reset unless the call is nested in another call
/// on `ctx` (made by an import implementation); a trap poisons the context.
/// Returns 0 or the trap code.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_component_call(
    ctx: *mut c_void,
    entry: Option<ArrayCall>,
    args: *const u8,
    result: *mut u8,
    needs: u32,
) -> u32 {
    // SAFETY: `ctx` is null (checked) or a live context, and `entry` its export entry whose
    // `args`/`result` point to the native layouts it reads and writes (ABI contract), checked
    // non-null where it uses them.
    unsafe {
        if ctx.is_null() {
            return TrapCode::InvalidArgument as u32;
        }
        if poisoned(ctx) {
            return TrapCode::CannotEnter as u32;
        }
        if (needs & NEEDS_ARGS != 0 && args.is_null())
            || (needs & NEEDS_RESULT != 0 && result.is_null())
        {
            return null_argument(
                ctx,
                if args.is_null() && needs & NEEDS_ARGS != 0 {
                    "args"
                } else {
                    "result"
                },
            );
        }
        let mut values = [ValRaw::u64(args as u64), ValRaw::u64(result as u64)];
        let code = enter(ctx, true, |ctx| {
            trap::wacc_rt_invoke(ctx, entry, values.as_mut_ptr())
        });
        if code != 0 {
            trapped(ctx, code);
        }
        code
    }
}

/// Refuses a call whose `what` pointer is NULL (without poisoning).
#[cold]
unsafe fn null_argument(ctx: *mut c_void, what: &str) -> u32 {
    let code = TrapCode::InvalidArgument;
    // SAFETY: `ctx` is a live context (caller's contract).
    unsafe {
        set_error(ctx, |t| {
            let _ = write!(t, "{}: `{what}` is NULL", code.message());
        });
    }
    code as u32
}

/// Called by a host-import trampoline whose import symbol is unresolved:
/// traps with `UnresolvedImport`; the last error names the import.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_unresolved_import(
    ctx: *mut c_void,
    name: *const u8,
    len: usize,
) -> ! {
    // SAFETY: `ctx` is a live context (ABI contract) and `name` static data of its object.
    unsafe {
        if let Some(p) = private(ctx) {
            (*p).unresolved = (name, len);
        }
        trap::raise(store(ctx), TrapCode::UnresolvedImport)
    }
}

/// For an import implementation: records `msg[0..len)` (copied) as the
/// reason of the failure and returns `HostError`, the code to return. The
/// export call then fails with it and `wacc_rt_component_last_error`
/// gives the message. A null context returns `InvalidArgument`.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_component_host_error(
    ctx: *mut c_void,
    msg: *const c_char,
    len: usize,
) -> u32 {
    // SAFETY: `ctx` is null (checked) or a live context, `msg` null (checked) or `len` readable
    // bytes (caller's contract).
    unsafe {
        if ctx.is_null() {
            return TrapCode::InvalidArgument as u32;
        }
        if let Some(p) = private(ctx) {
            let b = &mut (*p).host_error;
            b.len = 0;
            if !msg.is_null() {
                for i in 0..len {
                    if !b.push(*msg.cast::<u8>().add(i)) {
                        break;
                    }
                }
            }
            (*p).has_host_error = true;
        }
        TrapCode::HostError as u32
    }
}

/// NUL-terminated text describing the last failed call on `ctx`: the
/// message an import implementation gave `wacc_rt_component_host_error`,
/// the name of an unresolved import, or the trap's message with its detail
/// (the handle of handle traps). Empty if no call failed yet (or `ctx` is
/// null). Valid until the next failing call on `ctx`.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_component_last_error(ctx: *mut c_void) -> *const c_char {
    // SAFETY: `ctx` is null (checked) or a live context; the text is NUL-terminated when
    // non-empty.
    unsafe {
        if ctx.is_null() {
            return c"".as_ptr();
        }
        let p = (*header(ctx)).private.cast::<Private>();
        if p.is_null() || (*p).last_error.len == 0 {
            return c"".as_ptr();
        }
        (*p).last_error.ptr.cast()
    }
}

/// Sets the pointer `wacc_rt_component_user_data` returns (the context
/// does nothing else with it). Ignored for a null context.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_component_set_user_data(ctx: *mut c_void, data: *mut c_void) {
    // SAFETY: `ctx` is null (checked) or a live context.
    unsafe {
        if ctx.is_null() {
            return;
        }
        if let Some(p) = private(ctx) {
            (*p).user_data = data;
        }
    }
}

/// The pointer last given to `wacc_rt_component_set_user_data` (NULL if
/// none, or for a null context).
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_component_user_data(ctx: *mut c_void) -> *mut c_void {
    // SAFETY: `ctx` is null (checked) or a live context.
    unsafe {
        if ctx.is_null() {
            return core::ptr::null_mut();
        }
        let p = (*header(ctx)).private.cast::<Private>();
        if p.is_null() {
            core::ptr::null_mut()
        } else {
            (*p).user_data
        }
    }
}
