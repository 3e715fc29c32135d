//! Compiling every module of a script (in parallel) and linking the objects
//! that will be instantiated, with runtime-support, into one shared library.

use super::script::ModuleId;
use crate::component::ExportFunc;
use crate::environ::{Export, Import, MemoryInfo, ModuleInfo, TableInfo};
use std::path::PathBuf;
use wasmparser::{FuncType, ValType};

#[cfg(feature = "compiler")]
pub use compiling::{build, BuildOptions};

/// What the runner needs to know about a compiled module (a `ModuleInfo`
/// without the function bodies).
#[derive(Debug, Clone)]
pub struct ModuleMeta {
    /// signature of every function (imported first)
    pub func_types: Vec<FuncType>,
    /// type and mutability of every global
    pub globals: Vec<(ValType, bool)>,
    pub memories: Vec<MemoryInfo>,
    pub tables: Vec<TableInfo>,
    /// per table: 64-bit index type
    pub table64: Vec<bool>,
    /// type of every tag (imported first)
    pub tags: Vec<FuncType>,
    /// per tag: its type's identity (`typekey`), which tag imports match
    pub tag_keys: Vec<String>,
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
}

impl ModuleMeta {
    pub fn of(info: &ModuleInfo, wasm: &[u8]) -> ModuleMeta {
        let type_keys = super::typekey::type_keys(wasm);
        ModuleMeta {
            tag_keys: info
                .tags
                .iter()
                .map(|t| type_keys.get(*t as usize).cloned().unwrap_or_default())
                .collect(),
            table64: table64_flags(wasm),
            func_types: (0..info.funcs.len() as u32)
                .map(|f| info.func_type(f).clone())
                .collect(),
            globals: info.globals.iter().map(|g| (g.ty, g.mutable)).collect(),
            memories: info.memories.clone(),
            tables: info.tables.clone(),
            tags: info
                .tags
                .iter()
                .map(|t| info.types[*t as usize].clone())
                .collect(),
            imports: info.imports.clone(),
            exports: info.exports.clone(),
        }
    }

    pub fn is_table64(&self, table: usize) -> bool {
        self.table64.get(table).copied().unwrap_or(false)
    }

    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports.iter().find(|e| e.name == name)
    }
}

