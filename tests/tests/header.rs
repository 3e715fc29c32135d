//! The runtime's C header, runtime-support/include/wacc.h, against the Rust
//! definitions. A C file generated here from the Rust side (`wacc-abi`
//! layouts and trap codes, and the `#[no_mangle]` functions of
//! runtime-support/src, read from the source) includes the header and is
//! compiled with `cc` (and `c++`): `_Static_assert`s on sizes, alignments,
//! offsets and constants, and each declared function assigned to a pointer
//! of the type its Rust definition has. Any drift fails to compile.
//! Also: the header is installed next to the runtime archive, and C sources
//! given to `wacc compile --link` include it as `<wacc.h>`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use wacc_abi::{TrapCode, VMFuncRef, VMMemory, VMStore, VMTable, ValRaw, WaccImport};

mod common;
use common::{profile_dir, root, run_ok, scratch, wacc};

fn header() -> PathBuf {
    root().join("runtime-support/include/wacc.h")
}

/// Runtime functions called only by generated code (libcalls, entries of
/// components): not part of the header. Every other `wacc_rt_*` function
/// must be declared there.
const INTERNAL: &[&str] = &[
    "wacc_rt_memory_grow",
    "wacc_rt_memory_fill",
    "wacc_rt_memory_copy",
    "wacc_rt_memory_init",
    "wacc_rt_data_drop",
    "wacc_rt_table_grow",
    "wacc_rt_table_fill",
    "wacc_rt_table_copy",
    "wacc_rt_table_init",
    "wacc_rt_elem_drop",
    "wacc_rt_atomic_wait",
    "wacc_rt_exn_new",
    "wacc_rt_exn_free",
    "wacc_rt_throw",
    "wacc_rt_string_transfer",
    "wacc_rt_memcpy",
    "wacc_rt_resource_new",
    "wacc_rt_resource_rep",
    "wacc_rt_resource_drop",
    "wacc_rt_resource_transfer_own",
    "wacc_rt_resource_lend",
    "wacc_rt_call_begin",
    "wacc_rt_call_end",
    "wacc_rt_unresolved_import",
    "wacc_rt_component_call",
    "wacc_rt_component_instantiate_intercepted",
    "wacc_rt_intercept",
    "wacc_rt_intercept_clock",
    "wacc_rt_intercept_denied",
];

/// `MemoryOutOfBounds` -> `MEMORY_OUT_OF_BOUNDS`.
fn upper_snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// The byte size of a field, from an accessor.
fn field_size<T, F>(_: fn(&T) -> &F) -> usize {
    std::mem::size_of::<F>()
}

/// Asserts on the size, alignment and every field (offset and size) of a
/// Rust struct and its C counterpart: `layout!(out, Rust => "CName" {
/// c_field = rust_field, ... })`.
macro_rules! layout {
    ($out:ident, $rust:ty => $c:literal { $($cf:ident = $rf:tt),* $(,)? }) => {{
        let r = stringify!($rust);
        writeln!($out, "WACC_ASSERT(sizeof({}) == {}, \"size of {} ({r})\");",
            $c, std::mem::size_of::<$rust>(), $c).unwrap();
        writeln!($out, "WACC_ASSERT(WACC_ALIGNOF({}) == {}, \"alignment of {} ({r})\");",
            $c, std::mem::align_of::<$rust>(), $c).unwrap();
        $(
            writeln!($out, "WACC_ASSERT(offsetof({}, {}) == {}, \"offset of {}.{} ({r}.{})\");",
                $c, stringify!($cf), std::mem::offset_of!($rust, $rf), $c, stringify!($cf),
                stringify!($rf)).unwrap();
            writeln!($out, "WACC_ASSERT(sizeof((({} *)0)->{}) == {}, \"size of {}.{}\");",
                $c, stringify!($cf), field_size(|s: &$rust| &s.$rf), $c, stringify!($cf)).unwrap();
        )*
    }};
}

