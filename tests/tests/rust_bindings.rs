//! Generated Rust bindings (`wacc compile --rust-bindings`) compile cleanly:
//! for every component with root function exports in the Component Model
//! testsuite's `values/` and `resources/` scripts, the components of
//! tests/components and tests/rust-bindings (a resource the host defines)
//! and the example examples/rust-host, the bindings are
//! generated and checked by rustc under `#![deny(warnings)]`, as edition
//! 2021 and 2024 (the layout assertions are evaluated there). Running
//! them is examples/rust-host's test.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use wacc::component::bindings_rust::{rust_bindings_of, RustOptions};

mod common;
use common::root;

struct Case {
    origin: String,
    prefix: String,
    text: String,
}

fn bindings(wasm: &[u8], prefix: &str) -> Result<String, String> {
    rust_bindings_of(wasm, prefix, &RustOptions::default()).map_err(|e| e.to_string())
}

fn testsuite_cases(failures: &mut Vec<String>) -> Vec<Case> {
    let mut cases = vec![];
    for (origin, prefix, wasm) in common::testsuite_components(failures) {
        match wacc::component::header::header_of(&wasm, &prefix) {
            Ok((_, 0)) => continue,
            Ok(_) => {}
            Err(e) => {
                failures.push(format!("{origin}: {e}"));
                continue;
            }
        }
        match bindings(&wasm, &prefix) {
            Ok(text) => cases.push(Case {
                origin,
                prefix,
                text,
            }),
            Err(e) => failures.push(format!("{origin}: {e}")),
        }
    }
    cases
}

fn own_cases() -> Vec<Case> {
    let mut out = vec![];
    for (path, prefix) in [
        ("tests/components/composed.wat", "composed"),
        ("tests/components/values.wat", "values"),
        ("examples/rust-host/demo.wat", "demo"),
        ("tests/rust-bindings/host_resource.wat", "host_resource"),
    ] {
        let wasm = wat::parse_file(root().join(path)).unwrap();
        out.push(Case {
            origin: path.to_string(),
            prefix: prefix.to_string(),
            text: bindings(&wasm, prefix).unwrap(),
        });
    }
    out
}

fn check(case: &Case, dir: &Path) -> Result<(), String> {
    let rs = dir.join(format!("{}.rs", case.prefix));
    std::fs::write(&rs, &case.text).unwrap();
    let lib = dir.join(format!("{}_lib.rs", case.prefix));
    std::fs::write(
        &lib,
        format!("#![deny(warnings)]\ninclude!(\"{}.rs\");\n", case.prefix),
    )
    .unwrap();
    for edition in ["2021", "2024"] {
        let out = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .args([
                "--edition",
                edition,
                "--crate-type",
                "lib",
                "--emit=metadata",
            ])
            .arg("--crate-name")
            .arg(format!("b_{}", case.prefix))
            .arg("--out-dir")
            .arg(dir.join(edition))
            .arg(&lib)
            .output()
            .map_err(|e| format!("rustc: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{} (edition {edition}): {}\n(bindings: {})",
                case.origin,
                String::from_utf8_lossy(&out.stderr),
                rs.display()
            ));
        }
    }
    Ok(())
}

#[test]
fn generated_rust_bindings_compile() {
    let dir = common::scratch("rust-bindings", "all");
    let mut failures = vec![];
    let mut cases = testsuite_cases(&mut failures);
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
        "rust bindings: {} checked (editions 2021 and 2024): {from_suite} from the testsuite, {} of this repository; {} failures",
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