/// Index type of every table, imported first (`true` = 64-bit); the
/// module is already validated.
fn table64_flags(wasm: &[u8]) -> Vec<bool> {
    use wasmparser::{Payload, TypeRef};
    let mut flags = vec![];
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::ImportSection(r)) => {
                for imp in r.into_imports().flatten() {
                    if let TypeRef::Table(t) = imp.ty {
                        flags.push(t.table64);
                    }
                }
            }
            Ok(Payload::TableSection(r)) => {
                flags.extend(r.into_iter().flatten().map(|t| t.ty.table64))
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    flags
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

/// Compiling and linking (not in executor-only builds).
#[cfg(feature = "compiler")]
mod compiling {
    use super::super::script::Script;
    use super::*;
    use crate::compile::{compile_module, CompileOptions};
    use crate::component;
    use crate::environ::CodegenOptions;
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    use wacc_linker::{link, LinkRequest, OutputKind};
    use wacc_targets::Target;

    pub struct BuildOptions<'a> {
        pub target: &'a Target,
        pub codegen: CodegenOptions,
        pub threads: usize,
        pub dir: &'a Path,
    }

    struct Job<'a> {
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

    enum JobResult {
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

    fn run_job(job: &Job, opts: &BuildOptions) -> JobResult {
        let copts = CompileOptions {
            target: opts.target.clone(),
            prefix: job.prefix.clone(),
            codegen: opts.codegen,
            threads: 1,
            emit_main: false,
        };
        if job.component {
            return component_job(job, &copts, opts);
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            compile_module(job.wasm, &copts)
        }));
        let compiled = match result {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return JobResult::Error(e.to_string()),
            Err(p) => {
                return JobResult::Panic(format!("compiler panicked: {}", panic_message(&*p)))
            }
        };
        if !job.link {
            return JobResult::Checked;
        }
        let path = opts.dir.join(format!("{}.o", job.prefix));
        if let Err(e) = std::fs::write(&path, &compiled.object) {
            return JobResult::Error(format!("cannot write {}: {e}", path.display()));
        }
        JobResult::Object {
            path,
            meta: Meta::Core(ModuleMeta::of(&compiled.info, job.wasm)),
        }
    }

    /// A component: validated only if the script never instantiates it,
    /// else compiled to an object.
    fn component_job(job: &Job, copts: &CompileOptions, opts: &BuildOptions) -> JobResult {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if job.link {
                component::compile_component(job.wasm, copts).map(Some)
            } else {
                component::validate(job.wasm).map(|()| None)
            }
        }));
        let compiled = match result {
            Ok(Ok(Some(c))) => c,
            Ok(Ok(None)) => return JobResult::Checked,
            Ok(Err(e)) => return JobResult::Error(e.to_string()),
            Err(p) => {
                return JobResult::Panic(format!("compiler panicked: {}", panic_message(&*p)))
            }
        };
        let path = opts.dir.join(format!("{}.o", job.prefix));
        if let Err(e) = std::fs::write(&path, &compiled.object) {
            return JobResult::Error(format!("cannot write {}: {e}", path.display()));
        }
        JobResult::Object {
            path,
            meta: Meta::Component(compiled.exports),
        }
    }

    /// Which modules the script instantiates (the others only need compiling).
    fn needs_link(script: &Script) -> Vec<bool> {
        use super::super::script::{Directive, Exec};
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
    pub fn build(script: &Script, spectest: &[(String, Vec<u8>)], opts: &BuildOptions) -> Build {
        let need = needs_link(script);
        let mut jobs: Vec<Job> = spectest
            .iter()
            .map(|(prefix, wasm)| Job {
                prefix: prefix.clone(),
                wasm,
                link: true,
                component: false,
            })
            .collect();
        let mut job_of_module = vec![None; script.modules.len()];
        for (id, m) in script.modules.iter().enumerate() {
            if let Ok(wasm) = &m.wasm {
                job_of_module[id] = Some(jobs.len());
                jobs.push(Job {
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
        let mut order: Vec<usize> = (0..jobs.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(jobs[i].wasm.len()));
        let results: Vec<Mutex<Option<JobResult>>> =
            jobs.iter().map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let threads = opts.threads.max(1).min(jobs.len());
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = order.get(n) else { break };
                    let r = run_job(&jobs[i], opts);
                    *results[i].lock().unwrap() = Some(r);
                });
            }
        });
        let mut results: Vec<JobResult> = results
            .into_iter()
            .map(|m| m.into_inner().unwrap().expect("every job ran"))
            .collect();

        // Link everything that compiled and is needed.
        let objects: Vec<(usize, PathBuf)> = results
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match r {
                JobResult::Object { path, .. } => Some((i, path.clone())),
                _ => None,
            })
            .collect();
        let library = opts.dir.join("wast.so");
        let (linked, link_error) = link_objects(&objects, &library, opts.target);

        let mut take = |i: usize, linked: &[usize], link_error: &Option<String>| -> ModuleState {
            match std::mem::replace(&mut results[i], JobResult::Checked) {
                JobResult::Object { meta, .. } => {
                    let prefix = jobs[i].prefix.clone();
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
                JobResult::Checked => ModuleState::CompiledOnly,
                JobResult::Error(e) => ModuleState::CompileError(e),
                JobResult::Panic(e) => ModuleState::CompilerPanic(e),
            }
        };
        let spectest = (0..spectest.len())
            .map(|i| {
                let name = &jobs[i].prefix;
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
            .map(|(id, m)| match (&m.wasm, job_of_module[id]) {
                (Err(e), _) => ModuleState::CompileError(e.clone()),
                (Ok(_), Some(j)) => take(j, &linked, &link_error),
                (Ok(_), None) => unreachable!("every encoded module has a job"),
            })
            .collect();
        Build {
            modules,
            spectest,
            library: (!linked.is_empty()).then_some(library),
            link_error,
        }
    }

    fn link_one(objects: &[PathBuf], output: &Path, target: &Target) -> Result<(), String> {
        let req = LinkRequest {
            target: target.clone(),
            kind: OutputKind::SharedLib,
            objects: objects.to_vec(),
            output: output.to_path_buf(),
            runtime: None,
        };
        match std::panic::catch_unwind(|| link(&req)) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("{e:#}")),
            Err(p) => Err(format!("linker panicked: {}", panic_message(&*p))),
        }
    }

    /// Link `objects` into `output`. If the whole set does not link, find the
    /// objects that do not link on their own, leave them out and try again.
    /// Returns the jobs that made it into the library.
    fn link_objects(
        objects: &[(usize, PathBuf)],
        output: &Path,
        target: &Target,
    ) -> (Vec<usize>, Option<String>) {
        if objects.is_empty() {
            return (vec![], None);
        }
        let paths: Vec<PathBuf> = objects.iter().map(|(_, p)| p.clone()).collect();
        let first_error = match link_one(&paths, output, target) {
            Ok(()) => return (objects.iter().map(|(i, _)| *i).collect(), None),
            Err(e) => e,
        };
        let probe = output.with_extension("probe.so");
        let good: Vec<(usize, PathBuf)> = objects
            .iter()
            .filter(|(_, p)| link_one(std::slice::from_ref(p), &probe, target).is_ok())
            .cloned()
            .collect();
        let _ = std::fs::remove_file(&probe);
        if good.is_empty() || good.len() == objects.len() {
            return (vec![], Some(first_error));
        }
        let paths: Vec<PathBuf> = good.iter().map(|(_, p)| p.clone()).collect();
        match link_one(&paths, output, target) {
            Ok(()) => (good.iter().map(|(i, _)| *i).collect(), Some(first_error)),
            Err(_) => (vec![], Some(first_error)),
        }
    }
}
