//! The WASI hosts (`std` only): one shared layer and two thin fronts.
//!
//! The shared layer works in host terms: the process state ([`host`]:
//! arguments, environment, preopened directories as host descriptors), the
//! sandboxed path walk ([`sandbox`]), the clocks ([`clocks`]), randomness
//! ([`random`]), and errors as host `errno` values ([`error`]). The fronts
//! are [`preview1`] (`wasi_snapshot_preview1`, core modules) and
//! [`preview2`] (WASI 0.2, components): each keeps its own guest handles
//! and maps the shared layer's errors directly to its own codes.
//! [`main_entry`] holds the executable entries `wacc_rt_main*` that set the
//! state up and run a program.

pub mod clocks;
pub mod error;
pub mod host;
pub mod main_entry;
pub mod preview1;
pub mod preview2;
pub mod random;
pub mod sandbox;

pub use host::{init, Config, EXIT_STATUS};