/// `_Static_assert`s for layouts and constants, from the Rust side.
fn layout_asserts() -> String {
    let mut out = String::new();
    layout!(out, VMStore => "WaccStore" {
        stack_limit = stack_limit,
        landing_pad = jmp_buf,
        trap_code = trap_code,
        trap_detail = trap_detail,
        trap_pc = trap_pc,
        max_wasm_stack = max_wasm_stack,
        runtime_private = private,
        exceptions = exceptions,
    });
    layout!(out, VMMemory => "WaccMemory" {
        base = base,
        length = length,
        max_pages = max_pages,
        reserved = reserved,
        runtime_private = private,
    });
    layout!(out, VMTable => "WaccTable" {
        base = base,
        length = length,
        max = max,
        capacity = capacity,
        elem_kind = elem_kind,
        runtime_private = private,
    });
    layout!(out, VMFuncRef => "WaccFuncRef" {
        func = func,
        type_id = type_id,
        vmctx = vmctx,
        array_call = array_call,
    });
    layout!(out, ValRaw => "WaccValRaw" { bytes = 0 });
    // A union: every member at offset 0, pointer-sized.
    layout!(out, WaccImport => "WaccImport" {});
    for f in ["func", "table", "memory", "global", "tag"] {
        writeln!(
            out,
            "WACC_ASSERT(offsetof(WaccImport, {f}) == 0 && sizeof(((WaccImport *)0)->{f}) == {}, \"WaccImport.{f}\");",
            std::mem::size_of::<*const u8>()
        )
        .unwrap();
    }
    let consts = [
        ("WACC_ABI_VERSION", wacc_abi::ABI_VERSION as u64),
        ("WACC_PAGE_SIZE", wacc_abi::WASM_PAGE_SIZE),
        ("WACC_GLOBAL_SIZE", wacc_abi::GLOBAL_SIZE as u64),
        ("WACC_MEMORY_NO_MAX", u64::MAX),
        ("WACC_TABLE_NO_MAX", u32::MAX as u64),
    ];
    for (name, v) in consts {
        writeln!(out, "WACC_ASSERT({name} == {v}ull, \"{name} is {v}\");").unwrap();
    }
    for (name, v) in trap_codes() {
        writeln!(
            out,
            "WACC_ASSERT(WACC_TRAP_{name} == {v}, \"trap code {name} is {v}\");"
        )
        .unwrap();
    }
    out
}

/// Every `abi::TrapCode`: C name (without `WACC_TRAP_`) and value.
fn trap_codes() -> BTreeMap<String, u32> {
    (0..=u8::MAX as u32)
        .filter_map(TrapCode::from_u32)
        .map(|c| (upper_snake(&format!("{c:?}")), c as u32))
        .collect()
}

/// The header without its comments.
fn header_code() -> String {
    let text = std::fs::read_to_string(header()).unwrap();
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("*/").expect("unterminated comment") + i + 2;
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Identifiers starting with `prefix` in `code`, each with what follows it.
fn identifiers<'a>(code: &'a str, prefix: &str) -> Vec<(&'a str, &'a str)> {
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = code[at..].find(prefix) {
        let start = at + i;
        let before = code[..start].chars().next_back();
        let len = code[start..]
            .find(|c| !is_id(c))
            .unwrap_or(code.len() - start);
        if !before.is_some_and(is_id) {
            out.push((&code[start..start + len], &code[start + len..]));
        }
        at = start + len;
    }
    out
}

/// A Rust `#[no_mangle]` function: name, parameter and result types, and
/// where it is defined.
struct RustFn {
    name: String,
    params: Vec<String>,
    ret: String,
    file: PathBuf,
}

