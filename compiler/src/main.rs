//! The `wacc` command line.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wacc::compile::{compile_module, CompileOptions};
use wacc::environ::{BoundsChecks, CodegenOptions};
use wacc_linker::{LinkRequest, OutputKind};
use wacc_targets::Target;

mod driver;

#[derive(Parser)]
#[command(
    name = "wacc",
    version,
    about = "Ahead-of-time compiler from WebAssembly to native code"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile a module (.wasm or .wat) to a relocatable object or a library.
    Compile {
        /// input module
        input: PathBuf,
        /// output file
        #[arg(short = 'o', long)]
        output: PathBuf,
        #[command(flatten)]
        codegen: CodegenArgs,
        /// what to write: a relocatable object, or the object linked with
        /// runtime-support into a static or shared library
        #[arg(long, value_enum, default_value_t = Emit::Obj)]
        emit: Emit,
        /// symbol prefix for the module's entries (default: the input's file stem)
        #[arg(long)]
        prefix: Option<String>,
        /// extra linker input for `--emit exe|shared` (objects, archives, C
        /// sources providing imports); repeatable
        #[arg(long = "link", value_name = "FILE")]
        link: Vec<PathBuf>,
        /// also write the typed C interface of the output: for a component,
        /// its types, exports and imports (see the header's comment)
        #[arg(long, value_name = "FILE.h")]
        header: Option<PathBuf>,
        /// also write typed Rust bindings of a component: a module named
        /// after the prefix with its types, an `Instance` with one method
        /// per export and an `Imports` trait (see the file's comment)
        #[arg(long, value_name = "FILE.rs")]
        rust_bindings: Option<PathBuf>,
    },
    /// Build a WASI program (a wasip1 core module or a wasip2 component) into a native executable.
    Build {
        /// input module
        input: PathBuf,
        /// output executable
        #[arg(short = 'o', long)]
        output: PathBuf,
        #[command(flatten)]
        codegen: CodegenArgs,
        #[command(flatten)]
        host: HostArgs,
    },
    /// Build a WASI program (core module or component) into the cache (if not there yet) and run it.
    Run {
        #[command(flatten)]
        codegen: CodegenArgs,
        #[command(flatten)]
        host: HostArgs,
        /// the module, then the program's arguments
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "APP.wasm [ARGS]"
        )]
        command: Vec<std::ffi::OsString>,
    },
    /// Run WebAssembly spec test scripts (.wast), compiling every module natively.
    Wast {
        /// scripts to run
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        codegen: CodegenArgs,
        /// run one script in this process (used internally: each script runs in its own process)
        #[arg(long, hide = true)]
        worker: bool,
        /// run one script's directives against a library built by a worker
        /// for this machine's architecture (used internally for foreign targets)
        #[arg(long, hide = true, value_name = "MANIFEST")]
        execute: Option<PathBuf>,
    },
}

