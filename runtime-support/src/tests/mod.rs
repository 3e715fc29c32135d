//! Unit tests: memories, tables, bulk operations, traps through
//! `wacc_rt_invoke`, guard-mode faults, nesting, stack limits,
//! instantiation with a hand-built descriptor, and exceptions. This module
//! has the descriptor builder and helpers.

use crate::abi::*;
use crate::core::libcalls::*;
use crate::instance::{wacc_rt_instance_free, wacc_rt_instantiate};
use crate::memory::{self, wacc_rt_memory_free, wacc_rt_memory_new, NO_MAX};
use crate::sigs::{wacc_rt_intern_sig, INTERNED};
use crate::store::{wacc_rt_store_free, wacc_rt_store_new};
use crate::table::{self, wacc_rt_table_free, wacc_rt_table_new};
use crate::trap::{wacc_rt_invoke, wacc_rt_trap, wacc_rt_trap_message, ArrayCall};
use core::ffi::{c_void, CStr};
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

/// A hand-made module descriptor, laid out as the compiler does (`abi::vmctx`).
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
    tags: u32,
    imported_tags: u32,
    /// the unwinder's table (null: none)
    code: Option<*mut CodeDesc>,
    /// (kind, index, link symbol)
    imports: Vec<(u32, u32, *const c_void)>,
    explicit: bool,
    init: Option<unsafe extern "C" fn(*mut c_void)>,
}

unsafe extern "C" fn no_init(_: *mut c_void) {}

impl Module {
    fn build(self) -> &'static mut ModuleDesc {
        let n = |v: usize| v as u32;
        let r = crate::abi::vmctx::VmctxRegions::new(&crate::abi::vmctx::VmctxCounts {
            types: n(self.types.len()),
            funcs: n(self.funcs.len()),
            memories: n(self.memories.len()),
            imported_memories: self.imported_memories,
            tables: n(self.tables.len()),
            imported_tables: self.imported_tables,
            globals: self.globals,
            imported_globals: self.imported_globals,
            data: n(self.data.len()),
            elems: n(self.elems.len()),
            tags: self.tags,
        });
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
            isa: 0,
            flags: if self.explicit {
                DESC_FLAG_EXPLICIT_BOUNDS
            } else {
                0
            },
            vmctx_size: r.size,
            num_types: n(self.types.len()),
            types: leak(types),
            off_type_ids: r.type_ids,
            num_funcs: n(self.funcs.len()),
            num_imported_funcs: self.imported_funcs,
            func_types: leak(self.funcs.iter().map(|f| f.0).collect()),
            func_ptrs: leak(self.funcs.iter().map(|f| f.1).collect()),
            array_calls: leak(array_calls),
            off_funcrefs: r.funcrefs,
            num_memories: n(self.memories.len()),
            num_imported_memories: self.imported_memories,
            off_memory_ptrs: r.memory_ptrs,
            off_memories: r.memories,
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
            off_table_ptrs: r.table_ptrs,
            off_tables: r.tables,
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
            off_global_ptrs: r.global_ptrs,
            off_globals: r.globals,
            num_data: n(self.data.len()),
            data: leak(self.data.iter().map(|d| s(d)).collect()),
            off_data_dropped: r.data_dropped,
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
            off_elem_dropped: r.elem_dropped,
            num_tags: self.tags,
            num_imported_tags: self.imported_tags,
            off_tags: r.tags,
            num_imports: n(self.imports.len()),
            imports: leak(imports),
            num_exports: 0,
            exports: ptr::null(),
            code: self.code.unwrap_or(ptr::null_mut()),
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
        // SAFETY: a fresh store and a checked instantiation; `Inst` owns both and frees them once
        // in `drop`.
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
        // SAFETY: `self.vmctx` is the live instance of this `Inst`, whose test module has memory 0.
        unsafe { crate::core::vmctx::memory(self.vmctx, 0) }
    }
    fn table(&self) -> *mut VMTable {
        // SAFETY: `self.vmctx` is the live instance of this `Inst`, whose test module has table 0.
        unsafe { crate::core::vmctx::table(self.vmctx, 0) }
    }
    fn invoke(&self, f: ArrayCall, args: &mut [ValRaw]) -> u32 {
        // SAFETY: `self.vmctx` is live and `args` is sized for `f`'s signature by each caller.
        unsafe { wacc_rt_invoke(self.vmctx, Some(f), args.as_mut_ptr()) }
    }
}

impl Drop for Inst {
    fn drop(&mut self) {
        // SAFETY: the instance and store were created in `new` and are freed once here, the
        // instance first.
        unsafe {
            wacc_rt_instance_free(self.vmctx);
            wacc_rt_store_free(self.store);
        }
    }
}

unsafe fn arg(v: *mut ValRaw, i: usize) -> u64 {
    // SAFETY: callers pass the values array of an array call with more than `i` entries.
    unsafe { (*v.add(i)).get_u64() }
}

fn args(a: u64, b: u64, c: u64) -> [ValRaw; 3] {
    [ValRaw::u64(a), ValRaw::u64(b), ValRaw::u64(c)]
}

unsafe extern "C" fn ok(_: *mut c_void, v: *mut ValRaw) {
    // SAFETY: called by wacc_rt_invoke with a values array of at least one entry.
    unsafe {
        *v = ValRaw::i32(42);
    }
}

mod bulk;
mod component;
mod exceptions;
mod instantiate;
mod traps;
mod wave;
