//! The data of resource handle tables and call scopes (canonical ABI
//! `Table`, `ResourceHandle`, the borrow bookkeeping of tasks) as plain
//! values in `sys` memory. What operates on a context is in `resource`;
//! this module depends on neither it nor the context, which embeds a
//! [`State`].

use crate::abi::TrapCode;
use crate::sys;
use core::mem::{align_of, size_of};
use core::ptr;

/// The canonical ABI's limit on table indices (high 4 bits stay free).
pub(crate) const MAX_LENGTH: u32 = (1 << 28) - 1;

/// A growable array of plain values in `sys` memory (all-zero = empty).
pub(crate) struct Buf<T> {
    pub(crate) ptr: *mut T,
    pub(crate) len: u32,
    pub(crate) cap: u32,
}

impl<T: Copy> Buf<T> {
    pub(crate) fn align() -> usize {
        align_of::<T>().max(8)
    }

    /// Room for one more element; false if out of memory.
    pub(crate) unsafe fn reserve_one(&mut self) -> bool {
        // SAFETY: `ptr`/`cap` describe a block this vector owns (or null with cap 0); the new block
        // is checked non-null before the `len` elements are moved into it.
        unsafe {
            if self.len < self.cap {
                return true;
            }
            let cap = if self.cap == 0 {
                4
            } else {
                self.cap.saturating_mul(2)
            };
            let p = sys::alloc_zeroed(cap as usize * size_of::<T>(), Self::align()).cast::<T>();
            if p.is_null() {
                return false;
            }
            if !self.ptr.is_null() {
                ptr::copy_nonoverlapping(self.ptr, p, self.len as usize);
                sys::free(
                    self.ptr.cast(),
                    self.cap as usize * size_of::<T>(),
                    Self::align(),
                );
            }
            self.ptr = p;
            self.cap = cap;
            true
        }
    }

    pub(crate) unsafe fn push(&mut self, v: T) -> bool {
        // SAFETY: `reserve_one` guaranteed room for one more element at index `len`.
        unsafe {
            if !self.reserve_one() {
                return false;
            }
            self.ptr.add(self.len as usize).write(v);
            self.len += 1;
            true
        }
    }

    pub(crate) unsafe fn at(&self, i: u32) -> *mut T {
        // SAFETY: `i` < `len` (caller's contract, debug-checked), so the pointer is inside the
        // initialised part of the block.
        unsafe {
            debug_assert!(i < self.len);
            self.ptr.add(i as usize)
        }
    }

    pub(crate) unsafe fn release(&mut self) {
        // SAFETY: `ptr`/`cap` describe the block this vector owns (null with cap 0 is ignored by
        // `sys::free`), released once.
        unsafe {
            sys::free(
                self.ptr.cast(),
                self.cap as usize * size_of::<T>(),
                Self::align(),
            );
            self.ptr = ptr::null_mut();
            self.len = 0;
            self.cap = 0;
        }
    }
}

pub(crate) const FREE: u32 = 0;
pub(crate) const OWN: u32 = 1;
pub(crate) const BORROW: u32 = 2;

/// A table element: a resource handle, or a hole in the free list.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    /// [`FREE`], [`OWN`] or [`BORROW`]
    pub(crate) state: u32,
    pub(crate) resource: u32,
    pub(crate) rep: u32,
    /// live borrows lent from this handle (canonical ABI `num_lends`)
    pub(crate) lend_count: u32,
    /// borrow: id of the call scope that lowered it (0 = none)
    pub(crate) scope: u32,
    /// free: the next hole in the free list (0 = end)
    pub(crate) next_free: u32,
}

/// One handle table (all-zero = empty; slot 0 is created on first use).
pub(crate) struct Table {
    pub(crate) entries: Buf<Entry>,
    /// last freed index (0 = none)
    pub(crate) free_head: u32,
}

pub(crate) const EMPTY_ENTRY: Entry = Entry {
    state: FREE,
    resource: 0,
    rep: 0,
    lend_count: 0,
    scope: 0,
    next_free: 0,
};