#[derive(clap::Args, Clone)]
struct CodegenArgs {
    /// target triple (default: this machine)
    #[arg(long)]
    target: Option<String>,
    /// CPU features the code may use: baseline (the target's pinned baseline,
    /// e.g. x86-64-v2), x86-64-v3, rv64gcv (riscv64 with the vector
    /// extension, for SIMD), or native (this machine's CPU). Recorded in the
    /// output and checked when it starts
    #[arg(long, default_value = "baseline")]
    cpu: String,
    /// how linear-memory accesses are bounds-checked
    #[arg(long, value_enum, default_value_t = Bounds::Guard)]
    bounds_checks: Bounds,
    /// optimisation level
    #[arg(short = 'O', value_enum, default_value_t = Opt::Speed)]
    opt: Opt,
    /// the build's policy for component boundaries: logging, statistics,
    /// custom hooks and the firewall (see README, "Policy")
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

/// WASI host options (as wasmtime's). For `build` they are baked into the
/// executable, which also accepts them at run time (those win).
#[derive(clap::Args, Clone)]
struct HostArgs {
    /// preopen directory HOST, visible to the program as GUEST (default: HOST); repeatable
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// environment variable for the program (`K` alone: the host's value at run time); repeatable
    #[arg(long = "env", value_name = "K[=V]")]
    env: Vec<String>,
}

impl HostArgs {
    fn options(&self) -> driver::HostOptions {
        driver::HostOptions {
            dirs: self.dirs.clone(),
            env: self.env.clone(),
            policy: None,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Bounds {
    /// virtual-memory reservation + guard region, faults become traps
    Guard,
    /// a bounds check in code before every access (no signal handler)
    Explicit,
}

#[derive(Clone, Copy, ValueEnum)]
enum Opt {
    None,
    Speed,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Emit {
    /// relocatable object
    Obj,
    /// static library: object + runtime-support
    Static,
    /// shared library: object + runtime-support
    Shared,
    /// executable: instantiates the module and runs its `_start` export
    Exe,
    /// the Cranelift IR of every function, as text
    Clif,
}

impl CodegenArgs {
    fn target(&self) -> Result<Target> {
        let t = match &self.target {
            Some(t) => Target::parse(t)?,
            None => Target::host(),
        };
        t.with_cpu(&self.cpu)
    }

    fn policy(&self) -> Result<Option<std::sync::Arc<wacc::policy::Policy>>> {
        self.policy
            .as_deref()
            .map(|p| Ok(std::sync::Arc::new(wacc::policy::Policy::load(p)?)))
            .transpose()
    }

    fn codegen(&self) -> CodegenOptions {
        CodegenOptions {
            bounds_checks: match self.bounds_checks {
                Bounds::Guard => BoundsChecks::Guard,
                Bounds::Explicit => BoundsChecks::Explicit,
            },
            optimize: matches!(self.opt, Opt::Speed),
        }
    }
}

/// Read a module: binary as is, text through the `wat` parser.
pub fn read_module(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    wat::parse_bytes(&bytes)
        .map(|b| b.into_owned())
        .map_err(|mut e| {
            e.set_path(path);
            anyhow::anyhow!("{e}")
        })
}

/// The interface files `compile` writes besides the output.
struct Interfaces<'a> {
    /// `--header`: the C header
    header: Option<&'a Path>,
    /// `--rust-bindings`: the Rust bindings of a component
    rust_bindings: Option<&'a Path>,
}

fn compile(
    input: &Path,
    output: &Path,
    codegen: &CodegenArgs,
    emit: Emit,
    prefix: Option<String>,
    link: &[PathBuf],
    interfaces: Interfaces,
) -> Result<()> {
    let Interfaces {
        header,
        rust_bindings,
    } = interfaces;
    let target = codegen.target()?;
    let opts = codegen.codegen();
    if opts.bounds_checks == BoundsChecks::Guard && !target.has_os() {
        anyhow::bail!(
            "target {} has no virtual memory: use --bounds-checks explicit",
            target.triple
        );
    }
    let wasm = read_module(input)?;
    let stem = input
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("module");
    let prefix = wacc::symbols::sanitize_prefix(prefix.as_deref().unwrap_or(stem));
    if emit == Emit::Clif {
        let opts = CompileOptions {
            target,
            prefix,
            codegen: opts,
            threads: 1,
            emit_main: false,
            policy: None,
        };
        let clif = wacc::compile::module_clif(&wasm, &opts)
            .map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
        return std::fs::write(output, clif)
            .with_context(|| format!("cannot write {}", output.display()));
    }
    let copts = CompileOptions {
        target: target.clone(),
        prefix,
        codegen: opts,
        threads: 0,
        emit_main: emit == Emit::Exe,
        policy: codegen.policy()?,
    };
    let (object, text) = if wacc::component::is_component(&wasm) {
        if emit == Emit::Exe {
            anyhow::bail!(
                "{}: executables from components are not supported yet; \
                 use --emit obj, static or shared and link a host program",
                input.display()
            );
        }
        wacc::component::compile_component(&wasm, &copts).map(|c| (c.object, Some(c.header)))
    } else {
        compile_module(&wasm, &copts).and_then(|c| {
            let text = match header {
                Some(_) => Some(wacc::module_header(&wasm, &copts.prefix)?),
                None => None,
            };
            Ok((c.object, text))
        })
    }
    .map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    if let Some(path) = rust_bindings {
        if !wacc::component::is_component(&wasm) {
            anyhow::bail!(
                "{}: --rust-bindings is for components (a core module has a C header: --header)",
                input.display()
            );
        }
        let opts = wacc::component::bindings_rust::RustOptions::default();
        let text = wacc::component::bindings_rust::rust_bindings_of(&wasm, &copts.prefix, &opts)
            .map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = header {
        let text = text.unwrap_or_default();
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if emit == Emit::Obj {
        return std::fs::write(output, &object)
            .with_context(|| format!("cannot write {}", output.display()));
    }
    let obj = output.with_extension("wacc-tmp.o");
    std::fs::write(&obj, &object)?;
    let r = wacc_linker::link(&LinkRequest {
        target,
        kind: match emit {
            Emit::Static => OutputKind::StaticLib,
            Emit::Shared => OutputKind::SharedLib,
            _ => OutputKind::Executable,
        },
        objects: std::iter::once(obj.clone())
            .chain(link.iter().cloned())
            .collect(),
        output: output.to_path_buf(),
        runtime: None,
    });
    let _ = std::fs::remove_file(&obj);
    r
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compile {
            input,
            output,
            codegen,
            emit,
            prefix,
            link,
            header,
            rust_bindings,
        } => compile(
            &input,
            &output,
            &codegen,
            emit,
            prefix,
            &link,
            Interfaces {
                header: header.as_deref(),
                rust_bindings: rust_bindings.as_deref(),
            },
        )
        .map(|_| true),
        Command::Build {
            input,
            output,
            codegen,
            host,
        } => (|| {
            let wasm = read_module(&input)?;
            let target = codegen.target()?;
            driver::build(
                &wasm,
                &input,
                &output,
                target,
                codegen.codegen(),
                &driver::HostOptions {
                    policy: codegen.policy()?,
                    ..host.options()
                },
            )
        })()
        .map(|_| true),
        Command::Run {
            codegen,
            host,
            command,
        } => (|| {
            let input = PathBuf::from(&command[0]);
            let target = codegen.target()?;
            driver::run(
                &input,
                &command[1..],
                target,
                codegen.codegen(),
                &driver::HostOptions {
                    policy: codegen.policy()?,
                    ..host.options()
                },
            )
        })()
        .map(|_| true),
        Command::Wast {
            files,
            codegen,
            worker,
            execute,
        } => run_wast(&files, &codegen, worker, execute.as_deref()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run_wast(
    files: &[PathBuf],
    codegen: &CodegenArgs,
    worker: bool,
    execute: Option<&std::path::Path>,
) -> Result<bool> {
    let mut opts = wacc::wast::options(codegen.codegen(), codegen.target()?);
    // Read now, so a bad policy is one error rather than one per file.
    codegen.policy()?;
    opts.policy = codegen.policy.clone();
    if let Some(manifest) = execute {
        match files {
            [file] => wacc_wast::run_executor(manifest, file, &opts).map(|_| true),
            _ => anyhow::bail!("--execute takes exactly one file"),
        }
    } else if worker {
        match files {
            [file] => wacc_wast::run_worker(file, &opts, &wacc::wast::Compiler).map(|_| true),
            _ => anyhow::bail!("--worker takes exactly one file"),
        }
    } else {
        wacc_wast::run_wast_command(files, &opts)
    }
}
