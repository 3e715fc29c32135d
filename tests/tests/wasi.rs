//! WASI preview1 end to end: guest programs in Rust (built for
//! wasm32-wasip1 here, from tests/programs/rust) and C (clang + wasi-libc,
//! tests/programs/c) go through `wacc build` / `wacc run`; stdout and the
//! exit status are compared with tests/programs/expected/NAME.{stdout,status}.
//! A missing toolchain fails the test with what to install.
//! `WACC_BLESS=1` rewrites the expected files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

mod common;
use common::{profile_dir, root, run_ok, wacc};

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("wasi-tests", name)
}

/// Directory of the Rust guests' .wasm files (built once per test run).
fn rust_guests() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let target_dir = profile_dir().parent().unwrap().join("wasi-guests");
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args([
            "build",
            "--release",
            "--locked",
            "--target",
            "wasm32-wasip1",
        ])
        .arg("--manifest-path")
        .arg(root().join("tests/programs/rust/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir);
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
            "cargo build --target wasm32-wasip1 (tests/programs/rust)",
            "Install the target: `rustup target add wasm32-wasip1`.",
        );
        target_dir.join("wasm32-wasip1/release")
    })
}

fn rust_guest(name: &str) -> PathBuf {
    rust_guests().join(format!("{name}.wasm"))
}

/// Compiles tests/programs/c/NAME.c with clang and wasi-libc.
fn c_guest(name: &str, dir: &Path) -> PathBuf {
    let out = dir.join(format!("{name}.wasm"));
    let mut cmd = Command::new("clang");
    cmd.args(["--target=wasm32-wasi", "-O2"]);
    if let Some(s) = std::env::var_os("WASI_SYSROOT") {
        cmd.arg("--sysroot").arg(s);
    }
    cmd.arg(root().join(format!("tests/programs/c/{name}.c")))
        .arg("-o")
        .arg(&out);
    run_ok(
        &mut cmd,
        "clang --target=wasm32-wasi",
        "Install clang and wasi-libc: `apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32`.",
    );
    out
}

/// `wacc build WASM -o DIR/NAME OPTIONS...`
fn build(wasm: &Path, dir: &Path, name: &str, options: &[&str]) -> PathBuf {
    let exe = dir.join(name);
    run_ok(
        Command::new(wacc())
            .arg("build")
            .arg(wasm)
            .arg("-o")
            .arg(&exe)
            .args(options),
        "wacc build",
        "",
    );
    exe
}

