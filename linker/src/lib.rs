//! Links wacc objects with runtime-support into libraries and executables,
//! driving the target's C compiler as the linker (it knows the target's
//! C library, start files and default search paths).

use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashSet;
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
    let defined = archive_symbols(runtime)?;
    // Host functions the objects import from the runtime (WASI). Imports
    // are weak references, which alone do not make the linker take an
    // archive member, so each is named with `--undefined`.
    let imports = runtime_imports(&req.objects, &defined);
    let mut cmd = Command::new(linker);
    let mut version_script = None;
    if req.kind == OutputKind::SharedLib {
        cmd.arg("-shared");
        // References inside the library bind to its own definitions.
        cmd.arg("-Wl,-Bsymbolic");
        // The runtime's C API is taken from the archive and exported; its
        // other symbols stay local, so only what something reaches from
        // the objects' entries or the C API is linked (`--gc-sections`).
        let exports = c_api(&defined, &imports);
        for sym in &exports {
            cmd.arg(format!("-Wl,--undefined={sym}"));
        }
        let path = sidecar(&req.output, "wacc-exports.map");
        std::fs::write(&path, version_script_text(&exports, &defined))
            .with_context(|| format!("cannot write {}", path.display()))?;
        cmd.arg(format!("-Wl,--version-script={}", path.display()));
        version_script = Some(path);
    } else {
        cmd.arg("-pie");
    }
    for sym in &imports {
        cmd.arg(format!("-Wl,--undefined={sym}"));
    }
    cmd.arg("-o").arg(&req.output);
    // C sources among the inputs find the runtime's header (`wacc.h`,
    // installed next to the archive) with `#include <wacc.h>`.
    let dir = runtime.parent().filter(|d| !d.as_os_str().is_empty());
    cmd.arg("-I").arg(dir.unwrap_or(Path::new(".")));
    cmd.args(&req.objects);
    cmd.arg(runtime);
    cmd.args(["-Wl,--gc-sections", "-lpthread", "-ldl", "-lm"]);
    let result = run(cmd, linker);
    if let Some(path) = version_script {
        let _ = std::fs::remove_file(path);
    }
    result
}

/// The runtime's C API: the functions `wacc.h` declares, as far as the
/// archive defines them (the bare-metal build has no executable entries).
/// An entry of WASI programs links all of its host, so it is left out
/// unless the objects import from that host (`imports`: the host functions
/// of the runtime they import).
fn c_api(defined: &HashSet<String>, imports: &[String]) -> Vec<String> {
    let preview1 = imports
        .iter()
        .filter(|i| i.starts_with(PREVIEW1_IMPORTS))
        .count();
    let wanted = |f: &str| match f {
        "wacc_rt_main_wasi" => preview1 > 0,
        "wacc_rt_main_component" => preview1 < imports.len(),
        _ => true,
    };
    header_functions(C_HEADER)
        .into_iter()
        .filter(|f| defined.contains(f) && wanted(f))
        .collect()
}

/// Symbols of the preview1 host's functions; the runtime's other host
/// functions are WASI 0.2's.
const PREVIEW1_IMPORTS: &str = "wacc_import_22_wasi_snapshot_preview1_";

/// The C header of the runtime this linker is built with.
const C_HEADER: &str = include_str!("../../runtime-support/include/wacc.h");

/// The `wacc_rt_*` functions a C header declares (an identifier followed
/// by `(` outside comments), in order, once each.
pub fn header_functions(header: &str) -> Vec<String> {
    let mut code = String::with_capacity(header.len());
    let mut rest = header;
    while let Some(i) = rest.find("/*") {
        code.push_str(&rest[..i]);
        rest = rest[i..].find("*/").map_or("", |e| &rest[i + e + 2..]);
    }
    code.push_str(rest);
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out: Vec<String> = Vec::new();
    let mut at = 0;
    while let Some(i) = code[at..].find("wacc_rt_") {
        let start = at + i;
        let len = code[start..]
            .find(|c| !is_id(c))
            .unwrap_or(code.len() - start);
        let name = &code[start..start + len];
        let preceded = code[..start].chars().next_back().is_some_and(is_id);
        let called = code[start + len..].trim_start().starts_with('(');
        if !preceded && called && !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
        at = start + len;
    }
    out
}

