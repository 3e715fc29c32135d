//! Exceptions: objects, tags at instantiation, the code registry, the
//! frame walk, and throwing through hand-written "wasm" functions.

use super::*;
use crate::exception::{wacc_rt_exn_free, wacc_rt_exn_new};
use crate::unwind::{self, lookup, walk, Frame, Resume};

/// The store's exception list, head first.
unsafe fn listed(store: *mut VMStore) -> Vec<*mut VMException> {
    // SAFETY: `store` is a live store whose exception list holds live exceptions.
    unsafe {
        let mut v = vec![];
        let mut e = (*store).exceptions;
        while !e.is_null() {
            if let Some(&last) = v.last() {
                assert_eq!((*e).prev, last, "prev link");
            } else {
                assert!((*e).prev.is_null());
            }
            v.push(e);
            e = (*e).next;
        }
        v
    }
}

#[test]
fn exception_objects() {
    let i = Inst::new(simple(true));
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        let tag = 0x1234 as *const c_void;
        let a = wacc_rt_exn_new(i.vmctx, tag, 0);
        let b = wacc_rt_exn_new(i.vmctx, tag, 24);
        let c = wacc_rt_exn_new(i.vmctx, ptr::null(), 16);
        assert_eq!(listed(i.store), [c, b, a]);
        assert_eq!(((*b).tag, (*b).size, (*b).exposed), (tag, 24, 0));
        let payload = core::slice::from_raw_parts(b.cast::<u8>().add(EXN_PAYLOAD as usize), 24);
        assert!(payload.iter().all(|&x| x == 0));
        assert_eq!(c as usize % 16, 0, "v128 payloads are aligned");

        // Freed from the middle, the tail and the head; exposed ones stay.
        wacc_rt_exn_free(i.vmctx, b);
        assert_eq!(listed(i.store), [c, a]);
        (*a).exposed = 1;
        wacc_rt_exn_free(i.vmctx, a);
        assert_eq!(listed(i.store), [c, a]);
        wacc_rt_exn_free(i.vmctx, c);
        assert_eq!(listed(i.store), [a]);
        wacc_rt_exn_free(i.vmctx, ptr::null_mut());
        // `a` is freed with the store (Inst's drop), like any uncaught one.
        let d = wacc_rt_exn_new(i.vmctx, tag, 8);
        assert_eq!(listed(i.store), [d, a]);
    }
}

#[test]
fn exception_out_of_memory_traps() {
    if VM {
        return; // a huge zeroed allocation may succeed with overcommit
    }
    unsafe extern "C" fn huge(vmctx: *mut c_void, _: *mut ValRaw) {
        // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values
        // array sized for this function's signature.
        unsafe {
            wacc_rt_exn_new(vmctx, ptr::null(), u32::MAX);
        }
    }
    let i = Inst::new(simple(true));
    assert_eq!(i.invoke(huge, &mut []), TrapCode::OutOfMemory as u32);
    unsafe { assert!((*i.store).exceptions.is_null()) };
}

#[test]
fn store_free_frees_exceptions() {
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        let store = wacc_rt_store_new();
        let e = crate::core::exception::new(store, ptr::null(), 4);
        (*e).exposed = 1;
        crate::core::exception::new(store, ptr::null(), 4);
        assert_eq!(listed(store).len(), 2);
        crate::core::exception::free_all(store);
        assert!((*store).exceptions.is_null());
        wacc_rt_store_free(store);
    }
}

