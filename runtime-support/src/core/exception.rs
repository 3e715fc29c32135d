//! Exception objects (`abi::VMException`): allocation by `throw`, release
//! once caught and unreferenced. Each store lists its live exceptions
//! (`VMStore::exceptions`, doubly linked) so that the ones wasm still holds
//! (`exposed`) or that escaped uncaught are freed with the store.

use crate::abi::{TrapCode, VMException, VMStore, EXN_PAYLOAD};
use crate::core::{trap, vmctx};
use crate::sys;
use core::ffi::c_void;
use core::ptr;

/// Payloads may hold v128 values.
const EXN_ALIGN: usize = 16;

fn block_size(payload: u32) -> usize {
    EXN_PAYLOAD as usize + payload as usize
}

/// A new exception of `tag` with `size` zeroed payload bytes, listed in the
/// `store` (null if out of memory).
pub unsafe fn new(store: *mut VMStore, tag: *const c_void, size: u32) -> *mut VMException {
    // SAFETY: `store` is a live store (caller's contract); the fresh block is checked non-null
    // before it is initialised and linked into the store's list.
    unsafe {
        let e = sys::alloc_zeroed(block_size(size), EXN_ALIGN).cast::<VMException>();
        if e.is_null() {
            return e;
        }
        (*e).tag = tag;
        (*e).size = size;
        if !store.is_null() {
            let head = (*store).exceptions;
            (*e).next = head;
            if !head.is_null() {
                (*head).prev = e;
            }
            (*store).exceptions = e;
        }
        e
    }
}

/// Unlinks `e` from `store`'s list and frees it.
pub unsafe fn free(store: *mut VMStore, e: *mut VMException) {
    // SAFETY: `e` is a live exception linked in `store`'s list (caller's contract), so its
    // neighbours are live too; it is freed with its allocation size.
    unsafe {
        let (prev, next) = ((*e).prev, (*e).next);
        if !prev.is_null() {
            (*prev).next = next;
        } else if !store.is_null() && (*store).exceptions == e {
            (*store).exceptions = next;
        }
        if !next.is_null() {
            (*next).prev = prev;
        }
        sys::free(e.cast(), block_size((*e).size), EXN_ALIGN);
    }
}

/// Frees every exception of `store` (with the store).
pub unsafe fn free_all(store: *mut VMStore) {
    // SAFETY: `store` is a live store whose list holds only live exceptions; each is unlinked
    // before it is freed.
    unsafe {
        let mut e = (*store).exceptions;
        (*store).exceptions = ptr::null_mut();
        while !e.is_null() {
            let next = (*e).next;
            sys::free(e.cast(), block_size((*e).size), EXN_ALIGN);
            e = next;
        }
    }
}

/// `throw`: a new exception of `tag` with `size` zeroed payload bytes for
/// the generated code to fill. Traps with `OutOfMemory`.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_exn_new(
    vmctx: *mut c_void,
    tag: *const c_void,
    size: u32,
) -> *mut VMException {
    // SAFETY: vmctx is a live instance of the current store (ABI contract); a null allocation traps
    // before any use.
    unsafe {
        let store = vmctx::store(vmctx);
        let e = new(store, tag, size);
        if e.is_null() {
            trap::raise(store, TrapCode::OutOfMemory);
        }
        e
    }
}

/// A caught exception nothing refers to any more: freed unless wasm holds
/// an `exnref` to it (`exposed`), which keeps it as long as its store.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_exn_free(vmctx: *mut c_void, exn: *mut VMException) {
    // SAFETY: vmctx is a live instance and `exn` null or an exception of its store (ABI contract);
    // exposed exceptions are kept.
    unsafe {
        if !exn.is_null() && (*exn).exposed == 0 {
            free(vmctx::store(vmctx), exn);
        }
    }
}
