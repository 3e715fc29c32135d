//! Platform layer for hosted targets: address-space reservations with mmap
//! and heap blocks from `std::alloc`. The no-`std` counterpart is `arena`;
//! both export the same functions.

use core::ptr;
use std::alloc::{self, Layout};

/// Reservations are real virtual address space: `reserve` can map far more
/// than is ever committed, and `commit` never moves memory.
pub const HAS_VIRTUAL_MEMORY: bool = true;

/// Reserves `bytes` of inaccessible address space (null on failure).
pub unsafe fn reserve(bytes: u64) -> *mut u8 {
    // SAFETY: a fresh anonymous mapping at an address chosen by the kernel
    // touches no existing memory; failure is checked.
    unsafe {
        let Ok(len) = usize::try_from(bytes) else {
            return ptr::null_mut();
        };
        let p = libc::mmap(
            ptr::null_mut(),
            len,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            ptr::null_mut()
        } else {
            p.cast()
        }
    }
}

/// Makes `[p, p + len)` of a reservation readable and writable. Pages of a
/// fresh anonymous mapping read as zero, so newly committed memory is zeroed.
/// `p` and `len` are multiples of the wasm page size (hence of the OS page).
pub unsafe fn commit(p: *mut u8, len: u64) -> bool {
    // SAFETY: the range lies inside a reservation made by `reserve` (caller's contract), so
    // mprotect changes only memory we own.
    unsafe {
        if len == 0 {
            return true;
        }
        let Ok(len) = usize::try_from(len) else {
            return false;
        };
        libc::mprotect(p.cast(), len, libc::PROT_READ | libc::PROT_WRITE) == 0
    }
}

/// Returns a reservation made by `reserve`.
pub unsafe fn release(p: *mut u8, bytes: u64) {
    // SAFETY: caller passes a whole reservation it owns.
    unsafe {
        libc::munmap(p.cast(), bytes as usize);
    }
}

/// A zeroed heap block (null on failure or for a zero size).
pub unsafe fn alloc_zeroed(size: usize, align: usize) -> *mut u8 {
    // SAFETY: the layout is valid (checked) and non-zero in size (checked).
    unsafe {
        match Layout::from_size_align(size, align) {
            // SAFETY: non-zero size checked.
            Ok(l) if size != 0 => alloc::alloc_zeroed(l),
            _ => ptr::null_mut(),
        }
    }
}

/// Frees a block from `alloc_zeroed` (same size and alignment).
pub unsafe fn free(p: *mut u8, size: usize, align: usize) {
    // SAFETY: `p` came from `alloc_zeroed` with this size and alignment (caller's contract); null
    // and zero size are ignored.
    unsafe {
        if p.is_null() || size == 0 {
            return;
        }
        // SAFETY: the layout was valid when the block was allocated.
        alloc::dealloc(p, Layout::from_size_align_unchecked(size, align));
    }
}

/// Lowest usable address of the current thread's stack, if known (cached
/// per thread: querying it may read /proc on the main thread).
pub fn stack_floor() -> Option<usize> {
    std::thread_local! {
        static FLOOR: core::cell::Cell<Option<usize>> = const { core::cell::Cell::new(None) };
    }
    let cached = FLOOR.try_with(|f| f.get()).ok().flatten();
    cached.or_else(|| {
        let floor = query_stack_floor()?;
        let _ = FLOOR.try_with(|f| f.set(Some(floor)));
        Some(floor)
    })
}

#[cfg(target_os = "linux")]
fn query_stack_floor() -> Option<usize> {
    // SAFETY: attr is initialised by pthread_getattr_np and destroyed here.
    unsafe {
        let mut attr: libc::pthread_attr_t = core::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr: *mut libc::c_void = ptr::null_mut();
        let mut size = 0usize;
        let mut guard = 0usize;
        let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0
            && libc::pthread_attr_getguardsize(&attr, &mut guard) == 0;
        libc::pthread_attr_destroy(&mut attr);
        // The reported range may or may not include the guard; skip it either way.
        ok.then(|| addr as usize + guard)
    }
}

#[cfg(not(target_os = "linux"))]
fn query_stack_floor() -> Option<usize> {
    None
}

/// Sleeps for `ns` nanoseconds (`memory.atomic.wait` timing out).
pub fn sleep_ns(ns: u64) {
    std::thread::sleep(std::time::Duration::from_nanos(ns));
}
