//! `wacc wast`: the spec-script runner (crate `wacc-wast`) with this
//! compiler as its [`Builder`]: every module of a script is compiled here
//! and linked with runtime-support into the library the runner loads.

use crate::compile::{compile_module, CompileOptions};
use crate::component;
use crate::environ::{BoundsChecks, CodegenOptions};
use crate::policy::Policy;
use std::path::{Path, PathBuf};
use wacc_linker::{link, LinkRequest, OutputKind};
use wacc_targets::Target;
use wacc_wast::{Builder, Job, Object, WastOptions};

/// The runner's options for code generated with `codegen` for `target`.
pub fn options(codegen: CodegenOptions, target: Target) -> WastOptions {
    WastOptions {
        bounds_checks: match codegen.bounds_checks {
            BoundsChecks::Guard => wacc_wast::BoundsChecks::Guard,
            BoundsChecks::Explicit => wacc_wast::BoundsChecks::Explicit,
        },
        target,
        optimize: codegen.optimize,
        ..WastOptions::default()
    }
}

/// Compiles and links scripts' modules with wacc.
pub struct Compiler;

fn compile_options(job: &Job, opts: &WastOptions) -> CompileOptions {
    CompileOptions {
        target: opts.target.clone(),
        prefix: job.prefix.to_string(),
        codegen: CodegenOptions {
            bounds_checks: match opts.bounds_checks {
                wacc_wast::BoundsChecks::Guard => BoundsChecks::Guard,
                wacc_wast::BoundsChecks::Explicit => BoundsChecks::Explicit,
            },
            optimize: opts.optimize,
        },
        // The runner compiles a script's modules in parallel.
        threads: 1,
        emit_main: false,
        policy: None,
    }
}

impl Builder for Compiler {
    fn compile(&self, job: &Job, opts: &WastOptions) -> Result<Object, String> {
        let mut copts = compile_options(job, opts);
        if job.component {
            copts.policy = policy(opts)?;
            let c = component::compile_component(job.wasm, &copts).map_err(|e| e.to_string())?;
            Ok(Object {
                bytes: c.object,
                exports: c.exports,
            })
        } else {
            let c = compile_module(job.wasm, &copts).map_err(|e| e.to_string())?;
            Ok(Object {
                bytes: c.object,
                exports: vec![],
            })
        }
    }

    /// A core module is compiled all the same (assert_invalid and the like
    /// test the compiler); a component is only validated, as one the
    /// script never instantiates may use what the compiler lacks.
    fn check(&self, job: &Job, opts: &WastOptions) -> Result<(), String> {
        if job.component {
            component::validate(job.wasm).map_err(|e| e.to_string())
        } else {
            self.compile(job, opts).map(|_| ())
        }
    }

    fn link(&self, objects: &[PathBuf], output: &Path, opts: &WastOptions) -> Result<(), String> {
        link(&LinkRequest {
            target: opts.target.clone(),
            kind: OutputKind::SharedLib,
            objects: objects.to_vec(),
            output: output.to_path_buf(),
            runtime: None,
        })
        .map_err(|e| format!("{e:#}"))
    }
}

/// The policy of `opts`, read once per process.
fn policy(opts: &WastOptions) -> Result<Option<std::sync::Arc<Policy>>, String> {
    static POLICY: std::sync::OnceLock<Result<Option<std::sync::Arc<Policy>>, String>> =
        std::sync::OnceLock::new();
    POLICY
        .get_or_init(|| {
            opts.policy
                .as_deref()
                .map(|p| Policy::load(p).map(std::sync::Arc::new))
                .transpose()
                .map_err(|e| e.to_string())
        })
        .clone()
}
