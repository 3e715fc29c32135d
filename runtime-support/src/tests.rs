//! Unit tests: memories, tables, bulk operations, traps through
//! `wacc_rt_invoke`, guard-mode faults, nesting, stack limits, and
//! instantiation with a hand-built descriptor.

use crate::abi::*;
use crate::instance::{wacc_rt_instance_free, wacc_rt_instantiate};
use crate::libcalls::*;
use crate::memory::{self, wacc_rt_memory_free, wacc_rt_memory_new, NO_MAX};
use crate::sigs::{wacc_rt_intern_sig, INTERNED};
use crate::store::{wacc_rt_store_free, wacc_rt_store_new};
use crate::table::{self, wacc_rt_table_free, wacc_rt_table_new};
use crate::trap::{wacc_rt_invoke, wacc_rt_trap, wacc_rt_trap_message, ArrayCall};
use core::ffi::{c_void, CStr};
use core::mem::size_of;
use core::ptr;
use std::boxed::Box;
use std::vec;
use std::vec::Vec;

const PAGE: u64 = WASM_PAGE_SIZE;

/// Guard mode (and growth past the initial size) needs virtual memory,
/// which the no-`std` platform layer does not have.
const VM: bool = crate::sys::HAS_VIRTUAL_MEMORY;

/// Modes to test: explicit always, guard with virtual memory.
fn guard_modes() -> &'static [bool] {
    if VM {
        &[false, true]
    } else {
        &[false]
    }
}

fn leak<T>(v: Vec<T>) -> *const T {
    Box::leak(v.into_boxed_slice()).as_ptr()
}

fn s(b: &[u8]) -> Str {
    Str {
        ptr: leak(b.to_vec()),
        len: b.len(),
    }
}

/// A hand-made module descriptor; offsets computed as the compiler does.
#[derive(Default)]
struct Module {
    types: Vec<(Vec<u8>, Vec<u8>)>,
    /// (type, native code, array call); imported functions first
    funcs: Vec<(u32, *const c_void, Option<ArrayCall>)>,
    imported_funcs: u32,
    memories: Vec<(u64, u64)>,
    imported_memories: u32,
    tables: Vec<(u32, u32)>,
    imported_tables: u32,
    globals: u32,
    imported_globals: u32,
    data: Vec<Vec<u8>>,
    elems: Vec<Vec<u32>>,
    /// (kind, index, link symbol)
    imports: Vec<(u32, u32, *const c_void)>,
    explicit: bool,
    init: Option<unsafe extern "C" fn(*mut c_void)>,
}

unsafe extern "C" fn no_init(_: *mut c_void) {}

