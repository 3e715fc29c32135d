//! `wacc build` and `wacc run`: a WASI program (a preview1 core module or
//! a WASI 0.2 component) to a native executable (the object + a `main`
//! carrying the build-time options + runtime-support with the WASI host),
//! and building into a cache then running it.

use anyhow::{bail, Context, Result};
use std::ffi::OsString;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wacc::compile::{compile_module, CompileOptions};
use wacc::environ::CodegenOptions;
use wacc_linker::{LinkRequest, OutputKind};
use wacc_targets::Target;

/// Symbol prefix of the program's module inside the executable.
const PREFIX: &str = "wacc_app";

/// Options for the WASI host, as given on the command line.
#[derive(Default, Clone)]
pub struct HostOptions {
    /// `HOST[::GUEST]`
    pub dirs: Vec<String>,
    /// `K=V` or `K` (inherit)
    pub env: Vec<String>,
    /// the build's interception policy (`--policy`), compiled in
    pub policy: Option<std::sync::Arc<wacc::policy::Policy>>,
}

impl HostOptions {
    /// The records `wacc_rt_main_wasi` reads: NUL-terminated `dir=`/`env=`.
    fn blob(&self) -> Vec<u8> {
        let mut b = Vec::new();
        for d in &self.dirs {
            b.extend_from_slice(format!("dir={d}\0").as_bytes());
        }
        for e in &self.env {
            b.extend_from_slice(format!("env={e}\0").as_bytes());
        }
        b
    }

    /// The same options as leading arguments of a built executable.
    fn run_args(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .dirs
            .iter()
            .map(|d| format!("--wacc-dir={d}"))
            .collect();
        v.extend(self.env.iter().map(|e| format!("--wacc-env={e}")));
        v.push("--wacc--".into());
        v
    }

    fn check(&self) -> Result<()> {
        for d in &self.dirs {
            if d.contains('\0') || d.is_empty() {
                bail!("invalid --dir `{d}`");
            }
        }
        for e in &self.env {
            if e.contains('\0') || e.starts_with('=') || e.is_empty() {
                bail!("invalid --env `{e}`");
            }
        }
        Ok(())
    }
}

/// C source of the executable's `main`: passes the module descriptor and
/// the baked-in host options to `wacc_rt_main_wasi`.
fn main_source(host: &HostOptions) -> String {
    let blob = host.blob();
    let bytes: Vec<String> = blob.iter().map(|b| b.to_string()).collect();
    format!(
        "extern const unsigned char {PREFIX}_desc[];\n\
         extern int wacc_rt_main_wasi(const void *, int, char **, const unsigned char *, unsigned long);\n\
         static const unsigned char config[] = {{{}0}};\n\
         int main(int argc, char **argv) {{\n\
         \treturn wacc_rt_main_wasi({PREFIX}_desc, argc, argv, config, {});\n}}\n",
        bytes.iter().map(|b| format!("{b},")).collect::<String>(),
        blob.len()
    )
}

/// C source of a component executable's `main`: passes the component's
/// instantiate entry, its `wasi:cli/run` export (if any) and the baked-in
/// host options to `wacc_rt_main_component`.
fn component_main_source(host: &HostOptions, run: Option<&str>) -> String {
    let blob = host.blob();
    let run_decl = match run {
        Some(sym) => {
            format!("extern unsigned wacc_run(void *, const void *, void *) __asm__(\"{sym}\");\n")
        }
        None => String::new(),
    };
    format!(
        "extern unsigned {PREFIX}_instantiate(void *, void **);\n{run_decl}\
         extern int wacc_rt_main_component(unsigned (*)(void *, void **), \
         unsigned (*)(void *, const void *, void *), int, char **, const unsigned char *, unsigned long);\n\
         static const unsigned char config[] = {{{}0}};\n\
         int main(int argc, char **argv) {{\n\
         \treturn wacc_rt_main_component({PREFIX}_instantiate, {}, argc, argv, config, {});\n}}\n",
        blob.iter().map(|b| format!("{b},")).collect::<String>(),
        if run.is_some() { "wacc_run" } else { "0" },
        blob.len()
    )
}

