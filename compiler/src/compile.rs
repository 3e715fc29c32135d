//! Module compilation: parse → translate and compile every function (in
//! parallel, one Cranelift context per worker) → write one relocatable
//! object with the descriptor, init function, trampolines and entries.

use crate::emit::{FrameInfo, ObjectWriter};
use crate::environ::{self, CodegenOptions, ModuleInfo};
use crate::error::{CompileError, Result};
use crate::libcalls::{LibCall, NS_FUNC, NS_LIBCALL};
use crate::translate;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::UserExternalName;
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::Context;
use cranelift_codegen::FinalizedMachExceptionHandler;
use cranelift_module::{FuncId, ModuleReloc};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// What to compile for.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    pub target: wacc_targets::Target,
    /// symbol prefix (see `symbols`)
    pub prefix: String,
    pub codegen: CodegenOptions,
    /// worker threads for function compilation (0 = all cores)
    pub threads: usize,
    /// also emit a C `main` that runs the module (for executables)
    pub emit_main: bool,
    /// the boundaries to intercept (components; `--policy`)
    pub policy: Option<std::sync::Arc<crate::policy::Policy>>,
}

/// A compiled module: the object file bytes and what the compiler learned
/// about the module (types of imports and exports, for hosts and tools).
pub struct CompiledModule {
    pub object: Vec<u8>,
    pub info: ModuleInfo,
}

/// Machine code of one function, ready to be placed in the object.
struct CompiledFunc {
    /// time spent translating and compiling it
    time: std::time::Duration,
    bytes: Vec<u8>,
    alignment: u64,
    relocs: Vec<ModuleReloc>,
    /// calls inside `try_table`: (return offset, handler offset)
    handlers: Vec<(u32, u32)>,
    /// callee-saved registers the prologue saves: (context slot, offset
    /// from the frame pointer), for the exception unwinder
    saves: Vec<(u32, i32)>,
}

/// Compile a core wasm binary to an object.
pub fn compile_module(wasm: &[u8], opts: &CompileOptions) -> Result<CompiledModule> {
    let timer = PhaseTimer::from_env();
    let info = environ::parse(wasm)?;
    timer.phase("parse and validate sections");
    let isa = opts
        .target
        .isa(opts.codegen.optimize)
        .map_err(|e| CompileError::new(format!("{e:#}")))?;
    let writer = ObjectWriter::new(isa.clone(), &info, &opts.prefix)?;
    timer.phase("declare symbols");
    let mut writer = define_functions(writer, &info, wasm, &*isa, opts, &timer)?;
    writer.emit_support(&info, opts.codegen, opts.emit_main)?;
    timer.phase("descriptor, init and entries");
    let object = writer.finish()?;
    timer.phase("write object");
    Ok(CompiledModule { object, info })
}

/// Translate, compile and place every defined function of `info` in the
/// writer's object.
pub(crate) fn define_functions(
    mut writer: ObjectWriter,
    info: &ModuleInfo,
    wasm: &[u8],
    isa: &dyn TargetIsa,
    opts: &CompileOptions,
    timer: &PhaseTimer,
) -> Result<ObjectWriter> {
    if !translate::supports_simd(isa) && info.has_v128_items() {
        return Err(CompileError::new(translate::NO_SIMD));
    }
    let compiled = compile_functions(
        info,
        wasm,
        isa,
        opts,
        writer.func_ids(),
        writer.libcall_ids(),
    )?;
    timer.phase("translate and compile functions");
    timer.slowest(info, &compiled);
    for (i, f) in compiled.into_iter().enumerate() {
        let index = info.num_imported_funcs + i as u32;
        writer.define_function_bytes(index, &f.bytes, f.alignment, &f.relocs)?;
        writer.note_frame(FrameInfo {
            func: index,
            len: f.bytes.len() as u32,
            sites: f.handlers,
            saves: f.saves,
        });
    }
    timer.phase("place functions");
    Ok(writer)
}

/// Prints how long each compilation phase took when `WACC_TIMINGS` is set.
pub(crate) struct PhaseTimer(Option<std::cell::Cell<std::time::Instant>>);

impl PhaseTimer {
    pub(crate) fn from_env() -> PhaseTimer {
        PhaseTimer(
            std::env::var_os("WACC_TIMINGS")
                .map(|_| std::cell::Cell::new(std::time::Instant::now())),
        )
    }

    pub(crate) fn phase(&self, what: &str) {
        if let Some(t) = &self.0 {
            let now = std::time::Instant::now();
            eprintln!("{:>8.1} ms  {what}", (now - t.get()).as_secs_f64() * 1e3);
            t.set(now);
        }
    }

    fn slowest(&self, info: &ModuleInfo, funcs: &[CompiledFunc]) {
        if self.0.is_some() {
            let mut v: Vec<_> = funcs.iter().enumerate().collect();
            v.sort_by_key(|(_, f)| std::cmp::Reverse(f.time));
            for (i, f) in v.into_iter().take(5) {
                let index = info.num_imported_funcs + i as u32;
                let ms = f.time.as_secs_f64() * 1e3;
                eprintln!(
                    "          {ms:8.1} ms  function {index} {}",
                    info.func_name(index)
                );
            }
        }
    }
}

/// The Cranelift IR of every defined function, as text (`--emit clif`),
/// before Cranelift's own optimisations.
pub fn module_clif(wasm: &[u8], opts: &CompileOptions) -> Result<String> {
    let info = environ::parse(wasm)?;
    let isa = opts
        .target
        .isa(opts.codegen.optimize)
        .map_err(|e| CompileError::new(format!("{e:#}")))?;
    let mut out = String::new();
    for f in info.num_imported_funcs..info.funcs.len() as u32 {
        let func = translate::translate_function(&info, wasm, f, &*isa, &opts.codegen)?;
        out.push_str(&format!(
            ";; function {f} {}\n{}\n",
            info.func_name(f),
            func.display()
        ));
    }
    Ok(out)
}

