//! The platform layer: what the runtime needs from the OS. `sys` is the
//! seam the core goes through (address-space reservation, heap blocks,
//! sleeping, the stack's end): `os` (mmap, `std::alloc`) with the `std`
//! feature, `arena` (a static bump arena) without it; both export the same
//! functions. With `std`, `signals` is the fault handler behind guard-mode
//! bounds checks.
//!
//! # Safety
//!
//! The `unsafe fn`s of `sys` take back only what they handed out: `free`
//! gets a block from `alloc_zeroed` with its size and alignment, `commit` a
//! range inside a reservation from `reserve`, `release` a whole reservation;
//! none of it is used afterwards.

#[cfg(not(feature = "std"))]
pub(crate) mod arena;
#[cfg(feature = "std")]
pub(crate) mod os;
#[cfg(feature = "std")]
pub mod signals;

/// The platform seam (see the module docs).
#[cfg(not(feature = "std"))]
pub(crate) use arena as sys;
#[cfg(feature = "std")]
pub(crate) use os as sys;

/// A monotonic clock in ns; 0 where the platform has none (bare metal).
pub(crate) fn monotonic_ns() -> u64 {
    #[cfg(feature = "std")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid out-parameter.
        if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) } == 0 {
            return ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64;
        }
    }
    0
}
