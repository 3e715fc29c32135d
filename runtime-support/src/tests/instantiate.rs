//! Instantiation, imports, signature ids and messages.

use super::*;

#[test]
fn instantiate_imports() {
    unsafe extern "C" fn host_fn(_: *mut c_void) {}
    static mut LINKED_GLOBAL: [u8; 16] = [0; 16];
    unsafe extern "C" fn linked_fn(_: *mut c_void) {}
    let module = |link: bool| {
        let lf = if link {
            linked_fn as *const c_void
        } else {
            ptr::null()
        };
        let lg: *const c_void = if link {
            (&raw const LINKED_GLOBAL).cast()
        } else {
            ptr::null()
        };
        Module {
            types: vec![(vec![valtype::I32], vec![]), (vec![1; 20], vec![2])],
            funcs: vec![
                (0, ptr::null(), None),
                (1, ptr::null(), None),
                (0, 8 as *const c_void, Some(ok)),
            ],
            imported_funcs: 2,
            memories: vec![(0, 0)],
            imported_memories: 1,
            tables: vec![(0, 0), (2, 3)],
            imported_tables: 1,
            globals: 2,
            imported_globals: 1,
            imports: vec![
                (kind::FUNC, 0, ptr::null()),
                (kind::FUNC, 1, lf),
                (kind::MEMORY, 0, ptr::null()),
                (kind::TABLE, 0, ptr::null()),
                (kind::GLOBAL, 0, lg),
            ],
            explicit: true,
            ..Default::default()
        }
        .build()
    };
    // SAFETY: the stores, instances and objects used here are created by this test (or its helpers)
    // and used on this thread only while they are alive; indices are those of the test descriptors.
    unsafe {
        let store = wacc_rt_store_new();
        let mem = wacc_rt_memory_new(store, 1, 1, false);
        let tab = wacc_rt_table_new(1, 1, 0);
        let i32_sig = sig_id(&[valtype::I32], &[]).unwrap();
        let host = VMFuncRef {
            func: host_fn as *const c_void,
            type_id: i32_sig,
            vmctx: 77 as *mut c_void,
            array_call: ptr::null(),
        };
        let mut cell = [0u8; 16];
        let imports = [
            WaccImport { func: &host },
            WaccImport { func: ptr::null() },
            WaccImport { memory: mem },
            WaccImport { table: tab },
            WaccImport {
                global: ptr::null_mut(),
            },
        ];
        let mut vmctx = ptr::null_mut();
        // Link symbols fill the gaps.
        assert_eq!(
            wacc_rt_instantiate(store, module(true), imports.as_ptr(), 5, &mut vmctx),
            0
        );
        let fr = |f| &*crate::core::vmctx::funcref(vmctx, f);
        assert_eq!(fr(0).func, host_fn as *const c_void);
        assert_eq!(fr(0).vmctx, 77 as *mut c_void);
        assert_eq!(fr(1).func, linked_fn as *const c_void);
        assert_eq!(fr(1).vmctx, vmctx);
        assert!(fr(1).type_id & INTERNED != 0);
        assert_eq!(fr(2).func, 8 as *const c_void);
        assert_eq!(fr(2).array_call, ok as *const c_void);
        assert_eq!(fr(2).type_id, i32_sig);
        assert_eq!(crate::core::vmctx::memory(vmctx, 0), mem);
        assert_eq!(crate::core::vmctx::table(vmctx, 0), tab);
        assert_eq!((*crate::core::vmctx::table(vmctx, 1)).length, 2);
        assert_eq!(
            crate::core::vmctx::global(vmctx, 0),
            (&raw mut LINKED_GLOBAL).cast()
        );
        assert_eq!(
            crate::core::vmctx::global(vmctx, 1),
            crate::core::vmctx::defined_global(vmctx, 0)
        );
        wacc_rt_instance_free(vmctx);

        // Host-supplied global, same interned id on a second instantiation.
        let mut imports2 = imports;
        imports2[4] = WaccImport {
            global: cell.as_mut_ptr(),
        };
        assert_eq!(
            wacc_rt_instantiate(store, module(true), imports2.as_ptr(), 5, &mut vmctx),
            0
        );
        assert_eq!(crate::core::vmctx::global(vmctx, 0), cell.as_mut_ptr());
        let id1 = (*crate::core::vmctx::funcref(vmctx, 1)).type_id;
        let long = [1u8; 20];
        assert_eq!(
            id1,
            wacc_rt_intern_sig(long.as_ptr(), 20, [2u8].as_ptr(), 1)
        );
        wacc_rt_instance_free(vmctx);

        // Missing imports.
        let unresolved = TrapCode::UnresolvedImport as u32;
        assert_eq!(
            wacc_rt_instantiate(store, module(false), imports.as_ptr(), 5, &mut vmctx),
            unresolved
        );
        assert!(vmctx.is_null());
        assert_eq!(
            wacc_rt_instantiate(store, module(true), imports.as_ptr(), 2, &mut vmctx),
            unresolved
        );
        // Wrong function type.
        let bad = VMFuncRef {
            type_id: sig_id(&[], &[]).unwrap(),
            ..host
        };
        let mut imports3 = imports2;
        imports3[0] = WaccImport { func: &bad };
        assert_eq!(
            wacc_rt_instantiate(store, module(true), imports3.as_ptr(), 5, &mut vmctx),
            TrapCode::InstantiationFailed as u32
        );
        // Guard-mode code cannot use a memory without a guard reservation.
        let guarded = module(true);
        guarded.flags = 0;
        assert_eq!(
            wacc_rt_instantiate(store, guarded, imports2.as_ptr(), 5, &mut vmctx),
            TrapCode::InstantiationFailed as u32
        );
        // ABI mismatch.
        let old = module(true);
        old.abi_version = 0;
        assert_eq!(
            wacc_rt_instantiate(store, old, imports2.as_ptr(), 5, &mut vmctx),
            TrapCode::InstantiationFailed as u32
        );

        wacc_rt_table_free(tab);
        wacc_rt_memory_free(mem);
        wacc_rt_store_free(store);
    }
}

