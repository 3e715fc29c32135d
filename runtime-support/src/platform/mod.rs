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