/// A version script exporting `exports` and making every other symbol the
/// runtime archive defines local. The objects' own symbols (entries,
/// descriptors, functions of linked C sources) are not named and stay
/// global.
fn version_script_text(exports: &[String], defined: &HashSet<String>) -> String {
    let mut local: Vec<&str> = defined
        .iter()
        .filter(|s| !exports.contains(s) && !s.contains('"'))
        .map(String::as_str)
        .collect();
    local.sort_unstable();
    let mut out = String::from("{\n  global:\n");
    for s in exports {
        out.push_str(&format!("    \"{s}\";\n"));
    }
    out.push_str("  local:\n");
    for s in local {
        out.push_str(&format!("    \"{s}\";\n"));
    }
    out.push_str("};\n");
    out
}

/// `path` with `.suffix` appended (a file beside the output).
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// The global symbols the archive's members define (its symbol index).
fn archive_symbols(runtime: &Path) -> Result<HashSet<String>> {
    use object::read::archive::ArchiveFile;
    let data =
        std::fs::read(runtime).with_context(|| format!("cannot read {}", runtime.display()))?;
    let archive = ArchiveFile::parse(&*data)
        .map_err(|e| anyhow!("{}: not an archive: {e}", runtime.display()))?;
    let table = archive
        .symbols()
        .map_err(|e| anyhow!("{}: {e}", runtime.display()))?
        .ok_or_else(|| anyhow!("{}: the archive has no symbol index", runtime.display()))?;
    Ok(table
        .filter_map(|s| s.ok())
        .filter_map(|s| std::str::from_utf8(s.name()).ok().map(str::to_string))
        .collect())
}

