//! What the runtime keeps for a store beside `VMStore`, and which store a
//! thread is running. Everything that creates, frees or traps in a store
//! (memories, instances, landing pads, the fault handler) reads or edits
//! this state; this module itself depends on nothing but the platform, so
//! the layers above it form no cycle.
//!
//! With `std`, `VMStore.private` points at a `StoreData` (created on first
//! use, so hosts that embed a zeroed `VMStore` also work; they leak it unless
//! they call `wacc_rt_store_free`): the registry of linear-memory
//! reservations the fault handler consults, and the instances whose
//! initialisation trapped. It is only mutated by runtime code on the
//! store's thread, never while wasm runs, so the fault handler (same
//! thread, during wasm) may read it. Without `std` there is no fault
//! handler: registration is a no-op and such instances are leaked.

use crate::abi::VMStore;

/// Wasm stack budget of a store that does not set one.
pub const DEFAULT_MAX_WASM_STACK: usize = 1 << 20;

#[cfg(feature = "std")]
pub use current::{current, enter, leave};
#[cfg(feature = "std")]
pub use registry::{adopt, is_guard_address, register, release, take_orphans, unregister_owner};

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
        // SAFETY: `store` is a live store (caller's contract); `private` is null or a StoreData
        // from `Box::into_raw`.
        unsafe { (*store).private.cast() }
    }

    unsafe fn data_or_new(store: *mut VMStore) -> &'static mut StoreData {
        // SAFETY: `store` is a live store accessed by one thread; `private` is null or a StoreData
        // from `Box::into_raw`, created here when null.
        unsafe {
            if data(store).is_null() {
                (*store).private = Box::into_raw(Box::<StoreData>::default()).cast();
            }
            // SAFETY: `private` is ours (see module docs) and not aliased here.
            &mut *data(store)
        }
    }

    /// Keeps an instance alive until the store is freed: references to its
    /// functions may have escaped into imported tables (leaked if out of memory).
    pub unsafe fn adopt(store: *mut VMStore, vmctx: *mut c_void) {
        // SAFETY: `store` is a live store accessed by one thread, so the StoreData borrow is
        // unique.
        unsafe {
            let d = data_or_new(store);
            if d.orphans.try_reserve(1).is_ok() {
                d.orphans.push(vmctx);
            }
        }
    }

    /// Records `[base, base + len)` as a linear-memory reservation of
    /// `store`, on behalf of `owner`. False if out of memory.
    pub unsafe fn register(store: *mut VMStore, base: *mut u8, len: u64, owner: usize) -> bool {
        // SAFETY: `store` is null (checked) or a live store accessed by one thread, so the
        // StoreData borrow is unique.
        unsafe {
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
    }

    /// Drops every region registered by `owner`.
    pub unsafe fn unregister_owner(store: *mut VMStore, owner: usize) {
        // SAFETY: `store` is null (checked) or a live store; its data is null (checked) or a live
        // StoreData.
        unsafe {
            if !store.is_null() && !data(store).is_null() {
                (*data(store)).regions.retain(|r| r.owner != owner);
            }
        }
    }

    /// Whether `addr` lies in a reservation of `store`. Async-signal-safe:
    /// reads only.
    pub unsafe fn is_guard_address(store: *mut VMStore, addr: usize) -> bool {
        // SAFETY: `store` is the current live store; its region list is only changed outside wasm
        // on this thread, so reading it from the fault handler sees a consistent list.
        unsafe {
            let d = data(store);
            !d.is_null() && (*d).regions.iter().any(|r| r.start <= addr && addr < r.end)
        }
    }

    /// The adopted instances, taken out of the store for freeing (freeing
    /// an instance edits the regions, so the list must not be borrowed).
    pub unsafe fn take_orphans(store: *mut VMStore) -> Vec<*mut c_void> {
        // SAFETY: `store` is a live store; its data is null (checked) or a live StoreData.
        unsafe {
            let d = data(store);
            if d.is_null() {
                Vec::new()
            } else {
                core::mem::take(&mut (*d).orphans)
            }
        }
    }

    /// Frees the store's data (with the store).
    pub unsafe fn release(store: *mut VMStore) {
        // SAFETY: `store` is a live store being freed; its data is null (checked) or came from
        // `Box::into_raw`, and is dropped once here.
        unsafe {
            let d = data(store);
            if !d.is_null() {
                drop(Box::from_raw(d));
                (*store).private = ptr::null_mut();
            }
        }
    }
}

#[cfg(feature = "std")]
mod current {
    use super::*;
    use core::cell::Cell;
    use core::ptr;

    std::thread_local! {
        /// Store whose wasm code this thread is running (null outside wasm).
        static CURRENT: Cell<*mut VMStore> = const { Cell::new(ptr::null_mut()) };
    }

    /// Marks `store` as executing on this thread; returns the previous one
    /// for [`leave`].
    pub fn enter(store: *mut VMStore) -> *mut VMStore {
        CURRENT
            .try_with(|c| c.replace(store))
            .unwrap_or(ptr::null_mut())
    }

    pub fn leave(prev: *mut VMStore) {
        let _ = CURRENT.try_with(|c| c.set(prev));
    }

    /// The store this thread is running (null outside wasm). Async-signal-
    /// safe: a const-initialised thread local needs no allocation.
    pub fn current() -> *mut VMStore {
        CURRENT.try_with(|c| c.get()).unwrap_or(ptr::null_mut())
    }
}
