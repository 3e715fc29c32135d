//! The benchmark driver behind `bash benches/run.sh` (see benches/README.md).
//!
//! Builds every program of benches/programs in every variant (native, wacc
//! for the wasm32-wasip1 module, wacc for the wasm32-wasip2 component,
//! wasmtime with a precompiled .cwasm, wasm2c + gcc), runs each variant one
//! warm-up and N timed times, checks that every output equals the native one,
//! prints a table of medians and ratios and writes target/bench/report.json,
//! then runs the other benchmark scripts and embeds their JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wacc_benches::Json;

const WASMTIME_VERSION: &str = "48.0.8";
const WASM2C_RT: &str = "/usr/share/wabt/wasm2c";
/// --smoke builds no wasm2c variant of larger modules (regex: gcc -O2 on ~12 MB of C).
const SMOKE_WASM2C_MAX: u64 = 1 << 20;

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Rust,
    C,
}

struct Program {
    name: &'static str,
    lang: Lang,
    /// argv[1] for --smoke (the full run uses the program's default).
    smoke_arg: &'static str,
    /// The default argv[1], as documented (not passed).
    default_arg: &'static str,
    what: &'static str,
}

const PROGRAMS: &[Program] = &[
    Program {
        name: "matmul",
        lang: Lang::C,
        smoke_arg: "64",
        default_arg: "640",
        what: "dense f64 matrix multiply (n×n, twice)",
    },
    Program {
        name: "nbody",
        lang: Lang::C,
        smoke_arg: "10000",
        default_arg: "5000000",
        what: "n-body simulation, 5 bodies (steps)",
    },
    Program {
        name: "recursive",
        lang: Lang::C,
        smoke_arg: "20",
        default_arg: "41",
        what: "fib(n), ackermann(3, n/4), tak",
    },
    Program {
        name: "fannkuch",
        lang: Lang::Rust,
        smoke_arg: "7",
        default_arg: "10",
        what: "fannkuch-redux (n), 3 times",
    },
    Program {
        name: "sha256",
        lang: Lang::Rust,
        smoke_arg: "2",
        default_arg: "160",
        what: "scalar SHA-256, chained over a 1 MiB buffer (MiB)",
    },
    Program {
        name: "sort",
        lang: Lang::Rust,
        smoke_arg: "20000",
        default_arg: "5000000",
        what: "sort_unstable u64, stable sort of records, strings (n)",
    },
    Program {
        name: "json",
        lang: Lang::Rust,
        smoke_arg: "200",
        default_arg: "20000",
        what: "serde_json serialise / parse typed and Value (records)",
    },
    Program {
        name: "regex",
        lang: Lang::Rust,
        smoke_arg: "64",
        default_arg: "24576",
        what: "regex crate: 8 patterns + replace over text (KiB)",
    },
    Program {
        name: "deflate",
        lang: Lang::Rust,
        smoke_arg: "64",
        default_arg: "8192",
        what: "miniz_oxide zlib deflate + inflate, levels 1 and 6 (KiB)",
    },
    Program {
        name: "interp",
        lang: Lang::Rust,
        smoke_arg: "1000",
        default_arg: "100000",
        what: "bytecode VM, fn-pointer dispatch + trait-object tree (limit)",
    },
    Program {
        name: "memops",
        lang: Lang::Rust,
        smoke_arg: "5",
        default_arg: "800",
        what: "memory.copy / memory.fill of 8 B..64 KiB (thousands of ops)",
    },
];

const VARIANTS: [&str; 6] = [
    "native", "wacc", "wacc-cpu", "wacc-p2", "wasmtime", "wasm2c",
];

/// The other benchmark scripts: name (their JSON is `$WACC_BENCH_OUT/NAME.json`) and path.
const SCRIPTS: [(&str, &str); 4] = [
    ("startup", "benches/startup.sh"),
    ("compile", "benches/compile.sh"),
    ("sizes", "benches/sizes.sh"),
    ("call-overhead", "benches/call-overhead/run.sh"),
];

struct Options {
    smoke: bool,
    runs: usize,
    only: Vec<String>,
    no_install: bool,
    no_scripts: bool,
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: bash benches/run.sh [--smoke] [--runs N] [--only NAME[,NAME]]... [--no-install] [--no-scripts]\n\
         programs: {}",
        PROGRAMS.iter().map(|p| p.name).collect::<Vec<_>>().join(" ")
    );
    ExitCode::from(2)
}

