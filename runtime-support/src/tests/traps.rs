//! Traps, nesting, stack limits and guard-mode faults.

use super::*;

unsafe extern "C" fn trap_with(vmctx: *mut c_void, v: *mut ValRaw) {
    // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values array
    // sized for this function's signature.
    unsafe { wacc_rt_trap(vmctx, arg(v, 0) as u32) }
}

unsafe extern "C" fn recurse_then_trap(vmctx: *mut c_void, v: *mut ValRaw) {
    // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values array
    // sized for this function's signature.
    unsafe {
        let depth = arg(v, 1);
        if depth == 0 {
            wacc_rt_trap(vmctx, arg(v, 0) as u32);
        }
        *v.add(1) = ValRaw::u64(depth - 1);
        recurse_then_trap(vmctx, v);
        // Not reached; keeps the recursion from being a tail call.
        *v.add(2) = ValRaw::u64(1);
    }
}

#[test]
fn trap_through_invoke() {
    let i = Inst::new(simple(true));
    for code in [1u32, 7, 10] {
        assert_eq!(i.invoke(trap_with, &mut [ValRaw::u64(code as u64)]), code);
        // SAFETY: the stores, instances and objects used here are created by this test (or its
        // helpers) and used on this thread only while they are alive; indices are those of the
        // test descriptors.
        unsafe {
            assert!((*i.store).jmp_buf.is_null());
            assert_eq!((*i.store).stack_limit, 0);
        }
    }
    // Code 0 still traps.
    assert_eq!(i.invoke(trap_with, &mut [ValRaw::u64(0)]), 1);
    let mut v = args(TrapCode::IntegerOverflow as u64, 1000, 0);
    assert_eq!(i.invoke(recurse_then_trap, &mut v), 6);
    // The store is reusable.
    let mut v = [ValRaw::default()];
    assert_eq!(i.invoke(ok, &mut v), 0);
    assert_eq!(v[0].get_u32(), 42);
    unsafe { assert_eq!(wacc_rt_invoke(i.vmctx, None, v.as_mut_ptr()), 13) };
}

unsafe extern "C" fn nested(vmctx: *mut c_void, v: *mut ValRaw) {
    // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values array
    // sized for this function's signature.
    unsafe {
        let outer_limit = (*crate::core::vmctx::store(vmctx)).stack_limit;
        let outer_pad = (*crate::core::vmctx::store(vmctx)).jmp_buf;
        let mut inner = [ValRaw::u64(arg(v, 0))];
        let code = wacc_rt_invoke(vmctx, Some(trap_with), inner.as_mut_ptr());
        let s = crate::core::vmctx::store(vmctx);
        *v.add(1) = ValRaw::u64(code as u64);
        *v.add(2) =
            ValRaw::u64(((*s).stack_limit == outer_limit && (*s).jmp_buf == outer_pad) as u64);
        if arg(v, 3) != 0 {
            wacc_rt_trap(vmctx, arg(v, 3) as u32);
        }
    }
}

#[test]
fn nested_invokes() {
    let i = Inst::new(simple(true));
    let mut v = [
        ValRaw::u64(5),
        ValRaw::default(),
        ValRaw::default(),
        ValRaw::u64(0),
    ];
    assert_eq!(i.invoke(nested, &mut v), 0);
    assert_eq!(v[1].get_u64(), 5, "inner trap code");
    assert_eq!(v[2].get_u64(), 1, "outer pad and limit restored");
    // The outer pad still works after an inner trap.
    v[3] = ValRaw::u64(9);
    assert_eq!(i.invoke(nested, &mut v), 9);
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        assert!((*i.store).jmp_buf.is_null());
        assert_eq!((*i.store).stack_limit, 0);
    }
}

unsafe extern "C" fn read_limit(vmctx: *mut c_void, v: *mut ValRaw) {
    // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values array
    // sized for this function's signature.
    unsafe {
        let marker = 0u8;
        let here = core::hint::black_box(&marker as *const u8) as u64;
        *v = ValRaw::u64((*crate::core::vmctx::store(vmctx)).stack_limit as u64);
        *v.add(1) = ValRaw::u64(here);
    }
}

/// What a generated prologue does: trap if the stack is below the limit.
unsafe extern "C" fn recurse_forever(vmctx: *mut c_void, v: *mut ValRaw) {
    // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values array
    // sized for this function's signature.
    unsafe {
        let marker = 0u8;
        let here = core::hint::black_box(&marker as *const u8) as usize;
        if here < (*crate::core::vmctx::store(vmctx)).stack_limit {
            wacc_rt_trap(vmctx, TrapCode::StackOverflow as u32);
        }
        *v = ValRaw::u64(arg(v, 0) + 1);
        recurse_forever(vmctx, v);
        *v.add(1) = ValRaw::u64(1);
    }
}

