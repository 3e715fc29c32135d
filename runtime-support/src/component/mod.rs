//! The component model runtime, `no_std`: component contexts and their
//! instantiation plan ([`context`], re-exported here), export calls,
//! poisoning, the last error and user data ([`entry`], re-exported here),
//! resource handle tables and borrow scopes ([`resource`]), and string
//! transfer and transcoding between component instances ([`strings`]).
//! Built on [`crate::core`].
//!
//! # Safety
//!
//! The `unsafe fn`s of these modules share one contract: a `ctx` is a live
//! component context (from `wacc_rt_component_instantiate`, not yet freed) whose
//! store is live and used by one thread at a time; indices of instances,
//! memories, trampolines, resources and tables are below the counts of the
//! context's descriptor, except where a function checks them (guest handles
//! and guest memory ranges are always checked); memory pointers are null (the
//! host) or live memories of the context's instances, and host pointers
//! point to as many bytes as their length says (ABI contract in `abi`).

pub mod context;
pub mod entry;
mod handles;
pub mod intercept;
pub mod resource;
pub mod strings;
pub mod wave;

pub use context::*;
pub use entry::*;
pub use intercept::{
    wacc_rt_hook_identity, wacc_rt_intercept, wacc_rt_intercept_clock, wacc_rt_intercept_denied,
};
