//! Tables: heap-allocated arrays of pointer-sized elements. `table.grow`
//! may reallocate (generated code reloads `base` after any libcall).
//! Every bulk operation checks its whole range before writing anything.

use crate::abi::{TrapCode, VMTable};
use crate::sys;
use core::mem::{align_of, size_of};
use core::ptr;

/// Implementation limit on table size, so absurd `table.grow` requests fail
/// (return -1) instead of exhausting memory.
pub const MAX_ELEMS: u32 = 1 << 24;

const ELEM: usize = size_of::<usize>();

unsafe fn alloc_elems(n: u32) -> *mut usize {
    // SAFETY: `sys::alloc_zeroed` accepts any size and alignment and reports failure with null.
    unsafe { sys::alloc_zeroed(n as usize * ELEM, ELEM).cast() }
}

unsafe fn free_elems(p: *mut usize, n: u32) {
    // SAFETY: `p` came from `alloc_elems(n)` with the same `n` (caller's contract), or is null,
    // which `sys::free` ignores.
    unsafe {
        sys::free(p.cast(), n as usize * ELEM, ELEM);
    }
}

/// Initialises `*t` (contents ignored) with `min` null elements.
pub unsafe fn create(t: *mut VMTable, min: u32, max: u32, elem_kind: u32) -> Result<(), TrapCode> {
    // SAFETY: `t` points to writable VMTable storage owned by the caller; the element block is
    // allocated for `capacity` elements.
    unsafe {
        if min > MAX_ELEMS || min > max {
            return Err(TrapCode::OutOfMemory);
        }
        let base = if min == 0 {
            ptr::null_mut()
        } else {
            alloc_elems(min)
        };
        if min != 0 && base.is_null() {
            return Err(TrapCode::OutOfMemory);
        }
        t.write(VMTable {
            base,
            length: min,
            max,
            capacity: min,
            elem_kind,
            private: ptr::null_mut(),
        });
        Ok(())
    }
}

/// Frees the elements and zeroes `*t` (a zeroed table is left alone).
pub unsafe fn destroy(t: *mut VMTable) {
    // SAFETY: `t` was set up by `create` (or is zeroed), so `base`/`capacity` describe a block it
    // owns; nothing uses it afterwards.
    unsafe {
        free_elems((*t).base, (*t).capacity);
        ptr::write_bytes(t, 0, 1);
    }
}

/// `table.grow`: old length, or None if the new length would pass the
/// maximum or cannot be allocated (nothing changes then).
pub unsafe fn grow(t: *mut VMTable, delta: u32, init: usize) -> Option<u32> {
    // SAFETY: `t` is a live table (caller's contract); new elements are written only inside the
    // block of `capacity` elements allocated here.
    unsafe {
        let tb = &mut *t;
        let old = tb.length;
        let new = old.checked_add(delta)?;
        if new > tb.max || new > MAX_ELEMS {
            return None;
        }
        if new > tb.capacity {
            // Amortised growth, bounded by the limits.
            let cap = new.max(tb.capacity.saturating_mul(2).min(tb.max).min(MAX_ELEMS));
            let base = alloc_elems(cap);
            if base.is_null() {
                return None;
            }
            if old != 0 {
                ptr::copy_nonoverlapping(tb.base, base, old as usize);
            }
            free_elems(tb.base, tb.capacity);
            tb.base = base;
            tb.capacity = cap;
        }
        for i in old..new {
            *tb.base.add(i as usize) = init;
        }
        tb.length = new;
        Some(old)
    }
}

/// Pointer to elements `[start, start + len)` if within the table.
unsafe fn range(t: *const VMTable, start: u32, len: u32) -> Result<*mut usize, TrapCode> {
    // SAFETY: `t` is a live table (caller's contract); the pointer is formed only after checking
    // `start + len <= length`.
    unsafe {
        match start.checked_add(len) {
            Some(end) if end <= (*t).length => Ok((*t).base.wrapping_add(start as usize)),
            _ => Err(TrapCode::TableOutOfBounds),
        }
    }
}

/// `table.fill`.
pub unsafe fn fill(t: *mut VMTable, dst: u32, val: usize, len: u32) -> Result<(), TrapCode> {
    // SAFETY: `range` checked `[dst, dst + len)` lies in the live table `t`.
    unsafe {
        let d = range(t, dst, len)?;
        for i in 0..len as usize {
            *d.add(i) = val;
        }
        Ok(())
    }
}

/// `table.copy` (tables may be the same and ranges overlap).
pub unsafe fn copy(
    dst_t: *mut VMTable,
    src_t: *const VMTable,
    dst: u32,
    src: u32,
    len: u32,
) -> Result<(), TrapCode> {
    // SAFETY: `range` checked both ranges lie in their live tables; `ptr::copy` allows overlap.
    unsafe {
        let s = range(src_t, src, len)?;
        let d = range(dst_t, dst, len)?;
        if len != 0 {
            ptr::copy(s, d, len as usize);
        }
        Ok(())
    }
}

/// `table.init`: writes `value(items[src + i])` at `dst + i`.
pub unsafe fn init(
    t: *mut VMTable,
    items: &[u32],
    dst: u32,
    src: u32,
    len: u32,
    value: impl Fn(u32) -> usize,
) -> Result<(), TrapCode> {
    // SAFETY: the segment range was bounds-checked against `items` above and `range` checks the
    // destination in the live table `t`.
    unsafe {
        let items = match (src as usize).checked_add(len as usize) {
            Some(end) if end <= items.len() => &items[src as usize..end],
            _ => return Err(TrapCode::TableOutOfBounds),
        };
        let d = range(t, dst, len)?;
        for (i, &item) in items.iter().enumerate() {
            *d.add(i) = value(item);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Host API

/// Creates a standalone table of `min` null elements; `max` is `u32::MAX`
/// for none; `elem_kind` 0 = funcref, 1 = externref. Null on failure.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_table_new(min: u32, max: u32, elem_kind: u32) -> *mut VMTable {
    // SAFETY: a fresh zeroed block of VMTable's size and alignment is checked non-null before
    // `create` initialises it; it is freed again on failure.
    unsafe {
        let t = sys::alloc_zeroed(size_of::<VMTable>(), align_of::<VMTable>()).cast::<VMTable>();
        if !t.is_null() && create(t, min, max, elem_kind).is_err() {
            sys::free(t.cast(), size_of::<VMTable>(), align_of::<VMTable>());
            return ptr::null_mut();
        }
        t
    }
}

/// Frees a table from `wacc_rt_table_new`. Free the instances that import it first.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_table_free(t: *mut VMTable) {
    // SAFETY: `t` was returned by wacc_rt_table_new and not freed (caller's contract), so `destroy`
    // and the matching `sys::free` apply to it exactly once.
    unsafe {
        if !t.is_null() {
            destroy(t);
            sys::free(t.cast(), size_of::<VMTable>(), align_of::<VMTable>());
        }
    }
}
