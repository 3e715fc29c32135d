//! Traps and entry into wasm.
//!
//! Every entry (`wacc_rt_invoke`, instantiation) runs wasm under a landing
//! pad installed by `wacc_setjmp_call` (src/trap.c) in `VMStore.jmp_buf`;
//! a trap records its code in the store and `wacc_longjmp`s there. The jump
//! skips the frames in between without running anything, so runtime code
//! that may trap must hold no value with a destructor at that point: the
//! libcalls compute a `Result` first and trap only after it is returned.

use crate::abi::{TrapCode, VMStore, ValRaw};
#[cfg(feature = "std")]
use crate::core::state;
use crate::core::state::DEFAULT_MAX_WASM_STACK;
use crate::core::vmctx;
use core::ffi::{c_char, c_int, c_void, CStr};

extern "C" {
    fn wacc_setjmp_call(
        slot: *mut *mut c_void,
        body: unsafe extern "C" fn(*mut c_void),
        data: *mut c_void,
    ) -> c_int;
    fn wacc_longjmp(buf: *mut c_void) -> !;
}

/// Stack kept free below the wasm stack limit when the thread's stack is
/// smaller than the budget: libcalls and host functions run there.
pub const STACK_RESERVE: usize = 128 << 10;

pub use crate::abi::libcalls::ArrayCall;

/// Runs `body(data)` as wasm code of `store`: with a landing pad, the stack
/// limit (set if this is the store's outermost entry, cleared on exit: the
/// current stack pointer less `max_wasm_stack`, but at least
/// [`STACK_RESERVE`] above the end of the thread's stack) and,
/// with `std`, the thread's current store for the fault handler. Returns the
/// trap code, 0 if `body` returned normally. The store is reusable after.
pub unsafe fn catch(
    store: *mut VMStore,
    body: unsafe extern "C" fn(*mut c_void),
    data: *mut c_void,
) -> u32 {
    // SAFETY: `store` is a live store and `body(data)` is sound to call (caller's contract); the
    // landing pad on this frame is unlinked again before return.
    unsafe {
        let outermost = (*store).stack_limit == 0;
        if outermost {
            let marker = 0u8;
            // Approximate stack pointer: the address of a local of this frame.
            let sp = core::hint::black_box(&marker as *const u8) as usize;
            let budget = match (*store).max_wasm_stack {
                0 => DEFAULT_MAX_WASM_STACK,
                n => n,
            };
            let mut limit = sp.saturating_sub(budget);
            if let Some(floor) = crate::sys::stack_floor() {
                // Keep room below wasm frames for runtime and host code.
                limit = limit.max(floor.saturating_add(STACK_RESERVE));
            }
            (*store).stack_limit = limit.max(1);
        }
        #[cfg(feature = "std")]
        let prev = {
            crate::platform::signals::prepare_thread();
            state::enter(store)
        };
        (*store).trap_code = 0;
        (*store).trap_pc = 0;
        // SAFETY: `jmp_buf` is only used by this nesting discipline; the C side
        // restores the previous pad on both exits.
        let trapped = wacc_setjmp_call(&mut (*store).jmp_buf, body, data) != 0;
        #[cfg(feature = "std")]
        state::leave(prev);
        if outermost {
            (*store).stack_limit = 0;
        }
        if trapped {
            (*store).trap_code
        } else {
            0
        }
    }
}

/// Unwinds to the innermost landing pad of `store` with `code`. Without a
/// landing pad there is nothing to return to: print (with `std`) and abort.
pub unsafe fn raise(store: *mut VMStore, code: TrapCode) -> ! {
    // SAFETY: `store` is null or live (checked); its `jmp_buf` is null (checked) or the innermost
    // live landing pad set by `wacc_rt_invoke`, whose frame is still on the stack.
    unsafe {
        if store.is_null() || (*store).jmp_buf.is_null() {
            no_landing_pad(code);
        }
        (*store).trap_code = code as u32;
        // SAFETY: `jmp_buf` is live: it belongs to an active `catch` frame.
        wacc_longjmp((*store).jmp_buf)
    }
}

/// Installs the fault handler behind guard-mode bounds checks (once per
/// process). Returns whether it is installed.
#[cfg(feature = "std")]
pub fn install_fault_handler() -> bool {
    crate::platform::signals::install(on_fault)
}

