//! `wacc wast`: runs WebAssembly spec-test scripts (`.wast`) through the
//! real pipeline — every module is compiled to an object, the objects and
//! runtime-support are linked into one shared library, and the directives
//! run against that library, loaded with `dlopen`.
//!
//! Each file runs in its own worker process (this executable re-run as
//! `wacc wast --worker FILE ...`), so a crash, a leaked signal handler or
//! a hung test stays within that file.
//!
//! - `script`: `.wast` → modules (binary) + directives
//! - `build`: parallel compilation, one linked library per script
//! - `dylib`: loading it and finding the runtime entry points
//! - `host`: the `spectest` module and its host functions
//! - `instance`: instantiation and import matching (`typekey`: type
//!   identity across modules)
//! - `cinstance`: component instances and calls of their exports
//! - `value`: arguments, results, NaN patterns
//! - `cvalue`: component values, their native layout and comparison
//! - `exec`: running the directives
//! - `protocol`: the worker's report to the parent
//! - `worker` / `driver`: the two sides of the process split
//! - `foreign`: foreign targets, whose directives run in a process of the
//!   target architecture under qemu-user

// Executor-only builds (without the compiler) use part of the modules.
#![cfg_attr(not(feature = "compiler"), allow(dead_code))]

mod build;
mod cinstance;
mod cvalue;
#[cfg(feature = "compiler")]
mod driver;
mod dylib;
mod exec;
mod foreign;
mod host;
mod instance;
mod protocol;
mod script;
mod typekey;
mod value;
mod worker;

#[cfg(feature = "compiler")]
pub use driver::{run_wast_command, worker_args};
pub use foreign::{run_executor, EXECUTOR_ENV};
#[cfg(feature = "compiler")]
pub use worker::run_worker;

use crate::environ::BoundsChecks;
use std::time::Duration;
use wacc_targets::Target;

/// Options of `wacc wast`.
#[derive(Clone, Debug)]
pub struct WastOptions {
    pub bounds_checks: BoundsChecks,
    /// the host, or a Linux target run under qemu-user
    pub target: Target,
    /// optimize the generated code
    pub optimize: bool,
    /// per-file time limit
    pub timeout: Duration,
    /// files run at once (0 = available parallelism)
    pub jobs: usize,
    /// compiler threads per file (0 = cores divided among the running files)
    pub compile_threads: usize,
    /// failure details printed per file
    pub show_failures: usize,
}

impl Default for WastOptions {
    fn default() -> WastOptions {
        WastOptions {
            bounds_checks: BoundsChecks::Guard,
            target: Target::host(),
            optimize: true,
            timeout: Duration::from_secs(300),
            jobs: 0,
            compile_threads: 0,
            show_failures: 5,
        }
    }
}
