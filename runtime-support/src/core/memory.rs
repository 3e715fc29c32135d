//! Linear memories: creation, growth, bounds-checked bulk operations, and
//! the host API for standalone memories.
//!
//! With virtual memory, `base` never moves: guard-mode memories reserve
//! [`GUARD_RESERVATION`] bytes, explicit-mode ones their maximum (4 GiB
//! without one), and growth commits more of the reservation. Without it
//! (`arena`) a memory gets exactly its initial size and cannot grow.

use crate::abi::{TrapCode, VMMemory, VMStore, GUARD_RESERVATION, WASM_PAGE_SIZE};
use crate::core::state;
#[cfg(feature = "std")]
use crate::core::trap;
use crate::sys;
use core::mem::{align_of, size_of};
use core::ptr::{self, NonNull};

/// Pages addressable by a 32-bit memory (also the cap on any maximum).
pub const MAX_PAGES: u64 = 65536;

/// `max_pages` value meaning "no maximum".
pub const NO_MAX: u64 = u64::MAX;

/// Initialises `*mem` (whose contents are ignored) as a memory of
/// `min_pages`, growable to `max_pages` (or [`NO_MAX`]).
pub unsafe fn create(
    mem: *mut VMMemory,
    min_pages: u64,
    max_pages: u64,
    guard: bool,
) -> Result<(), TrapCode> {
    // SAFETY: `mem` points to writable VMMemory storage owned by the caller; `base`/`reserved` come
    // from `sys::reserve` and are only committed within that reservation.
    unsafe {
        let max = max_pages.min(MAX_PAGES);
        if min_pages > max {
            return Err(TrapCode::OutOfMemory);
        }
        let min_bytes = min_pages * WASM_PAGE_SIZE;
        let reserve = if !sys::HAS_VIRTUAL_MEMORY {
            if guard {
                // Guard mode needs an inaccessible region and a fault handler.
                return Err(TrapCode::InstantiationFailed);
            }
            min_bytes
        } else if guard {
            GUARD_RESERVATION
        } else {
            max * WASM_PAGE_SIZE
        };
        let base = if reserve == 0 {
            // Never dereferenced: every access is out of bounds of length 0.
            NonNull::<u8>::dangling().as_ptr()
        } else {
            sys::reserve(reserve)
        };
        if base.is_null() {
            return Err(TrapCode::OutOfMemory);
        }
        if !sys::commit(base, min_bytes) {
            sys::release(base, reserve);
            return Err(TrapCode::OutOfMemory);
        }
        mem.write(VMMemory {
            base,
            length: min_bytes,
            max_pages: max,
            reserved: reserve,
            private: ptr::null_mut(),
        });
        Ok(())
    }
}

/// Releases what `create` acquired and zeroes `*mem`. A zeroed (never
/// created) memory is left alone.
pub unsafe fn destroy(mem: *mut VMMemory) {
    // SAFETY: `mem` was set up by `create` (or is zeroed), so `base`/`reserved` describe a
    // reservation this memory owns; nothing uses it afterwards.
    unsafe {
        if (*mem).reserved != 0 {
            sys::release((*mem).base, (*mem).reserved);
        }
        ptr::write_bytes(mem, 0, 1);
    }
}

/// `memory.grow`: the old size in pages, or None if the new size would pass
/// the maximum or the reservation (nothing changes then).
pub unsafe fn grow(mem: *mut VMMemory, delta_pages: u64) -> Option<u64> {
    // SAFETY: `mem` is a live memory (caller's contract); growth stays within the reservation made
    // by `create`, checked before committing.
    unsafe {
        let m = &mut *mem;
        let old_pages = m.length / WASM_PAGE_SIZE;
        let new_pages = old_pages.checked_add(delta_pages)?;
        if new_pages > m.max_pages.min(MAX_PAGES) {
            return None;
        }
        let new_len = new_pages * WASM_PAGE_SIZE;
        if new_len > m.reserved.max(m.length) {
            return None;
        }
        if new_len > m.length {
            if !sys::commit(m.base.add(m.length as usize), new_len - m.length) {
                return None;
            }
            m.length = new_len;
        }
        Some(old_pages)
    }
}