impl RustFn {
    /// The C type of a pointer to the function, with `(*)` where the name goes.
    fn c_type(&self) -> String {
        let params: Vec<String> = self.params.iter().map(|t| c_type(t, &self.name)).collect();
        let params = if params.is_empty() {
            "void".to_string()
        } else {
            params.join(", ")
        };
        format!("{} (*)({params})", c_type(&self.ret, &self.name))
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `#[no_mangle] extern "C" fn wacc_rt_*` of runtime-support/src.
fn rust_functions() -> Vec<RustFn> {
    let mut files = Vec::new();
    rust_files(&root().join("runtime-support/src"), &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("no_mangle") {
            rest = &rest[i..];
            // Only the attribute, `#[no_mangle]` or `#[unsafe(no_mangle)]`,
            // alone on its line.
            let before = text[..text.len() - rest.len()].rsplit('\n').next().unwrap();
            let after = rest["no_mangle".len()..].split('\n').next().unwrap();
            if !matches!(
                (before.trim(), after.trim()),
                ("#[", "]") | ("#[unsafe(", ")]")
            ) {
                rest = &rest[1..];
                continue;
            }
            let f = rest.find("fn ").unwrap() + 3;
            let open = f + rest[f..].find('(').unwrap();
            let name = rest[f..open].trim().to_string();
            let close = open + matching(&rest[open..]);
            let params = &rest[open + 1..close];
            let tail = &rest[close + 1..];
            let ret = tail[..tail.find(['{', ';']).unwrap()].trim();
            let ret = ret.strip_prefix("->").map(str::trim).unwrap_or("()");
            rest = tail;
            if !name.starts_with("wacc_rt_") {
                continue;
            }
            let params = split_top(params)
                .into_iter()
                .map(|p| {
                    let (_, ty) = p.split_once(':').unwrap_or_else(|| panic!("{name}: `{p}`"));
                    ty.trim().to_string()
                })
                .collect();
            out.push(RustFn {
                name,
                params,
                ret: ret.to_string(),
                file: file.clone(),
            });
        }
    }
    out
}

/// How byte `i` of `s` changes the bracket depth (`()`, `<>`, `[]`; the
/// `>` of `->` is no bracket).
fn depth_change(s: &[u8], i: usize) -> i32 {
    match s[i] {
        b'(' | b'<' | b'[' => 1,
        b')' | b']' => -1,
        b'>' if i == 0 || s[i - 1] != b'-' => -1,
        _ => 0,
    }
}

/// Index of the `)` matching the `(` at the start of `s`.
fn matching(s: &str) -> usize {
    let mut depth = 0;
    for i in 0..s.len() {
        depth += depth_change(s.as_bytes(), i);
        if depth == 0 {
            return i;
        }
    }
    panic!("unbalanced: {s}")
}

/// `s` split at commas outside brackets, trimmed, empty parts dropped.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for i in 0..s.len() {
        depth += depth_change(s.as_bytes(), i);
        if depth == 0 && s.as_bytes()[i] == b',' {
            out.push(s[start..i].trim());
            start = i + 1;
        }
    }
    out.push(s[start..].trim());
    out.retain(|p| !p.is_empty());
    out
}

/// The C type (abstract declarator) of a Rust FFI type, as the header
/// spells it.
fn c_type(ty: &str, func: &str) -> String {
    let ty = ty.trim();
    // argv, as C's `main` receives it (the runtime only reads it).
    if ty.replace(' ', "") == "*const*constc_char" {
        return "char **".into();
    }
    if let Some(t) = ty.strip_prefix("*mut ") {
        return format!("{} *", c_type(t, func));
    }
    if let Some(t) = ty.strip_prefix("*const ") {
        let inner = c_type(t, func);
        return if inner.ends_with('*') {
            format!("{inner}const *")
        } else {
            format!("const {inner} *")
        };
    }
    if let Some(t) = ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) {
        // Only nullable function pointers.
        let inner = c_type(t, func);
        assert!(
            inner.contains("(*)") || inner == "WaccArrayCall",
            "{func}: Option<{t}>"
        );
        return inner;
    }
    let fn_ty = ty
        .trim_start_matches("unsafe ")
        .trim_start_matches("extern \"C\" ");
    if let Some(sig) = fn_ty.strip_prefix("fn") {
        let close = matching(sig);
        let params: Vec<String> = split_top(&sig[1..close])
            .into_iter()
            .map(|p| c_type(p.split_once(':').map_or(p, |(_, t)| t), func))
            .collect();
        let ret = sig[close + 1..].trim();
        let ret = ret.strip_prefix("->").map(str::trim).unwrap_or("()");
        return format!("{} (*)({})", c_type(ret, func), params.join(", "));
    }
    let base = ty.rsplit("::").next().unwrap();
    match base {
        "()" | "!" | "c_void" => "void",
        "u8" => "uint8_t",
        "u16" => "uint16_t",
        "u32" => "uint32_t",
        "u64" => "uint64_t",
        "i8" => "int8_t",
        "i16" => "int16_t",
        "i32" => "int32_t",
        "i64" => "int64_t",
        "usize" => "size_t",
        "isize" => "ptrdiff_t",
        "bool" => "bool",
        "c_int" => "int",
        "c_char" => "char",
        "VMStore" => "WaccStore",
        "VMMemory" => "WaccMemory",
        "VMTable" => "WaccTable",
        "VMFuncRef" => "WaccFuncRef",
        "VMException" => "WaccException",
        "ValRaw" => "WaccValRaw",
        "WaccImport" => "WaccImport",
        "ModuleDesc" => "WaccModuleDesc",
        "ComponentDesc" => "WaccComponentDesc",
        "SiteDesc" => "WaccSite",
        "SiteStats" => "WaccSiteStats",
        "ArrayCall" => "WaccArrayCall",
        _ => panic!("{func}: no C spelling for the Rust type `{ty}` (extend c_type)"),
    }
    .to_string()
}

