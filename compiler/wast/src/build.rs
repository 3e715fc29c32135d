//! Compiling every module of a script (in parallel) and linking the objects
//! that will be instantiated, with runtime-support, into one shared library.
//! The compiler and the linker are the caller's, behind [`Builder`].

use super::ctypes::ExportFunc;
use super::meta::ModuleMeta;
use super::script::{Directive, Exec, ModuleId, Script};
use super::WastOptions;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// One module or component (of a script or of `spectest`) to compile.
pub struct Job<'a> {
    /// symbol prefix of its object
    pub prefix: &'a str,
    pub wasm: &'a [u8],
    /// a component binary rather than a core module
    pub component: bool,
}

/// A compiled module or component.
pub struct Object {
    /// the relocatable object file
    pub bytes: Vec<u8>,
    /// a component's root export functions in `P_call`'s numbering (empty
    /// for a core module)
    pub exports: Vec<ExportFunc>,
}

/// The compiler and linker the scripts run with: all that needs a code
/// generator, supplied by the caller so that this crate has none. Errors
/// are the messages reported for the module; panics are caught and
/// reported as compiler (or linker) bugs. Called from several threads.
pub trait Builder: Sync {
    /// Compile `job` for the target and code generation options of `opts`.
    fn compile(&self, job: &Job, opts: &WastOptions) -> Result<Object, String>;
    /// Check `job` without keeping an object: the script never instantiates
    /// it, so only whether the compiler accepts it is tested.
    fn check(&self, job: &Job, opts: &WastOptions) -> Result<(), String>;
    /// Link `objects` and runtime-support into the shared library `output`.
    fn link(&self, objects: &[PathBuf], output: &Path, opts: &WastOptions) -> Result<(), String>;
}

/// A module ready to instantiate: its descriptor symbol is in the library.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub prefix: String,
    pub meta: ModuleMeta,
}

/// A component ready to instantiate: `P_instantiate` and `P_call` are in
/// the library.
#[derive(Debug, Clone)]
pub struct CompiledComponent {
    pub prefix: String,
    /// root export functions, in `P_call`'s numbering
    pub exports: Vec<ExportFunc>,
}

/// The outcome of compiling one module.
#[derive(Debug, Clone)]
pub enum ModuleState {
    /// compiled and linked into the library
    Ready(Compiled),
    /// a component, compiled and linked into the library
    Component(CompiledComponent),
    /// compiled, but not linked (the script never instantiates it)
    CompiledOnly,
    /// text could not be parsed or encoded, or the compiler rejected it
    CompileError(String),
    /// the compiler panicked (a compiler bug, not a rejection)
    CompilerPanic(String),
    /// compiled, but the library could not be linked with it
    LinkError(String),
}

/// Everything built for one script.
pub struct Build {
    /// per script module
    pub modules: Vec<ModuleState>,
    /// the modules that make up `spectest` (see `host::spectest_modules`)
    pub spectest: Vec<Result<Compiled, String>>,
    /// the linked library, if anything could be linked
    pub library: Option<PathBuf>,
    /// why linking failed, if it did
    pub link_error: Option<String>,
}

/// Symbol prefix of script module `module`.
pub fn prefix(module: ModuleId) -> String {
    format!("m{module}")
}

/// Symbol prefix of script component `module` (a namespace apart from the
/// core modules').
pub fn component_prefix(module: ModuleId) -> String {
    format!("c{module}")
}

/// Where a build happens: the builder, the options, compiler threads and
/// the directory for objects and the library.
pub struct BuildOptions<'a> {
    pub builder: &'a dyn Builder,
    pub opts: &'a WastOptions,
    pub threads: usize,
    pub dir: &'a Path,
}

struct Task<'a> {
    prefix: String,
    wasm: &'a [u8],
    link: bool,
    component: bool,
}

/// What the runner learns about a compiled object.
enum Meta {
    Core(ModuleMeta),
    Component(Vec<ExportFunc>),
}