#[test]
fn tag_slots() {
    static LINKED_TAG: u8 = 0;
    let module = |link: bool| {
        let l: *const c_void = if link {
            (&raw const LINKED_TAG).cast()
        } else {
            ptr::null()
        };
        Module {
            tags: 4,
            imported_tags: 2,
            imports: vec![(kind::TAG, 0, ptr::null()), (kind::TAG, 1, l)],
            explicit: true,
            ..Default::default()
        }
        .build()
    };
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        let store = wacc_rt_store_new();
        let given = 0x40 as *const c_void;
        let imports = [WaccImport { tag: given }, WaccImport { tag: ptr::null() }];
        let mut a = ptr::null_mut();
        let mut b = ptr::null_mut();
        assert_eq!(
            wacc_rt_instantiate(store, module(true), imports.as_ptr(), 2, &mut a),
            0
        );
        assert_eq!(
            wacc_rt_instantiate(store, module(true), imports.as_ptr(), 2, &mut b),
            0
        );
        let tag = |v, i| *crate::core::vmctx::tag_slot(v, i);
        for v in [a, b] {
            assert_eq!(tag(v, 0), given);
            assert_eq!(tag(v, 1), (&raw const LINKED_TAG).cast());
            for i in 2..4 {
                // A defined tag is its own slot.
                assert_eq!(
                    tag(v, i),
                    crate::core::vmctx::tag_slot(v, i).cast_const().cast()
                );
            }
        }
        assert_ne!(tag(a, 2), tag(b, 2));
        assert_ne!(tag(a, 2), tag(a, 3));
        wacc_rt_instance_free(b);
        wacc_rt_instance_free(a);

        // Unresolved: no value and no link symbol.
        let mut v = ptr::null_mut();
        assert_eq!(
            wacc_rt_instantiate(store, module(false), imports.as_ptr(), 2, &mut v),
            TrapCode::UnresolvedImport as u32
        );
        assert_eq!(
            wacc_rt_instantiate(store, module(true), ptr::null(), 0, &mut v),
            TrapCode::UnresolvedImport as u32
        );
        assert!(v.is_null());
        wacc_rt_store_free(store);
    }
}

/// A code descriptor over fake addresses in a leaked buffer: functions at
/// `base + offs[i]` with `sites[i]` (ret, handler); the last function ends
/// at `base + 0x1000`.
fn fake_code(offs: &[usize], sites: &[&[(u32, u32)]]) -> (usize, *mut CodeDesc) {
    let base = leak(vec![0u8; 0x1000]) as usize;
    let mut all = vec![];
    let mut funcs = vec![];
    for (&off, ss) in offs.iter().zip(sites) {
        // Each function runs up to the next one (or the buffer's end).
        let end = offs
            .iter()
            .copied()
            .filter(|o| *o > off)
            .min()
            .unwrap_or(0x1000);
        funcs.push(FuncFrame {
            addr: (base + off) as *const u8,
            len: (end - off) as u32,
            first_site: all.len() as u32,
            first_save: 0,
            num_sites: ss.len() as u16,
            num_saves: 0,
        });
        all.extend(
            ss.iter()
                .map(|&(ret, handler)| HandlerSite { ret, handler }),
        );
    }
    let last = *offs.iter().max().unwrap();
    let code = Box::leak(Box::new(CodeDesc {
        next: ptr::null_mut(),
        users: 0,
        start: base as *const u8,
        last: (base + last) as *const u8,
        last_len: (0x1000 - last) as u32,
        num_funcs: funcs.len() as u32,
        funcs: leak(funcs),
        sites: leak(all),
        saves: ptr::null(),
    }));
    (base, code)
}

/// The registry's answers for the functions of [`fake_code`] in either order.
unsafe fn check_lookups(base: usize, code: *mut CodeDesc) {
    // SAFETY: `code` is a code descriptor built by the test, with consistent arrays and alive
    // during the call.
    unsafe {
        let h = |off| Frame::Handler(base + off);
        // Outside the code, and the start itself (no call returns there).
        assert_eq!(lookup(base - 1), Frame::Outside);
        assert_eq!(lookup(base), Frame::Outside);
        assert_eq!(lookup(base + 0x1001), Frame::Outside);
        // Functions without handlers and calls outside try_table.
        assert_eq!(lookup(base + 0x10), Frame::Wasm);
        assert_eq!(lookup(base + 0x1000), Frame::Wasm);
        assert_eq!(lookup(base + 0x108), Frame::Wasm);
        assert_eq!(lookup(base + 0x500), Frame::Wasm);
        // Sites (offsets from each function).
        assert_eq!(lookup(base + 0x110), h(0x100 + 0x40));
        assert_eq!(lookup(base + 0x120), h(0x100 + 0x48));
        assert_eq!(lookup(base + 0x130), h(0x100 + 0x48));
        assert_eq!(lookup(base + 0x408), h(0x400 + 0x80));
        assert_eq!(lookup(base + 0x808), h(0x800 + 0x20));
        assert_eq!(lookup(base + 0xfff), h(0x800 + 0x10));
        assert_eq!(unwind::users(code), 1);
    }
}

