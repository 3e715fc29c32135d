//! WASI end to end: guest programs in Rust (tests/programs/rust, built here
//! for wasm32-wasip1 as core modules and for wasm32-wasip2 as components;
//! the `p2_` tests) and C (clang + wasi-libc, tests/programs/c) go through
//! `wacc build` / `wacc run`; stdout and the exit status are compared with
//! tests/programs/expected/NAME.{stdout,status} (`p2_NAME` where a
//! component's output differs).
//! A missing toolchain fails the test with what to install.
//! `WACC_BLESS=1` rewrites the expected files.
//!
//! `WACC_TEST_TARGET=<triple>` builds the executables for another target
//! and runs them under qemu-user, against the same expected files: the
//! programs must behave identically on every target.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use wacc_targets::Target;

mod common;
use common::{profile_dir, root, run_ok, wacc};

/// A fresh scratch directory for one test (per target).
fn scratch(name: &str) -> PathBuf {
    let group = match test_target() {
        Some(t) => format!("wasi-tests-{}", t.triple),
        None => "wasi-tests".to_string(),
    };
    common::scratch(&group, name)
}

/// The target executables are built for: `WACC_TEST_TARGET`, else this machine.
fn test_target() -> Option<&'static Target> {
    static TARGET: OnceLock<Option<Target>> = OnceLock::new();
    TARGET
        .get_or_init(|| {
            let t = std::env::var("WACC_TEST_TARGET").ok()?;
            Some(Target::parse(&t).unwrap_or_else(|e| panic!("WACC_TEST_TARGET: {e}")))
        })
        .as_ref()
}

/// A command running the built executable `exe`: directly, or under
/// qemu-user for a foreign target.
fn program(exe: &Path) -> Command {
    program_for_cpu(exe, "baseline")
}

/// [`program`] for an executable built with `--cpu cpu`.
fn program_for_cpu(exe: &Path, cpu: &str) -> Command {
    let Some(target) = test_target() else {
        return Command::new(exe);
    };
    let target = target.clone().with_cpu(cpu).unwrap();
    match target.qemu_user() {
        Some((qemu, sysroot)) => {
            let mut cmd = Command::new(qemu);
            cmd.arg("-L").arg(sysroot);
            if let Some(cpu) = target.qemu_cpu() {
                cmd.args(["-cpu", cpu]);
            }
            cmd.arg(exe);
            cmd
        }
        None => Command::new(exe),
    }
}

/// Which WASI a Rust guest is built for: preview1 (a core module) or 0.2
/// (a component).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Abi {
    P1,
    P2,
}

impl Abi {
    fn target(self) -> &'static str {
        match self {
            Abi::P1 => "wasm32-wasip1",
            Abi::P2 => "wasm32-wasip2",
        }
    }

    /// Expected-output name: `p2_NAME` where a component's output differs
    /// (wasip2 `exit(err)` is status 1), else `NAME`.
    fn expected(self, name: &str) -> String {
        let p2 = format!("p2_{name}");
        let dir = root().join("tests/programs/expected");
        if self == Abi::P2 && dir.join(format!("{p2}.status")).exists() {
            p2
        } else {
            name.to_string()
        }
    }

    /// A scratch directory per test and ABI.
    fn scratch(self, name: &str) -> PathBuf {
        scratch(&format!("{name}_{}", self.target()))
    }
}

/// Directory of the Rust guests' .wasm files for `abi` (built once per test run).
fn rust_guests(abi: Abi) -> &'static Path {
    static DIRS: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    DIRS[abi as usize].get_or_init(|| {
        let target_dir = profile_dir().parent().unwrap().join("wasi-guests");
        common::cargo_build_guest(
            &root().join("tests/programs/rust/Cargo.toml"),
            abi.target(),
            &target_dir,
        );
        target_dir.join(abi.target()).join("release")
    })
}

fn rust_guest_for(abi: Abi, name: &str) -> PathBuf {
    rust_guests(abi).join(format!("{name}.wasm"))
}

fn rust_guest(name: &str) -> PathBuf {
    rust_guest_for(Abi::P1, name)
}

/// Compiles tests/programs/c/NAME.c with clang and wasi-libc.
fn c_guest(name: &str, dir: &Path) -> PathBuf {
    c_guest_with(name, dir, &[])
}

