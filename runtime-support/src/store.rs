//! Stores: creation, and the registry of linear-memory reservations that
//! the fault handler consults (`std` only; without `std` there is no fault
//! handler and registration is a no-op).

use crate::abi::VMStore;
use crate::sys;
use core::mem::{align_of, size_of};

/// Wasm stack budget of a store that does not set one.
pub const DEFAULT_MAX_WASM_STACK: usize = 1 << 20;

/// Creates a store with the default stack budget (null on allocation failure).
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_store_new() -> *mut VMStore {
    let s = sys::alloc_zeroed(size_of::<VMStore>(), align_of::<VMStore>()).cast::<VMStore>();
    if !s.is_null() {
        // SAFETY: `s` is a fresh zeroed block of the right layout; zero is
        // a valid VMStore (null pointers, no limit, no pad).
        (*s).max_wasm_stack = DEFAULT_MAX_WASM_STACK;
    }
    s
}

/// Frees a store from `wacc_rt_store_new`, with the instances whose
/// initialisation trapped and every exception still alive. Free its other
/// instances and memories first.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_store_free(store: *mut VMStore) {
    if store.is_null() {
        return;
    }
    #[cfg(feature = "std")]
    registry::free(store);
    crate::exception::free_all(store);
    sys::free(store.cast(), size_of::<VMStore>(), align_of::<VMStore>());
}

#[cfg(feature = "std")]
pub use registry::{adopt, is_guard_address, register, unregister_owner};

#[cfg(not(feature = "std"))]
pub unsafe fn register(_: *mut VMStore, _: *mut u8, _: u64, _: usize) -> bool {
    true
}
#[cfg(not(feature = "std"))]
pub unsafe fn unregister_owner(_: *mut VMStore, _: usize) {}
/// Without `std` the store cannot hold instances: they are leaked.
#[cfg(not(feature = "std"))]
pub unsafe fn adopt(_: *mut VMStore, _: *mut core::ffi::c_void) {}

#[cfg(feature = "std")]
mod registry {
    //! `VMStore.private` points at a [`StoreData`] (created on first use, so
    //! hosts that embed a zeroed `VMStore` also work; they leak it unless they
    //! call `wacc_rt_store_free`). It is only mutated by runtime code on the
    //! store's thread, never while wasm runs, so the fault handler (same
    //! thread, during wasm) may read it.
    use super::*;
    use core::ffi::c_void;
    use core::ptr;
    use std::boxed::Box;
    use std::vec::Vec;

    struct Region {
        start: usize,
        end: usize,
        /// instance vmctx or standalone `VMMemory` that registered it
        owner: usize,
    }

    #[derive(Default)]
    struct StoreData {
        regions: Vec<Region>,
        /// instances whose initialisation trapped (see `adopt`)
        orphans: Vec<*mut c_void>,
    }

    unsafe fn data(store: *mut VMStore) -> *mut StoreData {
        (*store).private.cast()
    }

    unsafe fn data_or_new(store: *mut VMStore) -> &'static mut StoreData {
        if data(store).is_null() {
            (*store).private = Box::into_raw(Box::<StoreData>::default()).cast();
        }
        // SAFETY: `private` is ours (see module docs) and not aliased here.
        &mut *data(store)
    }

    /// Keeps an instance alive until the store is freed: references to its
    /// functions may have escaped into imported tables (leaked if out of memory).
    pub unsafe fn adopt(store: *mut VMStore, vmctx: *mut c_void) {
        let d = data_or_new(store);
        if d.orphans.try_reserve(1).is_ok() {
            d.orphans.push(vmctx);
        }
    }

    /// Records `[base, base + len)` as a linear-memory reservation of
    /// `store`, on behalf of `owner`. False if out of memory.
    pub unsafe fn register(store: *mut VMStore, base: *mut u8, len: u64, owner: usize) -> bool {
        if store.is_null() || len == 0 {
            return true;
        }
        let d = data_or_new(store);
        if d.regions.try_reserve(1).is_err() {
            return false;
        }
        let start = base as usize;
        d.regions.push(Region {
            start,
            end: start.saturating_add(len as usize),
            owner,
        });
        true
    }

    /// Drops every region registered by `owner`.
    pub unsafe fn unregister_owner(store: *mut VMStore, owner: usize) {
        if !store.is_null() && !data(store).is_null() {
            (*data(store)).regions.retain(|r| r.owner != owner);
        }
    }

    /// Whether `addr` lies in a reservation of `store`. Async-signal-safe:
    /// reads only.
    pub unsafe fn is_guard_address(store: *mut VMStore, addr: usize) -> bool {
        let d = data(store);
        !d.is_null() && (*d).regions.iter().any(|r| r.start <= addr && addr < r.end)
    }

    pub unsafe fn free(store: *mut VMStore) {
        let d = data(store);
        if !d.is_null() {
            // Freeing an instance edits `regions`: take the list out first.
            for vmctx in core::mem::take(&mut (*d).orphans) {
                crate::instance::free_instance(vmctx);
            }
            drop(Box::from_raw(d));
            (*store).private = ptr::null_mut();
        }
    }
}
