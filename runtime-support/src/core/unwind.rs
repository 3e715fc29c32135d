//! The exception unwinder: the registry of compiled code (`abi::CodeDesc`)
//! and `wacc_rt_throw`.
//!
//! Wasm code keeps frame pointers, so unwinding needs no unwind tables:
//! starting at the thrower's frame, each frame's return address is looked
//! up in the registry. A return address inside a registered `try_table`
//! call site resumes at its handler; one elsewhere in registered code steps
//! to the caller's frame; anything else (a host or runtime frame, whose
//! layout is unknown) ends the walk and the exception is uncaught. The walk
//! therefore never crosses a landing pad (`trap::catch` is host code), and
//! the store's trap state stays as it was.

use crate::abi::{CodeDesc, FuncFrame, HandlerSite, SavedReg, TrapCode, VMException};
use crate::core::{trap, vmctx};
use core::cell::UnsafeCell;
use core::ffi::c_void;
use core::ptr;
use core::sync::atomic::{AtomicBool, Ordering};

// ---------------------------------------------------------------------------
// Registry: an intrusive list through `CodeDesc::next`, one entry per
// descriptor with live instances (`users`), behind a spin lock so that it
// works without `std` and from any thread.

/// Bit of `CodeDesc::users` recording that `funcs` (or some function's
/// sites) is not in ascending order: lookups then scan linearly.
const UNSORTED: usize = 1 << (usize::BITS - 1);

struct Registry {
    locked: AtomicBool,
    head: UnsafeCell<*mut CodeDesc>,
}

// SAFETY: `head` and the list it reaches are only touched under `locked`.
unsafe impl Sync for Registry {}

static REGISTRY: Registry = Registry {
    locked: AtomicBool::new(false),
    head: UnsafeCell::new(ptr::null_mut()),
};

/// Runs `f` on the list head under the lock. `f` must not unwind or jump.
fn with_registry<R>(f: impl FnOnce(&mut *mut CodeDesc) -> R) -> R {
    while REGISTRY
        .locked
        .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        core::hint::spin_loop();
    }
    // SAFETY: the lock is held.
    let r = f(unsafe { &mut *REGISTRY.head.get() });
    REGISTRY.locked.store(false, Ordering::Release);
    r
}

unsafe fn slice<'a, T>(p: *const T, n: u32) -> &'a [T] {
    // SAFETY: the descriptor pairs each array pointer with its length (ABI contract); null or empty
    // yields an empty slice.
    unsafe {
        if n == 0 || p.is_null() {
            &[]
        } else {
            core::slice::from_raw_parts(p, n as usize)
        }
    }
}

unsafe fn funcs<'a>(c: &CodeDesc) -> &'a [FuncFrame] {
    // SAFETY: `c` is a registered code descriptor whose `funcs` array holds `num_funcs` entries
    // (ABI contract).
    unsafe { slice(c.funcs, c.num_funcs) }
}

unsafe fn sites<'a>(c: &CodeDesc, f: &FuncFrame) -> &'a [HandlerSite] {
    // SAFETY: `c` is a code descriptor and `f` one of its functions, whose sites lie inside
    // `c.sites` (ABI contract).
    unsafe {
        if c.sites.is_null() {
            &[]
        } else {
            slice(c.sites.add(f.first_site as usize), f.num_sites.into())
        }
    }
}

unsafe fn saves<'a>(c: &CodeDesc, f: &FuncFrame) -> &'a [SavedReg] {
    // SAFETY: `c` is a code descriptor and `f` one of its functions, whose saves lie inside
    // `c.saves` (ABI contract).
    unsafe {
        if c.saves.is_null() {
            &[]
        } else {
            slice(c.saves.add(f.first_save as usize), f.num_saves.into())
        }
    }
}

/// Whether functions ascend by address and each one's sites by `ret`, as
/// the binary searches of [`lookup_in`] need.
unsafe fn is_sorted(c: &CodeDesc) -> bool {
    // SAFETY: `c` is a code descriptor with consistent arrays (ABI contract).
    unsafe {
        let fs = funcs(c);
        fs.windows(2).all(|w| w[0].addr < w[1].addr)
            && fs
                .iter()
                .all(|f| sites(c, f).windows(2).all(|w| w[0].ret < w[1].ret))
    }
}