#[test]
fn code_registry() {
    let s0: &[(u32, u32)] = &[(0x10, 0x40), (0x20, 0x48), (0x30, 0x48)];
    let s1: &[(u32, u32)] = &[(0x8, 0x80)];
    let s2: &[(u32, u32)] = &[(0x8, 0x20), (0x7ff, 0x10)];
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        // Ascending: binary searches.
        let (base, code) = fake_code(&[0x100, 0x400, 0x800], &[s0, s1, s2]);
        assert_eq!(lookup(base + 0x110), Frame::Outside, "not registered yet");
        unwind::register(code);
        check_lookups(base, code);
        unwind::register(code);
        assert_eq!(unwind::users(code), 2);
        unwind::unregister(code);
        check_lookups(base, code);
        unwind::unregister(code);
        assert_eq!(unwind::users(code), 0);
        assert_eq!(lookup(base + 0x110), Frame::Outside);
        unwind::unregister(code); // no effect
        assert_eq!(unwind::users(code), 0);
        unwind::register(ptr::null_mut());

        // Unsorted functions, and unsorted sites: linear scans.
        let (base2, code2) = fake_code(&[0x800, 0x100, 0x400], &[s2, s0, s1]);
        unwind::register(code2);
        check_lookups(base2, code2);
        let s0_rev: Vec<(u32, u32)> = s0.iter().rev().copied().collect();
        let (base3, code3) = fake_code(&[0x100, 0x400, 0x800], &[&s0_rev, s1, s2]);
        unwind::register(code3);
        check_lookups(base3, code3);
        check_lookups(base2, code2);
        unwind::unregister(code2);
        assert_eq!(lookup(base2 + 0x110), Frame::Outside);
        check_lookups(base3, code3);
        unwind::unregister(code3);
        assert_eq!(lookup(base3 + 0x110), Frame::Outside);
    }
}

#[test]
fn instances_register_their_code() {
    let (base, code) = fake_code(&[0x100], &[&[(0x10, 0x20)]]);
    let desc = Module {
        explicit: true,
        code: Some(code),
        ..Default::default()
    };
    let desc = desc.build();
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        let a = Inst::new(desc);
        let b = Inst::new(desc);
        assert_eq!(unwind::users(code), 2);
        assert_eq!(lookup(base + 0x110), Frame::Handler(base + 0x120));
        drop(a);
        assert_eq!(unwind::users(code), 1);
        drop(b);
        assert_eq!(unwind::users(code), 0);
        assert_eq!(lookup(base + 0x110), Frame::Outside);

        // A failed instantiation leaves no user behind; a trapping init
        // leaves one until the store frees the instance.
        unsafe extern "C" fn trapping_init(vmctx: *mut c_void) {
            // SAFETY: called as an init function with the vmctx being set up, laid out by the
            // test's descriptor.
            unsafe {
                wacc_rt_trap(vmctx, TrapCode::Unreachable as u32);
            }
        }
        let store = wacc_rt_store_new();
        let mut v = ptr::null_mut();
        let missing = Module {
            tags: 1,
            imported_tags: 1,
            imports: vec![(kind::TAG, 0, ptr::null())],
            explicit: true,
            code: Some(code),
            ..Default::default()
        }
        .build();
        assert_eq!(
            wacc_rt_instantiate(store, missing, ptr::null(), 0, &mut v),
            TrapCode::UnresolvedImport as u32
        );
        assert_eq!(unwind::users(code), 0);
        let trapping = Module {
            explicit: true,
            code: Some(code),
            init: Some(trapping_init),
            ..Default::default()
        }
        .build();
        assert_eq!(
            wacc_rt_instantiate(store, trapping, ptr::null(), 0, &mut v),
            TrapCode::Unreachable as u32
        );
        // Without `std` the store cannot free adopted instances.
        assert_eq!(unwind::users(code), 1);
        wacc_rt_store_free(store);
        if cfg!(feature = "std") {
            assert_eq!(unwind::users(code), 0);
        }
    }
}