enum TaskResult {
    Object { path: PathBuf, meta: Meta },
    Checked,
    Error(String),
    Panic(String),
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// How a call into the builder failed.
enum Failure {
    /// the builder's error
    Rejected(String),
    /// it panicked (the message says which part did)
    Panicked(String),
}

impl From<Failure> for TaskResult {
    fn from(f: Failure) -> TaskResult {
        match f {
            Failure::Rejected(e) => TaskResult::Error(e),
            Failure::Panicked(e) => TaskResult::Panic(e),
        }
    }
}

/// Run `f`, a call into the builder, turning a panic into a message.
fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, Failure> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Failure::Rejected(e)),
        Err(p) => Err(Failure::Panicked(format!(
            "{what} panicked: {}",
            panic_message(&*p)
        ))),
    }
}

fn run_task(task: &Task, bo: &BuildOptions) -> TaskResult {
    let job = Job {
        prefix: &task.prefix,
        wasm: task.wasm,
        component: task.component,
    };
    if !task.link {
        return match guarded("compiler", || bo.builder.check(&job, bo.opts)) {
            Ok(()) => TaskResult::Checked,
            Err(f) => f.into(),
        };
    }
    let object = match guarded("compiler", || bo.builder.compile(&job, bo.opts)) {
        Ok(o) => o,
        Err(f) => return f.into(),
    };
    let meta = if task.component {
        Meta::Component(object.exports)
    } else {
        match ModuleMeta::read(task.wasm) {
            Ok(m) => Meta::Core(m),
            Err(e) => return TaskResult::Error(format!("reading the module: {e}")),
        }
    };
    let path = bo.dir.join(format!("{}.o", task.prefix));
    if let Err(e) = std::fs::write(&path, &object.bytes) {
        return TaskResult::Error(format!("cannot write {}: {e}", path.display()));
    }
    TaskResult::Object { path, meta }
}

/// Which modules the script instantiates (the others only need compiling).
fn needs_link(script: &Script) -> Vec<bool> {
    let mut need = vec![false; script.modules.len()];
    for step in &script.steps {
        match &step.directive {
            Directive::Module { module, .. } | Directive::AssertUnlinkable { module, .. } => {
                need[*module] = true
            }
            Directive::AssertReturn {
                exec: Exec::Instantiate(m),
                ..
            }
            | Directive::AssertTrap {
                exec: Exec::Instantiate(m),
                ..
            }
            | Directive::AssertException {
                exec: Exec::Instantiate(m),
            } => need[*m] = true,
            _ => {}
        }
    }
    need
}

