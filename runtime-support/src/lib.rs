//! Runtime support linked into every wacc output.
//!
//! Generated code calls the `wacc_rt_*` libcalls ([`libcalls`]); hosts create
//! stores ([`store`]), instances ([`instance`]), standalone memories and
//! tables, and enter wasm through [`trap::wacc_rt_invoke`]. The contract with
//! the compiler is [`abi`].
//!
//! Platform seam: everything that needs the OS (address-space reservation,
//! heap allocation) goes through [`sys`]: `os` (mmap, `std::alloc`) with the
//! `std` feature, `arena` (a static bump arena) without it. Signal-based
//! bounds checks (`guard` mode) exist only with `std`.
//!
//! Without `std` the crate is `no_std`. On hosted targets it still links the
//! `std` crate (only for its panic runtime, which a `staticlib` needs); on
//! bare-metal targets (`target_os = "none"`) it provides a looping panic
//! handler instead.
#![cfg_attr(not(feature = "std"), no_std)]
// Every `unsafe extern "C"` function takes raw pointers whose contract is
// the ABI in `abi.rs`; it is not repeated per function.
#![allow(clippy::missing_safety_doc)]

#[cfg(all(not(feature = "std"), not(target_os = "none"), not(test)))]
extern crate std as _;
// The unit tests also run without the `std` feature (against `arena`).
#[cfg(all(not(feature = "std"), test))]
extern crate std;

#[cfg(all(not(feature = "std"), target_os = "none", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// The contract with generated code (the `wacc-abi` crate).
pub use wacc_abi as abi;
pub mod component;
mod contract;
pub mod cpu;
pub mod exception;
pub mod global;
pub mod instance;
pub mod libcalls;
#[cfg(feature = "std")]
pub mod main_entry;
pub mod memory;
pub mod resource;
pub mod sigs;
pub mod store;
pub mod strings;
pub mod table;
pub mod trap;
pub mod unwind;
pub mod vmctx;
#[cfg(feature = "std")]
pub mod wasi;
#[cfg(feature = "std")]
pub mod wasi2;

#[cfg(not(feature = "std"))]
mod arena;
#[cfg(feature = "std")]
mod os;
#[cfg(feature = "std")]
pub mod signals;

/// The platform layer (see the crate docs).
#[cfg(not(feature = "std"))]
pub(crate) use arena as sys;
#[cfg(feature = "std")]
pub(crate) use os as sys;

#[cfg(test)]
mod tests;
