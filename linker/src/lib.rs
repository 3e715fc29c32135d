//! Links wacc objects with runtime-support into libraries and executables,
//! driving the target's C compiler as the linker (it knows the target's
//! C library, start files and default search paths).

use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use wacc_targets::Target;

/// What to produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    /// `.so`: objects + runtime-support, self-contained.
    SharedLib,
    /// `.a`: objects + runtime-support members.
    StaticLib,
    /// executable: objects + runtime-support + a `main` from the objects.
    Executable,
}

#[derive(Clone, Debug)]
pub struct LinkRequest {
    pub target: Target,
    pub kind: OutputKind,
    pub objects: Vec<PathBuf>,
    pub output: PathBuf,
    /// runtime-support static library; `None` = find it with [`find_runtime`]
    pub runtime: Option<PathBuf>,
}

/// File name of the runtime-support static library.
pub const RUNTIME_LIB: &str = "libwacc_runtime_support.a";

/// File name of the runtime's C header, installed next to [`RUNTIME_LIB`].
pub const RUNTIME_HEADER: &str = "wacc.h";

/// Where the runtime-support library for `target` is looked for, in order:
/// `$WACC_RUNTIME_DIR/<triple>/`, `$WACC_RUNTIME_DIR/`, then next to the
/// running `wacc` executable (`<dir>/` for the host, `<dir>/../<triple>/<profile>/`
/// as cargo lays out cross builds).
pub fn runtime_candidates(target: &Target) -> Vec<PathBuf> {
    let triple = target.rust_triple();
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("WACC_RUNTIME_DIR") {
        let d = PathBuf::from(d);
        dirs.push(d.join(&triple));
        dirs.push(d);
    }
    dirs.extend(cargo_dirs(target));
    dirs.into_iter().map(|d| d.join(RUNTIME_LIB)).collect()
}

/// Where cargo puts builds for `target`, relative to the running
/// executable: its own profile directory `target/<profile>/` (host target
/// only) and `target/<triple>/<profile>/` (cross builds). Test binaries in
/// `target/<profile>/deps/` count as their profile directory.
pub fn cargo_dirs(target: &Target) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let Ok(exe) = std::env::current_exe() else {
        return dirs;
    };
    let Some(dir) = exe.parent() else { return dirs };
    let profile_dir = if dir.ends_with("deps") {
        dir.parent().unwrap_or(dir)
    } else {
        dir
    };
    if target.is_host() {
        dirs.push(profile_dir.to_path_buf());
    }
    if let (Some(profile), Some(target_dir)) = (profile_dir.file_name(), profile_dir.parent()) {
        dirs.push(target_dir.join(target.rust_triple()).join(profile));
    }
    dirs
}

/// Find runtime-support for `target`, or say where it was looked for and how to build it.
pub fn find_runtime(target: &Target) -> Result<PathBuf> {
    let candidates = runtime_candidates(target);
    if let Some(p) = candidates.iter().find(|p| p.is_file()) {
        return Ok(p.clone());
    }
    let looked: Vec<String> = candidates
        .iter()
        .map(|p| format!("  {}", p.display()))
        .collect();
    bail!(
        "runtime-support for {} not found; looked in:\n{}\nbuild it with `cargo build --release -p wacc-runtime-support{}` or set WACC_RUNTIME_DIR",
        target.triple,
        looked.join("\n"),
        if target.is_host() { String::new() } else { format!(" --target {}", target.rust_triple()) }
    )
}

/// Link; errors carry the linker's own output.
pub fn link(req: &LinkRequest) -> Result<()> {
    if req.objects.is_empty() {
        bail!("nothing to link");
    }
    let runtime = match &req.runtime {
        Some(p) => p.clone(),
        None => find_runtime(&req.target)?,
    };
    match req.kind {
        OutputKind::StaticLib => archive(req, &runtime),
        OutputKind::SharedLib | OutputKind::Executable => cc_link(req, &runtime),
    }
}