/// A fault at `addr` (program counter `pc`) is a `MemoryOutOfBounds` trap
/// if this thread is running wasm of a store that reserved `addr`; returns
/// otherwise. Runs in the signal handler.
#[cfg(feature = "std")]
unsafe fn on_fault(addr: usize, pc: usize) {
    // SAFETY: runs in the fault handler on the faulting thread; `state::current` is that thread's
    // live store or null.
    unsafe {
        let store = state::current();
        // SAFETY: `store` is live while it is current; its registry is not
        // being modified (it only changes outside wasm on this thread).
        if !store.is_null() && !(*store).jmp_buf.is_null() && state::is_guard_address(store, addr) {
            (*store).trap_pc = pc;
            raise(store, TrapCode::MemoryOutOfBounds);
        }
    }
}

#[cold]
fn no_landing_pad(code: TrapCode) -> ! {
    #[cfg(feature = "std")]
    {
        std::eprintln!("wacc: trap outside of wasm entry: {}", code.message());
        std::process::abort();
    }
    #[cfg(not(feature = "std"))]
    {
        let _ = code;
        loop {
            core::hint::spin_loop();
        }
    }
}

/// Called by generated code (and imports) to trap with `code`.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_trap(vmctx: *mut c_void, code: u32) -> ! {
    // SAFETY: vmctx is a live instance of the current store (ABI contract: generated code passes
    // its own vmctx).
    unsafe {
        let code = match TrapCode::from_u32(code) {
            Some(TrapCode::None) | None => TrapCode::Unreachable,
            Some(c) => c,
        };
        let store = vmctx::store(vmctx);
        #[cfg(feature = "std")]
        if !store.is_null() {
            // For messages: where in wasm code the trap happened.
            (*store).trap_pc = caller_pc();
        }
        raise(store, code)
    }
}

/// Return address into the caller of `wacc_rt_trap` (a wasm function), or
/// 0. Walks two frames with the system unwinder; it never steps past the
/// wasm frame, so wasm code needs no unwind tables.
#[cfg(feature = "std")]
#[inline(never)]
fn caller_pc() -> usize {
    extern "C" {
        fn _Unwind_Backtrace(
            trace: unsafe extern "C" fn(*mut c_void, *mut c_void) -> c_int,
            arg: *mut c_void,
        ) -> c_int;
        fn _Unwind_GetIP(ctx: *mut c_void) -> usize;
    }
    // Frames: this function, `wacc_rt_trap`, its caller.
    struct Walk {
        depth: u32,
        pc: usize,
    }
    unsafe extern "C" fn step(ctx: *mut c_void, arg: *mut c_void) -> c_int {
        // SAFETY: `arg` is the `Walk` passed to `_Unwind_Backtrace` by the enclosing function and
        // `ctx` the unwinder's live context for this callback.
        unsafe {
            let w = &mut *(arg as *mut Walk);
            if w.depth == 2 {
                w.pc = _Unwind_GetIP(ctx);
                return 4; // _URC_NORMAL_STOP
            }
            w.depth += 1;
            0 // _URC_NO_REASON
        }
    }
    let mut w = Walk { depth: 0, pc: 0 };
    // SAFETY: `step` only reads the frame contexts it is given.
    unsafe { _Unwind_Backtrace(step, (&mut w as *mut Walk).cast()) };
    w.pc
}

struct Call {
    f: ArrayCall,
    vmctx: *mut c_void,
    values: *mut ValRaw,
}

unsafe extern "C" fn run_call(data: *mut c_void) {
    // SAFETY: `data` is the `Call` built by `wacc_rt_invoke` on its own stack, alive for this call.
    unsafe {
        let c = &*(data as *const Call);
        (c.f)(c.vmctx, c.values)
    }
}

/// Calls `array_call(vmctx, values)` under a landing pad; returns the trap
/// code (0 = returned normally, results in `values`).
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_invoke(
    vmctx: *mut c_void,
    array_call: Option<ArrayCall>,
    values: *mut ValRaw,
) -> u32 {
    // SAFETY: `vmctx` is a live instance and `values` holds the parameters and room for the
    // results of `array_call` (ABI contract of wacc_rt_invoke); its store is checked non-null.
    unsafe {
        let Some(f) = array_call else {
            return TrapCode::UnresolvedImport as u32;
        };
        let store = vmctx::store(vmctx);
        if store.is_null() {
            return TrapCode::InstantiationFailed as u32;
        }
        let mut call = Call { f, vmctx, values };
        catch(store, run_call, (&mut call as *mut Call).cast())
    }
}

/// NUL-terminated spec message for a trap code.
pub fn message_c(code: u32) -> &'static CStr {
    TrapCode::from_u32(code).map_or(c"unknown trap", TrapCode::message_c)
}

/// Static message for a trap code (as `TrapCode::message`).
#[no_mangle]
pub extern "C" fn wacc_rt_trap_message(code: u32) -> *const c_char {
    message_c(code).as_ptr()
}
