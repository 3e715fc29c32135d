//! Compiles calls.wat with wacc (`--emit static`: the component's object and
//! runtime-support in one archive), and again under each interception
//! policy of policies/, and links them into the crate.
//! wacc is `$WACC`, else target/release/wacc of the repository.
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = here.join("../..").canonicalize().unwrap();
    let wacc = std::env::var_os("WACC")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/release/wacc"));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let wat = here.join("calls.wat");
    // The plain component with runtime-support (one archive), then the
    // same component under each policy of policies/ as objects only, with
    // their own prefixes, archived together.
    let lib = out.join("libwacc_calls.a");
    compile(&wacc, &wat, &lib, &["--emit", "static", "--prefix", "calls"]);
    let mut objects = vec![];
    for policy in POLICIES {
        let o = out.join(format!("calls_{policy}.o"));
        let p = here.join(format!("policies/{policy}.toml"));
        let prefix = format!("calls_{policy}");
        compile(
            &wacc,
            &wat,
            &o,
            &["--prefix", &prefix, "--policy", p.to_str().unwrap()],
        );
        println!("cargo:rerun-if-changed={}", p.display());
        objects.push(o);
    }
    let hooked = out.join("libwacc_calls_policies.a");
    let _ = std::fs::remove_file(&hooked);
    let status = Command::new("ar")
        .arg("crs")
        .arg(&hooked)
        .args(&objects)
        .status()
        .expect("running ar");
    assert!(status.success(), "ar failed");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=wacc_calls_policies");
    println!("cargo:rustc-link-lib=static=wacc_calls");
    println!("cargo:rerun-if-changed={}", wat.display());
    println!("cargo:rerun-if-changed={}", wacc.display());
    println!("cargo:rerun-if-env-changed=WACC");
}

/// policies/NAME.toml, each compiled in with prefix `calls_NAME`.
const POLICIES: &[&str] = &["stats", "time", "hook"];

fn compile(wacc: &std::path::Path, wat: &std::path::Path, out: &std::path::Path, args: &[&str]) {
    let status = Command::new(wacc)
        .arg("compile")
        .arg(wat)
        .arg("-o")
        .arg(out)
        .args(args)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "running {}: {e} (build it: cargo build --release -p wacc)",
                wacc.display()
            )
        });
    assert!(status.success(), "wacc compile {} failed", wat.display());
}
