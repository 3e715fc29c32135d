//! Memories, tables and the bulk-memory/table libcalls.

use super::*;

#[test]
fn memory_growth_and_limits() {
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        for &guard in guard_modes() {
            let store = wacc_rt_store_new();
            let m = wacc_rt_memory_new(store, if VM { 1 } else { 3 }, 3, guard);
            if !VM {
                // No virtual memory: the whole size up front, no growth.
                assert_eq!(memory::grow(m, 1), None);
                wacc_rt_memory_free(m);
                wacc_rt_store_free(store);
                continue;
            }
            assert!(!m.is_null());
            assert_eq!((*m).length, PAGE);
            assert_eq!(memory::grow(m, 0), Some(1));
            assert_eq!(memory::grow(m, 1), Some(1));
            // New pages are zero and writable.
            let last = (*m).base.add(2 * PAGE as usize - 1);
            assert_eq!(*last, 0);
            *last = 7;
            assert_eq!(memory::grow(m, 2), None);
            assert_eq!(memory::grow(m, u64::MAX), None);
            assert_eq!(memory::grow(m, 1), Some(2));
            assert_eq!(memory::grow(m, 1), None);
            assert_eq!((*m).length, 3 * PAGE);
            wacc_rt_memory_free(m);

            // No maximum: capped at 65536 pages.
            let m = wacc_rt_memory_new(store, 0, NO_MAX, guard);
            assert_eq!((*m).max_pages, 65536);
            assert_eq!(memory::grow(m, 65537), None);
            assert_eq!(memory::grow(m, 65536), Some(0));
            assert_eq!(memory::grow(m, 1), None);
            wacc_rt_memory_free(m);

            assert!(wacc_rt_memory_new(store, 3, 2, guard).is_null());
            wacc_rt_store_free(store);
        }
        // Explicit mode with max 0: empty, cannot grow, but grow(0) works.
        let m = wacc_rt_memory_new(ptr::null_mut(), 0, 0, false);
        assert_eq!((*m).reserved, 0);
        assert_eq!(memory::grow(m, 0), Some(0));
        assert_eq!(memory::grow(m, 1), None);
        wacc_rt_memory_free(m);
    }
}

#[test]
#[cfg(feature = "std")]
fn memory_grow_libcall() {
    let i = Inst::new(simple(true));
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        assert_eq!(wacc_rt_memory_grow(i.vmctx, 0, 1), 1);
        assert_eq!(wacc_rt_memory_grow(i.vmctx, 0, 1), u64::MAX);
        assert_eq!((*i.mem()).length, 2 * PAGE);
    }
}

#[test]
fn table_ops_bounds() {
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        let t = wacc_rt_table_new(2, 10, 0);
        assert_eq!(table::grow(t, 3, 5), Some(2));
        assert_eq!((*t).length, 5);
        let el = |i: usize| *(*t).base.add(i);
        assert_eq!((0..5).map(el).collect::<Vec<_>>(), [0, 0, 5, 5, 5]);
        assert_eq!(table::grow(t, 6, 0), None);
        assert_eq!(table::grow(t, u32::MAX, 0), None);
        assert_eq!(table::grow(t, 5, 9), Some(5));
        assert_eq!(table::grow(t, 0, 9), Some(10));

        // Fill: whole range checked first; zero length at the end is fine.
        assert_eq!(table::fill(t, 8, 1, 3), Err(TrapCode::TableOutOfBounds));
        assert_eq!(el(8), 9);
        assert_eq!(table::fill(t, 10, 1, 0), Ok(()));
        assert_eq!(table::fill(t, 11, 1, 0), Err(TrapCode::TableOutOfBounds));
        assert_eq!(
            table::fill(t, u32::MAX, 1, 2),
            Err(TrapCode::TableOutOfBounds)
        );
        for i in 0..10 {
            *(*t).base.add(i) = i;
        }
        // Overlapping copies in both directions.
        table::copy(t, t, 1, 0, 4).unwrap();
        assert_eq!((0..6).map(el).collect::<Vec<_>>(), [0, 0, 1, 2, 3, 5]);
        table::copy(t, t, 0, 1, 4).unwrap();
        assert_eq!((0..6).map(el).collect::<Vec<_>>(), [0, 1, 2, 3, 3, 5]);
        assert_eq!(table::copy(t, t, 7, 0, 4), Err(TrapCode::TableOutOfBounds));
        assert_eq!(table::copy(t, t, 0, 7, 4), Err(TrapCode::TableOutOfBounds));
        assert_eq!(el(0), 0);
        assert_eq!(table::copy(t, t, 10, 10, 0), Ok(()));

        // Init: both the segment and the table range are checked.
        let items = [1u32, 2, 3];
        let v = |i: u32| 100 + i as usize;
        assert_eq!(
            table::init(t, &items, 8, 0, 3, v),
            Err(TrapCode::TableOutOfBounds)
        );
        assert_eq!(
            table::init(t, &items, 0, 2, 2, v),
            Err(TrapCode::TableOutOfBounds)
        );
        assert_eq!(el(8), 8);
        table::init(t, &items, 7, 0, 3, v).unwrap();
        assert_eq!((7..10).map(el).collect::<Vec<_>>(), [101, 102, 103]);
        assert_eq!(table::init(t, &items, 10, 3, 0, v), Ok(()));
        wacc_rt_table_free(t);

        // Without a maximum, growth stops at the implementation limit.
        let t = wacc_rt_table_new(0, u32::MAX, 1);
        assert_eq!(table::grow(t, 0xffff_fff0, 0), None);
        assert_eq!(table::grow(t, 1, 3), Some(0));
        wacc_rt_table_free(t);
        assert!(wacc_rt_table_new(5, 4, 0).is_null());
    }
}

