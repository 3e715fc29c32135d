//! Composed components end to end: tests/components/composed.wat (a root
//! that instantiates two nested components, `$Lib` and `$App`, passing
//! strings, a list of records and a resource between them) is compiled by
//! `wacc compile --emit static`, linked with the C host
//! tests/components/host.c, and run. The host checks every result and trap
//! code itself (exit status 1 on a failed check); its stdout is compared
//! with tests/components/expected.txt. `WACC_BLESS=1` rewrites that file.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{root, run_ok, wacc};

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("component-tests", name)
}

/// Compiles tests/components/NAME.wat to a static library and its header
/// (DIR/NAME.h, which the host includes) and links the library with the C
/// host tests/components/HOST into DIR/NAME.
fn build(name: &str, host: &str, dir: &Path, options: &[&str]) -> PathBuf {
    build_from(&root().join("tests/components"), name, host, dir, options)
}

/// [`build`] with the sources in `src`.
fn build_from(src: &Path, name: &str, host: &str, dir: &Path, options: &[&str]) -> PathBuf {
    let lib = dir.join(format!("{name}.a"));
    run_ok(
        Command::new(wacc())
            .arg("compile")
            .arg(src.join(format!("{name}.wat")))
            .arg("-o")
            .arg(&lib)
            .args(["--emit", "static", "--prefix", name])
            .arg("--header")
            .arg(dir.join(format!("{name}.h")))
            .args(options),
        "wacc compile",
        "",
    );
    let exe = dir.join(name);
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    run_ok(
        Command::new(cc)
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I"])
            .arg(root().join("runtime-support/include"))
            .arg("-I")
            .arg(dir)
            .arg("-o")
            .arg(&exe)
            .arg(src.join(host))
            .arg(&lib)
            .args(["-lpthread", "-ldl", "-lm"]),
        "cc (linking the C host)",
        "",
    );
    exe
}

/// Lines the host must print, checked independently of expected.txt: values
/// computed across the App -> Lib boundary and the trap codes the host saw.
const MUST_SEE: &[&str] = &[
    "log[1]: hello, world",
    "run(world) = hello, world; total=13; counter=13; drops=2; last=101",
    "run(Ada Lovelace) = hello, Ada Lovelace; total=0; counter=13; drops=4; last=101",
    "run(many) = hello, many; total=920; counter=13; drops=6; last=101",
    "greet(root) = hello, root",
    "greet-raw(16, 8) = hello, ; total=",
    "run(\"\"): trap 1 (unreachable)",
    "run(again) = hello, again; total=3; counter=13; drops=2; last=101",
    "greet(\"\"): trap 1 (unreachable)",
    "greet-raw(65530, 100): trap 19 (string content out-of-bounds)",
    "greet-raw(80, 2): trap 21 (invalid utf-8)",
    "run with failing log: trap 7 (integer divide by zero)",
    "ok",
];

/// The scratch directory of `check(name, options)`, named by the options'
/// letters (for a policy: its file stem).
fn scratch_of_check(name: &str, options: &[&str]) -> PathBuf {
    let tag: String = options
        .iter()
        .map(|o| {
            Path::new(o)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or(o)
        })
        .collect::<String>()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    common::profile_dir()
        .join("component-tests")
        .join(format!("{name}{tag}"))
}

fn check(name: &str, options: &[&str]) {
    let dir = scratch_of_check(name, options);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("target")).unwrap();
    let exe = build(name, "host.c", &dir, options);
    let out = Command::new(&exe)
        .current_dir(&dir)
        .env_clear()
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let expected = root().join("tests/components/expected.txt");
    if std::env::var_os("WACC_BLESS").is_some() && out.status.success() {
        std::fs::write(&expected, &stdout).unwrap();
    }
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name} {options:?}: the host reported failures:\n{stderr}\nstdout:\n{stdout}"
    );
    let want = std::fs::read_to_string(&expected)
        .unwrap_or_else(|e| panic!("{}: {e}", expected.display()));
    assert_eq!(
        stdout, want,
        "{name} {options:?}: stdout differs (stderr: {stderr})"
    );
    for line in MUST_SEE {
        assert!(
            stdout.lines().any(|l| l == *line),
            "{name} {options:?}: missing line `{line}` in:\n{stdout}"
        );
    }
}

#[test]
fn composed_guard() {
    check("composed", &[]);
}

#[test]
fn composed_explicit_bounds() {
    check("composed", &["--bounds-checks=explicit"]);
}

/// The same results with every crossing intercepted (a pass-through hook,
/// statistics, and a log line each): strings, lists of records and
/// resources through the hooked, host-relayed path.
#[test]
fn composed_intercepted() {
    for policy in ["hook-stats", "log"] {
        let p = root().join(format!("tests/policies/{policy}.toml"));
        check("composed", &["--policy", p.to_str().unwrap()]);
    }
    // log.toml writes target/policy-log.txt under the working directory.
    let log = scratch_of_check("composed", &["--policy", "log"]).join("target/policy-log.txt");
    let log = std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    for want in [
        "[wacc] internal c",
        "[wacc] resource c",
        "[resource-drop]",
        "[wacc] export host -> c",
    ] {
        assert!(log.contains(want), "no `{want}` in the log:\n{log}");
    }
}