/// Compiles `wasm` and links the executable `output`.
pub fn build(
    wasm: &[u8],
    input: &Path,
    output: &Path,
    target: Target,
    codegen: CodegenOptions,
    host: &HostOptions,
) -> Result<()> {
    host.check()?;
    let opts = CompileOptions {
        target: target.clone(),
        prefix: PREFIX.into(),
        codegen,
        threads: 0,
        emit_main: false,
        policy: host.policy.clone(),
    };
    let fail = |e: wacc::error::CompileError| anyhow::anyhow!("{}: {e}", input.display());
    let component = wacc::component::is_component(wasm);
    let (object, main) = if component {
        let c = wacc::component::compile_component(wasm, &opts).map_err(fail)?;
        // `wasi:cli/run@0.2.x`'s `run`, in any compatible version.
        let run = c.exports.iter().find(|e| {
            e.name.split_once('#').is_some_and(|(i, f)| {
                f == "run" && wacc::symbols::compatible_version(i) == "wasi:cli/run@0.2"
            })
        });
        let Some(run) = run else {
            bail!(
                "{}: the component exports no `wasi:cli/run@0.2` interface, so there is nothing to run",
                input.display()
            );
        };
        let sym = wacc::symbols::export_entry(PREFIX, &run.name);
        (c.object, component_main_source(host, Some(&sym)))
    } else {
        let c = compile_module(wasm, &opts).map_err(fail)?;
        (c.object, main_source(host))
    };
    let obj = output.with_extension("wacc-tmp.o");
    let main_c = output.with_extension("wacc-main.c");
    std::fs::write(&obj, &object).with_context(|| format!("cannot write {}", obj.display()))?;
    std::fs::write(&main_c, main).with_context(|| format!("cannot write {}", main_c.display()))?;
    let strip = match target.linker() {
        "cc" => "strip".to_string(),
        cc => format!("{}strip", cc.trim_end_matches("gcc")),
    };
    let r = wacc_linker::link(&LinkRequest {
        target,
        kind: OutputKind::Executable,
        objects: vec![obj.clone(), main_c.clone()],
        output: output.to_path_buf(),
        runtime: None,
    });
    let _ = std::fs::remove_file(&obj);
    let _ = std::fs::remove_file(&main_c);
    r?;
    if component {
        let missing = unresolved_imports(output)?;
        if !missing.is_empty() {
            let _ = std::fs::remove_file(output);
            bail!(
                "{}: the host provides no {}",
                input.display(),
                missing.join(", ")
            );
        }
    }
    // The runtime's debug info is most of the file (4.9 of 5.5 MB for a
    // hello world); the symbol table stays: trap messages name functions
    // from it. Without a `strip` tool the executable is only larger.
    let _ = std::process::Command::new(strip)
        .arg("--strip-debug")
        .arg(output)
        .stderr(std::process::Stdio::null())
        .status();
    Ok(())
}

/// Imports an executable leaves unresolved (weak `wacc_import_*` symbols
/// no object defined), as `interface#function`.
fn unresolved_imports(exe: &Path) -> Result<Vec<String>> {
    use object::{Object, ObjectSymbol};
    let data = std::fs::read(exe).with_context(|| format!("cannot read {}", exe.display()))?;
    let file = object::File::parse(&*data)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", exe.display()))?;
    let mut out: Vec<String> = file
        .symbols()
        .chain(file.dynamic_symbols())
        .filter(|s| s.is_undefined())
        .filter_map(|s| s.name().ok().and_then(wacc::symbols::parse_import_symbol))
        .map(|(m, n)| if m.is_empty() { n } else { format!("{m}#{n}") })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// Cache directory: `$XDG_CACHE_HOME/wacc`, else `~/.cache/wacc`.
fn cache_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d).join("wacc"));
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(h) => Ok(PathBuf::from(h).join(".cache").join("wacc")),
        None => bail!("no cache directory: set XDG_CACHE_HOME or HOME"),
    }
}

/// Cache key: the input bytes, target, code generation options, policy, and this
/// wacc (version, and size and time of its executable, which change when
/// it or the runtime it links is rebuilt).
fn cache_key(
    wasm: &[u8],
    target: &Target,
    codegen: &CodegenOptions,
    policy: Option<&wacc::policy::Policy>,
) -> String {
    let mut parts: Vec<Vec<u8>> = vec![
        wasm.to_vec(),
        format!("{} {:?}", target.triple, target.extra_flags).into_bytes(),
        format!("{:?}", codegen).into_bytes(),
        format!("{:?}", policy).into_bytes(),
        env!("CARGO_PKG_VERSION").as_bytes().to_vec(),
    ];
    if let Some(m) = std::env::current_exe().ok().and_then(|e| e.metadata().ok()) {
        parts.push(format!("{} {:?}", m.len(), m.modified().ok()).into_bytes());
    }
    let mut out = String::new();
    for seed in [0u8, 1] {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        seed.hash(&mut h);
        parts.hash(&mut h);
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

/// Builds `input` into the cache (unless already there) and runs it with
/// `args`; host options are passed at run time. Returns only on error:
/// on success the process becomes the program.
pub fn run(
    input: &Path,
    args: &[OsString],
    target: Target,
    codegen: CodegenOptions,
    host: &HostOptions,
) -> Result<std::convert::Infallible> {
    use std::os::unix::process::CommandExt;
    host.check()?;
    let wasm = crate::read_module(input)?;
    let dir = cache_dir()?.join(cache_key(&wasm, &target, &codegen, host.policy.as_deref()));
    let stem = input.file_stem().and_then(|s| s.to_str()).unwrap_or("app");
    let exe = dir.join(stem);
    if !exe.exists() {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        // Build under a private name, then rename: concurrent runs never
        // see a partial file.
        let tmp = dir.join(format!(".{stem}.{}", std::process::id()));
        // Host options are given at run time; the policy is compiled in.
        let built = HostOptions {
            policy: host.policy.clone(),
            ..HostOptions::default()
        };
        build(&wasm, input, &tmp, target, codegen, &built)?;
        std::fs::rename(&tmp, &exe).with_context(|| format!("cannot write {}", exe.display()))?;
    }
    let err = std::process::Command::new(&exe)
        .arg0(input.as_os_str())
        .args(host.run_args())
        .args(args)
        .exec();
    Err(anyhow::anyhow!("cannot run {}: {err}", exe.display()))
}