/// Adds a user of `code` (null: nothing to register), linking it on the
/// first. Called for every instance of a module with that descriptor.
pub unsafe fn register(code: *mut CodeDesc) {
    // SAFETY: `code` is null (checked) or a code descriptor of a live module, static data of the
    // object; the registry lock serialises the list update.
    unsafe {
        if code.is_null() {
            return;
        }
        // Checked outside the lock; the descriptor is immutable apart from
        // `next` and `users`.
        let sorted = is_sorted(&*code);
        with_registry(|head| {
            let c = &mut *code;
            if c.users & !UNSORTED == 0 {
                c.users = if sorted { 0 } else { UNSORTED };
                c.next = *head;
                *head = code;
            }
            c.users += 1;
        });
    }
}

/// Drops a user of `code`, unlinking it with the last one.
pub unsafe fn unregister(code: *mut CodeDesc) {
    // SAFETY: `code` is null (checked) or a descriptor registered by `register`; the registry lock
    // serialises the list update.
    unsafe {
        if code.is_null() {
            return;
        }
        with_registry(|head| {
            let c = &mut *code;
            if c.users & !UNSORTED == 0 {
                return; // not registered: nothing to undo
            }
            c.users -= 1;
            if c.users & !UNSORTED != 0 {
                return;
            }
            c.users = 0;
            let mut link: *mut *mut CodeDesc = head;
            while !(*link).is_null() {
                if *link == code {
                    *link = c.next;
                    break;
                }
                link = &mut (**link).next;
            }
            c.next = ptr::null_mut();
        });
    }
}

/// Live users of `code` (0 when not registered).
pub unsafe fn users(code: *const CodeDesc) -> usize {
    // SAFETY: `code` is a live descriptor; the registry lock is held while reading its count.
    unsafe { with_registry(|_| (*code).users & !UNSORTED) }
}

/// What a return address is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    /// Not in registered code: the walk stops.
    Outside,
    /// In a wasm function, not at a `try_table` call site.
    Wasm,
    /// At a `try_table` call site; its handler's address.
    Handler(usize),
}

/// Classifies return address `ra` against every registered descriptor.
pub fn lookup(ra: usize) -> Frame {
    // SAFETY: `head` is the registry list, whose descriptors stay live while the lock is held.
    with_registry(|head| unsafe { lookup_in(*head, ra) })
}

unsafe fn lookup_in(mut c: *const CodeDesc, ra: usize) -> Frame {
    // SAFETY: `c` starts a list of registered descriptors, live while the registry lock is held by
    // the caller.
    unsafe {
        let mut found = Frame::Outside;
        while let Some(code) = c.as_ref() {
            c = code.next;
            if code.start.is_null() {
                continue;
            }
            // A return address follows its call: it lies in (start, end].
            let end = (code.last as usize).saturating_add(code.last_len as usize);
            if ra <= code.start as usize || ra > end {
                continue;
            }
            found = Frame::Wasm;
            if let Some(h) = handler_in(code, ra) {
                return Frame::Handler(h);
            }
        }
        found
    }
}

/// The function of `code` holding the call that returns to `ra`, if it is
/// listed (a return address follows its call: it lies in `(addr, addr + len]`).
unsafe fn func_at<'a>(code: &CodeDesc, ra: usize) -> Option<&'a FuncFrame> {
    // SAFETY: `code` is a registered descriptor with consistent arrays (ABI contract).
    unsafe {
        let fs = funcs(code);
        let holds =
            |f: &FuncFrame| ra > f.addr as usize && ra - (f.addr as usize) <= f.len as usize;
        if code.users & UNSORTED != 0 {
            return fs.iter().find(|f| holds(f));
        }
        let i = fs
            .partition_point(|f| (f.addr as usize) < ra)
            .checked_sub(1)?;
        Some(&fs[i]).filter(|f| holds(f))
    }
}

/// The handler of the call site returning to `ra` in `code`, if any.
unsafe fn handler_in(code: &CodeDesc, ra: usize) -> Option<usize> {
    // SAFETY: `code` is a registered descriptor with consistent arrays (ABI contract).
    unsafe {
        let f = func_at(code, ra)?;
        let off = ra - f.addr as usize;
        let ss = sites(code, f);
        let s = if code.users & UNSORTED != 0 {
            ss.iter().position(|s| s.ret as usize == off)?
        } else {
            ss.binary_search_by_key(&off, |s| s.ret as usize).ok()?
        };
        Some(f.addr as usize + ss[s].handler as usize)
    }
}

