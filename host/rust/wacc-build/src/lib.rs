//! Use a WebAssembly component from Rust: compile it with wacc in a build
//! script and generate typed bindings for it.
//!
//! ```no_run
//! // build.rs: in `fn main()`
//! wacc_build::Component::new("demo.wat").prefix("demo").compile();
//! ```
//!
//! ```text
//! // main.rs
//! include!(concat!(env!("OUT_DIR"), "/demo.rs"));
//!
//! struct Host;
//! impl demo::Imports for Host {
//!     fn log(&mut self, msg: &str) -> Result<(), u32> {
//!         println!("{msg}");
//!         Ok(())
//!     }
//! }
//!
//! fn main() -> Result<(), demo::Trap> {
//!     let store = demo::Store::new();
//!     let mut instance = demo::Instance::new(&store, Host)?;
//!     println!("{}", instance.greet("world")?);
//!     Ok(())
//! }
//! ```
//!
//! [`Component::compile`] compiles the component in-process (the `wacc`
//! compiler is a library: no `wacc` executable and no network are needed)
//! for the build's `TARGET`, archives the object as `OUT_DIR/lib<prefix>.a`
//! and tells cargo to link it (`cargo:rustc-link-search`,
//! `cargo:rustc-link-lib=static=<prefix>`), writes the bindings to
//! `OUT_DIR/<prefix>.rs` and asks cargo to rerun when the input changes.
//!
//! The runtime is the `wacc-runtime-support` crate: the host depends on it
//! (`wacc-runtime-support = { path = ... }` in `[dependencies]`) and the
//! bindings refer to it (`extern crate wacc_runtime_support`), so its
//! symbols are linked; nothing else is needed.

use std::path::{Path, PathBuf};

/// A component to compile; see the crate's documentation.
#[derive(Clone, Debug)]
pub struct Component {
    input: PathBuf,
    prefix: Option<String>,
    optimize: bool,
    explicit_bounds_checks: bool,
    cpu: String,
    runtime_crate: Option<String>,
}

impl Component {
    /// The component at `input` (`.wasm`, or `.wat` text), relative to the
    /// package's directory as build scripts run there.
    pub fn new(input: impl AsRef<Path>) -> Component {
        Component {
            input: input.as_ref().to_path_buf(),
            prefix: None,
            optimize: true,
            explicit_bounds_checks: false,
            cpu: "baseline".into(),
            runtime_crate: Some("wacc_runtime_support".into()),
        }
    }

    /// The symbol prefix and the bindings' module name (default: the
    /// input's file stem, made an identifier).
    pub fn prefix(mut self, prefix: &str) -> Component {
        self.prefix = Some(prefix.to_string());
        self
    }

    /// Optimise generated code (default: yes).
    pub fn optimize(mut self, on: bool) -> Component {
        self.optimize = on;
        self
    }

    /// Check every memory access in code instead of relying on guard pages
    /// and a fault handler (default: guard pages; targets without an OS
    /// always check).
    pub fn explicit_bounds_checks(mut self, on: bool) -> Component {
        self.explicit_bounds_checks = on;
        self
    }

    /// CPU features the code may use (as `wacc compile --cpu`).
    pub fn cpu(mut self, cpu: &str) -> Component {
        self.cpu = cpu.to_string();
        self
    }

    /// The crate the bindings name so the runtime gets linked (default:
    /// `wacc_runtime_support`); `None` if the host links the runtime itself.
    pub fn runtime_crate(mut self, name: Option<&str>) -> Component {
        self.runtime_crate = name.map(str::to_string);
        self
    }

    /// Compiles, links and writes the bindings; returns their path
    /// (`OUT_DIR/<prefix>.rs`). Panics with the error, as build scripts do.
    pub fn compile(self) -> PathBuf {
        match self.try_compile() {
            Ok(p) => p,
            Err(e) => panic!("wacc-build: {e}"),
        }
    }

    /// [`Component::compile`], returning errors.
    pub fn try_compile(self) -> Result<PathBuf, String> {
        let out_dir = PathBuf::from(env("OUT_DIR")?);
        println!("cargo:rerun-if-changed={}", self.input.display());
        let bytes = std::fs::read(&self.input)
            .map_err(|e| format!("cannot read {}: {e}", self.input.display()))?;
        let wasm = wat::parse_bytes(&bytes)
            .map_err(|e| format!("{}: {e}", self.input.display()))?
            .into_owned();
        if !wacc::component::is_component(&wasm) {
            return Err(format!(
                "{}: not a component (wacc-build binds components)",
                self.input.display()
            ));
        }
        let stem = self
            .input
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("component");
        let prefix = wacc::symbols::sanitize_prefix(self.prefix.as_deref().unwrap_or(stem));
        let target = match std::env::var("TARGET") {
            Ok(t) => wacc_targets::Target::parse(&t),
            Err(_) => Ok(wacc_targets::Target::host()),
        }
        .and_then(|t| t.with_cpu(&self.cpu))
        .map_err(|e| e.to_string())?;
        let bounds_checks = if self.explicit_bounds_checks || !target.has_os() {
            wacc::environ::BoundsChecks::Explicit
        } else {
            wacc::environ::BoundsChecks::Guard
        };
        let opts = wacc::compile::CompileOptions {
            target,
            prefix: prefix.clone(),
            codegen: wacc::environ::CodegenOptions {
                bounds_checks,
                optimize: self.optimize,
            },
            threads: 0,
            emit_main: false,
            policy: None,
        };
        let compiled = wacc::component::compile_component(&wasm, &opts)
            .map_err(|e| format!("{}: {e}", self.input.display()))?;
        let bindings = wacc::component::bindings_rust::rust_bindings_of(
            &wasm,
            &prefix,
            &wacc::component::bindings_rust::RustOptions {
                runtime_crate: self.runtime_crate.clone(),
            },
        )
        .map_err(|e| format!("{}: {e}", self.input.display()))?;

        let obj = out_dir.join(format!("{prefix}.o"));
        std::fs::write(&obj, &compiled.object)
            .map_err(|e| format!("cannot write {}: {e}", obj.display()))?;
        // The object alone in `lib<prefix>.a` (the runtime comes from its
        // crate); cc finds the target's archiver and prints the link lines.
        cc::Build::new()
            .object(&obj)
            .cargo_metadata(true)
            .try_compile(&prefix)
            .map_err(|e| format!("archiving {}: {e}", obj.display()))?;
        let rs = out_dir.join(format!("{prefix}.rs"));
        std::fs::write(&rs, bindings).map_err(|e| format!("cannot write {}: {e}", rs.display()))?;
        Ok(rs)
    }
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name)
        .map_err(|_| format!("${name} is not set: call wacc-build from a build script"))
}
