//! One script, run in a worker process: parse, build, execute, and report
//! each directive's outcome on stdout as it is decided.

use super::build::{build, BuildOptions, Builder, ModuleState};
use super::dylib::Library;
use super::exec::{without_runtime, Outcome, Runner};
use super::host::spectest_modules;
use super::instance::Store;
use super::protocol::{Emitter, Event};
use super::script::{Script, ScriptError};
use super::WastOptions;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Environment variable through which the parent tells a worker how many
/// threads to compile with.
pub const COMPILE_THREADS_ENV: &str = "WACC_WAST_COMPILE_THREADS";

/// Stack of the thread that runs wasm code.
const EXEC_STACK: usize = 64 << 20;

/// A per-process temporary directory, removed on drop.
struct TempDir(PathBuf);

/// The temporary directory of worker process `pid`.
pub fn temp_dir_of(pid: u32) -> PathBuf {
    std::env::temp_dir().join(format!("wacc-wast-{pid}"))
}

impl TempDir {
    fn new() -> anyhow::Result<TempDir> {
        let p = temp_dir_of(std::process::id());
        std::fs::create_dir_all(&p).with_context(|| format!("creating {}", p.display()))?;
        Ok(TempDir(p))
    }

    fn remove(&self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        self.remove();
    }
}

fn compile_threads(opts: &WastOptions) -> usize {
    let env = std::env::var(COMPILE_THREADS_ENV)
        .ok()
        .and_then(|v| v.parse().ok());
    match env.unwrap_or(opts.compile_threads) {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// Run one `.wast` file in this process, compiling and linking with
/// `builder`, and write the report (see `protocol`) to stdout. `wacc wast`
/// runs this in a child process per file; an `Err` means the worker itself
/// could not run (the parent reports it as a failure of the file).
pub fn run_worker(file: &Path, opts: &WastOptions, builder: &dyn Builder) -> anyhow::Result<()> {
    let out = Emitter;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let script = match Script::parse(&text) {
        Ok(s) => s,
        Err(ScriptError(msg)) => {
            out.emit(Event::Total(1));
            out.emit(Event::Skip(
                0,
                format!("the script cannot be parsed by the wast crate: {msg}"),
            ));
            out.emit(Event::Done);
            return Ok(());
        }
    };
    out.emit(Event::Total(script.steps.len()));
    if !opts.target.is_host() && opts.target.qemu_user().is_none() {
        anyhow::bail!(
            "`wacc wast` runs the compiled code, so the target must be the host ({}) or a Linux target qemu-user can run, not {}",
            wacc_targets::Target::host().triple,
            opts.target.triple
        );
    }

    if !opts.target.is_host() && script.has_components() {
        for step in &script.steps {
            out.emit(Event::Fail(
                step.line,
                super::foreign::FOREIGN_COMPONENTS.to_string(),
            ));
        }
        out.emit(Event::Done);
        return Ok(());
    }

    let dir = TempDir::new()?;
    let built = build(
        &script,
        &spectest_modules(),
        &BuildOptions {
            builder,
            opts,
            threads: compile_threads(opts),
            dir: &dir.0,
        },
    );
    if let Some(e) = &built.link_error {
        let left_out = built
            .modules
            .iter()
            .filter(|m| matches!(m, ModuleState::LinkError(_)))
            .count();
        out.emit(Event::Note(format!(
            "linking failed; {left_out} module(s) left out of the library: {e}"
        )));
    }

    if opts.target.is_host() {
        let dir = &dir;
        execute(&script, &built, move || dir.remove())?;
    } else {
        // The code runs in a process of the target architecture, which
        // reports the directives' outcomes on the same stdout.
        super::foreign::run_executor_for(file, &built, &dir.0, opts)?;
    }
    out.emit(Event::Done);
    Ok(())
}

/// Run the directives of `script` against the built library in this
/// process (on a thread with a large stack), reporting each outcome.
/// `loaded` is called once the library is mapped (or failed to load).
pub(super) fn execute(
    script: &Script,
    built: &super::build::Build,
    loaded: impl FnOnce() + Send,
) -> anyhow::Result<()> {
    let out = Emitter;
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("wast-exec".into())
            .stack_size(EXEC_STACK)
            .spawn_scoped(s, move || {
                let lib = match &built.library {
                    Some(p) => Library::open(p),
                    None => Err(match (&built.link_error, &built.spectest[0]) {
                        (Some(e), _) => e.clone(),
                        (None, Err(e)) => e.clone(),
                        (None, Ok(_)) => "nothing was linked".into(),
                    }),
                };
                // The library is mapped now (or never will be).
                loaded();
                let runner = lib.and_then(|lib| {
                    // The library stays loaded for the rest of the process.
                    let lib: &'static Library = Box::leak(Box::new(lib));
                    Runner::new(Store::new(lib)?, built, script)
                });
                let mut runner = runner;
                if let Err(e) = &runner {
                    out.emit(Event::Note(format!("cannot run code: {e}")));
                }
                for step in &script.steps {
                    let outcome = match &mut runner {
                        Ok(r) => r.run(&step.directive),
                        Err(e) => without_runtime(built, &step.directive, e),
                    };
                    out.emit(match outcome {
                        Outcome::Pass => Event::Pass(step.line),
                        Outcome::Fail(m) => Event::Fail(step.line, m),
                        Outcome::Skip(m) => Event::Skip(step.line, m),
                    });
                }
            })
            .expect("spawning the execution thread")
            .join()
            .map_err(|_| anyhow::anyhow!("the execution thread panicked"))
    })
}
