//! Fault handler for `guard`-mode bounds checks (hosted targets).
//!
//! Guard-mode code does not check linear-memory addresses; an access past a
//! memory's length lands in the PROT_NONE rest of its reservation and raises
//! SIGSEGV (SIGBUS on some systems). The handler, installed once per process
//! when a guard-mode module or memory is first created, turns such a fault
//! into a `MemoryOutOfBounds` trap if the address lies in a reservation of
//! the store this thread is executing; any other fault is passed on to the
//! handler that was installed before, so real crashes still crash. Which
//! faults are wasm's is the core's decision: the hook given to [`install`]
//! (the core's `trap::on_fault`) diverges for those and returns for the
//! rest, so this platform module names nothing of the core.
//!
//! It runs on a per-thread alternate stack (set up on entry to wasm if the
//! thread has none) and with SA_NODEFER, so the longjmp out of it leaves the
//! signal unblocked.

use core::cell::UnsafeCell;
use core::ffi::{c_int, c_void};
use core::mem::MaybeUninit;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Once;

std::thread_local! {
    static ALT_STACK: AltStack = AltStack::ensure();
}

static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Called with the faulting address and program counter (0 if unknown);
/// diverges if the fault is a wasm trap, returns if it is not.
pub type FaultHook = unsafe fn(addr: usize, pc: usize);

/// The [`FaultHook`], written once before the handler is installed.
static HOOK: AtomicUsize = AtomicUsize::new(0);

/// Previous actions, written once before our handler is installed.
struct Prev(UnsafeCell<MaybeUninit<libc::sigaction>>);
// SAFETY: written only inside `Once`, read only after INSTALLED is set.
unsafe impl Sync for Prev {}
static PREV_SEGV: Prev = Prev(UnsafeCell::new(MaybeUninit::uninit()));
static PREV_BUS: Prev = Prev(UnsafeCell::new(MaybeUninit::uninit()));

/// Makes sure this thread, about to run wasm, has an alternate signal stack
/// (once the handler is installed).
pub fn prepare_thread() {
    if INSTALLED.load(Ordering::Acquire) {
        let _ = ALT_STACK.try_with(|_| ());
    }
}

/// Installs the handler with `hook` (once per process: later calls keep
/// the first hook). Returns whether it is installed.
pub fn install(hook: FaultHook) -> bool {
    static ONCE: Once = Once::new();
    // SAFETY: plain sigaction calls, run once; HOOK and PREV_* are written
    // before the handler that reads them can run.
    ONCE.call_once(|| unsafe {
        HOOK.store(hook as usize, Ordering::Release);
        let mut act: libc::sigaction = core::mem::zeroed();
        act.sa_sigaction = on_fault as *const () as usize;
        act.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
        libc::sigemptyset(&mut act.sa_mask);
        let mut ok = true;
        for (sig, prev) in [(libc::SIGSEGV, &PREV_SEGV), (libc::SIGBUS, &PREV_BUS)] {
            // Record the previous action before ours can run.
            let prev = (*prev.0.get()).as_mut_ptr();
            ok &= libc::sigaction(sig, ptr::null(), prev) == 0
                && libc::sigaction(sig, &act, ptr::null_mut()) == 0;
        }
        INSTALLED.store(ok, Ordering::Release);
    });
    INSTALLED.load(Ordering::Acquire)
}

unsafe extern "C" fn on_fault(sig: c_int, info: *mut libc::siginfo_t, ctx: *mut c_void) {
    // SAFETY: the kernel passes valid `info`/`ctx` for the signal; HOOK was
    // written from a `FaultHook` before this handler was installed.
    unsafe {
        let hook = core::mem::transmute::<usize, FaultHook>(HOOK.load(Ordering::Acquire));
        hook((*info).si_addr() as usize, fault_pc(ctx));
        chain(sig, info, ctx);
    }
}

