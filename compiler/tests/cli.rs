//! The command line: exit codes and messages.

use std::process::Command;

fn wacc(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wacc"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("wacc-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(wacc(&[]).0, 2);
    assert_eq!(wacc(&["compile"]).0, 2);
    assert_eq!(wacc(&["frobnicate"]).0, 2);
    let (code, _) = wacc(&["compile", "x.wasm", "-o", "x.o", "--bounds-checks", "maybe"]);
    assert_eq!(code, 2);
}

#[test]
fn malformed_input_exits_1_with_offset() {
    let p = temp("bad.wasm", b"\0asm\x01\0\0\0\x01\x05\xff\xff\xff\xff\x0f");
    let out = p.with_extension("o");
    let (code, err) = wacc(&["compile", p.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("offset 0x"), "no offset in: {err}");
    assert!(!out.exists(), "an output was written for a bad module");
}

#[test]
fn invalid_text_exits_1_with_position() {
    let p = temp("bad.wat", b"(module (func (result i32) (i64.const 1)))");
    let (code, err) = wacc(&["compile", p.to_str().unwrap(), "-o", "/dev/null"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("type mismatch") && err.contains("function 0"),
        "{err}"
    );
}

#[test]
fn compiles_a_relocatable_object() {
    let p = temp(
        "ok.wat",
        b"(module (func (export \"f\") (result i32) (i32.const 42)))",
    );
    let out = p.with_extension("o");
    let (code, err) = wacc(&["compile", p.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let obj = std::fs::read(&out).unwrap();
    assert_eq!(&obj[..4], b"\x7fELF");
    assert_eq!(u16::from_le_bytes([obj[16], obj[17]]), 1, "not ET_REL");
}

#[test]
fn unknown_target_is_refused() {
    let p = temp("t.wat", b"(module)");
    let (code, err) = wacc(&[
        "compile",
        p.to_str().unwrap(),
        "-o",
        "/dev/null",
        "--target",
        "mips-unknown-linux-gnu",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("not supported"), "{err}");
}

#[test]
fn executables_run_start_and_report_traps_and_missing_imports() {
    let wat = temp(
        "exe.wat",
        br#"(module
          (import "host" "print" (func $print (param i32)))
          (func (export "_start") (call $print (i32.const 42)) (unreachable)))"#,
    );
    let host = temp(
        "host.c",
        b"#include <stdio.h>\nvoid wacc_import_4_host_print(void *vmctx, int v) { printf(\"print: %d\\n\", v); }\n",
    );
    let exe = wat.with_extension("exe");
    let (code, err) = wacc(&[
        "compile",
        wat.to_str().unwrap(),
        "-o",
        exe.to_str().unwrap(),
        "--emit",
        "exe",
        "--link",
        host.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let out = Command::new(&exe).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "print: 42\n");
    assert_eq!(out.status.code(), Some(134));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unreachable"));

    // Without the host object the import stays unresolved: reported by name.
    let (code, err) = wacc(&[
        "compile",
        wat.to_str().unwrap(),
        "-o",
        exe.to_str().unwrap(),
        "--emit",
        "exe",
    ]);
    assert_eq!(code, 0, "{err}");
    let out = Command::new(&exe).output().unwrap();
    assert_eq!(out.status.code(), Some(70));
    assert!(String::from_utf8_lossy(&out.stderr).contains("host::print"));
}

/// `wacc wast`: one line per file, the totals, exit 1 if anything failed.
#[test]
fn wast_reports_per_file_and_fails_on_a_failure() {
    let module = "(module (func (export \"f\") (result i32) i32.const 7))\n";
    let good = temp(
        "good.wast",
        format!("{module}(assert_return (invoke \"f\") (i32.const 7))\n").as_bytes(),
    );
    let bad = temp(
        "bad.wast",
        format!("{module}(assert_return (invoke \"f\") (i32.const 8))\n").as_bytes(),
    );
    let run = |files: &[&std::path::Path]| {
        let out = Command::new(env!("CARGO_BIN_EXE_wacc"))
            .arg("wast")
            .args(files)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = run(&[&good]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with(&format!("ok   {} (2 passed)\n", good.display())),
        "{out}"
    );
    assert!(out.ends_with("2 passed, 0 failed, 0 skipped\n"), "{out}");
    let (code, out) = run(&[&good, &bad]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("FAIL {} (1 passed, 1 failed)\n", bad.display())),
        "{out}"
    );
    assert!(out.ends_with("3 passed, 1 failed, 0 skipped\n"), "{out}");
}
