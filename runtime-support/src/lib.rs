//! Runtime support linked into every wacc output.
//!
//! Four parts, one folder each, and the entry of executables:
//! - [`core`]: stores, instances, memories, tables, traps, exceptions and
//!   the `wacc_rt_*` libcalls generated code calls; hosts create stores
//!   ([`store`]), instances ([`instance`]), standalone memories and tables,
//!   and enter wasm through [`trap::wacc_rt_invoke`];
//! - [`component`]: component contexts, resource tables, string transfer;
//! - [`platform`]: the OS seam `sys` (`os` with the `std` feature, the
//!   static `arena` without it) and, with `std`, the fault handler behind
//!   guard-mode bounds checks;
//! - [`wasi`] (`std` only): the WASI preview1 and 0.2 hosts and the
//!   entries of WASI programs;
//! - [`program`] (`std` only): `wacc_rt_main`, which runs a core module as
//!   an executable, and what the executable entries share. It refers to
//!   no WASI, so an output links the WASI host only if it imports WASI.
//!
//! The contract with the compiler is [`abi`].
//!
//! Without `std` the crate is `no_std`. On hosted targets it still links the
//! `std` crate (only for its panic runtime, which a `staticlib` needs); on
//! bare-metal targets (`target_os = "none"`) it provides a looping panic
//! handler instead.
#![cfg_attr(not(feature = "std"), no_std)]
// Unsafe operations inside `unsafe fn`s are spelled out, each with what it
// relies on (a `// SAFETY:` comment).
#![deny(unsafe_op_in_unsafe_fn)]
// Every `unsafe extern "C"` function takes raw pointers whose contract is
// the ABI in `abi.rs`; it is not repeated per function. The contracts of
// the other `unsafe fn`s are in the `# Safety` sections of the module docs
// of `core`, `component` and `platform`.
#![allow(clippy::missing_safety_doc)]

#[cfg(all(not(feature = "std"), not(target_os = "none"), not(test)))]
extern crate std as _;
// The unit tests also run without the `std` feature (against `arena`).
#[cfg(all(not(feature = "std"), test))]
extern crate std;

#[cfg(all(not(feature = "std"), target_os = "none", not(test)))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    loop {
        ::core::hint::spin_loop();
    }
}

/// The contract with generated code (the `wacc-abi` crate).
pub use wacc_abi as abi;

pub mod component;
mod contract;
pub mod core;
pub mod platform;
#[cfg(feature = "std")]
pub mod program;
#[cfg(feature = "std")]
pub mod wasi;

pub(crate) use platform::sys;
// The paths hosts used before the grouping.
pub use self::core::{
    cpu, exception, global, instance, libcalls, memory, sigs, store, table, trap, unwind, vmctx,
};
pub use component::{resource, strings};
#[cfg(feature = "std")]
pub use platform::signals;
#[cfg(feature = "std")]
pub use wasi::main_entry;

#[cfg(test)]
mod tests;