#[test]
fn trapping_init_keeps_imported_writes() {
    // init writes to the imported memory, then traps: no instance, but the
    // write stays.
    unsafe extern "C" fn init(vmctx: *mut c_void) {
        // SAFETY: called as an init function with the vmctx being set up, laid out by the test's
        // descriptor.
        unsafe {
            wacc_rt_memory_init(vmctx, 0, 0, 0, 0, 5);
            wacc_rt_memory_init(vmctx, 0, 0, PAGE - 2, 0, 5);
        }
    }
    let desc = Module {
        memories: vec![(0, 0), (1, 1)],
        imported_memories: 1,
        data: vec![b"hello".to_vec()],
        imports: vec![(kind::MEMORY, 0, ptr::null())],
        explicit: true,
        init: Some(init),
        ..Default::default()
    }
    .build();
    unsafe {
        let store = wacc_rt_store_new();
        let mem = wacc_rt_memory_new(store, 1, NO_MAX, VM);
        let mut vmctx = ptr::null_mut();
        let imports = [WaccImport { memory: mem }];
        assert_eq!(
            wacc_rt_instantiate(store, desc, imports.as_ptr(), 1, &mut vmctx),
            TrapCode::MemoryOutOfBounds as u32
        );
        assert!(vmctx.is_null());
        assert_eq!(core::slice::from_raw_parts((*mem).base, 5), b"hello");
        assert!((*store).jmp_buf.is_null());
        wacc_rt_memory_free(mem);
        wacc_rt_store_free(store);
    }
}

#[test]
fn trapping_init_keeps_escaped_funcrefs_alive() {
    // Like the spec's linking test: an element segment stores a function of
    // the failing instance in an imported table; it stays callable.
    unsafe extern "C" fn init(vmctx: *mut c_void) {
        // SAFETY: called as an init function with the vmctx being set up, laid out by the test's
        // descriptor.
        unsafe {
            wacc_rt_table_init(vmctx, 0, 0, 1, 0, 1);
            wacc_rt_trap(vmctx, TrapCode::TableOutOfBounds as u32);
        }
    }
    let desc = Module {
        types: vec![(vec![], vec![])],
        funcs: vec![(0, 8 as *const c_void, Some(ok))],
        tables: vec![(0, 0)],
        imported_tables: 1,
        elems: vec![vec![0]],
        imports: vec![(kind::TABLE, 0, ptr::null())],
        explicit: true,
        init: Some(init),
        ..Default::default()
    }
    .build();
    unsafe {
        let store = wacc_rt_store_new();
        let tab = wacc_rt_table_new(2, 2, 0);
        let mut vmctx = ptr::null_mut();
        let imports = [WaccImport { table: tab }];
        assert_eq!(
            wacc_rt_instantiate(store, desc, imports.as_ptr(), 1, &mut vmctx),
            TrapCode::TableOutOfBounds as u32
        );
        assert!(vmctx.is_null());
        let fr = *(*tab).base.add(1) as *const VMFuncRef;
        assert!(!fr.is_null());
        assert_eq!((*fr).func, 8 as *const c_void);
        let mut v = [ValRaw::default()];
        assert_eq!(wacc_rt_invoke((*fr).vmctx, Some(ok), v.as_mut_ptr()), 0);
        wacc_rt_store_free(store);
        wacc_rt_table_free(tab);
    }
}

#[test]
fn sig_ids() {
    // SAFETY: the stores, instances and objects used here are created by this test (or its
    // helpers) and used on this thread only while they are alive; indices are those of the test
    // descriptors.
    unsafe {
        let p = [valtype::I32, valtype::I64];
        let r = [valtype::F64];
        assert_eq!(
            wacc_rt_intern_sig(p.as_ptr(), 2, r.as_ptr(), 1),
            sig_id(&p, &r).unwrap()
        );
        // Leaked: without `std` the table keeps pointers to the bytes.
        let long: &'static [u8] = Box::leak((0..16).map(|i| 1 + (i % 7) as u8).collect());
        let copy: &'static [u8] = Box::leak(long.into());
        let a = wacc_rt_intern_sig(long.as_ptr(), 16, ptr::null(), 0);
        let b = wacc_rt_intern_sig(copy.as_ptr(), 16, ptr::null(), 0);
        let c = wacc_rt_intern_sig(long.as_ptr(), 15, ptr::null(), 0);
        assert!(a & INTERNED != 0);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}

#[test]
fn trap_messages() {
    for code in 0..=36u32 {
        // SAFETY: wacc_rt_trap_message returns a static NUL-terminated string for every code.
        let c = unsafe { CStr::from_ptr(wacc_rt_trap_message(code)) };
        match TrapCode::from_u32(code) {
            Some(t) => assert_eq!(c.to_str().unwrap(), t.message()),
            None => assert_eq!(c.to_str().unwrap(), "unknown trap"),
        }
    }
}