fn parse_options() -> Result<Options, ()> {
    let mut o = Options {
        smoke: false,
        runs: 5,
        only: Vec::new(),
        no_install: false,
        no_scripts: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--smoke" => o.smoke = true,
            "--no-install" => o.no_install = true,
            "--no-scripts" => o.no_scripts = true,
            "--runs" => {
                o.runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or(())?
            }
            "--only" => o
                .only
                .extend(args.next().ok_or(())?.split(',').map(str::to_string)),
            _ => return Err(()),
        }
    }
    for n in &o.only {
        if !PROGRAMS.iter().any(|p| p.name == n) {
            eprintln!("unknown program {n}");
            return Err(());
        }
    }
    Ok(o)
}

/// Runs a command to completion; Err carries a message with its output.
fn run_cmd(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        let mut msg = format!("{cmd:?} failed ({})", out.status);
        let text = String::from_utf8_lossy(&out.stderr) + String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().collect();
        for l in &lines[lines.len().saturating_sub(15)..] {
            msg.push_str("\n    ");
            msg.push_str(l);
        }
        Err(msg)
    }
}

/// Runs a command with inherited output (for long builds the user should see).
fn run_loud(cmd: &mut Command) -> Result<(), String> {
    let st = cmd
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed ({st})"))
    }
}

fn capture(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn mtime(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Whether `out` exists and is newer than every input.
fn fresh(out: &Path, inputs: &[&Path]) -> bool {
    let Some(t) = mtime(out) else { return false };
    inputs.iter().all(|i| mtime(i).is_some_and(|ti| ti <= t))
}

fn find_wasmtime(o: &Options) -> Result<PathBuf, String> {
    let home = std::env::var("HOME").unwrap_or_default();
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(w) = std::env::var("WASMTIME") {
        candidates.push(w.into());
    }
    if let Some(p) = capture("sh", &["-c", "command -v wasmtime"]) {
        candidates.push(p.into());
    }
    candidates.push(Path::new(&home).join(".cargo/bin/wasmtime"));
    let good = |c: &Path| {
        capture(c.to_str()?, &["--version"])
            .filter(|v| v.split_whitespace().nth(1) == Some(WASMTIME_VERSION))
            .map(|_| c.to_path_buf())
    };
    if let Some(w) = candidates.iter().find_map(|c| good(c)) {
        return Ok(w);
    }
    if o.no_install {
        return Err(format!(
            "wasmtime {WASMTIME_VERSION} not found (--no-install)"
        ));
    }
    eprintln!("installing wasmtime {WASMTIME_VERSION} (cargo install wasmtime-cli --locked)...");
    run_loud(Command::new("cargo").args([
        "install",
        "wasmtime-cli",
        "--version",
        WASMTIME_VERSION,
        "--locked",
    ]))
    .map_err(|e| format!("installing wasmtime failed: {e}"))?;
    good(&Path::new(&home).join(".cargo/bin/wasmtime")).ok_or_else(|| {
        format!("cargo install wasmtime-cli {WASMTIME_VERSION} gave no usable binary")
    })
}

fn wasm2c_present() -> bool {
    capture("wasm2c", &["--version"]).is_some()
        && Path::new(WASM2C_RT).join("wasm-rt-impl.c").exists()
}

fn find_wasm2c(o: &Options) -> Result<(), String> {
    if wasm2c_present() {
        return Ok(());
    }
    if o.no_install {
        return Err("wasm2c (Debian wabt) not found (--no-install)".into());
    }
    eprintln!("installing wabt (apt-get install wabt)...");
    let _ = run_cmd(Command::new("apt-get").args(["update", "-qq"]));
    run_cmd(Command::new("apt-get").args(["install", "-y", "-qq", "wabt"]))
        .map_err(|e| format!("apt-get install wabt failed: {e}"))?;
    if wasm2c_present() {
        Ok(())
    } else {
        Err("wabt installed but wasm2c or its runtime sources are missing".into())
    }
}

/// Outcome of building one variant of one program.
type Built = Result<PathBuf, String>;

struct Ctx {
    root: PathBuf,
    build: PathBuf,
    wacc: PathBuf,
    host: String,
}

impl Ctx {
    fn dir(&self, p: &Program) -> PathBuf {
        self.build.join(p.name)
    }
    fn cargo_out(&self, target: &str, p: &Program) -> PathBuf {
        let ext = if target.starts_with("wasm32") {
            ".wasm"
        } else {
            ""
        };
        self.root
            .join("target/bench/cargo")
            .join(target)
            .join("release")
            .join(format!("bench-{}{ext}", p.name))
    }
}

/// One build step of a variant, run on the job pool.
struct Job {
    prog: usize,
    variant: &'static str,
    weight: u64,
    run: Box<dyn FnOnce() -> Built + Send>,
}

fn run_jobs(mut jobs: Vec<Job>, threads: usize) -> Vec<(usize, &'static str, Built, Duration)> {
    jobs.sort_by_key(|j| std::cmp::Reverse(j.weight));
    jobs.reverse(); // pop() takes the heaviest first
    let queue = Mutex::new(jobs);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let Some(job) = queue.lock().unwrap().pop() else {
                    break;
                };
                let t = Instant::now();
                let r = (job.run)();
                results
                    .lock()
                    .unwrap()
                    .push((job.prog, job.variant, r, t.elapsed()));
            });
        }
    });
    results.into_inner().unwrap()
}

