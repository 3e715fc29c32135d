//! Generated headers (`wacc compile --header`). Component headers compile
//! cleanly:
//! for every component with root function exports in the Component Model
//! testsuite's `values/` and `resources/` scripts, and for the components of
//! tests/components, the header is generated and compiled with `-Wall
//! -Wextra -Werror -pedantic` as C11 and as C++17, once as a user of the
//! exports and once as the file defining the import glue
//! (`P_IMPLEMENTATION`, with every import declared optional so no
//! implementation is needed). A core module's header drives a C host
//! end to end.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

mod common;
use common::root;

/// One header to check: where it comes from, and its text.
struct Case {
    origin: String,
    prefix: String,
    header: String,
}

fn testsuite_cases(failures: &mut Vec<String>) -> (Vec<Case>, usize) {
    let mut cases = vec![];
    let mut no_exports = 0;
    for (origin, prefix, wasm) in common::testsuite_components(failures) {
        match wacc::component::header::header_of(&wasm, &prefix) {
            Ok((_, 0)) => no_exports += 1,
            Ok((header, _)) => cases.push(Case {
                origin,
                prefix,
                header,
            }),
            Err(e) => failures.push(format!("{origin}: {e}")),
        }
    }
    (cases, no_exports)
}

fn own_cases() -> Vec<Case> {
    let dir = root().join("tests/components");
    let mut out = vec![];
    for name in ["composed", "values"] {
        let wasm = wat::parse_file(dir.join(format!("{name}.wat"))).unwrap();
        let (header, n) = wacc::component::header::header_of(&wasm, name).unwrap();
        assert!(n > 0, "{name} has exports");
        out.push(Case {
            origin: format!("tests/components/{name}.wat"),
            prefix: name.to_string(),
            header,
        });
    }
    out
}

/// Links the C host `host` with `lib` into `exe` (C11, warnings as
/// errors), with `includes` on the include path besides runtime-support's.
fn link_c_host(host: &Path, lib: &Path, exe: &Path, includes: &[&Path]) {
    let mut cmd = Command::new("cc");
    cmd.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I"])
        .arg(root().join("runtime-support/include"));
    for i in includes {
        cmd.arg("-I").arg(i);
    }
    cmd.arg("-o")
        .arg(exe)
        .arg(host)
        .arg(lib)
        .args(["-lpthread", "-ldl", "-lm"]);
    common::run_ok(&mut cmd, &format!("cc {}", host.display()), "");
}

