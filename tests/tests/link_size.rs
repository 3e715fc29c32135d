//! What the linker puts into outputs: a component or core module without
//! WASI imports links none of the WASI host (`runtime-support/src/wasi/`),
//! a shared library exports only its objects' symbols and the runtime's C
//! API (`wacc.h`), and a module importing WASI links the host functions it
//! imports, in an executable, a shared library and a static library.
//! Needs `cargo build --release` first (the built `wacc` and runtime).

mod common;

use common::{root, run_ok, wacc};
use object::{Object, ObjectSymbol};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    common::scratch("link-size-tests", name)
}

/// `wacc compile IN -o OUT --emit EMIT --prefix PREFIX`.
fn compile(input: &Path, output: &Path, emit: &str, prefix: &str) {
    run_ok(
        Command::new(wacc())
            .arg("compile")
            .arg(input)
            .arg("-o")
            .arg(output)
            .args(["--emit", emit, "--prefix", prefix]),
        &format!("wacc compile --emit {emit} {}", input.display()),
        "",
    );
}

/// A WAT file `name` in `dir`.
fn wat(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The symbols a linked file defines (symbol table and dynamic symbol
/// table), and the ones it exports (defined in the dynamic symbol table).
struct Symbols {
    defined: Vec<String>,
    exported: Vec<String>,
}

fn symbols(path: &Path) -> Symbols {
    let data = std::fs::read(path).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let names = |syms: object::read::SymbolIterator<'_, '_>| -> Vec<String> {
        syms.filter(|s| s.is_definition())
            .filter_map(|s| s.name().ok().map(str::to_string))
            .collect()
    };
    let exported = names(file.dynamic_symbols());
    let mut defined = names(file.symbols());
    defined.extend(exported.iter().cloned());
    Symbols { defined, exported }
}

/// Symbols of the WASI host: its functions (`wacc_import_*` definitions:
/// the runtime defines no others), its entries and everything in
/// `runtime-support/src/wasi/` (Rust paths `wacc_runtime_support::wasi::`,
/// in both manglings).
fn wasi_host_symbols(s: &Symbols) -> Vec<&str> {
    s.defined
        .iter()
        .map(String::as_str)
        .filter(|n| n.starts_with("wacc_import_") || n.to_ascii_lowercase().contains("wasi"))
        .collect()
}

/// The functions `wacc.h` declares.
fn c_api() -> Vec<String> {
    let header = std::fs::read_to_string(root().join("runtime-support/include/wacc.h")).unwrap();
    wacc_linker::header_functions(&header)
}

const WASI_ENTRIES: [&str; 2] = ["wacc_rt_main_wasi", "wacc_rt_main_component"];

/// What `wacc wast` looks up in the libraries it loads, besides the
/// objects' own `P_*` symbols (compiler/wast/src/dylib.rs, cinstance.rs).
const WAST_NEEDS: [&str; 4] = [
    "wacc_rt_store_new",
    "wacc_rt_instantiate",
    "wacc_rt_invoke",
    "wacc_rt_component_free",
];

/// Checks the exports of shared library `so` built with `prefix`: its own
/// symbols and the C API, with what `wacc wast` needs; of the WASI entries
/// only `wasi_entry`.
fn check_exports(so: &Path, prefix: &str, wasi_entry: Option<&str>) {
    let s = symbols(so);
    let api = c_api();
    for e in &s.exported {
        let own = e.starts_with(&format!("{prefix}_"));
        let from_api =
            api.contains(e) && (!WASI_ENTRIES.contains(&e.as_str()) || wasi_entry == Some(e));
        // The C library's start files define these in every shared object.
        let crt = ["_init", "_fini"].contains(&e.as_str());
        assert!(
            own || from_api || crt,
            "{} exports `{e}`, which is neither its own nor the runtime's C API",
            so.display()
        );
    }
    for f in api.iter().filter(|f| !WASI_ENTRIES.contains(&f.as_str())) {
        assert!(
            s.exported.contains(f),
            "{} does not export `{f}` of wacc.h",
            so.display()
        );
    }
    for f in WAST_NEEDS {
        assert!(s.exported.iter().any(|e| e == f), "no `{f}`");
    }
    for f in WASI_ENTRIES {
        assert_eq!(
            s.exported.iter().any(|e| e == f),
            wasi_entry == Some(f),
            "{}: whether `{f}` is exported",
            so.display(),
        );
    }
}

fn assert_no_wasi(path: &Path) {
    let s = symbols(path);
    let wasi = wasi_host_symbols(&s);
    assert!(
        wasi.is_empty(),
        "{} links the WASI host: {} symbols, e.g. {:?}",
        path.display(),
        wasi.len(),
        &wasi[..wasi.len().min(8)]
    );
}

#[test]
fn component_without_wasi_links_no_wasi_host() {
    let d = scratch("component");
    let so = d.join("composed.so");
    compile(
        &root().join("tests/components/composed.wat"),
        &so,
        "shared",
        "composed",
    );
    assert_no_wasi(&so);
    check_exports(&so, "composed", None);
    let s = symbols(&so);
    for sym in ["composed_instantiate", "composed_call", "composed_cdesc"] {
        assert!(s.exported.iter().any(|e| e == sym), "no `{sym}`");
    }
}

/// A core module without imports: `_start` traps in a named function.
const PLAIN: &str = r#"(module
  (func $boom (export "boom") unreachable)
  (func (export "_start") (call $boom)))"#;

#[test]
fn core_module_without_wasi_links_no_wasi_host() {
    let d = scratch("core");
    let src = wat(&d, "plain.wat", PLAIN);
    let exe = d.join("plain");
    compile(&src, &exe, "exe", "plain");
    assert_no_wasi(&exe);
    let out = Command::new(&exe).output().unwrap();
    assert_eq!(out.status.code(), Some(134), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("wasm trap in wasm function 0 `boom`: unreachable"),
        "{err}"
    );

    let so = d.join("plain.so");
    compile(&src, &so, "shared", "plain");
    assert_no_wasi(&so);
    check_exports(&so, "plain", None);

    let primes = d.join("primes.so");
    compile(
        &root().join("examples/primes/primes.wat"),
        &primes,
        "shared",
        "primes",
    );
    assert_no_wasi(&primes);
    check_exports(&primes, "primes", None);
}

/// A preview1 module writing `argc=N` (its argument count, one digit).
const WASI: &str = r#"(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "argc=?\n")
  (func (export "_start")
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (i32.store8 (i32.const 37) (i32.add (i32.const 48) (i32.load (i32.const 0))))
    (i32.store (i32.const 8) (i32.const 32))
    (i32.store (i32.const 12) (i32.const 7))
    (drop (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16)))))"#;

