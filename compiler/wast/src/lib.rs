//! Runs WebAssembly spec-test scripts (`.wast`, core and component) the way
//! `wasmtime wast` does, but natively: every module is compiled to an
//! object, the objects and runtime-support are linked into one shared
//! library, and the directives run against that library, loaded with
//! `dlopen`. Compiling and linking are the caller's (a [`Builder`]), so
//! this crate carries no code generator and runs on any Linux target.
//!
//! Each file runs in its own worker process (the calling executable re-run
//! as `EXE wast --worker FILE ...`), so a crash, a leaked signal handler or
//! a hung test stays within that file.
//!
//! - `script`: `.wast` → modules (binary) + directives
//! - `build`: the [`Builder`] interface, parallel compilation, one linked
//!   library per script; `meta`: what the runner reads from a module binary
//! - `dylib`: loading the library and finding the runtime entry points
//! - `host`: the `spectest` module and its host functions
//! - `instance`: instantiation and import matching (`typekey`: type
//!   identity across modules)
//! - `cinstance`: component instances and calls of their exports
//! - `value`: arguments, results, NaN patterns
//! - `ctypes` / `cvalue`: component value types, values, their native
//!   layout and comparison
//! - `exec`: running the directives
//! - `protocol`: the worker's report to the parent
//! - `worker` / `driver`: the two sides of the process split
//! - `foreign`: foreign targets, whose directives run in a process of the
//!   target architecture under qemu-user

mod build;
mod cinstance;
pub mod ctypes;
mod cvalue;
mod driver;
mod dylib;
mod exec;
mod foreign;
mod host;
mod instance;
mod meta;
mod protocol;
mod script;
mod typekey;
mod value;
mod worker;

pub use build::{Builder, Job, Object};
pub use ctypes::ExportFunc;
pub use driver::{run_wast_command, worker_args};
pub use foreign::{run_executor, EXECUTOR_ENV};
pub use worker::run_worker;

use std::time::Duration;
use wacc_targets::Target;

/// How the compiled code checks linear-memory bounds (the builder's
/// choice; the runner passes it on to workers and executors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundsChecks {
    Guard,
    Explicit,
}

impl BoundsChecks {
    /// The value of `--bounds-checks`.
    pub fn name(self) -> &'static str {
        match self {
            BoundsChecks::Guard => "guard",
            BoundsChecks::Explicit => "explicit",
        }
    }
}

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
    /// the interception policy components are compiled with (`--policy`)
    pub policy: Option<std::path::PathBuf>,
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
            policy: None,
        }
    }
}

/// The components a script defines (by `(component ...)` directives that
/// define or instantiate them; not the ones it expects to be invalid), as
/// (index in the script, binary), without those that use the async ABI.
pub fn script_components(text: &str) -> Result<Vec<(usize, Vec<u8>)>, String> {
    let s = script::Script::parse(text).map_err(|e| e.0)?;
    let mut out = vec![];
    for step in &s.steps {
        if let script::Directive::Module { module, .. } = step.directive {
            let m = &s.modules[module];
            if let (true, None, Ok(wasm)) = (m.component, &m.needs_async, &m.wasm) {
                out.push((module, wasm.clone()));
            }
        }
    }
    Ok(out)
}