/// Gives back into `saved` the callee-saved registers that the frame at
/// `fp` of the function around return address `pc` saved in its prologue.
unsafe fn restore_saves(mut c: *const CodeDesc, pc: usize, fp: usize, saved: &mut [u64]) {
    // SAFETY: `c` starts the registry list (held by the caller) and `fp` is the live frame of the
    // function around `pc`, whose save slots the descriptor lists.
    unsafe {
        while let Some(code) = c.as_ref() {
            c = code.next;
            if let Some(f) = func_at(code, pc) {
                for s in saves(code, f) {
                    if let Some(r) = saved.get_mut(s.slot as usize) {
                        let at = (fp as isize).wrapping_add(s.offset as isize);
                        *r = ptr::read(at as *const u64);
                    }
                }
                return;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The walk.

/// Callee-saved registers in `abi::saved_regs` order for this
/// architecture (the frame pointer is kept separately), as the throw entry
/// captures them; the walk undoes each frame's saves in it.
#[cfg(target_arch = "x86_64")]
pub const NUM_SAVED: usize = crate::abi::saved_regs::X86_64.len();
#[cfg(target_arch = "aarch64")]
pub const NUM_SAVED: usize = crate::abi::saved_regs::AARCH64.len();
#[cfg(target_arch = "riscv64")]
pub const NUM_SAVED: usize = crate::abi::saved_regs::RISCV64.len();
#[cfg(not(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "riscv64"
)))]
pub const NUM_SAVED: usize = 0;

/// Where to resume: a handler, with the stack and frame pointers of its
/// function at the call site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resume {
    pub pc: usize,
    pub sp: usize,
    pub fp: usize,
}

/// Finds the handler for an exception thrown by the call returning to `pc`
/// (`sp`: the stack pointer after that call returns; `fp`: the thrower's
/// frame pointer), or None if it is uncaught. `lookup` classifies return
/// addresses (the registry, or a test's). A thrower outside registered
/// code has no frame layout to trust, so nothing catches its exception.
/// `unwind_frame(pc, fp)` is called for each frame left behind (`pc`: an
/// address in its function after a call, `fp`: its frame pointer), in order
/// from the thrower's, to restore the registers it saved.
///
/// Frame layout (see `abi::CodeDesc`): `[fp]` is the caller's frame
/// pointer, `[fp + 8]` the return address into the caller, `fp + 16` the
/// caller's stack pointer at the call. Frames of one stack lie at
/// ascending addresses; a chain that does not ascend ends the walk.
pub unsafe fn walk(
    mut pc: usize,
    sp: usize,
    mut fp: usize,
    lookup: impl Fn(usize) -> Frame,
    mut unwind_frame: impl FnMut(usize, usize),
) -> Option<Resume> {
    // SAFETY: `pc`/`fp` describe a live frame of the thread's own stack, walked from the throw
    // towards the landing pad; the descriptors of `lookup` say where each frame saved its
    // registers.
    unsafe {
        match lookup(pc) {
            Frame::Outside => return None,
            // The throw call itself is a `try_table` site.
            Frame::Handler(h) => return Some(Resume { pc: h, sp, fp }),
            Frame::Wasm => {}
        }
        loop {
            if fp == 0 || !fp.is_multiple_of(8) {
                return None;
            }
            let caller_fp = ptr::read(fp as *const usize);
            let ra = ptr::read((fp + 8) as *const usize);
            if ra == 0 {
                return None;
            }
            let frame = lookup(ra);
            if frame == Frame::Outside || (frame == Frame::Wasm && caller_fp <= fp) {
                return None;
            }
            unwind_frame(pc, fp);
            match frame {
                Frame::Handler(h) => {
                    return Some(Resume {
                        pc: h,
                        sp: fp + 16,
                        fp: caller_fp,
                    })
                }
                _ => (pc, fp) = (ra, caller_fp),
            }
        }
    }
}

/// What `resume` loads: the registers, then the handler's frame.
#[repr(C)]
struct Context {
    saved: [u64; NUM_SAVED],
    sp: usize,
    fp: usize,
    pc: usize,
}