const FD_WRITE: &str = "wacc_import_22_wasi_snapshot_preview1_fd_write";
const PATH_OPEN: &str = "wacc_import_22_wasi_snapshot_preview1_path_open";

fn stdout_of(out: &Output) -> String {
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn wasi_module_links_the_host_functions_it_imports() {
    let d = scratch("wasi");
    let src = wat(&d, "hello.wat", WASI);

    // Executable (`wacc_rt_main`): the host sets itself up on first use,
    // taking its own options off the command line.
    let exe = d.join("hello");
    compile(&src, &exe, "exe", "hello");
    let out = Command::new(&exe)
        .args(["--wacc-env=K=V", "--wacc--", "a", "b"])
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), "argc=3\n");
    let s = symbols(&exe);
    assert!(s.defined.iter().any(|n| n == FD_WRITE));
    assert!(
        !s.defined.iter().any(|n| n == PATH_OPEN),
        "links host functions it does not import"
    );
    let out = Command::new(&exe)
        .args(["--wacc-dir=/nonexistent/wacc-test"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(70), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot open directory"), "{err}");

    // Shared library: the host functions are linked, not exported; the
    // preview1 entry is, and nothing of the 0.2 host is linked.
    let so = d.join("hello.so");
    compile(&src, &so, "shared", "hello");
    check_exports(&so, "hello", Some("wacc_rt_main_wasi"));
    let s = symbols(&so);
    assert!(s.defined.iter().any(|n| n == FD_WRITE));
    assert!(!s.exported.iter().any(|n| n == FD_WRITE));
    let p2: Vec<&String> = s
        .defined
        .iter()
        .filter(|n| n.contains("preview2") || (n.starts_with("wacc_import_") && n.contains("$40")))
        .collect();
    assert!(p2.is_empty(), "links the WASI 0.2 host: {p2:?}");

    // Static library and a C `main` calling `wacc_rt_main`: linking it
    // takes the imported host functions.
    let lib = d.join("hello.a");
    compile(&src, &lib, "static", "hello");
    let main = d.join("main.c");
    std::fs::write(
        &main,
        "#include <wacc.h>\n\
         extern const WaccModuleDesc hello_desc;\n\
         int main(int argc, char **argv) { return wacc_rt_main(&hello_desc, argc, argv); }\n",
    )
    .unwrap();
    let host = d.join("host");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    run_ok(
        Command::new(cc)
            .arg("-I")
            .arg(root().join("runtime-support/include"))
            .arg("-o")
            .arg(&host)
            .arg(&main)
            .arg(&lib)
            .args(["-Wl,--gc-sections", "-lpthread", "-ldl", "-lm"]),
        "cc (linking main.c with hello.a)",
        "",
    );
    let out = Command::new(&host).arg("x").output().unwrap();
    assert_eq!(stdout_of(&out), "argc=2\n");
}