/// The generated check: layouts, constants, and one pointer per declared
/// function.
fn check_source() -> String {
    let code = header_code();
    let declared: BTreeSet<&str> = identifiers(&code, "wacc_rt_")
        .into_iter()
        .filter(|(_, after)| after.trim_start().starts_with('('))
        .map(|(name, _)| name)
        .collect();
    let rust = rust_functions();
    let mut by_name: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for f in &rust {
        let types = by_name.entry(&f.name).or_default();
        if declared.contains(f.name.as_str()) {
            types.insert(f.c_type());
        }
        assert!(
            declared.contains(f.name.as_str()) || INTERNAL.contains(&f.name.as_str()),
            "{} ({}) is neither declared in wacc.h nor listed as internal in tests/tests/header.rs",
            f.name,
            f.file.display()
        );
    }
    for d in &declared {
        assert!(
            by_name.contains_key(d),
            "wacc.h declares {d}, which runtime-support does not define"
        );
    }
    // Trap codes: the header has no others.
    let codes = trap_codes();
    for (name, after) in identifiers(&code, "WACC_TRAP_") {
        if after.trim_start().starts_with('=') {
            let short = &name["WACC_TRAP_".len()..];
            assert!(
                codes.contains_key(short),
                "wacc.h defines {name}, which abi::TrapCode lacks"
            );
        }
    }

    let mut out = String::from(
        "#include \"wacc.h\"\n\
         #ifdef __cplusplus\n\
         #define WACC_ASSERT static_assert\n\
         #define WACC_ALIGNOF alignof\n\
         #else\n\
         #define WACC_ASSERT _Static_assert\n\
         #define WACC_ALIGNOF _Alignof\n\
         #endif\n",
    );
    out.push_str(&layout_asserts());
    out.push_str("void wacc_header_check(void);\nvoid wacc_header_check(void) {\n");
    for (i, (name, types)) in by_name.iter().enumerate() {
        if !declared.contains(name) {
            continue;
        }
        for (j, ty) in types.iter().enumerate() {
            let var = format!("p{i}_{j}");
            let decl = ty.replacen("(*)", &format!("(*{var})"), 1);
            writeln!(out, "    {decl} = &{name};\n    (void){var};").unwrap();
        }
    }
    out.push_str("}\n");
    out
}

