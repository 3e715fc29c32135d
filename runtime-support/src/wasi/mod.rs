//! The WASI hosts (`std` only): one shared layer and two thin fronts.
//!
//! The shared layer works in host terms: the process state ([`host`]:
//! arguments, environment, preopened directories as host descriptors), the
//! sandboxed path walk ([`sandbox`]), the clocks ([`clocks`]), randomness
//! ([`random`]), and errors as host `errno` values ([`error`]). The fronts
//! are [`preview1`] (`wasi_snapshot_preview1`, core modules) and
//! [`preview2`] (WASI 0.2, components): each keeps its own guest handles
//! and maps the shared layer's errors directly to its own codes.
//! [`main_entry`] holds the entries of WASI programs,
//! `wacc_rt_main_wasi` and `wacc_rt_main_component`, that set the state up
//! and run a program. Nothing outside this folder refers to it: an output
//! links the parts of the host its imports name (and what an entry of
//! `main_entry` pulls in).

pub mod clocks;
pub mod error;
pub mod host;
pub mod main_entry;
pub mod preview1;
pub mod preview2;
pub mod random;
pub mod sandbox;

pub use host::{init, Config, EXIT_STATUS};
