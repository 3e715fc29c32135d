//! Typed access to the regions of a vmctx (layout: `abi::ModuleDesc`).
//! Indices come from validated, compiled code or from the descriptor itself
//! and are not re-checked.

use crate::abi::{
    ModuleDesc, VMFuncRef, VMMemory, VMStore, VMTable, FUNCREF_SIZE, GLOBAL_SIZE, VMCTX_DESC,
    VMCTX_STORE,
};
use core::ffi::c_void;
use core::mem::size_of;

/// Pointer to the object at byte offset `off`.
#[inline]
pub unsafe fn at<T>(vmctx: *mut c_void, off: u32) -> *mut T {
    vmctx.cast::<u8>().add(off as usize).cast()
}

#[inline]
pub unsafe fn store(vmctx: *mut c_void) -> *mut VMStore {
    *at::<*mut VMStore>(vmctx, VMCTX_STORE)
}

#[inline]
pub unsafe fn desc(vmctx: *mut c_void) -> &'static ModuleDesc {
    &**at::<*const ModuleDesc>(vmctx, VMCTX_DESC)
}

/// Slot holding memory `i`'s pointer.
#[inline]
pub unsafe fn memory_slot(vmctx: *mut c_void, i: u32) -> *mut *mut VMMemory {
    at(vmctx, desc(vmctx).off_memory_ptrs + 8 * i)
}

#[inline]
pub unsafe fn memory(vmctx: *mut c_void, i: u32) -> *mut VMMemory {
    *memory_slot(vmctx, i)
}

/// Inline storage of defined memory `d` (index among defined memories).
#[inline]
pub unsafe fn defined_memory(vmctx: *mut c_void, d: u32) -> *mut VMMemory {
    at(
        vmctx,
        desc(vmctx).off_memories + size_of::<VMMemory>() as u32 * d,
    )
}

#[inline]
pub unsafe fn table_slot(vmctx: *mut c_void, i: u32) -> *mut *mut VMTable {
    at(vmctx, desc(vmctx).off_table_ptrs + 8 * i)
}

#[inline]
pub unsafe fn table(vmctx: *mut c_void, i: u32) -> *mut VMTable {
    *table_slot(vmctx, i)
}

#[inline]
pub unsafe fn defined_table(vmctx: *mut c_void, d: u32) -> *mut VMTable {
    at(
        vmctx,
        desc(vmctx).off_tables + size_of::<VMTable>() as u32 * d,
    )
}

#[inline]
pub unsafe fn global_slot(vmctx: *mut c_void, i: u32) -> *mut *mut u8 {
    at(vmctx, desc(vmctx).off_global_ptrs + 8 * i)
}

/// Pointer to global `i`'s 16-byte cell.
#[inline]
pub unsafe fn global(vmctx: *mut c_void, i: u32) -> *mut u8 {
    *global_slot(vmctx, i)
}

#[inline]
pub unsafe fn defined_global(vmctx: *mut c_void, d: u32) -> *mut u8 {
    at(vmctx, desc(vmctx).off_globals + GLOBAL_SIZE * d)
}

#[inline]
pub unsafe fn funcref(vmctx: *mut c_void, f: u32) -> *mut VMFuncRef {
    at(vmctx, desc(vmctx).off_funcrefs + FUNCREF_SIZE * f)
}

#[inline]
pub unsafe fn type_id(vmctx: *mut c_void, t: u32) -> *mut u64 {
    at(vmctx, desc(vmctx).off_type_ids + 8 * t)
}

#[inline]
pub unsafe fn data_dropped(vmctx: *mut c_void, d: u32) -> *mut u32 {
    at(vmctx, desc(vmctx).off_data_dropped + 4 * d)
}

#[inline]
pub unsafe fn elem_dropped(vmctx: *mut c_void, e: u32) -> *mut u32 {
    at(vmctx, desc(vmctx).off_elem_dropped + 4 * e)
}

/// Slot of tag `i`: the tag's identity (see `ModuleDesc::off_tags`).
#[inline]
pub unsafe fn tag_slot(vmctx: *mut c_void, i: u32) -> *mut *const c_void {
    at(vmctx, desc(vmctx).off_tags + 8 * i)
}