#[test]
fn frame_walk() {
    // Return addresses: 0x1000.. wasm, 0x2000 a site with handler 0x2100.
    let classify = |ra: usize| match ra {
        0x2000 => Frame::Handler(0x2100),
        0x3000 => Frame::Handler(0x3100),
        0x1000..=0x3fff => Frame::Wasm,
        _ => Frame::Outside,
    };
    // Frames (caller fp, return address) at ascending addresses.
    // On the heap: the walk reads it through addresses.
    let stack: &mut [usize; 16] = Box::leak(Box::new([0; 16]));
    let at = |stack: &[usize], i: usize| stack.as_ptr() as usize + 8 * i;
    let chain = |stack: &mut [usize; 16], ras: &[usize]| {
        for (k, &ra) in ras.iter().enumerate() {
            stack[4 * k] = at(stack, 4 * (k + 1));
            stack[4 * k + 1] = ra;
        }
    };
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        let fp0 = at(stack, 0);
        // thrower (pc 0x1010) <- wasm (0x1100) <- wasm (0x1200) <- catcher.
        chain(stack, &[0x1100, 0x1200, 0x2000]);
        let mut left = vec![];
        let found = walk(0x1010, 0x99, fp0, classify, |pc, fp| left.push((pc, fp)));
        // Every frame from the thrower's to the catcher's callee is left.
        assert_eq!(
            left,
            [
                (0x1010, fp0),
                (0x1100, at(stack, 4)),
                (0x1200, at(stack, 8))
            ]
        );
        assert_eq!(
            found,
            Some(Resume {
                pc: 0x2100,
                sp: at(stack, 8) + 16,
                fp: at(stack, 12),
            })
        );
        // The throw call itself is a site: its own frame resumes.
        assert_eq!(
            walk(0x3000, 0x99, fp0, classify, |_, _| {}),
            Some(Resume {
                pc: 0x3100,
                sp: 0x99,
                fp: fp0
            })
        );
        // A thrower outside registered code, and a host frame first.
        assert_eq!(walk(0x10, 0x99, fp0, classify, |_, _| {}), None);
        chain(stack, &[0x1100, 0x50, 0x2000]);
        assert_eq!(walk(0x1010, 0x99, fp0, classify, |_, _| {}), None);
        // Broken chains: null or misaligned fp, null return address, a
        // caller frame below its callee.
        assert_eq!(walk(0x1010, 0x99, 0, classify, |_, _| {}), None);
        assert_eq!(walk(0x1010, 0x99, fp0 + 4, classify, |_, _| {}), None);
        chain(stack, &[0x1100, 0, 0x2000]);
        assert_eq!(walk(0x1010, 0x99, fp0, classify, |_, _| {}), None);
        chain(stack, &[0x1100, 0x1200, 0x2000]);
        stack[4] = fp0;
        assert_eq!(walk(0x1010, 0x99, fp0, classify, |_, _| {}), None);
    }
}

