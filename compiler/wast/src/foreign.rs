//! Scripts for a foreign target (`wacc wast --target aarch64-...`): the
//! worker compiles and links the library for the target on this machine,
//! then the directives run in a process of the target architecture under
//! qemu-user — `wacc-wast-exec` built for that target (or `wacc`), run as
//! `wacc-wast-exec wast --execute MANIFEST FILE`. It re-reads the script, learns from
//! the manifest what was built (which modules are in the library, which
//! failed to compile and why) and re-reads the module binaries for their
//! types, then reports on the worker's stdout like a host worker does.

use super::build::{prefix, Build, Compiled, ModuleState};
use super::host::spectest_modules;
use super::meta::ModuleMeta;
use super::script::{Script, ScriptError};
use super::WastOptions;
use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use wacc_targets::Target;

/// Why component scripts fail for a foreign target.
pub const FOREIGN_COMPONENTS: &str = "component scripts are only run for the host target";

/// Environment variable naming the executor: `wacc` built for the target.
pub const EXECUTOR_ENV: &str = "WACC_WAST_EXECUTOR";

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(c) => out.push(c),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The manifest: what `build` produced, one line per item.
pub fn manifest(built: &Build) -> String {
    let mut m = String::new();
    if let Some(l) = &built.library {
        m += &format!("library {}\n", escape(&l.to_string_lossy()));
    }
    if let Some(e) = &built.link_error {
        m += &format!("link-error {}\n", escape(e));
    }
    for s in &built.spectest {
        m += &match s {
            Ok(_) => "spectest ok\n".to_string(),
            Err(e) => format!("spectest error {}\n", escape(e)),
        };
    }
    for s in &built.modules {
        m += &match s {
            ModuleState::Ready(_) => "module ready\n".to_string(),
            // Component scripts are rejected before building for a foreign
            // target; say so if one gets here anyway.
            ModuleState::Component(_) => format!("module error {FOREIGN_COMPONENTS}\n"),
            ModuleState::CompiledOnly => "module compiled\n".to_string(),
            ModuleState::CompileError(e) => format!("module error {}\n", escape(e)),
            ModuleState::CompilerPanic(e) => format!("module panic {}\n", escape(e)),
            ModuleState::LinkError(e) => format!("module link {}\n", escape(e)),
        };
    }
    m
}

fn meta_of(wasm: &[u8]) -> Result<ModuleMeta, String> {
    ModuleMeta::read(wasm).map_err(|e| format!("re-reading the module: {e}"))
}

/// Rebuild the `Build` of `script` from its manifest.
pub fn read_manifest(text: &str, script: &Script) -> Result<Build> {
    let spectest_wasm = spectest_modules();
    let mut built = Build {
        modules: vec![],
        spectest: vec![],
        library: None,
        link_error: None,
    };
    for line in text.lines() {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        let (state, msg) = rest.split_once(' ').unwrap_or((rest, ""));
        let msg = unescape(msg);
        match word {
            "library" => built.library = Some(PathBuf::from(unescape(rest))),
            "link-error" => built.link_error = Some(unescape(rest)),
            "spectest" => {
                let i = built.spectest.len();
                let (p, wasm) = spectest_wasm
                    .get(i)
                    .ok_or_else(|| anyhow!("manifest: too many spectest modules"))?;
                built.spectest.push(match state {
                    "ok" => meta_of(wasm).map(|meta| Compiled {
                        prefix: p.clone(),
                        meta,
                    }),
                    _ => Err(msg),
                });
            }
            "module" => {
                let id = built.modules.len();
                let source = script
                    .modules
                    .get(id)
                    .ok_or_else(|| anyhow!("manifest: more modules than the script has"))?;
                built.modules.push(match state {
                    "ready" => {
                        let wasm = source
                            .wasm
                            .as_ref()
                            .map_err(|e| anyhow!("manifest: module {id} is ready but: {e}"))?;
                        match meta_of(wasm) {
                            Ok(meta) => ModuleState::Ready(Compiled {
                                prefix: prefix(id),
                                meta,
                            }),
                            Err(e) => ModuleState::LinkError(e),
                        }
                    }
                    "compiled" => ModuleState::CompiledOnly,
                    "error" => ModuleState::CompileError(msg),
                    "panic" => ModuleState::CompilerPanic(msg),
                    "link" => ModuleState::LinkError(msg),
                    _ => bail!("manifest: unknown module state `{state}`"),
                });
            }
            "" => {}
            _ => bail!("manifest: unknown line `{line}`"),
        }
    }
    if built.modules.len() != script.modules.len() {
        bail!(
            "manifest: {} modules, the script has {}",
            built.modules.len(),
            script.modules.len()
        );
    }
    Ok(built)
}

/// Cargo's output directory for `target` next to the running executable:
/// `target/<triple>/<profile>/` for `target/<profile>/wacc` (or a test
/// binary in `target/<profile>/deps/`).
fn cargo_cross_dir(target: &Target) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    let profile_dir = if dir.ends_with("deps") {
        dir.parent()?
    } else {
        dir
    };
    let profile = profile_dir.file_name()?;
    Some(
        profile_dir
            .parent()?
            .join(target.rust_triple())
            .join(profile),
    )
}