fn cc_link(req: &LinkRequest, runtime: &Path) -> Result<()> {
    let linker = req.target.linker();
    let mut cmd = Command::new(linker);
    if req.kind == OutputKind::SharedLib {
        cmd.arg("-shared");
        // Export only what the objects define as global (entries, descriptors,
        // the runtime's C API); keep runtime internals local.
        cmd.arg("-Wl,-Bsymbolic");
    } else {
        cmd.arg("-pie");
        for sym in runtime_imports(&req.objects, runtime) {
            cmd.arg("-Xlinker").arg(format!("--undefined={sym}"));
        }
    }
    cmd.arg("-o").arg(&req.output);
    // C sources among the inputs find the runtime's header (`wacc.h`,
    // installed next to the archive) with `#include <wacc.h>`.
    let dir = runtime.parent().filter(|d| !d.as_os_str().is_empty());
    cmd.arg("-I").arg(dir.unwrap_or(Path::new(".")));
    cmd.args(&req.objects);
    // Whole archive for the runtime: the objects reference only part of its
    // C API, but hosts of a shared library need all of it.
    if req.kind == OutputKind::SharedLib {
        cmd.arg("-Wl,--whole-archive")
            .arg(runtime)
            .arg("-Wl,--no-whole-archive");
    } else {
        cmd.arg(runtime);
    }
    cmd.args(["-Wl,--gc-sections", "-lpthread", "-ldl", "-lm"]);
    run(cmd, linker)
}

/// The `wacc_import_*` symbols the objects reference and the runtime
/// archive defines. An executable's host functions (WASI) are in the
/// runtime, but a reference to a weak symbol does not make the linker take
/// an archive member, so each is named with `--undefined`. Imports the
/// runtime lacks stay weak and unresolved, for the caller to report.
fn runtime_imports(objects: &[PathBuf], runtime: &Path) -> Vec<String> {
    use object::read::archive::ArchiveFile;
    use object::{Object, ObjectSymbol};
    let Ok(data) = std::fs::read(runtime) else {
        return Vec::new();
    };
    let Ok(archive) = ArchiveFile::parse(&*data) else {
        return Vec::new();
    };
    let defined: std::collections::HashSet<&[u8]> = match archive.symbols() {
        Ok(Some(table)) => table.filter_map(|s| s.ok()).map(|s| s.name()).collect(),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for path in objects {
        let Ok(data) = std::fs::read(path) else {
            continue;
        };
        // Not every input is an object (C sources).
        let Ok(file) = object::File::parse(&*data) else {
            continue;
        };
        for s in file.symbols().filter(|s| s.is_undefined()) {
            if let Ok(name) = s.name() {
                if name.starts_with("wacc_import_") && defined.contains(name.as_bytes()) {
                    out.push(name.to_string());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn archive(req: &LinkRequest, runtime: &Path) -> Result<()> {
    // The runtime archive plus the objects, appended: one file for users to
    // link. (Rust archives hold members with equal names, so merging by
    // member name would lose some.)
    // gcc-ar names GCC's LTO plugin explicitly, so binutils does not load
    // other plugins (an older LLVM's cannot read Rust's objects and would
    // drop their symbols from the index).
    let ar = match req.target.linker() {
        "cc" => "gcc-ar".to_string(),
        cc => format!("{cc}-ar"),
    };
    std::fs::copy(runtime, &req.output)
        .with_context(|| format!("cannot write {}", req.output.display()))?;
    let mut cmd = Command::new(&ar);
    cmd.arg("qs").arg(&req.output).args(&req.objects);
    run(cmd, &ar)
}

fn run(mut cmd: Command, what: &str) -> Result<()> {
    let out = cmd.output().map_err(|e| {
        anyhow!("could not run the linker `{what}`: {e} (install a C compiler for this target)")
    })?;
    if !out.status.success() {
        bail!(
            "linking failed ({what}):\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}
