//! Reading arguments and writing results in the native layout (canonical
//! ABI memory layout with 64-bit pointers; see the crate's component
//! contract). Offsets are computed per function from the WIT types and
//! written next to each use.

use core::ffi::c_void;

/// A value of type `T` at byte `off` of `p`.
#[inline]
pub unsafe fn get<T: Copy>(p: *const u8, off: usize) -> T {
    // SAFETY: the caller passes an area holding a `T` at `off` (the
    // argument layout of the function's type); no alignment is assumed.
    unsafe { p.add(off).cast::<T>().read_unaligned() }
}

/// Stores `v` at byte `off` of `p`.
#[inline]
pub unsafe fn put<T>(p: *mut u8, off: usize, v: T) {
    // SAFETY: the caller passes an area with room for a `T` at `off` (the
    // result layout of the function's type); no alignment is assumed.
    unsafe { p.add(off).cast::<T>().write_unaligned(v) }
}

/// The bytes of a `string` or `list<u8>` (`{ptr: u64, len: u64}`) at `off`.
pub unsafe fn bytes<'a>(p: *const u8, off: usize) -> &'a [u8] {
    // SAFETY: the caller passes an area with a `{ptr, len}` pair at `off`.
    let (ptr, len): (u64, u64) = unsafe { (get(p, off), get(p, off + 8)) };
    if len == 0 || ptr == 0 {
        &[]
    } else {
        // SAFETY: the runtime lowered the value into `len` live bytes at
        // `ptr`, which stay valid for the host call.
        unsafe { core::slice::from_raw_parts(ptr as *const u8, len as usize) }
    }
}

/// The elements of a `list<u32>` (or of handles) at `off`.
pub unsafe fn u32s(p: *const u8, off: usize) -> Vec<u32> {
    // SAFETY: the caller passes an area with a `{ptr, len}` pair at `off`.
    let (ptr, len): (u64, u64) = unsafe { (get(p, off), get(p, off + 8)) };
    (0..len as usize)
        // SAFETY: the runtime lowered `len` u32 elements at `ptr`, valid
        // for the host call; `i < len`.
        .map(|i| unsafe { (ptr as *const u32).add(i).read_unaligned() })
        .collect()
}

/// Memory for a returned string or list, valid until the next host call on
/// `ctx` (the context's host arena). Traps with `OutOfMemory` if it cannot
/// be had; never call it while holding the host state's lock.
pub unsafe fn alloc(ctx: *mut c_void, size: usize, align: usize) -> *mut u8 {
    let Ok(size) = u32::try_from(size) else {
        // SAFETY: `ctx` is the live calling context (caller's contract);
        // a host call runs under its store's landing pad.
        unsafe {
            crate::core::trap::raise(
                crate::component::store(ctx),
                crate::abi::TrapCode::LengthOverflow,
            )
        }
    };
    // SAFETY: `ctx` is the live calling context (caller's contract).
    unsafe { crate::component::wacc_rt_host_alloc(ctx, size, align as u32) }
}

/// Copies `data` into the arena and stores `{ptr, len}` at `off` of `r`.
pub unsafe fn put_bytes(ctx: *mut c_void, r: *mut u8, off: usize, data: &[u8]) {
    // SAFETY: `ctx` is the live calling context (caller's contract).
    let m = unsafe { alloc(ctx, data.len(), 1) };
    if !data.is_empty() {
        // SAFETY: `m` is a fresh arena block of `data.len()` bytes.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), m, data.len()) };
    }
    // SAFETY: the caller passes a result area with a `{ptr, len}` slot at `off`.
    unsafe {
        put(r, off, m as u64);
        put(r, off + 8, data.len() as u64);
    }
}

/// Stores a list of `n` elements of `size` bytes (alignment `align`),
/// filled by `each(element, i)`, as `{ptr, len}` at `off` of `r`.
pub unsafe fn put_list(
    ctx: *mut c_void,
    r: *mut u8,
    off: usize,
    n: usize,
    size: usize,
    align: usize,
    mut each: impl FnMut(*mut u8, usize),
) {
    // SAFETY: `ctx` is the live calling context (caller's contract).
    let m = unsafe { alloc(ctx, n.saturating_mul(size), align) };
    for i in 0..n {
        // SAFETY: element `i < n` lies inside the `n * size` byte block.
        each(unsafe { m.add(i * size) }, i);
    }
    // SAFETY: the caller passes a result area with a `{ptr, len}` slot at `off`.
    unsafe {
        put(r, off, m as u64);
        put(r, off + 8, n as u64);
    }
}