/// Translate and compile all defined functions using up to `opts.threads`
/// workers. Results are in function order; the first error (lowest
/// function index) wins so messages are deterministic.
fn compile_functions(
    info: &ModuleInfo,
    wasm: &[u8],
    isa: &dyn TargetIsa,
    opts: &CompileOptions,
    func_ids: &[FuncId],
    libcall_ids: &[FuncId],
) -> Result<Vec<CompiledFunc>> {
    let n = info.bodies.len();
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        t => t,
    }
    .min(n.max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<CompiledFunc>>>> =
        Mutex::new((0..n).map(|_| None).collect());
    let work = || {
        let mut ctx = Context::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            let index = info.num_imported_funcs + i as u32;
            let r = compile_one(
                info,
                wasm,
                isa,
                opts,
                index,
                func_ids,
                libcall_ids,
                &mut ctx,
            );
            let failed = r.is_err();
            results.lock().unwrap()[i] = Some(r);
            if failed {
                // Later functions are not needed: the module is rejected.
                next.fetch_max(n, Ordering::Relaxed);
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    let mut out = Vec::with_capacity(n);
    // `None`: skipped because an earlier-finishing worker failed; that
    // error is reported by the lowest index that has one.
    for r in results.into_inner().unwrap().into_iter().flatten() {
        out.push(r?);
    }
    if out.len() != n {
        return Err(CompileError::new(
            "internal error: a function was not compiled",
        ));
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn compile_one(
    info: &ModuleInfo,
    wasm: &[u8],
    isa: &dyn TargetIsa,
    opts: &CompileOptions,
    index: u32,
    func_ids: &[FuncId],
    libcall_ids: &[FuncId],
    ctx: &mut Context,
) -> Result<CompiledFunc> {
    let start = std::time::Instant::now();
    let mut func = translate::translate_function(info, wasm, index, isa, &opts.codegen)?;
    // Map our external names (wasm function index / libcall) to the
    // object module's function ids (namespace 0 in cranelift-module).
    let names: Vec<_> = func
        .params
        .user_named_funcs()
        .iter()
        .map(|(r, n)| (r, n.clone()))
        .collect();
    for (r, name) in names {
        let id = match name.namespace {
            NS_FUNC => func_ids.get(name.index as usize),
            NS_LIBCALL => LibCall::from_index(name.index).map(|l| &libcall_ids[l as usize]),
            _ => None,
        }
        .ok_or_else(|| CompileError::new("internal error: unknown external name").in_func(index))?;
        func.params
            .reset_user_func_name(r, UserExternalName::new(0, id.as_u32()));
    }
    ctx.clear();
    ctx.func = func;
    let code = ctx
        .compile(isa, &mut ControlPlane::default())
        .map_err(|e| {
            CompileError::new(format!("code generation failed: {:?}", e.inner)).in_func(index)
        })?;
    let alignment = code.buffer.alignment as u64;
    let bytes = code.buffer.data().to_vec();
    let handlers = code
        .buffer
        .call_sites()
        .filter_map(|site| {
            site.exception_handlers.iter().find_map(|h| match h {
                FinalizedMachExceptionHandler::Default(at) => Some((site.ret_addr, *at)),
                _ => None,
            })
        })
        .collect();
    let saves = saved_registers(isa, &code.buffer.unwind_info).map_err(|e| e.in_func(index))?;
    let mach_relocs = code.buffer.relocs().to_vec();
    let relocs = mach_relocs
        .iter()
        .map(|r| ModuleReloc::from_mach_reloc(r, &ctx.func, func_ids[index as usize]))
        .collect();
    Ok(CompiledFunc {
        time: start.elapsed(),
        bytes,
        alignment,
        relocs,
        handlers,
        saves,
    })
}

/// Where the prologue saves callee-saved registers, from the unwind
/// pseudo-instructions: (slot in the unwinder's register context, offset
/// from the frame pointer). Every wasm frame between a throw and its
/// handler is undone with these, so the handler sees its registers.
fn saved_registers(
    isa: &dyn TargetIsa,
    unwind: &[(u32, cranelift_codegen::isa::unwind::UnwindInst)],
) -> Result<Vec<(u32, i32)>> {
    use cranelift_codegen::isa::unwind::UnwindInst;
    use cranelift_codegen::RegClass;
    use wacc_abi::saved_regs;
    let order = match isa.triple().architecture {
        target_lexicon::Architecture::X86_64 => saved_regs::X86_64,
        target_lexicon::Architecture::Aarch64(_) => saved_regs::AARCH64,
        target_lexicon::Architecture::Riscv64(_) => saved_regs::RISCV64,
        _ => &[],
    };
    let mut down = 0i64;
    let mut saves = Vec::new();
    for (_, inst) in unwind {
        match inst {
            UnwindInst::DefineNewFrame {
                offset_downward_to_clobbers,
                ..
            } => down = *offset_downward_to_clobbers as i64,
            UnwindInst::SaveReg {
                clobber_offset,
                reg,
            } => {
                let code = match reg.class() {
                    RegClass::Float => 64 + reg.hw_enc(),
                    _ => reg.hw_enc(),
                };
                let slot = order.iter().position(|r| *r == code).ok_or_else(|| {
                    CompileError::new(format!(
                        "internal error: the unwinder cannot restore saved register {reg:?}"
                    ))
                })?;
                saves.push((slot as u32, (*clobber_offset as i64 - down) as i32));
            }
            _ => {}
        }
    }
    Ok(saves)
}