/// Runs `cmd` with a clean environment plus `env`, `stdin` as input.
fn run(mut cmd: Command, stdin: &[u8], env: &[(&str, &str)]) -> Output {
    use std::io::Write;
    cmd.env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("cannot start the program");
    let mut input = child.stdin.take().unwrap();
    // Written from a thread: the program's output may fill its pipe first.
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// Compares stdout and the exit status with the expected files of `name`.
fn expect(name: &str, out: &Output) {
    let dir = root().join("tests/programs/expected");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let status = out
        .status
        .code()
        .map_or("signal".to_string(), |c| c.to_string());
    let (so, st) = (
        dir.join(format!("{name}.stdout")),
        dir.join(format!("{name}.status")),
    );
    if std::env::var_os("WACC_BLESS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&so, &stdout).unwrap();
        std::fs::write(&st, format!("{status}\n")).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&so).unwrap_or_else(|e| panic!("{}: {e}", so.display()));
    let want_status =
        std::fs::read_to_string(&st).unwrap_or_else(|e| panic!("{}: {e}", st.display()));
    assert_eq!(
        stdout,
        want,
        "{name}: stdout differs (stderr: {})",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        status,
        want_status.trim(),
        "{name}: exit status differs (stderr: {})",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn rust_hello_args_env() {
    let d = scratch("rust_hello");
    let exe = build(
        &rust_guest("hello"),
        &d,
        "hello",
        &[
            "--env",
            "GREETING=hello",
            "--env",
            "FROM_HOST",
            "--env",
            "ABSENT",
        ],
    );
    let mut cmd = Command::new(&exe);
    cmd.args(["one", "two words", "--three"]);
    let env = [("FROM_HOST", "inherited"), ("SECRET", "must not leak")];
    expect("rust_hello", &run(cmd, b"", &env));
    // Run-time options add to and win over the baked-in ones; `--wacc--`
    // ends them.
    let mut cmd = Command::new(&exe);
    cmd.args([
        "--wacc-env=GREETING=overridden",
        "--wacc-env",
        "SECRET",
        "--wacc--",
        "--wacc-env",
        "x",
    ]);
    expect("rust_hello_runtime_options", &run(cmd, b"", &env));
}

#[test]
fn rust_stdin_filter() {
    let d = scratch("rust_filter");
    let exe = build(&rust_guest("filter"), &d, "filter", &[]);
    let input = "first line\nsecond: ünïcode\n\nlast without newline";
    expect(
        "rust_filter",
        &run(Command::new(&exe), input.as_bytes(), &[]),
    );
}

/// Large input and output (many reads and writes, pipes filling up): the
/// expected output is computed here.
#[test]
fn rust_stdin_filter_large() {
    let d = scratch("rust_filter_large");
    let exe = build(&rust_guest("filter"), &d, "filter", &[]);
    let n = 50_000;
    let input: String = (0..n).map(|i| format!("line {i} of the input\n")).collect();
    let mut want: String = (0..n)
        .map(|i| format!("{}: LINE {i} OF THE INPUT\n", i + 1))
        .collect();
    want.push_str(&format!("{n} lines\n"));
    let out = run(Command::new(&exe), input.as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout) == want,
        "output differs"
    );
}

#[test]
fn rust_exit_codes() {
    let d = scratch("rust_exit");
    let exe = build(&rust_guest("exit"), &d, "exit", &[]);
    for code in ["0", "7", "255"] {
        let mut cmd = Command::new(&exe);
        cmd.arg(code);
        let out = run(cmd, b"", &[]);
        expect(&format!("rust_exit_{code}"), &out);
        assert_eq!(stderr(&out), "to stderr\n");
    }
}

#[test]
fn rust_panic_traps() {
    let d = scratch("rust_panic");
    let exe = build(&rust_guest("panic"), &d, "panic", &[]);
    let out = run(Command::new(&exe), b"", &[]);
    expect("rust_panic", &out);
    let err = stderr(&out);
    assert!(err.contains("index out of bounds"), "stderr: {err}");
    assert!(err.contains("wasm trap"), "stderr: {err}");
    assert!(err.contains("unreachable"), "stderr: {err}");
    assert!(err.contains("wasm function"), "stderr: {err}");
}

#[test]
fn c_memory_trap_names_function() {
    let d = scratch("c_trap");
    let wasm = c_guest("trap", &d);
    for mode in ["guard", "explicit"] {
        let exe = build(&wasm, &d, mode, &["--bounds-checks", mode]);
        let out = run(Command::new(&exe), b"", &[]);
        expect("c_trap", &out);
        let err = stderr(&out);
        assert!(err.contains("out of bounds memory access"), "{mode}: {err}");
        assert!(err.contains("`poke`"), "{mode}: {err}");
    }
}

#[test]
fn rust_clocks_random() {
    let d = scratch("rust_clocks");
    let exe = build(&rust_guest("clocks"), &d, "clocks", &[]);
    expect("rust_clocks", &run(Command::new(&exe), b"", &[]));
}

#[test]
fn rust_json_sha256() {
    let d = scratch("rust_json");
    let exe = build(&rust_guest("json"), &d, "json", &[]);
    expect("rust_json", &run(Command::new(&exe), b"", &[]));
}

/// `sandbox/` (preopened) with a file, a symlink inside and symlinks
/// leading out; `outside/secret.txt` next to it.
fn sandbox(d: &Path) -> PathBuf {
    use std::os::unix::fs::symlink;
    let sb = d.join("sandbox");
    std::fs::create_dir_all(sb.join("inner")).unwrap();
    std::fs::create_dir_all(d.join("outside")).unwrap();
    std::fs::write(sb.join("inner/file.txt"), "inside\n").unwrap();
    std::fs::write(d.join("outside/secret.txt"), "secret\n").unwrap();
    symlink("inner", sb.join("good_link")).unwrap();
    symlink(
        d.join("outside").canonicalize().unwrap(),
        sb.join("abs_escape"),
    )
    .unwrap();
    symlink("../outside", sb.join("rel_escape")).unwrap();
    symlink("inner/../../outside", sb.join("deep_escape")).unwrap();
    sb
}

fn outside_untouched(d: &Path) {
    let mut names: Vec<_> = std::fs::read_dir(d.join("outside"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["secret.txt"]);
    assert_eq!(
        std::fs::read_to_string(d.join("outside/secret.txt")).unwrap(),
        "secret\n"
    );
}

#[test]
fn rust_files_and_sandbox() {
    let d = scratch("rust_files");
    let sb = sandbox(&d);
    let dir = format!("{}::/sandbox", sb.display());
    let exe = build(&rust_guest("files"), &d, "files", &["--dir", &dir]);
    expect("rust_files", &run(Command::new(&exe), b"", &[]));
    outside_untouched(&d);
}

#[test]
fn c_hello_stdin_exit() {
    let d = scratch("c_hello");
    let exe = build(&c_guest("hello", &d), &d, "hello", &["--env", "GREETING"]);
    let mut cmd = Command::new(&exe);
    cmd.args(["3", "second"]);
    let out = run(
        cmd,
        b"some input\nmore\n",
        &[("GREETING", "hi"), ("PATH", "/bin")],
    );
    expect("c_hello", &out);
}

#[test]
fn c_files_and_sandbox() {
    let d = scratch("c_files");
    let sb = sandbox(&d);
    let exe = build(&c_guest("files", &d), &d, "files", &[]);
    // The preopen given at run time only.
    let mut cmd = Command::new(&exe);
    cmd.arg(format!("--wacc-dir={}::/data", sb.display()));
    expect("c_files", &run(cmd, b"", &[]));
    outside_untouched(&d);
}

#[test]
fn wacc_run_caches_and_propagates_status() {
    let d = scratch("wacc_run");
    let cache = d.join("cache");
    // PATH for the C compiler `wacc run` links with; the program does not see it.
    let path = std::env::var("PATH").unwrap_or_default();
    let env = [
        ("XDG_CACHE_HOME", cache.to_str().unwrap()),
        ("PATH", path.as_str()),
    ];
    for _ in 0..2 {
        let mut cmd = Command::new(wacc());
        cmd.args(["run", "--env", "GREETING=from run"])
            .arg(rust_guest("hello"))
            .args(["x", "--env", "y"]);
        expect("wacc_run_hello", &run(cmd, b"", &env));
    }
    let mut cmd = Command::new(wacc());
    cmd.arg("run").arg(rust_guest("exit")).arg("42");
    let out = run(cmd, b"", &env);
    assert_eq!(out.status.code(), Some(42), "stderr: {}", stderr(&out));
    // One cached executable per module.
    assert_eq!(std::fs::read_dir(cache.join("wacc")).unwrap().count(), 2);
}

#[test]
fn build_rejects_components_and_bad_preopens() {
    let d = scratch("rejects");
    let comp = d.join("component.wasm");
    std::fs::write(&comp, b"\0asm\x0d\0\x01\0").unwrap();
    let out = Command::new(wacc())
        .arg("build")
        .arg(&comp)
        .arg("-o")
        .arg(d.join("x"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("component"), "{}", stderr(&out));
    let exe = build(
        &rust_guest("hello"),
        &d,
        "hello",
        &["--dir", "/nonexistent-wacc-dir"],
    );
    let out = run(Command::new(&exe), b"", &[]);
    assert_eq!(out.status.code(), Some(70));
    assert!(
        stderr(&out).contains("/nonexistent-wacc-dir"),
        "{}",
        stderr(&out)
    );
}