/// [`c_guest`] with more clang flags (for compiling).
///
/// Compiled with `-c`, then linked without an `-O` option: clang runs
/// `wasm-opt` (binaryen) after an optimizing link when it finds it on
/// PATH, and that drops the name section the trap messages read. The
/// guest is the same whether binaryen is installed or not.
fn c_guest_with(name: &str, dir: &Path, flags: &[&str]) -> PathBuf {
    let obj = dir.join(format!("{name}.o"));
    let out = dir.join(format!("{name}.wasm"));
    let clang = |configure: &dyn Fn(&mut Command)| {
        let mut cmd = Command::new("clang");
        cmd.arg("--target=wasm32-wasi");
        if let Some(s) = std::env::var_os("WASI_SYSROOT") {
            cmd.arg("--sysroot").arg(s);
        }
        configure(&mut cmd);
        run_ok(
            &mut cmd,
            "clang --target=wasm32-wasi",
            "Install clang and wasi-libc: `apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32`.",
        );
    };
    let src = root().join(format!("tests/programs/c/{name}.c"));
    clang(&|cmd| {
        cmd.arg("-O2")
            .args(flags)
            .arg("-c")
            .arg(&src)
            .arg("-o")
            .arg(&obj);
    });
    clang(&|cmd| {
        cmd.arg(&obj).arg("-o").arg(&out);
    });
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
            .args(options)
            .args(test_target().map(|t| format!("--target={}", t.rust_triple()))),
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

fn rust_hello_args_env_on(abi: Abi) {
    let d = abi.scratch("rust_hello");
    let exe = build(
        &rust_guest_for(abi, "hello"),
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
    let mut cmd = program(&exe);
    cmd.args(["one", "two words", "--three"]);
    let env = [("FROM_HOST", "inherited"), ("SECRET", "must not leak")];
    expect(&abi.expected("rust_hello"), &run(cmd, b"", &env));
    // Run-time options add to and win over the baked-in ones; `--wacc--`
    // ends them.
    let mut cmd = program(&exe);
    cmd.args([
        "--wacc-env=GREETING=overridden",
        "--wacc-env",
        "SECRET",
        "--wacc--",
        "--wacc-env",
        "x",
    ]);
    expect(
        &abi.expected("rust_hello_runtime_options"),
        &run(cmd, b"", &env),
    );
}

#[test]
fn rust_hello_args_env() {
    rust_hello_args_env_on(Abi::P1);
}

#[test]
fn p2_rust_hello_args_env() {
    rust_hello_args_env_on(Abi::P2);
}

fn rust_stdin_filter_on(abi: Abi) {
    let d = abi.scratch("rust_filter");
    let exe = build(&rust_guest_for(abi, "filter"), &d, "filter", &[]);
    let input = "first line\nsecond: ünïcode\n\nlast without newline";
    expect(
        &abi.expected("rust_filter"),
        &run(program(&exe), input.as_bytes(), &[]),
    );
}

#[test]
fn rust_stdin_filter() {
    rust_stdin_filter_on(Abi::P1);
}

#[test]
fn p2_rust_stdin_filter() {
    rust_stdin_filter_on(Abi::P2);
}

/// Large input and output (many reads and writes, pipes filling up): the
/// expected output is computed here.
fn rust_stdin_filter_large_on(abi: Abi) {
    let d = abi.scratch("rust_filter_large");
    let exe = build(&rust_guest_for(abi, "filter"), &d, "filter", &[]);
    let n = 50_000;
    let input: String = (0..n).map(|i| format!("line {i} of the input\n")).collect();
    let mut want: String = (0..n)
        .map(|i| format!("{}: LINE {i} OF THE INPUT\n", i + 1))
        .collect();
    want.push_str(&format!("{n} lines\n"));
    let out = run(program(&exe), input.as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout) == want,
        "output differs"
    );
}

#[test]
fn rust_stdin_filter_large() {
    rust_stdin_filter_large_on(Abi::P1);
}

#[test]
fn p2_rust_stdin_filter_large() {
    rust_stdin_filter_large_on(Abi::P2);
}

fn rust_exit_codes_on(abi: Abi) {
    let d = abi.scratch("rust_exit");
    let exe = build(&rust_guest_for(abi, "exit"), &d, "exit", &[]);
    for code in ["0", "7", "255"] {
        let mut cmd = program(&exe);
        cmd.arg(code);
        let out = run(cmd, b"", &[]);
        expect(&abi.expected(&format!("rust_exit_{code}")), &out);
        assert_eq!(stderr(&out), "to stderr\n");
    }
}

#[test]
fn rust_exit_codes() {
    rust_exit_codes_on(Abi::P1);
}

#[test]
fn p2_rust_exit_codes() {
    rust_exit_codes_on(Abi::P2);
}

fn rust_panic_traps_on(abi: Abi) {
    let d = abi.scratch("rust_panic");
    let exe = build(&rust_guest_for(abi, "panic"), &d, "panic", &[]);
    let out = run(program(&exe), b"", &[]);
    expect(&abi.expected("rust_panic"), &out);
    let err = stderr(&out);
    assert!(err.contains("index out of bounds"), "stderr: {err}");
    assert!(err.contains("wasm trap"), "stderr: {err}");
    assert!(err.contains("unreachable"), "stderr: {err}");
    assert!(err.contains("wasm function"), "stderr: {err}");
}

#[test]
fn rust_panic_traps() {
    rust_panic_traps_on(Abi::P1);
}

#[test]
fn p2_rust_panic_traps() {
    rust_panic_traps_on(Abi::P2);
}

#[test]
fn c_memory_trap_names_function() {
    let d = scratch("c_trap");
    let wasm = c_guest("trap", &d);
    for mode in ["guard", "explicit"] {
        let exe = build(&wasm, &d, mode, &["--bounds-checks", mode]);
        let out = run(program(&exe), b"", &[]);
        expect("c_trap", &out);
        let err = stderr(&out);
        assert!(err.contains("out of bounds memory access"), "{mode}: {err}");
        assert!(err.contains("`poke`"), "{mode}: {err}");
    }
}

fn rust_clocks_random_on(abi: Abi) {
    let d = abi.scratch("rust_clocks");
    let exe = build(&rust_guest_for(abi, "clocks"), &d, "clocks", &[]);
    expect(&abi.expected("rust_clocks"), &run(program(&exe), b"", &[]));
}

#[test]
fn rust_clocks_random() {
    rust_clocks_random_on(Abi::P1);
}

#[test]
fn p2_rust_clocks_random() {
    rust_clocks_random_on(Abi::P2);
}

fn rust_json_sha256_on(abi: Abi) {
    let d = abi.scratch("rust_json");
    let exe = build(&rust_guest_for(abi, "json"), &d, "json", &[]);
    expect(&abi.expected("rust_json"), &run(program(&exe), b"", &[]));
}

#[test]
fn rust_json_sha256() {
    rust_json_sha256_on(Abi::P1);
}

#[test]
fn p2_rust_json_sha256() {
    rust_json_sha256_on(Abi::P2);
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

fn rust_files_and_sandbox_on(abi: Abi) {
    let d = abi.scratch("rust_files");
    let sb = sandbox(&d);
    let dir = format!("{}::/sandbox", sb.display());
    let exe = build(&rust_guest_for(abi, "files"), &d, "files", &["--dir", &dir]);
    expect(&abi.expected("rust_files"), &run(program(&exe), b"", &[]));
    outside_untouched(&d);
}

#[test]
fn rust_files_and_sandbox() {
    rust_files_and_sandbox_on(Abi::P1);
}

#[test]
fn p2_rust_files_and_sandbox() {
    rust_files_and_sandbox_on(Abi::P2);
}

#[test]
fn c_hello_stdin_exit() {
    let d = scratch("c_hello");
    let exe = build(&c_guest("hello", &d), &d, "hello", &["--env", "GREETING"]);
    let mut cmd = program(&exe);
    cmd.args(["3", "second"]);
    let out = run(
        cmd,
        b"some input\nmore\n",
        &[("GREETING", "hi"), ("PATH", "/bin")],
    );
    expect("c_hello", &out);
}

/// 128-bit SIMD in a real program: wasm_simd128.h intrinsics and loops
/// clang vectorizes, each checked by the program against scalar code.
/// riscv64 needs the vector extension (`--cpu rv64gcv`).
#[test]
fn c_simd() {
    let d = scratch("c_simd");
    let wasm = c_guest_with("simd", &d, &["-msimd128"]);
    let riscv = test_target().is_some_and(|t| t.triple.to_string().starts_with("riscv64"));
    let cpu = if riscv { "rv64gcv" } else { "baseline" };
    for mode in ["guard", "explicit"] {
        let exe = build(&wasm, &d, mode, &["--bounds-checks", mode, "--cpu", cpu]);
        let out = run(program_for_cpu(&exe, cpu), b"", &[]);
        expect("c_simd", &out);
    }
}

#[test]
fn c_files_and_sandbox() {
    let d = scratch("c_files");
    let sb = sandbox(&d);
    let exe = build(&c_guest("files", &d), &d, "files", &[]);
    // The preopen given at run time only.
    let mut cmd = program(&exe);
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
    let out = run(program(&exe), b"", &[]);
    assert_eq!(out.status.code(), Some(70));
    assert!(
        stderr(&out).contains("/nonexistent-wacc-dir"),
        "{}",
        stderr(&out)
    );
}

/// A component importing what the host does not provide, or a malformed
/// one, fails at build time with the names / the offset.
#[test]
fn p2_build_names_missing_imports() {
    let d = scratch("p2_missing");
    let wat = d.join("app.wat");
    std::fs::write(
        &wat,
        r#"(component
  (import "wasi:nowhere/thing@0.2.3" (instance $i (export "frob" (func (param "x" u32)))))
  (import "also-missing" (func $m))
  (alias export $i "frob" (func $frob))
  (core func $frob' (canon lower (func $frob)))
  (core func $m' (canon lower (func $m)))
  (core module $M
    (import "" "frob" (func (param i32)))
    (import "" "m" (func))
    (func (export "run") (result i32) (i32.const 0)))
  (core instance $mi (instantiate $M (with "" (instance (export "frob" (func $frob')) (export "m" (func $m'))))))
  (func $run (result (result)) (canon lift (core func $mi "run")))
  (instance $r (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $r)))"#,
    )
    .unwrap();
    let out = Command::new(wacc())
        .arg("build")
        .arg(&wat)
        .arg("-o")
        .arg(d.join("app"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("wasi:nowhere/thing@0.2#frob"), "{err}");
    assert!(err.contains("also-missing"), "{err}");
    assert!(!d.join("app").exists());

    let bad = d.join("bad.wasm");
    std::fs::write(&bad, b"\0asm\x0d\0\x01\0\x07\x05\x01").unwrap();
    let out = Command::new(wacc())
        .arg("build")
        .arg(&bad)
        .arg("-o")
        .arg(d.join("bad"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("offset"), "{err}");
}

/// A WASI 0.2 program under a logging policy keeps its output and exit
/// status, and the log shows its `wasi:cli`, `wasi:io` and
/// `wasi:filesystem` calls; under a firewall denying `wasi:filesystem/*`
/// a program that reads files fails with the denial naming the rule,
/// while one that only prints still works.
#[test]
fn p2_policies_log_and_firewall() {
    let d = Abi::P2.scratch("policies");
    let sb = sandbox(&d);
    let dir = format!("{}::/sandbox", sb.display());
    let log = d.join("calls.log");
    let logging = d.join("log.toml");
    std::fs::write(
        &logging,
        format!(
            "[log]\nto = {:?}\n\n[[rule]]\nlog = true\n",
            log.display().to_string()
        ),
    )
    .unwrap();
    let exe = build(
        &rust_guest_for(Abi::P2, "files"),
        &d,
        "files-logged",
        &["--dir", &dir, "--policy", logging.to_str().unwrap()],
    );
    expect(
        &Abi::P2.expected("rust_files"),
        &run(program(&exe), b"", &[]),
    );
    outside_untouched(&d);
    let text = std::fs::read_to_string(&log).unwrap();
    for call in [
        "import c0 -> host wasi:cli/stdout@",
        "import c0 -> host wasi:io/streams@",
        "import c0 -> host wasi:filesystem/types@",
        "export host -> c0 wasi:cli/run@",
    ] {
        assert!(text.contains(call), "no `{call}` in the log:\n{text}");
    }

    let firewall = d.join("firewall.toml");
    std::fs::write(
        &firewall,
        "[[rule]]\ninterface = \"wasi:filesystem/*\"\naction = \"deny\"\n",
    )
    .unwrap();
    let fw = ["--policy", firewall.to_str().unwrap()];
    let exe = build(
        &rust_guest_for(Abi::P2, "files"),
        &d,
        "files-denied",
        &[&["--dir", &dir][..], &fw].concat(),
    );
    let out = run(program(&exe), b"", &[]);
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));
    let why = stderr(&out);
    assert!(
        why.contains("import c0 -> host wasi:filesystem/")
            && why.contains("denied by ")
            && why.contains("rule 1 (interface = \"wasi:filesystem/*\")"),
        "{why}"
    );
    let exe = build(&rust_guest_for(Abi::P2, "hello"), &d, "hello-denied", &fw);
    let out = run(program(&exe), b"", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("hello, world\n"));
}
