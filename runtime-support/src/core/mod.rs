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