/// Hands a fault that is not ours to the previous handler. For the default
/// action, reinstate it and return: the access faults again and the
/// process dies as it would have without us.
unsafe fn chain(sig: c_int, info: *mut libc::siginfo_t, ctx: *mut c_void) {
    // SAFETY: `info`/`ctx` are the kernel's for this signal; PREV_* were saved by `install` before
    // the handler could run.
    unsafe {
        let prev = if sig == libc::SIGBUS {
            &PREV_BUS
        } else {
            &PREV_SEGV
        };
        let prev = (*prev.0.get()).assume_init_ref();
        let h = prev.sa_sigaction;
        if h == libc::SIG_DFL || h == libc::SIG_IGN {
            let mut dfl: libc::sigaction = core::mem::zeroed();
            dfl.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(sig, &dfl, ptr::null_mut());
        } else if prev.sa_flags & libc::SA_SIGINFO != 0 {
            let f: extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) =
                core::mem::transmute(h);
            f(sig, info, ctx);
        } else {
            let f: extern "C" fn(c_int) = core::mem::transmute(h);
            f(sig);
        }
    }
}

/// Program counter at the fault, from the signal context (0 if unknown).
#[allow(unused_variables)]
unsafe fn fault_pc(ctx: *mut c_void) -> usize {
    // SAFETY: `ctx` is the kernel's `ucontext_t` for this signal.
    unsafe {
        let uc = ctx as *const libc::ucontext_t;
        #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
        return (*uc).uc_mcontext.gregs[libc::REG_RIP as usize] as usize;
        #[cfg(all(target_os = "linux", target_arch = "aarch64"))]
        return (*uc).uc_mcontext.pc as usize;
        #[cfg(all(target_os = "linux", target_arch = "riscv64"))]
        return (*uc).uc_mcontext.__gregs[0] as usize;
        #[allow(unreachable_code)]
        0
    }
}

/// This thread's alternate signal stack, if we had to create one (threads
/// started by Rust's std already have one). Freed at thread exit.
struct AltStack {
    map: *mut u8,
    len: usize,
}

const ALT_STACK_SIZE: usize = 64 << 10;

impl AltStack {
    fn ensure() -> AltStack {
        let none = AltStack {
            map: ptr::null_mut(),
            len: 0,
        };
        // SAFETY: sigaltstack/mmap/mprotect on memory owned here.
        unsafe {
            let mut old: libc::stack_t = core::mem::zeroed();
            if libc::sigaltstack(ptr::null(), &mut old) != 0 || old.ss_flags & libc::SS_DISABLE == 0
            {
                return none;
            }
            let page = libc::sysconf(libc::_SC_PAGESIZE) as usize;
            let size = ALT_STACK_SIZE.max(libc::SIGSTKSZ);
            let len = size + page;
            let map = libc::mmap(
                ptr::null_mut(),
                len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if map == libc::MAP_FAILED {
                return none;
            }
            // Lowest page stays PROT_NONE as a guard.
            let sp = map.cast::<u8>().add(page);
            let new = libc::stack_t {
                ss_sp: sp.cast(),
                ss_flags: 0,
                ss_size: size,
            };
            if libc::mprotect(sp.cast(), size, libc::PROT_READ | libc::PROT_WRITE) != 0
                || libc::sigaltstack(&new, ptr::null_mut()) != 0
            {
                libc::munmap(map, len);
                return none;
            }
            AltStack {
                map: map.cast(),
                len,
            }
        }
    }
}

impl Drop for AltStack {
    fn drop(&mut self) {
        if self.map.is_null() {
            return;
        }
        // SAFETY: disable our stack (if still installed) before unmapping it.
        unsafe {
            let mut cur: libc::stack_t = core::mem::zeroed();
            libc::sigaltstack(ptr::null(), &mut cur);
            if cur.ss_flags & libc::SS_DISABLE != 0
                || cur.ss_sp.cast::<u8>() < self.map
                || cur.ss_sp.cast::<u8>() >= self.map.add(self.len)
            {
                libc::munmap(self.map.cast(), self.len);
                return;
            }
            let off = libc::stack_t {
                ss_sp: ptr::null_mut(),
                ss_flags: libc::SS_DISABLE,
                ss_size: 0,
            };
            libc::sigaltstack(&off, ptr::null_mut());
            libc::munmap(self.map.cast(), self.len);
        }
    }
}
