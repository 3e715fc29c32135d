//! Typed access to the regions of a vmctx (layout: `abi::vmctx`, offsets
//! from the module's `abi::ModuleDesc`).
//! Indices come from validated, compiled code or from the descriptor itself
//! and are not re-checked.

use crate::abi::vmctx::VmctxRegions;
use crate::abi::{ModuleDesc, VMFuncRef, VMMemory, VMStore, VMTable, VMCTX_DESC, VMCTX_STORE};
use core::ffi::c_void;

/// Pointer to the object at byte offset `off`.
#[inline]
pub unsafe fn at<T>(vmctx: *mut c_void, off: u32) -> *mut T {
    // SAFETY: the caller passes a live vmctx and an offset inside it taken from its descriptor (ABI
    // contract), so the result stays in the same allocation.
    unsafe { vmctx.cast::<u8>().add(off as usize).cast() }
}

/// The region offsets of `vmctx`'s module (`abi::vmctx`).
#[inline]
unsafe fn regions(vmctx: *mut c_void) -> VmctxRegions {
    // SAFETY: the caller passes a live vmctx.
    VmctxRegions::from_desc(unsafe { desc(vmctx) })
}

#[inline]
pub unsafe fn store(vmctx: *mut c_void) -> *mut VMStore {
    // SAFETY: `vmctx` is a live instance; VMCTX_STORE is a fixed, aligned slot of every vmctx (ABI
    // contract) written at instantiation.
    unsafe { *at::<*mut VMStore>(vmctx, VMCTX_STORE) }
}

#[inline]
pub unsafe fn desc(vmctx: *mut c_void) -> &'static ModuleDesc {
    // SAFETY: `vmctx` is a live instance; its VMCTX_DESC slot holds the module's descriptor, which
    // is static data of the linked object (ABI contract).
    unsafe { &**at::<*const ModuleDesc>(vmctx, VMCTX_DESC) }
}

/// Slot holding memory `i`'s pointer.
#[inline]
pub unsafe fn memory_slot(vmctx: *mut c_void, i: u32) -> *mut *mut VMMemory {
    // SAFETY: `vmctx` is live and the caller passes `i` < the module's memory count, so the slot
    // lies inside the pointer array the descriptor lays out.
    unsafe { at(vmctx, regions(vmctx).memory_ptr(i)) }
}

#[inline]
pub unsafe fn memory(vmctx: *mut c_void, i: u32) -> *mut VMMemory {
    // SAFETY: the slot is in bounds by `memory_slot`'s contract and was filled at instantiation.
    unsafe { *memory_slot(vmctx, i) }
}

/// Inline storage of defined memory `d` (index among defined memories).
#[inline]
pub unsafe fn defined_memory(vmctx: *mut c_void, d: u32) -> *mut VMMemory {
    // SAFETY: `vmctx` is live and `d` < the number of defined memories (caller's contract), so the
    // offset is inside the vmctx's inline memories.
    unsafe { at(vmctx, regions(vmctx).defined_memory(d)) }
}

#[inline]
pub unsafe fn table_slot(vmctx: *mut c_void, i: u32) -> *mut *mut VMTable {
    // SAFETY: `vmctx` is live and the caller passes `i` < the module's table count, so the slot
    // lies inside the pointer array the descriptor lays out.
    unsafe { at(vmctx, regions(vmctx).table_ptr(i)) }
}

#[inline]
pub unsafe fn table(vmctx: *mut c_void, i: u32) -> *mut VMTable {
    // SAFETY: the slot is in bounds by `table_slot`'s contract and was filled at instantiation.
    unsafe { *table_slot(vmctx, i) }
}

#[inline]
pub unsafe fn defined_table(vmctx: *mut c_void, d: u32) -> *mut VMTable {
    // SAFETY: `vmctx` is live and `d` < the number of defined tables (caller's contract), so the
    // offset is inside the vmctx's inline tables.
    unsafe { at(vmctx, regions(vmctx).defined_table(d)) }
}

#[inline]
pub unsafe fn global_slot(vmctx: *mut c_void, i: u32) -> *mut *mut u8 {
    // SAFETY: `vmctx` is live and the caller passes `i` < the module's global count, so the slot
    // lies inside the pointer array the descriptor lays out.
    unsafe { at(vmctx, regions(vmctx).global_ptr(i)) }
}

/// Pointer to global `i`'s 16-byte cell.
#[inline]
pub unsafe fn global(vmctx: *mut c_void, i: u32) -> *mut u8 {
    // SAFETY: the slot is in bounds by `global_slot`'s contract and was filled at instantiation.
    unsafe { *global_slot(vmctx, i) }
}

#[inline]
pub unsafe fn defined_global(vmctx: *mut c_void, d: u32) -> *mut u8 {
    // SAFETY: `vmctx` is live and `d` < the number of defined globals (caller's contract), so the
    // cell is inside the vmctx.
    unsafe { at(vmctx, regions(vmctx).defined_global(d)) }
}

#[inline]
pub unsafe fn funcref(vmctx: *mut c_void, f: u32) -> *mut VMFuncRef {
    // SAFETY: `vmctx` is live and `f` < the module's function count (caller's contract), so the
    // funcref lies inside the vmctx.
    unsafe { at(vmctx, regions(vmctx).funcref(f)) }
}

#[inline]
pub unsafe fn type_id(vmctx: *mut c_void, t: u32) -> *mut u64 {
    // SAFETY: `vmctx` is live and `t` < the module's type count (caller's contract), so the slot
    // lies inside the vmctx.
    unsafe { at(vmctx, regions(vmctx).type_id(t)) }
}

#[inline]
pub unsafe fn data_dropped(vmctx: *mut c_void, d: u32) -> *mut u32 {
    // SAFETY: `vmctx` is live and `d` < the module's data segment count (caller's contract;
    // generated code only names existing segments).
    unsafe { at(vmctx, regions(vmctx).data_dropped(d)) }
}

#[inline]
pub unsafe fn elem_dropped(vmctx: *mut c_void, e: u32) -> *mut u32 {
    // SAFETY: `vmctx` is live and `e` < the module's element segment count (caller's contract;
    // generated code only names existing segments).
    unsafe { at(vmctx, regions(vmctx).elem_dropped(e)) }
}

/// Slot of tag `i`: the tag's identity (see `ModuleDesc::off_tags`).
#[inline]
pub unsafe fn tag_slot(vmctx: *mut c_void, i: u32) -> *mut *const c_void {
    // SAFETY: `vmctx` is live and `i` < the module's tag count (caller's contract), so the slot
    // lies inside the vmctx.
    unsafe { at(vmctx, regions(vmctx).tag(i)) }
}