// Hand-written "wasm" functions with frame pointers, as Cranelift lays them
// out: `catcher(vmctx, exn)` calls `middle`, which calls `thrower`, which
// sets a callee-saved register (rbx, x19, s1) to `exn + 1` and calls
// `wacc_rt_throw(vmctx, exn)`. The catcher's call is a site whose handler
// returns the exception plus that register (which the throw entry captured
// and the handler gets back); its normal return path returns 0. The
// catcher keeps the register for its own caller.
#[cfg(target_arch = "x86_64")]
core::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl wacc_test_catcher, wacc_test_catcher_ret, wacc_test_catcher_handler",
    ".globl wacc_test_thrower, wacc_test_code_end",
    ".hidden wacc_test_catcher, wacc_test_catcher_ret, wacc_test_catcher_handler",
    ".hidden wacc_test_thrower, wacc_test_code_end",
    "wacc_test_catcher:",
    "push rbp",
    "mov rbp, rsp",
    "push rbx",
    "sub rsp, 8",
    "call .Lwacc_test_middle",
    "wacc_test_catcher_ret:",
    "xor eax, eax",
    "add rsp, 8",
    "pop rbx",
    "pop rbp",
    "ret",
    "wacc_test_catcher_handler:",
    "add rax, rbx",
    "add rsp, 8",
    "pop rbx",
    "pop rbp",
    "ret",
    ".Lwacc_test_middle:",
    "push rbp",
    "mov rbp, rsp",
    "call wacc_test_thrower",
    "ud2",
    "wacc_test_thrower:",
    "push rbp",
    "mov rbp, rsp",
    "lea rbx, [rsi + 1]",
    "call wacc_rt_throw@PLT",
    "ud2",
    "wacc_test_code_end:",
);

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(
    ".text",
    ".p2align 2",
    ".globl wacc_test_catcher, wacc_test_catcher_ret, wacc_test_catcher_handler",
    ".globl wacc_test_thrower, wacc_test_code_end",
    ".hidden wacc_test_catcher, wacc_test_catcher_ret, wacc_test_catcher_handler",
    ".hidden wacc_test_thrower, wacc_test_code_end",
    "wacc_test_catcher:",
    "stp x29, x30, [sp, #-32]!",
    "mov x29, sp",
    "str x19, [sp, #16]",
    "bl .Lwacc_test_middle",
    "wacc_test_catcher_ret:",
    "mov x0, #0",
    "ldr x19, [sp, #16]",
    "ldp x29, x30, [sp], #32",
    "ret",
    "wacc_test_catcher_handler:",
    "add x0, x0, x19",
    "ldr x19, [sp, #16]",
    "ldp x29, x30, [sp], #32",
    "ret",
    ".Lwacc_test_middle:",
    "stp x29, x30, [sp, #-16]!",
    "mov x29, sp",
    "bl wacc_test_thrower",
    "brk #1",
    "wacc_test_thrower:",
    "stp x29, x30, [sp, #-16]!",
    "mov x29, sp",
    "add x19, x1, #1",
    "bl wacc_rt_throw",
    "brk #1",
    "wacc_test_code_end:",
);

#[cfg(target_arch = "riscv64")]
core::arch::global_asm!(
    ".text",
    ".option push",
    ".option norelax",
    ".p2align 2",
    ".globl wacc_test_catcher, wacc_test_catcher_ret, wacc_test_catcher_handler",
    ".globl wacc_test_thrower, wacc_test_code_end",
    ".hidden wacc_test_catcher, wacc_test_catcher_ret, wacc_test_catcher_handler",
    ".hidden wacc_test_thrower, wacc_test_code_end",
    "wacc_test_catcher:",
    "addi sp, sp, -32",
    "sd ra, 8(sp)",
    "sd s0, 0(sp)",
    "sd s1, 16(sp)",
    "mv s0, sp",
    "call .Lwacc_test_middle",
    "wacc_test_catcher_ret:",
    "li a0, 0",
    "ld s1, 16(sp)",
    "ld ra, 8(sp)",
    "ld s0, 0(sp)",
    "addi sp, sp, 32",
    "ret",
    "wacc_test_catcher_handler:",
    "add a0, a0, s1",
    "ld s1, 16(sp)",
    "ld ra, 8(sp)",
    "ld s0, 0(sp)",
    "addi sp, sp, 32",
    "ret",
    ".Lwacc_test_middle:",
    "addi sp, sp, -16",
    "sd ra, 8(sp)",
    "sd s0, 0(sp)",
    "mv s0, sp",
    "call wacc_test_thrower",
    "unimp",
    "wacc_test_thrower:",
    "addi sp, sp, -16",
    "sd ra, 8(sp)",
    "sd s0, 0(sp)",
    "mv s0, sp",
    "addi s1, a1, 1",
    "call wacc_rt_throw",
    "unimp",
    "wacc_test_code_end:",
    ".option pop",
);

