//! Stores: creating them, and freeing them with what they own (adopted
//! instances, live exceptions). What a store keeps meanwhile is in
//! [`super::state`].

use crate::abi::VMStore;
use crate::core::{exception, state};
use crate::sys;
use core::mem::{align_of, size_of};

pub use state::DEFAULT_MAX_WASM_STACK;

/// Creates a store with the default stack budget (null on allocation failure).
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_store_new() -> *mut VMStore {
    // SAFETY: `sys::alloc_zeroed` reports failure with null, checked before the block is used.
    unsafe {
        let s = sys::alloc_zeroed(size_of::<VMStore>(), align_of::<VMStore>()).cast::<VMStore>();
        if !s.is_null() {
            // SAFETY: `s` is a fresh zeroed block of the right layout; zero is
            // a valid VMStore (null pointers, no limit, no pad).
            (*s).max_wasm_stack = DEFAULT_MAX_WASM_STACK;
        }
        s
    }
}

/// Frees a store from `wacc_rt_store_new`, with the instances whose
/// initialisation trapped and every exception still alive. Free its other
/// instances and memories first.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_store_free(store: *mut VMStore) {
    // SAFETY: `store` is null (checked) or came from wacc_rt_store_new and is not freed yet; its
    // instances were freed first (caller's contract).
    unsafe {
        if store.is_null() {
            return;
        }
        #[cfg(feature = "std")]
        {
            for vmctx in state::take_orphans(store) {
                crate::core::instance::free_instance(vmctx);
            }
            state::release(store);
        }
        exception::free_all(store);
        sys::free(store.cast(), size_of::<VMStore>(), align_of::<VMStore>());
    }
}