/// Pointer to `[addr, addr + len)` if it lies within the memory.
pub unsafe fn range(mem: *const VMMemory, addr: u64, len: u64) -> Result<*mut u8, TrapCode> {
    // SAFETY: `mem` is a live memory (caller's contract); the offset is added only after checking
    // `addr + len <= length`, so it stays in the committed region.
    unsafe {
        match addr.checked_add(len) {
            Some(end) if end <= (*mem).length => Ok((*mem).base.add(addr as usize)),
            _ => Err(TrapCode::MemoryOutOfBounds),
        }
    }
}

/// `memory.fill`: checks the whole range before writing.
pub unsafe fn fill(mem: *mut VMMemory, dst: u64, val: u8, len: u64) -> Result<(), TrapCode> {
    // SAFETY: `range` checked `[dst, dst + len)` lies in the live memory `mem`.
    unsafe {
        let d = range(mem, dst, len)?;
        ptr::write_bytes(d, val, len as usize);
        Ok(())
    }
}

/// `memory.copy` between two memories (possibly the same, overlapping).
pub unsafe fn copy(
    dst_mem: *mut VMMemory,
    src_mem: *const VMMemory,
    dst: u64,
    src: u64,
    len: u64,
) -> Result<(), TrapCode> {
    // SAFETY: `range` checked both ranges lie in their live memories; `ptr::copy` allows overlap.
    unsafe {
        let s = range(src_mem, src, len)?;
        let d = range(dst_mem, dst, len)?;
        ptr::copy(s, d, len as usize);
        Ok(())
    }
}

/// `memory.init` from the bytes of a data segment (empty once dropped).
pub unsafe fn init(
    mem: *mut VMMemory,
    data: &[u8],
    dst: u64,
    src: u32,
    len: u32,
) -> Result<(), TrapCode> {
    // SAFETY: the segment range was bounds-checked against `data` above and `range` checks the
    // destination in the live memory `mem`.
    unsafe {
        let (src, len) = (src as usize, len as usize);
        let bytes = match src.checked_add(len) {
            Some(end) if end <= data.len() => &data[src..end],
            _ => return Err(TrapCode::MemoryOutOfBounds),
        };
        let d = range(mem, dst, len as u64)?;
        ptr::copy_nonoverlapping(bytes.as_ptr(), d, len);
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Host API

/// Creates a standalone memory (e.g. to satisfy an import). `max_pages` is
/// `u64::MAX` for none. In guard mode its reservation is registered with
/// `store` (may be null for explicit mode) so that faults in it trap.
/// Returns null on failure.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_memory_new(
    store: *mut VMStore,
    min_pages: u64,
    max_pages: u64,
    guard: bool,
) -> *mut VMMemory {
    // SAFETY: a fresh zeroed block of VMMemory's size and alignment is checked non-null before
    // `create` initialises it; it is freed again on failure.
    unsafe {
        let mem =
            sys::alloc_zeroed(size_of::<VMMemory>(), align_of::<VMMemory>()).cast::<VMMemory>();
        if mem.is_null() {
            return mem;
        }
        let ok = create(mem, min_pages, max_pages, guard).is_ok()
            && (!guard || state::register(store, (*mem).base, (*mem).reserved, mem as usize));
        if !ok {
            destroy(mem);
            sys::free(mem.cast(), size_of::<VMMemory>(), align_of::<VMMemory>());
            return ptr::null_mut();
        }
        #[cfg(feature = "std")]
        if guard {
            trap::install_fault_handler();
        }
        // Remember the store for unregistration.
        (*mem).private = store.cast();
        mem
    }
}

/// Frees a memory from `wacc_rt_memory_new`. Free the instances that import
/// it first.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_memory_free(mem: *mut VMMemory) {
    // SAFETY: `mem` was returned by wacc_rt_memory_new and not freed (caller's contract), so
    // `destroy` and the matching `sys::free` apply to it exactly once.
    unsafe {
        if mem.is_null() {
            return;
        }
        state::unregister_owner((*mem).private.cast(), mem as usize);
        destroy(mem);
        sys::free(mem.cast(), size_of::<VMMemory>(), align_of::<VMMemory>());
    }
}