struct Run {
    ms: Vec<f64>,
    /// None when every run's output matched native and exited 0.
    error: Option<String>,
}

fn run_once(exe: &[String], arg: Option<&str>) -> (f64, Result<String, String>) {
    let mut cmd = Command::new(&exe[0]);
    cmd.args(&exe[1..]).args(arg).stdin(Stdio::null());
    let t = Instant::now();
    let out = cmd.output();
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let r = match out {
        Err(e) => Err(format!("cannot run {}: {e}", exe[0])),
        Ok(o) if !o.status.success() => Err(format!(
            "exit {}: {}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .take(5)
                .collect::<Vec<_>>()
                .join(" / ")
        )),
        Ok(o) => Ok(String::from_utf8_lossy(&o.stdout).into_owned()),
    };
    (ms, r)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn geomean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp())
}

fn first_diff(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}: native {x:?}, got {y:?}", i + 1);
        }
    }
    format!("{} lines vs {} lines", a.lines().count(), b.lines().count())
}

fn main() -> ExitCode {
    let Ok(o) = parse_options() else {
        return usage();
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let started = Instant::now();
    let load_at_start = std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_string();
    let out_dir = match std::env::var("WACC_BENCH_OUT") {
        Ok(d) if Path::new(&d).is_absolute() => PathBuf::from(d),
        Ok(d) => root.join(d),
        Err(_) => root.join("target/bench"),
    };
    let build = root.join("target/bench/build");
    std::fs::create_dir_all(&build).expect("target/bench/build");
    std::fs::create_dir_all(&out_dir).expect("WACC_BENCH_OUT");
    let host = capture("rustc", &["-vV"])
        .and_then(|v| {
            v.lines()
                .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        })
        .unwrap_or_else(|| "x86_64-unknown-linux-gnu".into());
    let ctx = Ctx {
        wacc: root.join("target/release/wacc"),
        root: root.clone(),
        build,
        host,
    };
    let progs: Vec<&Program> = PROGRAMS
        .iter()
        .filter(|p| o.only.is_empty() || o.only.iter().any(|n| n == p.name))
        .collect();
    let mut failed = false;

    // Tools. Missing ones skip their column, with the reason.
    let mut skipped: BTreeMap<&str, String> = BTreeMap::new();
    if !ctx.wacc.exists() {
        eprintln!(
            "{} is missing: run `cargo build --release` (benches/run.sh does)",
            ctx.wacc.display()
        );
        return ExitCode::FAILURE;
    }
    let wasmtime = if o.smoke {
        skipped.insert("wasmtime", "not part of --smoke".into());
        None
    } else {
        find_wasmtime(&o)
            .map_err(|e| skipped.insert("wasmtime", e))
            .ok()
    };
    if let Err(e) = find_wasm2c(&o) {
        skipped.insert("wasm2c", e);
    }
    for (v, why) in &skipped {
        eprintln!("{v}: skipped: {why}");
    }

    // Rust programs: one cargo invocation for the host, wasm32-wasip1 and wasm32-wasip2.
    let t_build = Instant::now();
    let mut build_err: BTreeMap<(usize, &str), String> = BTreeMap::new();
    let mut prog_skip: BTreeMap<(usize, &str), String> = BTreeMap::new();
    let rust: Vec<(usize, &&Program)> = progs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.lang == Lang::Rust)
        .collect();
    if !rust.is_empty() {
        let installed = capture("rustup", &["target", "list", "--installed"]).unwrap_or_default();
        for t in ["wasm32-wasip1", "wasm32-wasip2"] {
            if !installed.lines().any(|l| l == t) {
                let _ = run_cmd(Command::new("rustup").args(["target", "add", t]));
            }
        }
        eprintln!(
            "building {} Rust programs (host, wasm32-wasip1, wasm32-wasip2)...",
            rust.len()
        );
        let mut cmd = Command::new("cargo");
        cmd.args([
            "build",
            "--release",
            "--locked",
            "--quiet",
            "--manifest-path",
        ])
        .arg(root.join("benches/programs/Cargo.toml"))
        .arg("--target-dir")
        .arg(root.join("target/bench/cargo"))
        .args([
            "--target",
            &ctx.host,
            "--target",
            "wasm32-wasip1",
            "--target",
            "wasm32-wasip2",
        ]);
        for (_, p) in &rust {
            cmd.args(["-p", &format!("bench-{}", p.name)]);
        }
        let t = Instant::now();
        let r = run_loud(&mut cmd);
        eprintln!("  cargo: {:.0} s", t.elapsed().as_secs_f64());
        if let Err(e) = r {
            for (i, _) in &rust {
                for v in VARIANTS {
                    build_err.insert((*i, v), format!("cargo build failed: {e}"));
                }
            }
        }
    }

    // Everything else on a pool of jobs: C compiles, wacc builds, wasmtime compile, wasm2c + gcc.
    let mut jobs: Vec<Job> = Vec::new();
    let ctx = &*Box::leak(Box::new(ctx));
    let wasmtime: Option<&'static Path> = wasmtime.map(|w| &*Box::leak(w.into_boxed_path()));
    for (i, p) in progs.iter().enumerate() {
        let p: &'static Program = PROGRAMS.iter().find(|q| q.name == p.name).unwrap();
        let dir = ctx.dir(p);
        std::fs::create_dir_all(&dir).expect("build dir");
        let (p1, p2) = match p.lang {
            Lang::Rust => (
                ctx.cargo_out("wasm32-wasip1", p),
                Some(ctx.cargo_out("wasm32-wasip2", p)),
            ),
            Lang::C => (dir.join("p1.wasm"), None),
        };
        let src = root.join(format!("benches/programs/{}/main.c", p.name));
        if p.lang == Lang::C {
            // The native build and the wasm module first: the other variants depend on the module.
            let (src2, dir2) = (src.clone(), dir.clone());
            jobs.push(Job {
                prog: i,
                variant: "native",
                weight: 100,
                run: Box::new(move || {
                    let exe = dir2.join("native");
                    if !fresh(&exe, &[&src2]) {
                        run_cmd(
                            Command::new("gcc")
                                .arg("-O2")
                                .arg(&src2)
                                .arg("-o")
                                .arg(&exe)
                                .arg("-lm"),
                        )?;
                    }
                    Ok(exe)
                }),
            });
            let r = if fresh(&p1, &[&src]) {
                Ok(())
            } else {
                let mut cmd = Command::new("clang");
                cmd.args(["--target=wasm32-wasi", "-O2"]);
                if let Some(s) = std::env::var_os("WASI_SYSROOT") {
                    cmd.arg("--sysroot").arg(s);
                }
                run_cmd(cmd.arg(&src).arg("-o").arg(&p1).arg("-lm"))
            };
            if let Err(e) = r {
                for v in &VARIANTS[1..] {
                    build_err.insert((i, v), format!("clang --target=wasm32-wasi failed: {e}"));
                }
                continue;
            }
        }
        if build_err.contains_key(&(i, "wacc")) {
            continue;
        }
        let wasm_size = std::fs::metadata(&p1).map(|m| m.len()).unwrap_or(0);
        // `wacc build` of the wasip1 module, of it with `--cpu native` (the
        // features of this machine's CPU, as `wasmtime compile` uses by
        // default), and of the wasip2 component.
        let wacc_job = |variant: &'static str, input: &Path, options: &'static [&'static str]| {
            let (input, exe) = (input.to_path_buf(), dir.join(variant));
            Job {
                prog: i,
                variant,
                weight: wasm_size / 10,
                run: Box::new(move || {
                    if !fresh(&exe, &[&input, &ctx.wacc]) {
                        run_cmd(
                            Command::new(&ctx.wacc)
                                .arg("build")
                                .args(options)
                                .arg(&input)
                                .arg("-o")
                                .arg(&exe),
                        )?;
                    }
                    Ok(exe)
                }),
            }
        };
        jobs.push(wacc_job("wacc", &p1, &[]));
        jobs.push(wacc_job("wacc-cpu", &p1, &["--cpu", "native"]));
        if let Some(p2) = &p2 {
            jobs.push(wacc_job("wacc-p2", p2, &[]));
        }
        if let Some(wt) = wasmtime {
            let (p1, dir) = (p1.clone(), dir.clone());
            jobs.push(Job {
                prog: i,
                variant: "wasmtime",
                weight: wasm_size / 5,
                run: Box::new(move || {
                    let cwasm = dir.join("p1.cwasm");
                    if !fresh(&cwasm, &[&p1, wt]) {
                        run_cmd(
                            Command::new(wt)
                                .arg("compile")
                                .arg(&p1)
                                .arg("-o")
                                .arg(&cwasm),
                        )?;
                    }
                    Ok(cwasm)
                }),
            });
        }
        if o.smoke && wasm_size > SMOKE_WASM2C_MAX {
            prog_skip.insert(
                (i, "wasm2c"),
                format!("not in --smoke: module over {SMOKE_WASM2C_MAX} bytes (gcc needs minutes)"),
            );
        } else if !skipped.contains_key("wasm2c") {
            let (p1, dir) = (p1.clone(), dir.clone());
            jobs.push(Job {
                prog: i,
                variant: "wasm2c",
                weight: wasm_size,
                run: Box::new(move || {
                    let exe = dir.join("wasm2c");
                    let shim = ctx.root.join("benches/wasm2c/wasi-shim.c");
                    if fresh(&exe, &[&p1, &shim]) {
                        return Ok(exe);
                    }
                    let c = dir.join("w2c");
                    std::fs::create_dir_all(&c).map_err(|e| e.to_string())?;
                    run_cmd(
                        Command::new("wasm2c")
                            .arg(&p1)
                            .args(["-n", "prog", "-o"])
                            .arg(c.join("prog.c")),
                    )?;
                    run_cmd(
                        Command::new("gcc")
                            .arg("-O2")
                            .arg("-I")
                            .arg(&c)
                            .arg("-I")
                            .arg(WASM2C_RT)
                            .arg(&shim)
                            .arg(c.join("prog.c"))
                            .arg(Path::new(WASM2C_RT).join("wasm-rt-impl.c"))
                            .arg("-o")
                            .arg(&exe)
                            .arg("-lm"),
                    )?;
                    let _ = std::fs::remove_file(c.join("prog.c"));
                    Ok(exe)
                }),
            });
        }
    }
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    eprintln!(
        "building {} variant jobs on {threads} threads...",
        jobs.len()
    );
    let mut built: BTreeMap<(usize, &str), PathBuf> = BTreeMap::new();
    for (i, v, r, d) in run_jobs(jobs, threads) {
        match r {
            Ok(p) => {
                built.insert((i, v), p);
            }
            Err(e) => {
                build_err.insert((i, v), e);
            }
        }
        if d > Duration::from_secs(20) {
            eprintln!("  {} {v}: built in {:.0} s", progs[i].name, d.as_secs_f64());
        }
    }
    for (i, p) in progs.iter().enumerate() {
        if p.lang == Lang::Rust && !build_err.contains_key(&(i, "native")) {
            built.insert((i, "native"), ctx.cargo_out(&ctx.host, p));
        }
    }
    for ((i, v), e) in &build_err {
        eprintln!("BUILD FAILED {} {v}: {e}", progs[*i].name);
        // A failing wasmtime or wasm2c build is reported, not fatal: the column shows it.
        if !matches!(*v, "wasmtime" | "wasm2c") {
            failed = true;
        }
    }
    for ((i, v), why) in &prog_skip {
        eprintln!("{} {v}: skipped: {why}", progs[*i].name);
    }
    let build_secs = t_build.elapsed().as_secs_f64();
    eprintln!("builds: {build_secs:.0} s");

    // Runs: per program, a warm-up of every variant, then N rounds over the variants.
    let runs = if o.smoke { 0 } else { o.runs };
    let mut results: Vec<BTreeMap<&str, Run>> = Vec::new();
    for (i, p) in progs.iter().enumerate() {
        let arg = o.smoke.then_some(p.smoke_arg);
        let mut cmds: Vec<(&str, Vec<String>)> = Vec::new();
        for v in VARIANTS {
            let Some(exe) = built.get(&(i, v)) else {
                continue;
            };
            let exe = exe.display().to_string();
            cmds.push((
                v,
                if v == "wasmtime" {
                    vec![
                        wasmtime.unwrap().display().to_string(),
                        "run".into(),
                        "--allow-precompiled".into(),
                        exe,
                    ]
                } else {
                    vec![exe]
                },
            ));
        }
        let mut res: BTreeMap<&str, Run> = BTreeMap::new();
        let mut expected: Option<String> = None;
        for (v, cmd) in &cmds {
            let (ms, r) = run_once(cmd, arg);
            let error = match r {
                Err(e) => Some(e),
                Ok(out) if *v == "native" => {
                    expected = Some(out);
                    None
                }
                Ok(out) => match &expected {
                    None => Some("no native output to compare with".into()),
                    Some(e) if *e != out => Some(format!(
                        "output differs from native: {}",
                        first_diff(e, &out)
                    )),
                    Some(_) => None,
                },
            };
            res.insert(
                v,
                Run {
                    ms: if o.smoke { vec![ms] } else { vec![] },
                    error,
                },
            );
        }
        for _ in 0..runs {
            for (v, cmd) in &cmds {
                if res[v].error.is_some() {
                    continue;
                }
                let (ms, r) = run_once(cmd, arg);
                let run = res.get_mut(v).unwrap();
                match r {
                    Ok(out) if Some(&out) == expected.as_ref() => run.ms.push(ms),
                    Ok(_) => run.error = Some("output differs from native (timed run)".into()),
                    Err(e) => run.error = Some(e),
                }
            }
        }
        let mut line = format!("{:10}", p.name);
        for (v, r) in &res {
            match &r.error {
                None => write!(line, "  {v} ok ({:.0} ms)", median(&r.ms)).unwrap(),
                Some(e) => {
                    failed = true;
                    write!(line, "  {v} FAILED").unwrap();
                    eprintln!("{} {v}: {e}", p.name);
                }
            }
        }
        eprintln!("{line}");
        results.push(res);
    }

    // The table.
    let med = |i: usize, v: &str| -> Option<f64> {
        results[i]
            .get(v)
            .filter(|r| r.error.is_none() && !r.ms.is_empty())
            .map(|r| median(&r.ms))
    };
    let ratio = |i: usize, a: &str, b: &str| Some(med(i, a)? / med(i, b)?);
    let ratio_cols = [
        ("wacc", "native"),
        ("wacc", "wasmtime"),
        ("wacc-cpu", "wasmtime"),
        ("wacc", "wasm2c"),
    ];
    let mut table = String::new();
    let mut geo = Json::Obj(Vec::new());
    if !o.smoke {
        let cell = |x: Option<f64>, ratio: bool| match x {
            Some(v) if ratio => format!("{v:.2}"),
            Some(v) => format!("{v:.0}"),
            None => "-".into(),
        };
        writeln!(
            table,
            "| program | native ms | wacc ms | wacc-cpu ms | wacc-p2 ms | wasmtime ms | wasm2c ms | wacc/native | wacc/wasmtime | wacc-cpu/wasmtime | wacc/wasm2c |"
        )
        .unwrap();
        writeln!(
            table,
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        )
        .unwrap();
        for (i, p) in progs.iter().enumerate() {
            write!(table, "| {} ", p.name).unwrap();
            for v in VARIANTS {
                write!(table, "| {} ", cell(med(i, v), false)).unwrap();
            }
            for (a, b) in ratio_cols {
                write!(table, "| {} ", cell(ratio(i, a, b), true)).unwrap();
            }
            table.push_str("|\n");
        }
        let groups: [(&str, Option<Lang>); 3] = [
            ("geomean", None),
            ("geomean Rust", Some(Lang::Rust)),
            ("geomean C", Some(Lang::C)),
        ];
        let mut geo_rows = Vec::new();
        for (label, lang) in groups {
            let members: Vec<usize> = (0..progs.len())
                .filter(|&i| lang.is_none_or(|l| progs[i].lang == l))
                .collect();
            if members.is_empty() || (lang.is_some() && members.len() == progs.len()) {
                continue;
            }
            let mut row = Vec::new();
            write!(table, "| **{label}** ").unwrap();
            for v in VARIANTS {
                // Only over the whole group, so that the columns compare.
                let ms: Vec<f64> = members.iter().filter_map(|&i| med(i, v)).collect();
                let g = if ms.len() == members.len() {
                    geomean(&ms)
                } else {
                    None
                };
                write!(table, "| {} ", cell(g, false)).unwrap();
                row.push((format!("{v}_ms"), g.map_or(Json::Null, Json::Num)));
            }
            for (a, b) in ratio_cols {
                let g = geomean(
                    &members
                        .iter()
                        .filter_map(|&i| ratio(i, a, b))
                        .collect::<Vec<_>>(),
                );
                write!(table, "| **{}** ", cell(g, true)).unwrap();
                row.push((format!("{a}/{b}"), g.map_or(Json::Null, Json::Num)));
            }
            table.push_str("|\n");
            geo_rows.push((label.to_string(), Json::Obj(row)));
        }
        geo = Json::Obj(geo_rows);
        println!();
        print!("{table}");
        println!("(medians of {} runs after 1 warm-up, wall time; time geomeans only where a column has every program of the group, ratio geomeans over the programs that have both)", runs);
        for (v, why) in &skipped {
            println!("{v}: skipped: {why}");
        }
    } else {
        let ok = results
            .iter()
            .flat_map(|r| r.values())
            .filter(|r| r.error.is_none())
            .count();
        let bad = results
            .iter()
            .flat_map(|r| r.values())
            .filter(|r| r.error.is_some())
            .count();
        println!(
            "smoke: {} programs, {ok} variant runs matched native, {bad} failed; builds {build_secs:.0} s, total {:.0} s",
            progs.len(),
            started.elapsed().as_secs_f64()
        );
    }

    // The report.
    let conditions = Json::Obj(vec![
        (
            "date".into(),
            Json::Str(capture("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"]).unwrap_or_default()),
        ),
        (
            "cpu".into(),
            Json::Str(
                std::fs::read_to_string("/proc/cpuinfo")
                    .ok()
                    .and_then(|c| {
                        c.lines().find_map(|l| {
                            l.strip_prefix("model name")
                                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
                        })
                    })
                    .unwrap_or_default(),
            ),
        ),
        ("cores".into(), Json::Num(threads as f64)),
        ("loadavg_at_start".into(), Json::Str(load_at_start)),
        (
            "loadavg_at_end".into(),
            Json::Str(
                std::fs::read_to_string("/proc/loadavg")
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            ),
        ),
        (
            "commit".into(),
            Json::Str(
                capture(
                    "git",
                    &["-C", root.to_str().unwrap(), "rev-parse", "--short", "HEAD"],
                )
                .unwrap_or_default(),
            ),
        ),
        (
            "rustc".into(),
            Json::Str(capture("rustc", &["--version"]).unwrap_or_default()),
        ),
        (
            "gcc".into(),
            Json::Str(
                capture("gcc", &["--version"])
                    .and_then(|v| v.lines().next().map(str::to_string))
                    .unwrap_or_default(),
            ),
        ),
        (
            "clang".into(),
            Json::Str(
                capture("clang", &["--version"])
                    .and_then(|v| v.lines().next().map(str::to_string))
                    .unwrap_or_default(),
            ),
        ),
        (
            "wasmtime".into(),
            wasmtime
                .and_then(|w| capture(w.to_str().unwrap(), &["--version"]))
                .map_or(Json::Null, Json::Str),
        ),
        (
            "wasm2c".into(),
            capture("wasm2c", &["--version"]).map_or(Json::Null, Json::Str),
        ),
    ]);
    let programs = progs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut variants = Vec::new();
            for v in VARIANTS {
                let j = if let Some(r) = results[i].get(v) {
                    let mut f = vec![];
                    if !o.smoke {
                        f.push(("median_ms".into(), med(i, v).map_or(Json::Null, Json::Num)));
                        f.push((
                            "runs_ms".into(),
                            Json::Arr(r.ms.iter().map(|&m| Json::Num(m)).collect()),
                        ));
                    }
                    f.push((
                        "output_matches_native".into(),
                        Json::Bool(r.error.is_none()),
                    ));
                    if let Some(e) = &r.error {
                        f.push(("error".into(), Json::Str(e.clone())));
                    }
                    Json::Obj(f)
                } else if let Some(e) = build_err.get(&(i, v)) {
                    Json::Obj(vec![("build_error".into(), Json::Str(e.clone()))])
                } else if let Some(s) = skipped.get(v).or(prog_skip.get(&(i, v))) {
                    Json::Obj(vec![("skipped".into(), Json::Str(s.clone()))])
                } else {
                    Json::Obj(vec![(
                        "skipped".into(),
                        Json::Str("not applicable (C program: no wasm32-wasip2 build)".into()),
                    )])
                };
                variants.push((v.to_string(), j));
            }
            let mut f = vec![
                ("name".into(), Json::Str(p.name.into())),
                (
                    "lang".into(),
                    Json::Str(if p.lang == Lang::Rust { "rust" } else { "c" }.into()),
                ),
                (
                    "arg".into(),
                    Json::Str(if o.smoke { p.smoke_arg } else { p.default_arg }.into()),
                ),
                ("what".into(), Json::Str(p.what.into())),
            ];
            for (a, b) in ratio_cols {
                f.push((
                    format!("{a}/{b}"),
                    ratio(i, a, b).map_or(Json::Null, Json::Num),
                ));
            }
            f.push(("variants".into(), Json::Obj(variants)));
            Json::Obj(f)
        })
        .collect();
    let mut report = vec![
        ("smoke".into(), Json::Bool(o.smoke)),
        ("runs".into(), Json::Num(runs as f64)),
        ("conditions".into(), conditions),
        ("programs".into(), Json::Arr(programs)),
        ("geomean".into(), geo),
        (
            "skipped".into(),
            Json::Obj(
                skipped
                    .iter()
                    .map(|(k, v)| (k.to_string(), Json::Str(v.clone())))
                    .collect(),
            ),
        ),
    ];
    let report_path = out_dir.join(if o.smoke { "smoke.json" } else { "report.json" });
    let write_report = |report: &Vec<(String, Json)>| {
        std::fs::write(&report_path, Json::Obj(report.clone()).to_string() + "\n")
            .expect("writing the report");
    };
    write_report(&report);

    // The other benchmark scripts, with their JSON embedded.
    if !o.smoke && !o.no_scripts && o.only.is_empty() {
        let mut scripts = Vec::new();
        for (name, path) in SCRIPTS {
            let script = root.join(path);
            let json_path = out_dir.join(format!("{name}.json"));
            let j = if !script.exists() {
                Json::Obj(vec![("status".into(), Json::Str("absent".into()))])
            } else {
                println!("\n== bash {path}");
                let _ = std::fs::remove_file(&json_path);
                let mut cmd = Command::new("bash");
                cmd.arg(&script)
                    .current_dir(&root)
                    .env("WACC_BENCH_OUT", &out_dir);
                if o.no_install {
                    cmd.arg("--no-install");
                }
                let status = cmd.stdin(Stdio::null()).status();
                let ok = matches!(&status, Ok(s) if s.success());
                let text = std::fs::read_to_string(&json_path)
                    .ok()
                    .map(|t| t.trim().to_string());
                let mut f = vec![(
                    "status".into(),
                    Json::Str(match &status {
                        Ok(s) if s.success() => "ok".into(),
                        Ok(s) => format!("failed ({s})"),
                        Err(e) => format!("could not run: {e}"),
                    }),
                )];
                if !ok {
                    println!(
                        "{path}: {}",
                        if let Ok(s) = &status {
                            s.to_string()
                        } else {
                            "could not run".into()
                        }
                    );
                }
                match text {
                    Some(t)
                        if (t.starts_with('{') && t.ends_with('}'))
                            || (t.starts_with('[') && t.ends_with(']')) =>
                    {
                        f.push(("result".into(), Json::Raw(t)))
                    }
                    Some(_) => f.push((
                        "result_error".into(),
                        Json::Str(format!("{} is not a JSON object", json_path.display())),
                    )),
                    None => f.push((
                        "result_error".into(),
                        Json::Str(format!("{} was not written", json_path.display())),
                    )),
                }
                Json::Obj(f)
            };
            scripts.push((name.to_string(), j));
        }
        // Each script's result under its own name, as the scripts' statuses under "scripts".
        let mut status = Vec::new();
        for (name, j) in scripts {
            if let Json::Obj(f) = j {
                let mut result = Json::Null;
                let mut rest = Vec::new();
                for (k, v) in f {
                    if k == "result" {
                        result = v;
                    } else {
                        rest.push((k, v));
                    }
                }
                report.push((name.clone(), result));
                status.push((name, Json::Obj(rest)));
            }
        }
        report.push(("scripts".into(), Json::Obj(status)));
        write_report(&report);
    }
    println!(
        "report: {}  ({:.0} s)",
        report_path.display(),
        started.elapsed().as_secs_f64()
    );
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