#[cfg(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "riscv64"
))]
mod throw {
    use super::*;

    extern "C" {
        fn wacc_test_catcher(vmctx: *mut c_void, exn: *mut VMException) -> *mut VMException;
        fn wacc_test_thrower(vmctx: *mut c_void, exn: *mut VMException);
        static wacc_test_catcher_ret: u8;
        static wacc_test_catcher_handler: u8;
        static wacc_test_code_end: u8;
    }

    /// The descriptor of the functions above: the catcher's call is a site.
    fn code() -> *mut CodeDesc {
        let start = wacc_test_catcher as *const u8;
        let off = |p: *const u8| (p as usize - start as usize) as u32;
        let thrower = wacc_test_thrower as *const u8;
        let site = HandlerSite {
            ret: off(&raw const wacc_test_catcher_ret),
            handler: off(&raw const wacc_test_catcher_handler),
        };
        Box::leak(Box::new(CodeDesc {
            next: ptr::null_mut(),
            users: 0,
            start,
            last: thrower,
            last_len: off(&raw const wacc_test_code_end) - off(thrower),
            num_funcs: 1,
            funcs: leak(vec![FuncFrame {
                addr: start,
                len: off(thrower),
                first_site: 0,
                first_save: 0,
                num_sites: 1,
                num_saves: 0,
            }]),
            sites: leak(vec![site]),
            saves: ptr::null(),
        }))
    }

    /// `values[0]`: the exception in, what the catcher returned out.
    unsafe extern "C" fn catch(vmctx: *mut c_void, v: *mut ValRaw) {
        // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values
        // array sized for this function's signature.
        unsafe {
            let exn = arg(v, 0) as *mut VMException;
            *v = ValRaw::u64(wacc_test_catcher(vmctx, exn) as u64);
        }
    }

    unsafe extern "C" fn throw_from_host_frame(vmctx: *mut c_void, v: *mut ValRaw) {
        // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values
        // array sized for this function's signature.
        unsafe {
            wacc_test_thrower(vmctx, arg(v, 0) as *mut VMException);
        }
    }

    unsafe extern "C" fn throw_null(vmctx: *mut c_void, _: *mut ValRaw) {
        // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values
        // array sized for this function's signature.
        unsafe {
            wacc_test_thrower(vmctx, ptr::null_mut());
        }
    }

    #[test]
    fn throw_and_catch() {
        let code = code();
        let i = Inst::new(simple(true));
        // SAFETY: the stores, instances and objects used here are created by this test (or its
        // helpers) and used on this thread only while they are alive; indices are those of the
        // test descriptors.
        unsafe {
            let exn = wacc_rt_exn_new(i.vmctx, ptr::null(), 8);
            let mut v = [ValRaw::u64(exn as u64)];
            // Unregistered code is not wasm: nothing catches.
            assert_eq!(i.invoke(catch, &mut v), TrapCode::UncaughtException as u32);
            unwind::register(code);
            for _ in 0..3 {
                let mut v = [ValRaw::u64(exn as u64)];
                assert_eq!(i.invoke(catch, &mut v), 0);
                assert_eq!(
                    v[0].get_u64(),
                    2 * exn as u64 + 1,
                    "handler got the exception and the thrower's register"
                );
            }
            // The walk stops at the first host frame.
            let mut v = [ValRaw::u64(exn as u64)];
            assert_eq!(
                i.invoke(throw_from_host_frame, &mut v),
                TrapCode::UncaughtException as u32
            );
            let pc = (*i.store).trap_pc;
            let thrower = wacc_test_thrower as *const u8 as usize;
            assert!(thrower < pc && pc <= &raw const wacc_test_code_end as usize);
            assert!((*i.store).jmp_buf.is_null());
            assert_eq!((*i.store).stack_limit, 0);
            assert_eq!(
                i.invoke(throw_null, &mut []),
                TrapCode::NullExceptionRef as u32
            );
            unwind::unregister(code);
            // The uncaught exception stays with the store.
            assert_eq!(listed(i.store), [exn]);
        }
    }
}