/// Compiles `case`'s header as C and C++, as a user and as the glue file.
fn check(case: &Case, dir: &Path) -> Result<(), String> {
    let h = dir.join(format!("{}.h", case.prefix));
    std::fs::write(&h, &case.header).unwrap();
    let upper = case.prefix.to_uppercase();
    let user = format!(
        "#include \"{}.h\"\nint main(void) {{ return 0; }}\n",
        case.prefix
    );
    let glue = format!(
        "#define {upper}_IMPLEMENTATION\n#define {upper}_OPTIONAL_IMPORTS\n#include \"{}.h\"\n",
        case.prefix
    );
    for (kind, src) in [("user", &user), ("glue", &glue)] {
        for (lang, compiler, std) in [("c", "cc", "-std=c11"), ("cc", "c++", "-std=c++17")] {
            let file = dir.join(format!("{}_{kind}.{lang}", case.prefix));
            std::fs::write(&file, src).unwrap();
            let out = Command::new(compiler)
                .args([std, "-Wall", "-Wextra", "-Werror", "-pedantic", "-c", "-o"])
                .arg(dir.join(format!("{}_{kind}_{lang}.o", case.prefix)))
                .arg("-I")
                .arg(dir)
                .arg("-I")
                .arg(root().join("runtime-support/include"))
                .arg(&file)
                .output()
                .map_err(|e| format!("{compiler}: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "{} ({kind}, {compiler} {std}): {}\n(header: {})",
                    case.origin,
                    String::from_utf8_lossy(&out.stderr),
                    h.display()
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn generated_headers_compile() {
    let dir = common::scratch("component-headers", "all");
    let mut failures = vec![];
    let (mut cases, no_exports) = testsuite_cases(&mut failures);
    let from_suite = cases.len();
    cases.extend(own_cases());
    let next = AtomicUsize::new(0);
    let errors = Mutex::new(vec![]);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(c) = cases.get(i) else { break };
                if let Err(e) = check(c, &dir) {
                    errors.lock().unwrap().push(e);
                }
            });
        }
    });
    failures.extend(errors.into_inner().unwrap());
    println!(
        "component headers: {} compiled (C11 and C++17, user and glue): {from_suite} from the testsuite, {} of tests/components; {no_exports} testsuite components without root function exports not counted; {} failures",
        cases.len(),
        cases.len() - from_suite,
        failures.len()
    );
    assert!(
        from_suite >= 20,
        "too few testsuite components: {from_suite}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// examples/primes through its generated header: a host that defines the
/// import with the header's prototype and calls the typed exports.
#[test]
fn core_module_header_host() {
    let dir = common::scratch("generated-headers", "primes");
    let lib = dir.join("primes.a");
    common::run_ok(
        Command::new(common::wacc())
            .arg("compile")
            .arg(root().join("examples/primes/primes.wat"))
            .arg("-o")
            .arg(&lib)
            .args(["--emit", "static", "--prefix", "primes", "--header"])
            .arg(dir.join("primes.h")),
        "wacc compile --header",
        "",
    );
    let host = dir.join("host.c");
    std::fs::write(
        &host,
        r#"#include <stdio.h>
#include "primes.h"
static uint32_t reports = 0;
void primes_import_host_report(void *caller, uint32_t n, uint32_t count) {
    (void)caller;
    reports++;
    printf("report %u %u\n", n, count);
}
int main(void) {
    WaccStore *store = wacc_rt_store_new();
    primes_instance *inst = NULL;
    uint32_t count = 0, value = 0;
    if (primes_instantiate(store, NULL, 0, &inst)) return 2;
    if (primes_count_primes(inst, 100, &count)) return 3;
    printf("count %u reports %u\n", count, reports);
    printf("read trap %u\n", primes_read(inst, 16 * 65536, &value));
    wacc_rt_instance_free(inst);
    wacc_rt_store_free(store);
    return 0;
}
"#,
    )
    .unwrap();
    let exe = dir.join("primes");
    link_c_host(&host, &lib, &exe, &[&dir]);
    let out = Command::new(&exe).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "host failed: {stdout}");
    assert_eq!(
        stdout, "report 100 25\ncount 25 reports 1\nread trap 2\n",
        "primes through its header"
    );
}

/// A Rust wasm32-wasip2 library with a custom world (tests/components/world:
/// strings, lists, a record, a variant, an option, a result, an enum,
/// flags, a resource it exports, a list of borrows, a resource and
/// functions the host defines) driven by tests/components/world_host.c
/// through its generated header: the host writes only the imports.
#[test]
fn rust_world_through_header() {
    let dir = common::scratch("generated-headers", "world");
    let target_dir = common::profile_dir().parent().unwrap().join("world-guest");
    common::cargo_build_guest(
        &root().join("tests/components/world/Cargo.toml"),
        "wasm32-wasip2",
        &target_dir,
    );
    let wasm = target_dir.join("wasm32-wasip2/release/demo_world.wasm");
    let lib = dir.join("demo.a");
    common::run_ok(
        Command::new(common::wacc())
            .arg("compile")
            .arg(&wasm)
            .arg("-o")
            .arg(&lib)
            .args(["--emit", "static", "--prefix", "demo", "--header"])
            .arg(dir.join("demo.h")),
        "wacc compile --header (world)",
        "",
    );
    let exe = dir.join("world");
    let components = root().join("tests/components");
    link_c_host(
        &components.join("world_host.c"),
        &lib,
        &exe,
        &[&dir, &components],
    );
    let out = Command::new(&exe).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the host reported failures:\n{}\nstdout:\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.ends_with("ok\n"), "{stdout}");
    assert!(stdout.contains("greet = hello, Ada #100"), "{stdout}");
}