/// Compiles `src` (`lang` "c" or "c++") with warnings as errors; the
/// compiler's messages on failure.
fn compile(compiler: &str, lang: &str, std: &str, src: &Path) -> Result<(), String> {
    let out = Command::new(compiler)
        .args([
            "-x",
            lang,
            std,
            "-fsyntax-only",
            "-Wall",
            "-Wextra",
            "-Wpedantic",
            "-Werror",
        ])
        .arg("-I")
        .arg(header().parent().unwrap())
        .arg(src)
        .output()
        .map_err(|e| format!("cannot run {compiler}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn header_matches_the_rust_definitions() {
    let src = check_source();
    let dir = scratch("header-tests", "check");
    let file = dir.join("check.c");
    std::fs::write(&file, &src).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    if let Err(e) = compile(&cc, "c", "-std=c11", &file) {
        panic!(
            "wacc.h disagrees with the Rust definitions ({cc} on {}):\n{e}",
            file.display()
        );
    }
    // The header alone is C99.
    let c99 = dir.join("c99.c");
    std::fs::write(&c99, "#include \"wacc.h\"\nint wacc_header_c99;\n").unwrap();
    if let Err(e) = compile(&cc, "c", "-std=c99", &c99) {
        panic!("wacc.h is not C99 ({cc}):\n{e}");
    }
    // The same checks in C++ (extern "C", no C-only syntax), where a C++
    // compiler is installed.
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    if Command::new(&cxx).arg("--version").output().is_ok() {
        if let Err(e) = compile(&cxx, "c++", "-std=c++11", &file) {
            panic!("wacc.h as C++ ({cxx}, {}):\n{e}", file.display());
        }
    } else {
        eprintln!("note: no C++ compiler `{cxx}`: the header was checked as C only");
    }
}

/// The check itself catches drift: a wrong trap code or offset in a copy
/// of the header fails to compile.
#[test]
fn a_drifted_header_is_caught() {
    let src = check_source();
    let text = std::fs::read_to_string(header()).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let drifts = [
        (
            "WACC_TRAP_STACK_OVERFLOW = 10",
            "WACC_TRAP_STACK_OVERFLOW = 11",
        ),
        ("uint32_t trap_detail;", "uint64_t trap_detail;"),
        ("uint32_t (*run)", "int32_t (*run)"),
        ("WACC_TRAP_HOST_ERROR = 41", "WACC_TRAP_HOST_ERROR = 43"),
        (
            "uint32_t resource, uint32_t handle)",
            "uint32_t resource, int32_t handle)",
        ),
    ];
    for (i, (from, to)) in drifts.into_iter().enumerate() {
        assert!(text.contains(from), "`{from}` not in wacc.h");
        let dir = scratch("header-tests", &format!("drift{i}"));
        std::fs::write(dir.join("wacc.h"), text.replace(from, to)).unwrap();
        let file = dir.join("check.c");
        std::fs::write(
            &file,
            src.replace("#include \"wacc.h\"", "#include \"./wacc.h\""),
        )
        .unwrap();
        assert!(
            compile(&cc, "c", "-std=c11", &file).is_err(),
            "`{to}` instead of `{from}` was not caught"
        );
    }
}

/// `cargo build` installs the header next to the runtime archive.
#[test]
fn header_is_installed_next_to_the_runtime() {
    let lib = profile_dir().join(wacc_linker::RUNTIME_LIB);
    let installed = profile_dir().join(wacc_linker::RUNTIME_HEADER);
    assert!(
        lib.is_file(),
        "{} not found: run `cargo build --release`",
        lib.display()
    );
    let got = std::fs::read(&installed).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (runtime-support/build.rs installs it)",
            installed.display()
        )
    });
    assert_eq!(
        got,
        std::fs::read(header()).unwrap(),
        "{} is stale",
        installed.display()
    );
}

/// A C source given with `--link` includes `<wacc.h>` without flags: its
/// host function traps through the header's `wacc_rt_trap` with one of its
/// codes.
#[test]
fn linked_c_sources_include_the_header() {
    let dir = scratch("header-tests", "link");
    let wat = dir.join("m.wat");
    std::fs::write(
        &wat,
        r#"(module
          (import "host" "check" (func $check (param i32)))
          (func (export "_start") (call $check (i32.const 1)) (call $check (i32.const -1))))"#,
    )
    .unwrap();
    let host = dir.join("host.c");
    std::fs::write(
        &host,
        "#include <stdio.h>\n#include <wacc.h>\n\
         void wacc_import_4_host_check(void *vmctx, int32_t v) {\n\
         \tif (v < 0) wacc_rt_trap(vmctx, WACC_TRAP_INTEGER_OVERFLOW);\n\
         \tprintf(\"check %d: %s\\n\", v, wacc_rt_trap_message(WACC_TRAP_NONE));\n}\n",
    )
    .unwrap();
    let exe = dir.join("m");
    run_ok(
        Command::new(wacc())
            .arg("compile")
            .arg(&wat)
            .arg("-o")
            .arg(&exe)
            .args(["--emit", "exe", "--link"])
            .arg(&host),
        "wacc compile --emit exe --link host.c",
        "",
    );
    let out = Command::new(&exe).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "check 1: no trap\n");
    assert_eq!(out.status.code(), Some(134));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("integer overflow"), "{err}");
}
