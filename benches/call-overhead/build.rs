//! Compiles calls.wat with wacc (`--emit static`: the component's object and
//! runtime-support in one archive) and links it into the crate.
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
    let lib = out.join("libwacc_calls.a");
    let status = Command::new(&wacc)
        .arg("compile")
        .arg(&wat)
        .arg("-o")
        .arg(&lib)
        .args(["--emit", "static", "--prefix", "calls"])
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "running {}: {e} (build it: cargo build --release -p wacc)",
                wacc.display()
            )
        });
    assert!(status.success(), "wacc compile {} failed", wat.display());
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=wacc_calls");
    println!("cargo:rerun-if-changed={}", wat.display());
    println!("cargo:rerun-if-changed={}", wacc.display());
    println!("cargo:rerun-if-env-changed=WACC");
}
