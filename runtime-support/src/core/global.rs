//! Standalone global cells for hosts (e.g. to satisfy global imports).

use crate::abi::GLOBAL_SIZE;
use crate::sys;

/// A zeroed, 16-byte aligned global cell (null on allocation failure).
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_global_new() -> *mut u8 {
    // SAFETY: `sys::alloc_zeroed` accepts any size and alignment and reports failure with null.
    unsafe { sys::alloc_zeroed(GLOBAL_SIZE as usize, 16) }
}

/// Frees a cell from `wacc_rt_global_new`. Free the instances that import it first.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_global_free(cell: *mut u8) {
    // SAFETY: `cell` came from wacc_rt_global_new with this size and alignment (caller's contract),
    // or is null, which `sys::free` ignores.
    unsafe {
        sys::free(cell, GLOBAL_SIZE as usize, 16);
    }
}
