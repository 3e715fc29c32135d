//! Platform layer without `std`: a statically sized bump arena. Blocks are
//! handed out in order; freeing the most recent block returns it, other
//! frees are ignored. Memories cannot be reserved beyond what they commit, so
//! they can grow only within their initial allocation. Replace this module
//! to plug in a board's allocator; `os` is the hosted counterpart and both
//! export the same functions.

use core::cell::UnsafeCell;
use core::ptr;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Size of the arena in bytes.
pub const ARENA_SIZE: usize = 4 << 20;

/// There is no virtual memory: a reservation is committed memory.
pub const HAS_VIRTUAL_MEMORY: bool = false;

#[repr(C, align(65536))]
struct Arena(UnsafeCell<[u8; ARENA_SIZE]>);

// SAFETY: disjoint blocks are handed out through the atomic `NEXT`.
unsafe impl Sync for Arena {}

static ARENA: Arena = Arena(UnsafeCell::new([0; ARENA_SIZE]));
/// Offset of the first free byte.
static NEXT: AtomicUsize = AtomicUsize::new(0);

fn base() -> *mut u8 {
    ARENA.0.get().cast()
}

/// A zeroed block (null when the arena is exhausted or for a zero size).
pub unsafe fn alloc_zeroed(size: usize, align: usize) -> *mut u8 {
    // SAFETY: `start + size <= ARENA_SIZE` is checked, so the block lies inside the static arena;
    // claiming it through the atomic `NEXT` keeps blocks disjoint.
    unsafe {
        if size == 0 || !align.is_power_of_two() {
            return ptr::null_mut();
        }
        let mut cur = NEXT.load(Ordering::Relaxed);
        loop {
            let start = (cur + align - 1) & !(align - 1);
            let end = match start.checked_add(size) {
                Some(e) if e <= ARENA_SIZE => e,
                _ => return ptr::null_mut(),
            };
            match NEXT.compare_exchange(cur, end, Ordering::AcqRel, Ordering::Relaxed) {
                // Bytes past NEXT are always zero (see `free`).
                Ok(_) => return base().add(start),
                Err(now) => cur = now,
            }
        }
    }
}

/// Frees a block; only the most recent one is actually reclaimed.
pub unsafe fn free(p: *mut u8, size: usize, _align: usize) {
    // SAFETY: `p`/`size` describe a block from `alloc_zeroed` that is no longer used (caller's
    // contract), so it lies inside the arena and may be zeroed.
    unsafe {
        if p.is_null() {
            return;
        }
        let start = p as usize - base() as usize;
        // Zero first so that everything past NEXT stays zero.
        ptr::write_bytes(p, 0, size);
        let _ = NEXT.compare_exchange(start + size, start, Ordering::AcqRel, Ordering::Relaxed);
    }
}

/// A "reservation" is a zeroed block of the full size.
pub unsafe fn reserve(bytes: u64) -> *mut u8 {
    // SAFETY: `alloc_zeroed` accepts any size and alignment and reports failure with null.
    unsafe {
        match usize::try_from(bytes) {
            Ok(n) => alloc_zeroed(n, 16),
            Err(_) => ptr::null_mut(),
        }
    }
}

/// Memory from `reserve` is already usable.
pub unsafe fn commit(_p: *mut u8, _len: u64) -> bool {
    true
}

pub unsafe fn release(p: *mut u8, bytes: u64) {
    // SAFETY: `p`/`bytes` describe a reservation from `reserve` (caller's contract).
    unsafe {
        free(p, bytes as usize, 16);
    }
}

/// The stack's extent is not known here.
pub fn stack_floor() -> Option<usize> {
    None
}

/// No clock here: a timed wait returns at once (nothing can notify it
/// anyway on a single-threaded board).
pub fn sleep_ns(_ns: u64) {}