unsafe extern "C" fn call_fill(vmctx: *mut c_void, v: *mut ValRaw) {
    // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values array
    // sized for this function's signature.
    unsafe {
        wacc_rt_memory_fill(vmctx, 0, arg(v, 0), arg(v, 1) as u32, arg(v, 2));
    }
}
unsafe extern "C" fn call_copy(vmctx: *mut c_void, v: *mut ValRaw) {
    // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values array
    // sized for this function's signature.
    unsafe {
        wacc_rt_memory_copy(vmctx, 0, 0, arg(v, 0), arg(v, 1), arg(v, 2));
    }
}
unsafe extern "C" fn call_init(vmctx: *mut c_void, v: *mut ValRaw) {
    // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values array
    // sized for this function's signature.
    unsafe {
        wacc_rt_memory_init(vmctx, 0, 0, arg(v, 0), arg(v, 1) as u32, arg(v, 2) as u32);
    }
}
unsafe extern "C" fn call_table_init(vmctx: *mut c_void, v: *mut ValRaw) {
    // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values array
    // sized for this function's signature.
    unsafe {
        wacc_rt_table_init(
            vmctx,
            0,
            0,
            arg(v, 0) as u32,
            arg(v, 1) as u32,
            arg(v, 2) as u32,
        );
    }
}
unsafe extern "C" fn call_table_copy(vmctx: *mut c_void, v: *mut ValRaw) {
    // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values array
    // sized for this function's signature.
    unsafe {
        wacc_rt_table_copy(
            vmctx,
            0,
            0,
            arg(v, 0) as u32,
            arg(v, 1) as u32,
            arg(v, 2) as u32,
        );
    }
}
unsafe extern "C" fn call_table_fill(vmctx: *mut c_void, v: *mut ValRaw) {
    // SAFETY: called through wacc_rt_invoke with the live test instance's vmctx and a values array
    // sized for this function's signature.
    unsafe {
        wacc_rt_table_fill(
            vmctx,
            0,
            arg(v, 0) as u32,
            arg(v, 1) as usize,
            arg(v, 2) as u32,
        );
    }
}

