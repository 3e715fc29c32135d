//! Helpers shared by the end-to-end tests: where the repository, the built
//! `wacc` and scratch directories are, and running commands that must
//! succeed.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `target/<profile>/`: test executables live in its `deps/`.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

/// The `wacc` executable of this build.
pub fn wacc() -> PathBuf {
    let w = profile_dir().join("wacc");
    assert!(
        w.exists(),
        "{} not found: build it first (`cargo build --release`)",
        w.display()
    );
    w
}

/// A fresh scratch directory `<group>/<name>` for one test.
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let d = profile_dir().join(group).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `cmd`, failing the test with its output (and `hint`) unless it succeeds.
pub fn run_ok(cmd: &mut Command, what: &str, hint: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}. {hint}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}{}",
        hint,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Builds the Rust guest crate at `manifest` for wasm `target` into
/// `target_dir` (`cargo build --release --locked`), without the flags of
/// the cargo running the tests.
pub fn cargo_build_guest(manifest: &Path, target: &str, target_dir: &Path) {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(["build", "--release", "--locked", "--target", target])
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--target-dir")
        .arg(target_dir);
    for v in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        cmd.env_remove(v);
    }
    run_ok(
        &mut cmd,
        &format!("cargo build --target {target} ({})", manifest.display()),
        &format!("Install the target: `rustup target add {target}`."),
    );
}

/// The components of the Component Model testsuite's `values/` and
/// `resources/` scripts (those the scripts define, without async ones), as
/// (origin, symbol prefix, binary); scripts that cannot be read are added
/// to `failures`.
pub fn testsuite_components(failures: &mut Vec<String>) -> Vec<(String, String, Vec<u8>)> {
    let dir = wacc_tests::shared("testsuite/component-model/test");
    let mut out = vec![];
    for sub in ["values", "resources"] {
        let d = dir.join(sub);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "wast"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            match wacc_wast::script_components(&text) {
                Ok(components) => {
                    for (m, wasm) in components {
                        let stem = f.file_stem().unwrap().to_string_lossy().replace('-', "_");
                        out.push((
                            format!("{} module {m}", f.display()),
                            format!("{stem}_{m}"),
                            wasm,
                        ));
                    }
                }
                Err(e) => failures.push(format!("{}: {e}", f.display())),
            }
        }
    }
    out
}
