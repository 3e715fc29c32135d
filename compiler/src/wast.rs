//! `wacc wast`: the spec-script runner (crate `wacc-wast`) with this
//! compiler as its [`Builder`]: every module of a script is compiled here
//! and linked with runtime-support into the library the runner loads.

use crate::compile::{compile_module, CompileOptions};
use crate::component::{self, types};
use crate::environ::{BoundsChecks, CodegenOptions};
use std::path::{Path, PathBuf};
use wacc_linker::{link, LinkRequest, OutputKind};
use wacc_targets::Target;
use wacc_wast::{ctypes, Builder, ExportFunc, Job, Object, WastOptions};

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
    }
}

impl Builder for Compiler {
    fn compile(&self, job: &Job, opts: &WastOptions) -> Result<Object, String> {
        let copts = compile_options(job, opts);
        if job.component {
            let c = component::compile_component(job.wasm, &copts).map_err(|e| e.to_string())?;
            Ok(Object {
                bytes: c.object,
                exports: c.exports.iter().map(export_func).collect(),
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

fn export_func(f: &component::ExportFunc) -> ExportFunc {
    ExportFunc {
        name: f.name.clone(),
        params: f
            .params
            .iter()
            .map(|(n, t)| (n.clone(), ctype(t)))
            .collect(),
        result: f.result.as_ref().map(ctype),
    }
}

/// The runner's copy of a component value type.
fn ctype(t: &types::ValType) -> ctypes::ValType {
    use ctypes::ValType as C;
    use types::ValType as V;
    let boxed = |t: &V| Box::new(ctype(t));
    let opt = |t: &Option<Box<V>>| t.as_deref().map(boxed);
    match t {
        V::Bool => C::Bool,
        V::S8 => C::S8,
        V::U8 => C::U8,
        V::S16 => C::S16,
        V::U16 => C::U16,
        V::S32 => C::S32,
        V::U32 => C::U32,
        V::S64 => C::S64,
        V::U64 => C::U64,
        V::F32 => C::F32,
        V::F64 => C::F64,
        V::Char => C::Char,
        V::String => C::String,
        V::ErrorContext => C::ErrorContext,
        V::List(e, n) => C::List(boxed(e), *n),
        V::Record(fs) => C::Record(fs.iter().map(|(n, t)| (n.clone(), ctype(t))).collect()),
        V::Tuple(ts) => C::Tuple(ts.iter().map(ctype).collect()),
        V::Variant(cs) => C::Variant(
            cs.iter()
                .map(|(n, t)| (n.clone(), t.as_ref().map(ctype)))
                .collect(),
        ),
        V::Enum(ls) => C::Enum(ls.clone()),
        V::Option(t) => C::Option(boxed(t)),
        V::Result { ok, err } => C::Result {
            ok: opt(ok),
            err: opt(err),
        },
        V::Flags(ls) => C::Flags(ls.clone()),
        V::Map(k, v) => C::Map(boxed(k), boxed(v)),
        V::Own(r) => C::Own(*r),
        V::Borrow(r) => C::Borrow(*r),
        V::Stream => C::Stream,
        V::Future => C::Future,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use types::PtrType;

    /// The runner's native layout is the compiler's with 64-bit pointers.
    #[test]
    fn native_layout_agrees() {
        let s = |n: &str| n.to_string();
        let u = |t: types::ValType| Box::new(t);
        let samples = vec![
            types::ValType::String,
            types::ValType::Record(vec![
                (s("a"), types::ValType::U8),
                (
                    s("b"),
                    types::ValType::List(u(types::ValType::U16), Some(3)),
                ),
                (s("c"), types::ValType::F64),
            ]),
            types::ValType::Result {
                ok: Some(u(types::ValType::Tuple(vec![
                    types::ValType::Char,
                    types::ValType::S64,
                ]))),
                err: None,
            },
            types::ValType::Variant(vec![
                (s("x"), None),
                (s("y"), Some(types::ValType::Own(0))),
                (
                    s("z"),
                    Some(types::ValType::List(u(types::ValType::Bool), None)),
                ),
            ]),
            types::ValType::Option(u(types::ValType::Map(
                u(types::ValType::String),
                u(types::ValType::S16),
            ))),
            types::ValType::Flags((0..17).map(|i| i.to_string()).collect()),
            types::ValType::Enum((0..300).map(|i| i.to_string()).collect()),
        ];
        for t in &samples {
            let c = ctype(t);
            assert_eq!(c.size(), t.elem_size(PtrType::I64) as usize, "{t:?}");
            assert_eq!(c.alignment(), t.alignment(PtrType::I64) as usize, "{t:?}");
        }
    }
}