impl Module {
    fn build(self) -> &'static mut ModuleDesc {
        let mut off = VMCTX_HEADER_SIZE;
        let mut region = |size: u32, al: u32| {
            off = (off + al - 1) & !(al - 1);
            let at = off;
            off += size;
            at
        };
        let n = |v: usize| v as u32;
        let off_type_ids = region(8 * n(self.types.len()), 8);
        let off_funcrefs = region(FUNCREF_SIZE * n(self.funcs.len()), 16);
        let off_memory_ptrs = region(8 * n(self.memories.len()), 8);
        let off_memories = region(
            size_of::<VMMemory>() as u32 * (n(self.memories.len()) - self.imported_memories),
            16,
        );
        let off_table_ptrs = region(8 * n(self.tables.len()), 8);
        let off_tables = region(
            size_of::<VMTable>() as u32 * (n(self.tables.len()) - self.imported_tables),
            16,
        );
        let off_global_ptrs = region(8 * self.globals, 8);
        let off_globals = region(GLOBAL_SIZE * (self.globals - self.imported_globals), 16);
        let off_data_dropped = region(4 * n(self.data.len()), 4);
        let off_elem_dropped = region(4 * n(self.elems.len()), 4);
        let vmctx_size = (off + 15) & !15;
        let types: Vec<SigDesc> = self
            .types
            .iter()
            .map(|(p, r)| SigDesc {
                params: s(p),
                results: s(r),
            })
            .collect();
        let imports: Vec<ImportDesc> = self
            .imports
            .iter()
            .map(|&(kind, index, link_symbol)| ImportDesc {
                module: s(b"env"),
                name: s(b"x"),
                kind,
                index,
                link_symbol,
            })
            .collect();
        let array_calls: Vec<*const c_void> = self
            .funcs
            .iter()
            .map(|f| f.2.map_or(ptr::null(), |a| a as *const c_void))
            .collect();
        Box::leak(Box::new(ModuleDesc {
            abi_version: ABI_VERSION,
            flags: if self.explicit {
                DESC_FLAG_EXPLICIT_BOUNDS
            } else {
                0
            },
            vmctx_size,
            num_types: n(self.types.len()),
            types: leak(types),
            off_type_ids,
            num_funcs: n(self.funcs.len()),
            num_imported_funcs: self.imported_funcs,
            func_types: leak(self.funcs.iter().map(|f| f.0).collect()),
            func_ptrs: leak(self.funcs.iter().map(|f| f.1).collect()),
            array_calls: leak(array_calls),
            off_funcrefs,
            num_memories: n(self.memories.len()),
            num_imported_memories: self.imported_memories,
            off_memory_ptrs,
            off_memories,
            memories: leak(
                self.memories[self.imported_memories as usize..]
                    .iter()
                    .map(|&(min_pages, max_pages)| MemoryDesc {
                        min_pages,
                        max_pages,
                    })
                    .collect(),
            ),
            num_tables: n(self.tables.len()),
            num_imported_tables: self.imported_tables,
            off_table_ptrs,
            off_tables,
            tables: leak(
                self.tables[self.imported_tables as usize..]
                    .iter()
                    .map(|&(min, max)| TableDesc {
                        min,
                        max,
                        elem_kind: 0,
                        _pad: 0,
                    })
                    .collect(),
            ),
            num_globals: self.globals,
            num_imported_globals: self.imported_globals,
            off_global_ptrs,
            off_globals,
            num_data: n(self.data.len()),
            data: leak(self.data.iter().map(|d| s(d)).collect()),
            off_data_dropped,
            num_elems: n(self.elems.len()),
            elems: leak(
                self.elems
                    .iter()
                    .map(|e| ElemDesc {
                        items: leak(e.clone()),
                        len: n(e.len()),
                        _pad: 0,
                    })
                    .collect(),
            ),
            off_elem_dropped,
            num_imports: n(self.imports.len()),
            imports: leak(imports),
            num_exports: 0,
            exports: ptr::null(),
            init: self.init.unwrap_or(no_init),
        }))
    }
}

/// One explicit- or guard-mode memory (1 page, max 2), a data segment, a
/// table of 4 (max 8), and functions 0 and 1 of type () -> ().
fn simple_module(explicit: bool) -> Module {
    Module {
        types: vec![(vec![], vec![])],
        funcs: vec![(0, ptr::null(), None), (0, ptr::null(), None)],
        memories: vec![(1, 2)],
        tables: vec![(4, 8)],
        globals: 1,
        data: vec![b"hello".to_vec()],
        elems: vec![vec![1, ELEM_ITEM_NULL, ELEM_ITEM_GLOBAL, 0]],
        explicit,
        ..Default::default()
    }
}

fn simple(explicit: bool) -> &'static ModuleDesc {
    simple_module(explicit).build()
}

struct Inst {
    store: *mut VMStore,
    vmctx: *mut c_void,
}

impl Inst {
    fn new(desc: &'static ModuleDesc) -> Inst {
        unsafe {
            let store = wacc_rt_store_new();
            let mut vmctx = ptr::null_mut();
            assert_eq!(
                wacc_rt_instantiate(store, desc, ptr::null(), 0, &mut vmctx),
                0
            );
            Inst { store, vmctx }
        }
    }
    fn mem(&self) -> *mut VMMemory {
        unsafe { crate::vmctx::memory(self.vmctx, 0) }
    }
    fn table(&self) -> *mut VMTable {
        unsafe { crate::vmctx::table(self.vmctx, 0) }
    }
    fn invoke(&self, f: ArrayCall, args: &mut [ValRaw]) -> u32 {
        unsafe { wacc_rt_invoke(self.vmctx, Some(f), args.as_mut_ptr()) }
    }
}

impl Drop for Inst {
    fn drop(&mut self) {
        unsafe {
            wacc_rt_instance_free(self.vmctx);
            wacc_rt_store_free(self.store);
        }
    }
}

