//! Runs the example host and compares its output with expected.txt
//! (`WACC_BLESS=1` rewrites that file). The host checks nothing itself: it
//! prints what every export returned, so the comparison is the check.

use std::path::Path;
use std::process::Command;

#[test]
fn host_output() {
    let out = Command::new(env!("CARGO_BIN_EXE_rust-host"))
        .output()
        .expect("running rust-host");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "rust-host failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = Path::new(env!("CARGO_MANIFEST_DIR")).join("expected.txt");
    if std::env::var_os("WACC_BLESS").is_some() {
        std::fs::write(&expected, stdout.as_bytes()).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&expected).unwrap();
    assert_eq!(stdout, want, "rust-host output differs from expected.txt");
    // What the import glue and the handles did, independently of the file.
    for line in [
        "log: hello, world from rust-host",
        "greet: hello, world from rust-host",
        "total: 7",
        "drops after dropping a: 1",
        "drops after releasing b: 2",
        "roll in 1..=6: true",
        "log calls: Some(1)",
        "counter 99: wasm trap 27: unknown handle index",
        "after a trap: wasm trap 26: cannot enter component instance",
        "greet(panic): wasm trap 1: unreachable",
    ] {
        assert!(stdout.lines().any(|l| l == line), "missing line: {line}");
    }
}