#[test]
fn bulk_memory_bounds() {
    for &guard in guard_modes() {
        let i = Inst::new(simple(!guard));
        // SAFETY: the stores, instances and objects used here are created by this test (or its
        // helpers) and used on this thread only while they are alive; indices are those of the
        // test descriptors.
        let mem = |a: usize| unsafe { *(*i.mem()).base.add(a) };
        let oob = TrapCode::MemoryOutOfBounds as u32;
        // fill
        assert_eq!(i.invoke(call_fill, &mut args(10, 0xAB, 3)), 0);
        assert_eq!(
            (9..14).map(mem).collect::<Vec<_>>(),
            [0, 0xAB, 0xAB, 0xAB, 0]
        );
        assert_eq!(i.invoke(call_fill, &mut args(PAGE - 2, 1, 3)), oob);
        assert_eq!(mem(PAGE as usize - 1), 0, "no partial write");
        assert_eq!(i.invoke(call_fill, &mut args(PAGE, 1, 0)), 0);
        assert_eq!(i.invoke(call_fill, &mut args(PAGE + 1, 1, 0)), oob);
        assert_eq!(i.invoke(call_fill, &mut args(u64::MAX, 1, 2)), oob);
        // copy, overlapping
        assert_eq!(i.invoke(call_copy, &mut args(11, 10, 3)), 0);
        assert_eq!(
            (9..15).map(mem).collect::<Vec<_>>(),
            [0, 0xAB, 0xAB, 0xAB, 0xAB, 0]
        );
        assert_eq!(i.invoke(call_copy, &mut args(PAGE - 1, 10, 2)), oob);
        assert_eq!(i.invoke(call_copy, &mut args(0, PAGE - 1, 2)), oob);
        assert_eq!(mem(0), 0);
        assert_eq!(i.invoke(call_copy, &mut args(PAGE, PAGE, 0)), 0);
        // init from "hello", then after data.drop only empty inits work
        assert_eq!(i.invoke(call_init, &mut args(100, 1, 4)), 0);
        assert_eq!((100..104).map(mem).collect::<Vec<_>>(), b"ello");
        assert_eq!(i.invoke(call_init, &mut args(200, 2, 4)), oob);
        assert_eq!(i.invoke(call_init, &mut args(PAGE - 1, 0, 2)), oob);
        assert_eq!(mem(200), 0);
        assert_eq!(i.invoke(call_init, &mut args(PAGE, 5, 0)), 0);
        unsafe { wacc_rt_data_drop(i.vmctx, 0) };
        assert_eq!(i.invoke(call_init, &mut args(0, 0, 1)), oob);
        assert_eq!(i.invoke(call_init, &mut args(0, 0, 0)), 0);
        assert_eq!(i.invoke(call_init, &mut args(0, 1, 0)), oob);
    }
}

static GLOBAL_REF: usize = 0x1234_5670;

unsafe extern "C" fn set_global(vmctx: *mut c_void) {
    // SAFETY: called as an init function with the vmctx being set up, laid out by the test's
    // descriptor.
    unsafe {
        *crate::core::vmctx::global(vmctx, 0).cast::<usize>() = GLOBAL_REF;
    }
}

#[test]
fn table_libcalls_and_elem_items() {
    let i = Inst::new(
        Module {
            init: Some(set_global),
            ..simple_module(true)
        }
        .build(),
    );
    let tb = TrapCode::TableOutOfBounds as u32;
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    let el = |k: usize| unsafe { *(*i.table()).base.add(k) };
    assert_eq!(i.invoke(call_table_init, &mut args(0, 0, 4)), 0);
    let f = |idx: u32| unsafe { crate::core::vmctx::funcref(i.vmctx, idx) as usize };
    assert_eq!(
        (0..4).map(el).collect::<Vec<_>>(),
        [f(1), 0, GLOBAL_REF, f(0)]
    );
    unsafe {
        let fr = &*(f(1) as *const VMFuncRef);
        assert_eq!(fr.vmctx, i.vmctx);
        assert_eq!(fr.type_id, sig_id(&[], &[]).unwrap());
    }
    assert_eq!(i.invoke(call_table_init, &mut args(1, 0, 4)), tb);
    assert_eq!(i.invoke(call_table_init, &mut args(0, 1, 4)), tb);
    assert_eq!(i.invoke(call_table_init, &mut args(4, 4, 0)), 0);
    assert_eq!(i.invoke(call_table_fill, &mut args(2, 9, 3)), tb);
    assert_eq!(el(2), GLOBAL_REF);
    assert_eq!(i.invoke(call_table_copy, &mut args(1, 0, 3)), 0);
    assert_eq!(
        (0..4).map(el).collect::<Vec<_>>(),
        [f(1), f(1), 0, GLOBAL_REF]
    );
    unsafe {
        assert_eq!(wacc_rt_table_grow(i.vmctx, 0, 42, 4), 4);
        assert_eq!(wacc_rt_table_grow(i.vmctx, 0, 42, 1), u32::MAX);
        wacc_rt_elem_drop(i.vmctx, 0);
    }
    assert_eq!(el(7), 42);
    assert_eq!(i.invoke(call_table_init, &mut args(0, 0, 1)), tb);
    assert_eq!(i.invoke(call_table_init, &mut args(8, 0, 0)), 0);
}