unsafe fn arg(v: *mut ValRaw, i: usize) -> u64 {
    (*v.add(i)).get_u64()
}

#[test]
fn memory_growth_and_limits() {
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
    unsafe {
        assert_eq!(wacc_rt_memory_grow(i.vmctx, 0, 1), 1);
        assert_eq!(wacc_rt_memory_grow(i.vmctx, 0, 1), u64::MAX);
        assert_eq!((*i.mem()).length, 2 * PAGE);
    }
}

#[test]
fn table_ops_bounds() {
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
    wacc_rt_memory_fill(vmctx, 0, arg(v, 0), arg(v, 1) as u32, arg(v, 2));
}
unsafe extern "C" fn call_copy(vmctx: *mut c_void, v: *mut ValRaw) {
    wacc_rt_memory_copy(vmctx, 0, 0, arg(v, 0), arg(v, 1), arg(v, 2));
}
unsafe extern "C" fn call_init(vmctx: *mut c_void, v: *mut ValRaw) {
    wacc_rt_memory_init(vmctx, 0, 0, arg(v, 0), arg(v, 1) as u32, arg(v, 2) as u32);
}
unsafe extern "C" fn call_table_init(vmctx: *mut c_void, v: *mut ValRaw) {
    wacc_rt_table_init(
        vmctx,
        0,
        0,
        arg(v, 0) as u32,
        arg(v, 1) as u32,
        arg(v, 2) as u32,
    );
}
unsafe extern "C" fn call_table_copy(vmctx: *mut c_void, v: *mut ValRaw) {
    wacc_rt_table_copy(
        vmctx,
        0,
        0,
        arg(v, 0) as u32,
        arg(v, 1) as u32,
        arg(v, 2) as u32,
    );
}
unsafe extern "C" fn call_table_fill(vmctx: *mut c_void, v: *mut ValRaw) {
    wacc_rt_table_fill(
        vmctx,
        0,
        arg(v, 0) as u32,
        arg(v, 1) as usize,
        arg(v, 2) as u32,
    );
}

fn args(a: u64, b: u64, c: u64) -> [ValRaw; 3] {
    [ValRaw::u64(a), ValRaw::u64(b), ValRaw::u64(c)]
}

