//! The core runtime, `no_std`: stores, instantiation of core modules,
//! memories, tables, globals, traps and entry into wasm, exceptions and
//! their unwinder, and the libcalls generated code calls. Everything the OS
//! provides comes through `crate::sys`.
//!
//! Layering, bottom up: `vmctx`, `sigs`, `cpu` (reading the contract);
//! `state` (what a store keeps beside `VMStore`, and the thread's current
//! store); `trap` (landing pads); `memory`, `table`, `global`, `exception`,
//! `unwind`; `instance`; `store` (creating and freeing stores, with what
//! they own); `libcalls`.
//!
//! # Safety
//!
//! The `unsafe fn`s of these modules share one contract, stated here rather
//! than per function:
//! - a `vmctx` is a live instance (from `wacc_rt_instance_new`, not yet
//!   freed) whose store is live; generated code passes its own vmctx;
//! - a store, memory, table, global cell or exception pointer was returned
//!   by the matching `wacc_rt_*_new` (or set up by `create`) and is not
//!   freed yet; a pointer to storage to initialise is writable and aligned;
//! - indices of memories, tables, globals, functions, types, segments and
//!   tags are below the counts of the module's descriptor (they come from
//!   validated, compiled code or from the descriptor itself); offsets into
//!   linear memories and tables are checked here;
//! - raw argument arrays hold as many readable (or writable) elements as
//!   their length says, as `abi` specifies for each entry point;
//! - a store is used by one thread at a time, and functions that can trap
//!   are called inside `trap::catch` (else a trap aborts).

pub mod cpu;
pub mod exception;
pub mod global;
pub mod instance;
pub mod libcalls;
pub mod memory;
pub mod sigs;
pub mod state;
pub mod store;
pub mod table;
pub mod trap;
pub mod unwind;
pub mod vmctx;