/// Where the executor for `target` is looked for: `$WACC_WAST_EXECUTOR`,
/// then, in cargo's cross layout next to this executable
/// (`target/<triple>/<profile>/`), `wacc-wast-exec` (the executor alone,
/// without the code generator) or `wacc`. Both take the same arguments.
pub fn executor_candidates(target: &Target) -> Vec<PathBuf> {
    let mut c = vec![];
    if let Some(p) = std::env::var_os(EXECUTOR_ENV) {
        c.push(PathBuf::from(p));
    }
    if let Some(dir) = cargo_cross_dir(target) {
        c.push(dir.join("wacc-wast-exec"));
        c.push(dir.join("wacc"));
    }
    c
}

pub(super) fn find_executor(target: &Target) -> Result<PathBuf> {
    let c = executor_candidates(target);
    if let Some(p) = c.iter().find(|p| p.is_file()) {
        return Ok(p.clone());
    }
    let looked: Vec<String> = c.iter().map(|p| format!("  {}", p.display())).collect();
    bail!(
        "no wacc executable for {} to run the directives; looked in:\n{}\nbuild it with `bash tests/cross/build.sh {}` (cargo build --release -p wacc-wast --bin wacc-wast-exec --target TRIPLE, with the cross gcc as linker) or set {EXECUTOR_ENV}",
        target.triple,
        looked.join("\n"),
        target.rust_triple()
    )
}

/// Run the directives of `file` for a foreign target: write the manifest of
/// `built` into `dir` and run the executor under qemu-user, its stdout
/// being this worker's.
pub fn run_executor_for(file: &Path, built: &Build, dir: &Path, opts: &WastOptions) -> Result<()> {
    let (qemu, sysroot) = opts
        .target
        .qemu_user()
        .ok_or_else(|| anyhow!("no emulator known for {}", opts.target.triple))?;
    let executor = find_executor(&opts.target)?;
    let manifest_path = dir.join("manifest");
    std::fs::write(&manifest_path, manifest(built))
        .with_context(|| format!("writing {}", manifest_path.display()))?;
    let mut cmd = Command::new(qemu);
    if Path::new(sysroot).is_dir() {
        cmd.arg("-L").arg(sysroot);
    }
    if let Some(cpu) = opts.target.qemu_cpu() {
        cmd.args(["-cpu", cpu]);
    }
    cmd.arg(&executor)
        .args(["wast", "--execute"])
        .arg(&manifest_path)
        .arg(file)
        .args(["--bounds-checks", opts.bounds_checks.name()]);
    // The executor must not outlive this worker (killed on timeout).
    // SAFETY: prctl is async-signal-safe.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {qemu} (install qemu-user)"))?;
    if !status.success() {
        use std::os::unix::process::ExitStatusExt;
        match status.signal() {
            Some(sig) => bail!("the {qemu} executor was killed by signal {sig}"),
            None => bail!("the {qemu} executor exited with {status}"),
        }
    }
    Ok(())
}

/// `wacc wast --execute MANIFEST FILE`, in the target-architecture process:
/// run the directives of `file` against what the manifest describes.
/// Reports only the directives' outcomes (the worker reports the rest).
pub fn run_executor(manifest_path: &Path, file: &Path, _opts: &WastOptions) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let script = Script::parse(&text).map_err(|ScriptError(e)| anyhow!("{e}"))?;
    let manifest = std::fs::read_to_string(manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let built = read_manifest(&manifest, &script)?;
    super::worker::execute(&script, &built, || {})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips() {
        for s in ["", "a b", "line\nnext\\n", "\\", "x\\"] {
            assert_eq!(unescape(&escape(s)), s);
        }
    }

    #[test]
    fn manifest_round_trips() {
        let script = Script::parse(
            "(module (func (export \"f\") (result i32) i32.const 1))\n\
             (module quote \"(func\")\n\
             (assert_return (invoke \"f\") (i32.const 1))",
        )
        .unwrap();
        let spectest = spectest_modules();
        let built = Build {
            modules: vec![
                ModuleState::Ready(Compiled {
                    prefix: prefix(0),
                    meta: meta_of(script.modules[0].wasm.as_ref().unwrap()).unwrap(),
                }),
                ModuleState::CompileError("bad\ntext".into()),
            ],
            spectest: (0..spectest.len())
                .map(|i| Err(format!("extra {i}")))
                .collect(),
            library: Some(PathBuf::from("/tmp/x/wast.so")),
            link_error: Some("one\ntwo".into()),
        };
        let back = read_manifest(&manifest(&built), &script).unwrap();
        assert_eq!(back.library, built.library);
        assert_eq!(back.link_error, built.link_error);
        assert!(matches!(&back.modules[0], ModuleState::Ready(c)
            if c.prefix == "m0" && c.meta.exports.len() == 1));
        assert!(matches!(&back.modules[1], ModuleState::CompileError(e) if e == "bad\ntext"));
        assert_eq!(back.spectest.len(), spectest.len());
        assert!(matches!(&back.spectest[0], Err(e) if e == "extra 0"));
    }
}