/// The Rust half of `wacc_rt_throw`; the assembly entry adds the thrower's
/// frame pointer `fp`, the return address `pc` into it, the stack pointer
/// `sp` it will have after that call, and its callee-saved registers.
unsafe extern "C" fn throw(
    vmctx: *mut c_void,
    exn: *mut VMException,
    fp: usize,
    pc: usize,
    sp: usize,
    saved: *const [u64; NUM_SAVED],
) -> ! {
    // SAFETY: vmctx is a live instance of the current store and `fp`/`sp`/`saved` describe the
    // thrower's frame (ABI contract of wacc_rt_throw); `exn` is null (trapped on) or a live
    // exception of the store.
    unsafe {
        let store = vmctx::store(vmctx);
        if exn.is_null() {
            trap::raise(store, TrapCode::NullExceptionRef);
        }
        let mut ctx = Context {
            saved: *saved,
            sp: 0,
            fp: 0,
            pc: 0,
        };
        let found = with_registry(|head| {
            let head = *head;
            walk(
                pc,
                sp,
                fp,
                |ra| lookup_in(head, ra),
                |pc, fp| restore_saves(head, pc, fp, &mut ctx.saved),
            )
        });
        match found {
            Some(r) => {
                (ctx.sp, ctx.fp, ctx.pc) = (r.sp, r.fp, r.pc);
                resume(&ctx, exn)
            }
            None => {
                if !store.is_null() {
                    // For messages: the throwing wasm function.
                    (*store).trap_pc = pc;
                }
                // The exception stays in the store's list.
                trap::raise(store, TrapCode::UncaughtException)
            }
        }
    }
}

/// Enters a handler: callee-saved registers, stack and frame pointer
/// restored, the exception in the first return register, every other
/// register dead. (Registers LLVM reserves, like rbx and x19, cannot be
/// operands but may be overwritten by asm that does not return.)
unsafe fn resume(ctx: *const Context, exn: *mut VMException) -> ! {
    // SAFETY: `ctx` was filled by the frame walk with a handler address of a live wasm frame on
    // this stack and the registers that frame expects; nothing above it is used again.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!(
            "mov rbx, [rcx]",
            "mov r12, [rcx + 8]",
            "mov r13, [rcx + 16]",
            "mov r14, [rcx + 24]",
            "mov r15, [rcx + 32]",
            "mov rsp, [rcx + 40]",
            "mov rbp, [rcx + 48]",
            "jmp [rcx + 56]",
            in("rcx") ctx,
            in("rax") exn,
            options(noreturn),
        );
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!(
            "ldp x19, x20, [x9]",
            "ldp x21, x22, [x9, #16]",
            "ldp x23, x24, [x9, #32]",
            "ldp x25, x26, [x9, #48]",
            "ldp x27, x28, [x9, #64]",
            "ldp d8, d9, [x9, #80]",
            "ldp d10, d11, [x9, #96]",
            "ldp d12, d13, [x9, #112]",
            "ldp d14, d15, [x9, #128]",
            "ldr x10, [x9, #144]",
            "mov sp, x10",
            "ldr x29, [x9, #152]",
            "ldr x10, [x9, #160]",
            "br x10",
            in("x9") ctx,
            in("x0") exn,
            options(noreturn),
        );
        #[cfg(target_arch = "riscv64")]
        core::arch::asm!(
            "ld s1, 0(t0)",
            "ld s2, 8(t0)",
            "ld s3, 16(t0)",
            "ld s4, 24(t0)",
            "ld s5, 32(t0)",
            "ld s6, 40(t0)",
            "ld s7, 48(t0)",
            "ld s8, 56(t0)",
            "ld s9, 64(t0)",
            "ld s10, 72(t0)",
            "ld s11, 80(t0)",
            "fld fs0, 88(t0)",
            "fld fs1, 96(t0)",
            "fld fs2, 104(t0)",
            "fld fs3, 112(t0)",
            "fld fs4, 120(t0)",
            "fld fs5, 128(t0)",
            "fld fs6, 136(t0)",
            "fld fs7, 144(t0)",
            "fld fs8, 152(t0)",
            "fld fs9, 160(t0)",
            "fld fs10, 168(t0)",
            "fld fs11, 176(t0)",
            "ld t1, 184(t0)",
            "mv sp, t1",
            "ld s0, 192(t0)",
            "ld t1, 200(t0)",
            "jr t1",
            in("t0") ctx,
            in("a0") exn,
            options(noreturn),
        );
        #[cfg(not(any(
            target_arch = "x86_64",
            target_arch = "aarch64",
            target_arch = "riscv64"
        )))]
        {
            let _ = (ctx, exn);
            unreachable!("no unwinder on this architecture")
        }
    }
}

