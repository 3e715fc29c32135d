//! The WASI hosts (`std` only): preview1 (`wasi_snapshot_preview1`) for
//! core modules in [`preview1`], WASI 0.2 for components in [`preview2`],
//! and the executable entries `wacc_rt_main*` that set them up and run a
//! program ([`main_entry`]).

pub mod main_entry;
pub mod preview1;
pub mod preview2;