#[test]
fn bulk_memory_bounds() {
    for &guard in guard_modes() {
        let i = Inst::new(simple(!guard));
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
    *crate::vmctx::global(vmctx, 0).cast::<usize>() = GLOBAL_REF;
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
    let el = |k: usize| unsafe { *(*i.table()).base.add(k) };
    assert_eq!(i.invoke(call_table_init, &mut args(0, 0, 4)), 0);
    let f = |idx: u32| unsafe { crate::vmctx::funcref(i.vmctx, idx) as usize };
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

unsafe extern "C" fn trap_with(vmctx: *mut c_void, v: *mut ValRaw) {
    wacc_rt_trap(vmctx, arg(v, 0) as u32)
}

unsafe extern "C" fn recurse_then_trap(vmctx: *mut c_void, v: *mut ValRaw) {
    let depth = arg(v, 1);
    if depth == 0 {
        wacc_rt_trap(vmctx, arg(v, 0) as u32);
    }
    *v.add(1) = ValRaw::u64(depth - 1);
    recurse_then_trap(vmctx, v);
    // Not reached; keeps the recursion from being a tail call.
    *v.add(2) = ValRaw::u64(1);
}

unsafe extern "C" fn ok(_: *mut c_void, v: *mut ValRaw) {
    *v = ValRaw::i32(42);
}

#[test]
fn trap_through_invoke() {
    let i = Inst::new(simple(true));
    for code in [1u32, 7, 10] {
        assert_eq!(i.invoke(trap_with, &mut [ValRaw::u64(code as u64)]), code);
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
    let outer_limit = (*crate::vmctx::store(vmctx)).stack_limit;
    let outer_pad = (*crate::vmctx::store(vmctx)).jmp_buf;
    let mut inner = [ValRaw::u64(arg(v, 0))];
    let code = wacc_rt_invoke(vmctx, Some(trap_with), inner.as_mut_ptr());
    let s = crate::vmctx::store(vmctx);
    *v.add(1) = ValRaw::u64(code as u64);
    *v.add(2) = ValRaw::u64(((*s).stack_limit == outer_limit && (*s).jmp_buf == outer_pad) as u64);
    if arg(v, 3) != 0 {
        wacc_rt_trap(vmctx, arg(v, 3) as u32);
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
    unsafe {
        assert!((*i.store).jmp_buf.is_null());
        assert_eq!((*i.store).stack_limit, 0);
    }
}

unsafe extern "C" fn read_limit(vmctx: *mut c_void, v: *mut ValRaw) {
    let marker = 0u8;
    let here = core::hint::black_box(&marker as *const u8) as u64;
    *v = ValRaw::u64((*crate::vmctx::store(vmctx)).stack_limit as u64);
    *v.add(1) = ValRaw::u64(here);
}

/// What a generated prologue does: trap if the stack is below the limit.
unsafe extern "C" fn recurse_forever(vmctx: *mut c_void, v: *mut ValRaw) {
    let marker = 0u8;
    let here = core::hint::black_box(&marker as *const u8) as usize;
    if here < (*crate::vmctx::store(vmctx)).stack_limit {
        wacc_rt_trap(vmctx, TrapCode::StackOverflow as u32);
    }
    *v = ValRaw::u64(arg(v, 0) + 1);
    recurse_forever(vmctx, v);
    *v.add(1) = ValRaw::u64(1);
}

#[test]
fn stack_limit_set_and_restored() {
    let i = Inst::new(simple(true));
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
    let m = crate::vmctx::memory(vmctx, 0);
    ptr::write_volatile((*m).base.add(arg(v, 0) as usize), 1u8);
}

#[test]
#[cfg(feature = "std")]
fn guard_fault_is_out_of_bounds() {
    let i = Inst::new(simple(false));
    let oob = TrapCode::MemoryOutOfBounds as u32;
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
        let code = wacc_rt_invoke(vmctx, Some(poke), v);
        *v.add(1) = ValRaw::u64(code as u64);
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
    unsafe {
        let pid = libc::fork();
        assert!(pid >= 0);
        if pid == 0 {
            let i = Inst::new(simple(false));
            unsafe extern "C" fn wild(_: *mut c_void, _: *mut ValRaw) {
                ptr::write_volatile(16 as *mut u8, 1);
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
        let fr = |f| &*crate::vmctx::funcref(vmctx, f);
        assert_eq!(fr(0).func, host_fn as *const c_void);
        assert_eq!(fr(0).vmctx, 77 as *mut c_void);
        assert_eq!(fr(1).func, linked_fn as *const c_void);
        assert_eq!(fr(1).vmctx, vmctx);
        assert!(fr(1).type_id & INTERNED != 0);
        assert_eq!(fr(2).func, 8 as *const c_void);
        assert_eq!(fr(2).array_call, ok as *const c_void);
        assert_eq!(fr(2).type_id, i32_sig);
        assert_eq!(crate::vmctx::memory(vmctx, 0), mem);
        assert_eq!(crate::vmctx::table(vmctx, 0), tab);
        assert_eq!((*crate::vmctx::table(vmctx, 1)).length, 2);
        assert_eq!(
            crate::vmctx::global(vmctx, 0),
            (&raw mut LINKED_GLOBAL).cast()
        );
        assert_eq!(
            crate::vmctx::global(vmctx, 1),
            crate::vmctx::defined_global(vmctx, 0)
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
        assert_eq!(crate::vmctx::global(vmctx, 0), cell.as_mut_ptr());
        let id1 = (*crate::vmctx::funcref(vmctx, 1)).type_id;
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
        wacc_rt_memory_init(vmctx, 0, 0, 0, 0, 5);
        wacc_rt_memory_init(vmctx, 0, 0, PAGE - 2, 0, 5);
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
        wacc_rt_table_init(vmctx, 0, 0, 1, 0, 1);
        wacc_rt_trap(vmctx, TrapCode::TableOutOfBounds as u32);
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
    for code in 0..=15u32 {
        let c = unsafe { CStr::from_ptr(wacc_rt_trap_message(code)) };
        match TrapCode::from_u32(code) {
            Some(t) => assert_eq!(c.to_str().unwrap(), t.message()),
            None => assert_eq!(c.to_str().unwrap(), "unknown trap"),
        }
    }
}