impl Table {
    /// The live entry at `i`.
    pub(crate) unsafe fn get(&self, i: u32) -> Result<*mut Entry, Trap> {
        // SAFETY: `i` is checked in bounds before the entry is read.
        unsafe {
            if i == 0 || i >= self.entries.len || (*self.entries.at(i)).state == FREE {
                return Err((TrapCode::UnknownHandle, i));
            }
            Ok(self.entries.at(i))
        }
    }

    pub(crate) unsafe fn add(&mut self, e: Entry) -> Result<u32, Trap> {
        // SAFETY: `free_head` is 0 or the index of a free entry inside the vector; new entries go
        // through `push`.
        unsafe {
            if self.free_head != 0 {
                let i = self.free_head;
                let slot = self.entries.at(i);
                self.free_head = (*slot).next_free;
                *slot = e;
                return Ok(i);
            }
            if self.entries.len == 0 && !self.entries.push(EMPTY_ENTRY) {
                return Err((TrapCode::OutOfMemory, 0));
            }
            let i = self.entries.len;
            if i > MAX_LENGTH {
                return Err((TrapCode::OutOfMemory, 0));
            }
            if !self.entries.push(e) {
                return Err((TrapCode::OutOfMemory, 0));
            }
            Ok(i)
        }
    }

    /// Frees live entry `i` (checked by the caller with `get`).
    pub(crate) unsafe fn remove(&mut self, i: u32) -> Entry {
        // SAFETY: `i` is a live entry checked by the caller with `get`.
        unsafe {
            let slot = self.entries.at(i);
            let e = *slot;
            *slot = Entry {
                next_free: self.free_head,
                ..EMPTY_ENTRY
            };
            self.free_head = i;
            e
        }
    }
}

/// A call between component instances (see `wacc_rt_call_begin`).
#[derive(Clone, Copy)]
pub(crate) struct Scope {
    pub(crate) id: u32,
    /// borrow handles lowered into the callee and not yet dropped
    pub(crate) num_borrows: u32,
    /// this scope's lenders are `lenders[lenders_start..]` (up to the next scope's)
    pub(crate) lenders_start: u32,
    /// borrow handles lent to the host for this scope are
    /// `host_borrows[host_borrows_start..]` (up to the next scope's)
    pub(crate) host_borrows_start: u32,
}

/// A handle of a table: one whose `lend_count` a scope increased, or a
/// borrow handle lent to the host.
#[derive(Clone, Copy)]
pub(crate) struct Lender {
    pub(crate) table: u32,
    pub(crate) handle: u32,
}

/// Resource state of a context (all-zero = empty).
pub(crate) struct State {
    /// `num_component_instances + 1` tables, allocated on first use
    pub(crate) tables: *mut Table,
    pub(crate) num_tables: u32,
    pub(crate) scopes: Buf<Scope>,
    pub(crate) lenders: Buf<Lender>,
    /// borrow handles lowered into the host's table, removed when their
    /// scope ends (the host cannot drop them)
    pub(crate) host_borrows: Buf<Lender>,
    /// id of the last scope begun (ids are never 0)
    pub(crate) last_scope: u32,
}

/// A trap code and its detail (the handle index for handle traps).
pub(crate) type Trap = (TrapCode, u32);

impl State {
    pub(crate) fn innermost(&self) -> Option<*mut Scope> {
        // SAFETY: in bounds when len > 0.
        (self.scopes.len > 0).then(|| unsafe { self.scopes.at(self.scopes.len - 1) })
    }

    pub(crate) unsafe fn find_scope(&self, id: u32) -> Option<u32> {
        // SAFETY: every index tried is below `scopes.len`.
        unsafe {
            (0..self.scopes.len)
                .rev()
                .find(|&i| (*self.scopes.at(i)).id == id)
        }
    }

    pub(crate) unsafe fn release(&mut self) {
        // SAFETY: the tables array holds `num_tables` tables allocated by `table`; each is released
        // once and the array freed with its size.
        unsafe {
            for i in 0..self.num_tables {
                (*self.tables.add(i as usize)).entries.release();
            }
            sys::free(
                self.tables.cast(),
                self.num_tables as usize * size_of::<Table>(),
                align_of::<Table>(),
            );
            self.tables = ptr::null_mut();
            self.num_tables = 0;
            self.scopes.release();
            self.lenders.release();
            self.host_borrows.release();
        }
    }
}