// `wacc_rt_throw(vmctx, exn) -> !`: at entry the frame pointer is still the
// calling wasm function's and the return address is in hand. Pass both, the
// stack pointer after the call, and the callee-saved registers (stored on
// the stack in `saved_regs` order) as extra arguments to `throw`
// (position independent: the runtime goes into static executables, PIE and
// shared libraries). `throw` does not return.
#[cfg(target_arch = "x86_64")]
core::arch::global_asm!(
    ".text",
    ".globl wacc_rt_throw",
    ".type wacc_rt_throw, @function",
    ".p2align 4",
    "wacc_rt_throw:",
    "mov rdx, rbp",
    "mov rcx, [rsp]",
    "lea r8, [rsp + 8]",
    // 40 bytes keep the stack 16-byte aligned at the call.
    "sub rsp, 40",
    "mov [rsp], rbx",
    "mov [rsp + 8], r12",
    "mov [rsp + 16], r13",
    "mov [rsp + 24], r14",
    "mov [rsp + 32], r15",
    "mov r9, rsp",
    "call {throw}@PLT",
    "ud2",
    ".size wacc_rt_throw, . - wacc_rt_throw",
    throw = sym throw,
);

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(
    ".text",
    ".globl wacc_rt_throw",
    ".type wacc_rt_throw, %function",
    ".p2align 2",
    "wacc_rt_throw:",
    "mov x2, x29",
    "mov x3, x30",
    "mov x4, sp",
    "sub sp, sp, #144",
    "stp x19, x20, [sp]",
    "stp x21, x22, [sp, #16]",
    "stp x23, x24, [sp, #32]",
    "stp x25, x26, [sp, #48]",
    "stp x27, x28, [sp, #64]",
    "stp d8, d9, [sp, #80]",
    "stp d10, d11, [sp, #96]",
    "stp d12, d13, [sp, #112]",
    "stp d14, d15, [sp, #128]",
    "mov x5, sp",
    "bl {throw}",
    "brk #1",
    ".size wacc_rt_throw, . - wacc_rt_throw",
    throw = sym throw,
);

#[cfg(target_arch = "riscv64")]
core::arch::global_asm!(
    ".text",
    ".globl wacc_rt_throw",
    ".type wacc_rt_throw, @function",
    ".p2align 2",
    // Module-level assembly does not get the target's float extensions.
    ".option push",
    ".option arch, +d",
    "wacc_rt_throw:",
    "mv a2, s0",
    "mv a3, ra",
    "mv a4, sp",
    // 23 registers, rounded up to keep the stack 16-byte aligned.
    "addi sp, sp, -192",
    "sd s1, 0(sp)",
    "sd s2, 8(sp)",
    "sd s3, 16(sp)",
    "sd s4, 24(sp)",
    "sd s5, 32(sp)",
    "sd s6, 40(sp)",
    "sd s7, 48(sp)",
    "sd s8, 56(sp)",
    "sd s9, 64(sp)",
    "sd s10, 72(sp)",
    "sd s11, 80(sp)",
    "fsd fs0, 88(sp)",
    "fsd fs1, 96(sp)",
    "fsd fs2, 104(sp)",
    "fsd fs3, 112(sp)",
    "fsd fs4, 120(sp)",
    "fsd fs5, 128(sp)",
    "fsd fs6, 136(sp)",
    "fsd fs7, 144(sp)",
    "fsd fs8, 152(sp)",
    "fsd fs9, 160(sp)",
    "fsd fs10, 168(sp)",
    "fsd fs11, 176(sp)",
    "mv a5, sp",
    "call {throw}",
    "unimp",
    ".option pop",
    ".size wacc_rt_throw, . - wacc_rt_throw",
    throw = sym throw,
);

/// Without an unwinder every exception is uncaught.
#[cfg(not(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "riscv64"
)))]
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_throw(vmctx: *mut c_void, exn: *mut VMException) -> ! {
    let _ = exn;
    trap::raise(vmctx::store(vmctx), TrapCode::UncaughtException)
}

#[cfg(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "riscv64"
))]
extern "C" {
    /// Throws `exn` from the calling wasm function (see the module docs).
    pub fn wacc_rt_throw(vmctx: *mut c_void, exn: *mut VMException) -> !;
}

// The offsets the assembly uses.
const _: () = assert!(core::mem::offset_of!(Context, sp) == 8 * NUM_SAVED);
const _: () = assert!(core::mem::size_of::<Context>() == 8 * NUM_SAVED + 24);