/// Compile all modules of `script` plus the `spectest` modules (symbol
/// prefix, binary) and link the library.
pub fn build(script: &Script, spectest: &[(String, Vec<u8>)], bo: &BuildOptions) -> Build {
    let need = needs_link(script);
    let mut tasks: Vec<Task> = spectest
        .iter()
        .map(|(prefix, wasm)| Task {
            prefix: prefix.clone(),
            wasm,
            link: true,
            component: false,
        })
        .collect();
    let mut task_of_module = vec![None; script.modules.len()];
    for (id, m) in script.modules.iter().enumerate() {
        if let Ok(wasm) = &m.wasm {
            task_of_module[id] = Some(tasks.len());
            tasks.push(Task {
                prefix: if m.component {
                    component_prefix(id)
                } else {
                    prefix(id)
                },
                wasm,
                link: need[id],
                component: m.component,
            });
        }
    }

    // Largest modules first, so the slowest compile does not start last.
    let mut order: Vec<usize> = (0..tasks.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(tasks[i].wasm.len()));
    let results: Vec<Mutex<Option<TaskResult>>> = tasks.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let threads = bo.threads.max(1).min(tasks.len());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(&i) = order.get(n) else { break };
                let r = run_task(&tasks[i], bo);
                *results[i].lock().unwrap() = Some(r);
            });
        }
    });
    let mut results: Vec<TaskResult> = results
        .into_iter()
        .map(|m| m.into_inner().unwrap().expect("every task ran"))
        .collect();

    // Link everything that compiled and is needed.
    let objects: Vec<(usize, PathBuf)> = results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match r {
            TaskResult::Object { path, .. } => Some((i, path.clone())),
            _ => None,
        })
        .collect();
    let library = bo.dir.join("wast.so");
    let (linked, link_error) = link_objects(&objects, &library, bo);

    let mut take = |i: usize, linked: &[usize], link_error: &Option<String>| -> ModuleState {
        match std::mem::replace(&mut results[i], TaskResult::Checked) {
            TaskResult::Object { meta, .. } => {
                let prefix = tasks[i].prefix.clone();
                if linked.contains(&i) {
                    match meta {
                        Meta::Core(meta) => ModuleState::Ready(Compiled { prefix, meta }),
                        Meta::Component(exports) => {
                            ModuleState::Component(CompiledComponent { prefix, exports })
                        }
                    }
                } else {
                    ModuleState::LinkError(
                        link_error
                            .clone()
                            .unwrap_or_else(|| "not linked".to_string()),
                    )
                }
            }
            TaskResult::Checked => ModuleState::CompiledOnly,
            TaskResult::Error(e) => ModuleState::CompileError(e),
            TaskResult::Panic(e) => ModuleState::CompilerPanic(e),
        }
    };
    let spectest = (0..spectest.len())
        .map(|i| {
            let name = &tasks[i].prefix;
            match take(i, &linked, &link_error) {
                ModuleState::Ready(c) => Ok(c),
                ModuleState::CompileError(e) | ModuleState::CompilerPanic(e) => {
                    Err(format!("{name} module failed to compile: {e}"))
                }
                ModuleState::LinkError(e) => Err(format!("{name} module failed to link: {e}")),
                ModuleState::CompiledOnly | ModuleState::Component(_) => {
                    Err(format!("{name} module was not linked"))
                }
            }
        })
        .collect();
    let modules = script
        .modules
        .iter()
        .enumerate()
        .map(|(id, m)| match (&m.wasm, task_of_module[id]) {
            (Err(e), _) => ModuleState::CompileError(e.clone()),
            (Ok(_), Some(t)) => take(t, &linked, &link_error),
            (Ok(_), None) => unreachable!("every encoded module has a task"),
        })
        .collect();
    Build {
        modules,
        spectest,
        library: (!linked.is_empty()).then_some(library),
        link_error,
    }
}

fn link_one(objects: &[PathBuf], output: &Path, bo: &BuildOptions) -> Result<(), String> {
    guarded("linker", || bo.builder.link(objects, output, bo.opts))
        .map_err(|(Failure::Rejected(e) | Failure::Panicked(e))| e)
}

/// Link `objects` into `output`. If the whole set does not link, find the
/// objects that do not link on their own, leave them out and try again.
/// Returns the tasks that made it into the library.
fn link_objects(
    objects: &[(usize, PathBuf)],
    output: &Path,
    bo: &BuildOptions,
) -> (Vec<usize>, Option<String>) {
    if objects.is_empty() {
        return (vec![], None);
    }
    let paths: Vec<PathBuf> = objects.iter().map(|(_, p)| p.clone()).collect();
    let first_error = match link_one(&paths, output, bo) {
        Ok(()) => return (objects.iter().map(|(i, _)| *i).collect(), None),
        Err(e) => e,
    };
    let probe = output.with_extension("probe.so");
    let good: Vec<(usize, PathBuf)> = objects
        .iter()
        .filter(|(_, p)| link_one(std::slice::from_ref(p), &probe, bo).is_ok())
        .cloned()
        .collect();
    let _ = std::fs::remove_file(&probe);
    if good.is_empty() || good.len() == objects.len() {
        return (vec![], Some(first_error));
    }
    let paths: Vec<PathBuf> = good.iter().map(|(_, p)| p.clone()).collect();
    match link_one(&paths, output, bo) {
        Ok(()) => (good.iter().map(|(i, _)| *i).collect(), Some(first_error)),
        Err(_) => (vec![], Some(first_error)),
    }
}