#[test]
fn stack_limit_set_and_restored() {
    let i = Inst::new(simple(true));
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe { assert_eq!((*i.store).max_wasm_stack, 1 << 20) };
    let mut v = [ValRaw::default(), ValRaw::default()];
    assert_eq!(i.invoke(read_limit, &mut v), 0);
    let (limit, here) = (v[0].get_u64(), v[1].get_u64());
    assert!(limit != 0 && limit < here);
    assert!(here - limit <= 1 << 20 && here - limit > (1 << 20) - (64 << 10));
    unsafe { assert_eq!((*i.store).stack_limit, 0) };

    // Runaway recursion stops at the (smaller) budget; the store survives.
    unsafe { (*i.store).max_wasm_stack = 256 << 10 };
    let mut v = [ValRaw::default(), ValRaw::default()];
    assert_eq!(
        i.invoke(recurse_forever, &mut v),
        TrapCode::StackOverflow as u32
    );
    assert!(v[0].get_u64() > 100);
    unsafe { assert_eq!((*i.store).stack_limit, 0) };
    assert_eq!(i.invoke(ok, &mut v), 0);
}

#[test]
#[cfg(feature = "std")]
fn stack_limit_respects_small_thread_stacks() {
    // The default 1 MiB budget does not fit in this thread's stack: the
    // limit follows the stack's end instead, and recursion still traps.
    let t = std::thread::Builder::new().stack_size(512 << 10).spawn(|| {
        let i = Inst::new(simple(true));
        let mut v = [ValRaw::default(), ValRaw::default()];
        let code = i.invoke(recurse_forever, &mut v);
        (code, v[0].get_u64())
    });
    let (code, depth) = t.unwrap().join().unwrap();
    assert_eq!(code, TrapCode::StackOverflow as u32);
    assert!(depth > 100);
}

#[cfg(feature = "std")]
unsafe extern "C" fn poke(vmctx: *mut c_void, v: *mut ValRaw) {
    // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values array
    // sized for this function's signature.
    unsafe {
        let m = crate::core::vmctx::memory(vmctx, 0);
        ptr::write_volatile((*m).base.add(arg(v, 0) as usize), 1u8);
    }
}

#[test]
#[cfg(feature = "std")]
fn guard_fault_is_out_of_bounds() {
    let i = Inst::new(simple(false));
    let oob = TrapCode::MemoryOutOfBounds as u32;
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe { assert_eq!((*i.mem()).reserved, GUARD_RESERVATION) };
    assert_eq!(i.invoke(poke, &mut [ValRaw::u64(PAGE - 1)]), 0);
    for addr in [PAGE, PAGE + 100, (4 << 30) + 12345, GUARD_RESERVATION - 1] {
        assert_eq!(i.invoke(poke, &mut [ValRaw::u64(addr)]), oob);
        unsafe {
            assert!((*i.store).jmp_buf.is_null());
            #[cfg(target_arch = "x86_64")]
            assert_ne!((*i.store).trap_pc, 0);
        }
    }
    // Still usable, and growth makes the page accessible.
    unsafe { assert_eq!(wacc_rt_memory_grow(i.vmctx, 0, 1), 1) };
    assert_eq!(i.invoke(poke, &mut [ValRaw::u64(PAGE + 100)]), 0);
    // A fault inside a nested invoke lands in the inner pad.
    let mut v = [
        ValRaw::u64(2 * PAGE),
        ValRaw::default(),
        ValRaw::default(),
        ValRaw::u64(0),
    ];
    unsafe extern "C" fn nested_poke(vmctx: *mut c_void, v: *mut ValRaw) {
        // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values
        // array sized for this function's signature.
        unsafe {
            let code = wacc_rt_invoke(vmctx, Some(poke), v);
            *v.add(1) = ValRaw::u64(code as u64);
        }
    }
    assert_eq!(i.invoke(nested_poke, &mut v), 0);
    assert_eq!(v[1].get_u32(), oob);
}

#[test]
#[cfg(feature = "std")]
fn foreign_fault_still_crashes() {
    // In a child process: a fault outside any reservation must reach the
    // default action even while wasm runs.
    let _i = Inst::new(simple(false));
    // SAFETY: fork/waitpid as documented; the child only runs wasm through `Inst` and exits.
    unsafe {
        let pid = libc::fork();
        assert!(pid >= 0);
        if pid == 0 {
            let i = Inst::new(simple(false));
            unsafe extern "C" fn wild(_: *mut c_void, _: *mut ValRaw) {
                // SAFETY: deliberately faults outside any reservation (in the child only) to test
                // the default action.
                unsafe {
                    ptr::write_volatile(16 as *mut u8, 1);
                }
            }
            i.invoke(wild, &mut []);
            libc::_exit(0);
        }
        let mut status = 0;
        assert_eq!(libc::waitpid(pid, &mut status, 0), pid);
        assert!(libc::WIFSIGNALED(status), "status {status:#x}");
        assert_eq!(libc::WTERMSIG(status), libc::SIGSEGV);
    }
}