/// tests/intercept/demo.wat under tests/intercept/policy.toml with the C
/// host tests/intercept/host.c: a hook rewriting arguments and results and
/// refusing a call, a denial trapping with the rule's name and one
/// returning an error value, statistics through the C API, and the log.
#[test]
fn intercepted_demo() {
    let dir = scratch("intercept");
    let src = root().join("tests/intercept");
    let policy = src.join("policy.toml");
    let exe = build_from(
        &src,
        "demo",
        "host.c",
        &dir,
        &["--policy", policy.to_str().unwrap()],
    );
    let out = Command::new(&exe)
        .current_dir(&dir)
        .env_clear()
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the host reported failures:\n{}\nstdout:\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "run(5) = 1110 (code 0)",
        "shout(hi there) = HOOKED (code 0)",
        "open = err 0 (code 0), host reached: 0",
        "site 3: c2 -> c1 scale: calls 1 returns 1 bytes 8 timed 1",
        "run(13): code 44, last error: refused by the hook (code 77): export host -> c2 run",
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "missing `{line}` in:\n{stdout}"
        );
    }
    assert!(
        stdout.contains(
            "secret: code 43, host reached: 0, last error: import c2 -> host read-secret: \
             denied by "
        ),
        "{stdout}"
    );
    let log = std::fs::read_to_string(dir.join("intercept.log")).unwrap();
    let lines: Vec<&str> = log
        .lines()
        .map(|l| l.rsplit_once(" (").map_or(l, |p| p.0))
        .collect();
    for want in [
        "[wacc] import c2 -> host double(x: 5) -> 10",
        "[wacc] internal c2 -> c1 scale(x: 11) -> 1110",
        "[wacc] export host -> c2 run(x: 5) -> 1110",
        "[wacc] internal c2 -> c1 echo(s: \"hi there\") -> \"hi there\"",
        "[wacc] export host -> c2 shout(s: \"hi there\") -> \"HOOKED\"",
        "[wacc] export host -> c2 open(path: \"hi there\") -> err(access)",
    ] {
        assert!(lines.contains(&want), "missing `{want}` in the log:\n{log}");
    }
    assert!(
        log.contains("[wacc] import c2 -> host read-secret denied by "),
        "{log}"
    );
}

/// Component-level values: tests/components/values.wat imports values the C
/// host tests/components/values_host.c defines as data symbols, and its
/// `start` makes a value the host reads back (two instances, each with its
/// own values).
#[test]
fn start_with_values() {
    let dir = scratch("values");
    let exe = build("values", "values_host.c", &dir, &[]);
    let out = Command::new(&exe)
        .env_clear()
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the host reported failures:\n{}\nstdout:\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout,
        "greeting = hello, Ada (en-GB)\nport = 8080\nstarts = 1\nok\n"
    );
}

/// The host boundary: tests/components/boundary.wat driven by
/// tests/components/boundary_host.c (borrows an export passes on to the host
/// or to another component and then drops, handles the host drops, what
/// freeing a context releases, user data, host errors, NULL arguments, an
/// unresolved import named in the last error).
#[test]
fn host_boundary() {
    let dir = scratch("boundary");
    let exe = build("boundary", "boundary_host.c", &dir, &[]);
    let out = Command::new(&exe)
        .env_clear()
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the host reported failures:\n{}\nstdout:\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout,
        "borrows: f(41)=42 f(7)=8 (nested call ok) g=99\n\
         host drops: 200000 constructions, handle 1 every time\n\
         free: 2 destructors + 1 host drop; poisoned: 0 + 1\n\
         host error: check: zero is not allowed\n\
         missing: unresolved import demo:x/y@0.1.0#f\n\
         g(5): unknown handle index (handle 5)\n\
         NULL arguments: refused\n\
         ok\n"
    );
}

/// Constructing and dropping a resource from the host in a loop keeps
/// memory flat (freed handle slots are reused); keeping every handle does
/// not. Peak RSS growth (KiB) over 200,000 constructions, from the host's
/// `getrusage`.
#[test]
fn host_drops_keep_memory_flat() {
    let dir = scratch("boundary-loop");
    let exe = build("boundary", "boundary_host.c", &dir, &[]);
    let growth = |mode: &str| -> i64 {
        let out = Command::new(&exe)
            .args(["loop", "200000", mode])
            .env_clear()
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "loop {mode}: {stdout}");
        // "N constructions (M): peak RSS A KiB (B KiB before)"
        let nums: Vec<i64> = stdout
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|w| w.parse().ok())
            .collect();
        assert_eq!(nums.len(), 3, "{stdout}");
        nums[1] - nums[2]
    };
    let dropped = growth("drop");
    let kept = growth("keep");
    assert!(dropped < 1024, "dropping: peak RSS grew by {dropped} KiB");
    assert!(
        kept > dropped + 2048,
        "keeping 200000 handles grew by {kept} KiB only (dropping: {dropped} KiB)"
    );
}