/// The `wacc_import_*` symbols the objects reference and the runtime
/// archive defines (its host functions, WASI). Imports the runtime lacks
/// stay weak and unresolved, for the caller to report.
fn runtime_imports(objects: &[PathBuf], defined: &HashSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for path in objects {
        let Ok(data) = std::fs::read(path) else {
            continue;
        };
        for (_, name) in undefined_runtime_imports(&data, defined) {
            out.push(name);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// (symbol index, name) of each `wacc_import_*` symbol `data` (an object;
/// nothing for other inputs such as C sources) leaves undefined and the
/// runtime defines.
fn undefined_runtime_imports(data: &[u8], defined: &HashSet<String>) -> Vec<(usize, String)> {
    use object::{Object, ObjectSymbol};
    let Ok(file) = object::File::parse(data) else {
        return Vec::new();
    };
    file.symbols()
        .filter(|s| s.is_undefined())
        .filter_map(|s| Some((s.index().0, s.name().ok()?.to_string())))
        .filter(|(_, name)| name.starts_with("wacc_import_") && defined.contains(name))
        .collect()
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
    let defined = archive_symbols(runtime)?;
    let staging = sidecar(&req.output, "wacc-objects");
    let members = bind_runtime_imports(&req.objects, &defined, &staging);
    let result = members.and_then(|members| {
        std::fs::copy(runtime, &req.output)
            .with_context(|| format!("cannot write {}", req.output.display()))?;
        let mut cmd = Command::new(&ar);
        cmd.arg("qs").arg(&req.output).args(&members);
        run(cmd, &ar)
    });
    let _ = std::fs::remove_dir_all(&staging);
    result
}

/// The objects as members of a static library. An archive member is taken
/// only for a strong reference, so an object's weak references to host
/// functions the runtime defines (its WASI imports) are made strong, in a
/// copy under `staging` with the same file name: linking the library then
/// takes exactly those functions, as `--undefined` does for executables.
/// The other inputs are used as they are.
fn bind_runtime_imports(
    objects: &[PathBuf],
    defined: &HashSet<String>,
    staging: &Path,
) -> Result<Vec<PathBuf>> {
    let mut members = Vec::with_capacity(objects.len());
    for path in objects {
        let data = std::fs::read(path).ok();
        let imports = data
            .as_deref()
            .map(|d| undefined_runtime_imports(d, defined))
            .unwrap_or_default();
        let (Some(mut data), Some(name)) = (data, path.file_name()) else {
            members.push(path.clone());
            continue;
        };
        if imports.is_empty() {
            members.push(path.clone());
            continue;
        }
        let indices: Vec<usize> = imports.iter().map(|(i, _)| *i).collect();
        bind_strongly(&mut data, &indices)
            .with_context(|| format!("{}: cannot bind its imports", path.display()))?;
        std::fs::create_dir_all(staging)
            .with_context(|| format!("cannot create {}", staging.display()))?;
        let copy = staging.join(name);
        std::fs::write(&copy, &data).with_context(|| format!("cannot write {}", copy.display()))?;
        members.push(copy);
    }
    Ok(members)
}

/// Makes the weak symbols `indices` of the ELF64 object `data` global (the
/// binding in `st_info`; weak and global symbols both follow the locals, so
/// the table stays ordered).
fn bind_strongly(data: &mut [u8], indices: &[usize]) -> Result<()> {
    use object::elf::{FileHeader64, Sym64, SymbolInfo, SHT_SYMTAB, STB_GLOBAL, STB_WEAK};
    use object::read::elf::{FileHeader, SectionHeader};
    use object::{Endianness, SymbolIndex};
    let err = |e: object::Error| anyhow!("{e}");
    let mut patches = Vec::new();
    {
        let header = FileHeader64::<Endianness>::parse(&*data).map_err(err)?;
        let endian = header.endian().map_err(err)?;
        let sections = header.sections(endian, &*data).map_err(err)?;
        let symtab = sections.symbols(endian, &*data, SHT_SYMTAB).map_err(err)?;
        let section = sections.section(symtab.section()).map_err(err)?;
        let base = section.sh_offset(endian) as usize;
        for &i in indices {
            let sym = symtab.symbol(SymbolIndex(i)).map_err(err)?;
            if sym.st_bind() == STB_WEAK {
                let at = base
                    + i * std::mem::size_of::<Sym64<Endianness>>()
                    + std::mem::offset_of!(Sym64<Endianness>, st_info);
                patches.push((at, SymbolInfo::new(STB_GLOBAL, sym.st_type()).0));
            }
        }
    }
    for (at, info) in patches {
        let byte = data
            .get_mut(at)
            .ok_or_else(|| anyhow!("symbol table out of bounds"))?;
        *byte = info;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_functions_are_declarations_outside_comments() {
        let header = "/* wacc_rt_old(void) is gone; see wacc_rt_new */\n\
                      int wacc_rt_new(void);\n\
                      void wacc_rt_free (void *p); /* like wacc_rt_free(p) */\n\
                      #define WACC_X wacc_rt_new\n\
                      int my_wacc_rt_thing(void);\n";
        assert_eq!(header_functions(header), ["wacc_rt_new", "wacc_rt_free"]);
    }

    #[test]
    fn the_c_api_is_the_header_minus_the_wasi_entries() {
        let all = header_functions(C_HEADER);
        for f in ["wacc_rt_store_new", "wacc_rt_invoke", "wacc_rt_main"] {
            assert!(all.iter().any(|n| n == f), "{f}");
        }
        let defined: HashSet<String> = all.iter().cloned().chain(["other".into()]).collect();
        let entries = ["wacc_rt_main_wasi", "wacc_rt_main_component"];
        let without = |e: &[&str]| -> Vec<String> {
            all.iter()
                .filter(|f| !e.contains(&f.as_str()))
                .cloned()
                .collect()
        };
        assert_eq!(c_api(&defined, &[]), without(&entries));
        let p1 = format!("{PREVIEW1_IMPORTS}fd_write");
        let p2 = "wacc_import_27_wasi$3acli$2fstdout$400$2e2_get$2dstdout".to_string();
        assert_eq!(
            c_api(&defined, std::slice::from_ref(&p1)),
            without(&entries[1..])
        );
        assert_eq!(
            c_api(&defined, std::slice::from_ref(&p2)),
            without(&entries[..1])
        );
        assert_eq!(c_api(&defined, &[p1, p2]), all);
    }

    #[test]
    fn version_script_keeps_the_runtime_local() {
        let defined: HashSet<String> = ["wacc_rt_store_new", "_RNvCs_x", "wacc_import_1_a_b"]
            .into_iter()
            .map(String::from)
            .collect();
        let text = version_script_text(&["wacc_rt_store_new".to_string()], &defined);
        assert_eq!(
            text,
            "{\n  global:\n    \"wacc_rt_store_new\";\n  local:\n    \"_RNvCs_x\";\n    \"wacc_import_1_a_b\";\n};\n"
        );
    }
}
