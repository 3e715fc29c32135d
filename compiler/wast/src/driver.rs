//! `wacc wast FILE...`: runs each file in a child process (this executable
//! re-run as a worker), a few at a time, and prints one line per file and
//! the totals.

use super::protocol::FileReport;
use super::worker::{temp_dir_of, COMPILE_THREADS_ENV};
use super::WastOptions;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Arguments (after the executable) that run `file` in a worker:
/// `wast --worker FILE --bounds-checks MODE --target TRIPLE --cpu CPU -O LEVEL
/// [--policy FILE]`.
pub fn worker_args(file: &Path, opts: &WastOptions) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "wast".into(),
        "--worker".into(),
        file.as_os_str().to_owned(),
        "--bounds-checks".into(),
        opts.bounds_checks.name().into(),
        "--target".into(),
        opts.target.triple.to_string().into(),
        "--cpu".into(),
        opts.target.cpu.into(),
        "-O".into(),
        if opts.optimize { "speed" } else { "none" }.into(),
    ];
    if let Some(p) = &opts.policy {
        args.push("--policy".into());
        args.push(p.as_os_str().to_owned());
    }
    args
}

/// How a worker ended.
enum Exit {
    Status(ExitStatus),
    TimedOut,
    SpawnFailed(String),
}

struct FileRun {
    report: FileReport,
    exit: Exit,
    /// tail of the worker's stderr
    stderr_tail: Vec<String>,
}

/// Read a pipe to its end in a thread. The result is waited for with a
/// limit: a process the worker started could keep the pipe open.
fn read_all(mut r: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

fn collect(rx: mpsc::Receiver<Vec<u8>>) -> String {
    let bytes = rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn run_one(exe: &Path, file: &Path, opts: &WastOptions, threads: usize) -> FileRun {
    let mut child = match Command::new(exe)
        .args(worker_args(file, opts))
        .env(COMPILE_THREADS_ENV, threads.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return FileRun {
                report: FileReport::default(),
                exit: Exit::SpawnFailed(format!("cannot start {}: {e}", exe.display())),
                stderr_tail: vec![],
            }
        }
    };
    let out = read_all(child.stdout.take().expect("piped"));
    let err = read_all(child.stderr.take().expect("piped"));
    let start = Instant::now();
    let exit = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Exit::Status(status),
            Ok(None) if start.elapsed() > opts.timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break Exit::TimedOut;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => break Exit::SpawnFailed(format!("waiting for the worker: {e}")),
        }
    };
    // A worker that died may have left its temporary files.
    let _ = std::fs::remove_dir_all(temp_dir_of(child.id()));
    let stdout = collect(out);
    let stderr = collect(err);
    let lines: Vec<String> = stderr.lines().map(str::to_string).collect();
    let stderr_tail = lines[lines.len().saturating_sub(6)..].to_vec();
    FileRun {
        report: FileReport::from_output(&stdout),
        exit,
        stderr_tail,
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGABRT => "SIGABRT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTRAP => "SIGTRAP",
        _ => "signal",
    }
}

/// Final counts of one file, and the lines that describe it.
struct Summary {
    passed: usize,
    failed: usize,
    skipped: usize,
    text: String,
}

fn summarize(file: &Path, run: &FileRun, opts: &WastOptions) -> Summary {
    let r = &run.report;
    let mut failures = r.failures.clone();
    // A worker that did not finish normally: say why, and count what it
    // never got to as failed.
    let abnormal = match &run.exit {
        Exit::Status(s) if s.success() && r.done => None,
        Exit::Status(s) => {
            use std::os::unix::process::ExitStatusExt;
            Some(match s.signal() {
                Some(sig) => format!("worker crashed ({}, signal {sig})", signal_name(sig)),
                None => format!("worker exited with {s}"),
            })
        }
        Exit::TimedOut => Some(format!(
            "worker timed out after {}s",
            opts.timeout.as_secs()
        )),
        Exit::SpawnFailed(e) => Some(e.clone()),
    };
    let mut crash_failures = 0;
    if let Some(why) = abnormal {
        let where_ = match r.last_line {
            Some(l) => format!(" after the directive at line {l}"),
            None => " before reporting any directive".to_string(),
        };
        let not_run = r.unreported();
        let mut msg = format!("{why}{where_}; {not_run} directive(s) not run, counted as failed");
        if !run.stderr_tail.is_empty() {
            msg.push_str("; stderr: ");
            msg.push_str(&run.stderr_tail.join(" | "));
        }
        crash_failures = not_run.max(1);
        failures.push((r.last_line.map_or(0, |l| l + 1), msg));
    }
    let passed = r.passed;
    let failed = r.failed() + crash_failures;
    let skipped = r.skipped();

    let mut counts = format!("{passed} passed");
    if failed > 0 {
        counts.push_str(&format!(", {failed} failed"));
    }
    if skipped > 0 {
        counts.push_str(&format!(", {skipped} skipped"));
    }
    let status = if failed > 0 {
        "FAIL"
    } else if passed == 0 && skipped > 0 {
        "skip"
    } else {
        "ok  "
    };
    let mut text = format!("{status} {} ({counts})\n", file.display());
    for note in &r.notes {
        text.push_str(&format!("      note: {note}\n"));
    }
    for (line, msg) in failures.iter().take(opts.show_failures) {
        text.push_str(&format!("      line {line}: {msg}\n"));
    }
    if failures.len() > opts.show_failures {
        text.push_str(&format!(
            "      ... and {} more failure(s)\n",
            failures.len() - opts.show_failures
        ));
    }
    // Skips, grouped by reason.
    let mut by_reason: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (line, reason) in &r.skips {
        by_reason.entry(reason.as_str()).or_default().push(*line);
    }
    for (reason, lines) in by_reason {
        let shown: Vec<String> = lines.iter().take(10).map(|l| l.to_string()).collect();
        let more = if lines.len() > 10 { ", ..." } else { "" };
        text.push_str(&format!(
            "      skipped {} (line {}{more}): {reason}\n",
            lines.len(),
            shown.join(", ")
        ));
    }
    Summary {
        passed,
        failed,
        skipped,
        text,
    }
}

/// Run `files` and print the results. `Ok(true)` if nothing failed.
pub fn run_wast_command(files: &[PathBuf], opts: &WastOptions) -> anyhow::Result<bool> {
    if !opts.target.is_host() {
        if opts.target.qemu_user().is_none() {
            anyhow::bail!(
                "`wacc wast` runs the compiled code, so the target must be the host ({}) or a Linux target qemu-user can run, not {}",
                wacc_targets::Target::host().triple,
                opts.target.triple
            );
        }
        // Fail once, before any file, if the code cannot be run.
        super::foreign::find_executor(&opts.target)?;
    }
    let exe = std::env::current_exe()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = match opts.jobs {
        0 => cores,
        n => n,
    }
    .clamp(1, files.len().max(1));
    let threads = match opts.compile_threads {
        0 => (cores / jobs).max(1),
        n => n,
    };

    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Summary)>();
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, exe) = (&next, &exe);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(file) = files.get(i) else { break };
                let run = run_one(exe, file, opts, threads);
                let _ = tx.send((i, summarize(file, &run, opts)));
            });
        }
        drop(tx);
        // Print in the order the files were given.
        let mut pending = BTreeMap::new();
        let mut printed = 0;
        for (i, summary) in rx {
            pending.insert(i, summary);
            while let Some(s) = pending.remove(&printed) {
                print!("{}", s.text);
                passed += s.passed;
                failed += s.failed;
                skipped += s.skipped;
                printed += 1;
            }
        }
    });
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    Ok(failed == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Event;
    use std::os::unix::process::ExitStatusExt;

    fn run_of(events: &[Event], exit: Exit) -> FileRun {
        let out: Vec<String> = events.iter().map(|e| e.to_line()).collect();
        FileRun {
            report: FileReport::from_output(&out.join("\n")),
            exit,
            stderr_tail: vec!["boom".into()],
        }
    }

    #[test]
    fn ok_file() {
        let run = run_of(
            &[Event::Total(2), Event::Pass(1), Event::Pass(2), Event::Done],
            Exit::Status(ExitStatus::from_raw(0)),
        );
        let s = summarize(Path::new("a.wast"), &run, &WastOptions::default());
        assert_eq!((s.passed, s.failed, s.skipped), (2, 0, 0));
        assert_eq!(s.text, "ok   a.wast (2 passed)\n");
    }

    #[test]
    fn crashed_file_counts_what_did_not_run() {
        let run = run_of(
            &[
                Event::Total(5),
                Event::Pass(1),
                Event::Fail(2, "bad".into()),
            ],
            Exit::Status(ExitStatus::from_raw(libc::SIGSEGV)),
        );
        let s = summarize(Path::new("b.wast"), &run, &WastOptions::default());
        assert_eq!((s.passed, s.failed, s.skipped), (1, 4, 0));
        assert!(
            s.text.starts_with("FAIL b.wast (1 passed, 4 failed)\n"),
            "{}",
            s.text
        );
        assert!(s.text.contains("line 2: bad"), "{}", s.text);
        assert!(s.text.contains("SIGSEGV"), "{}", s.text);
        assert!(s.text.contains("3 directive(s) not run"), "{}", s.text);
    }

    #[test]
    fn timed_out_file_fails() {
        let run = run_of(&[Event::Total(1), Event::Done], Exit::TimedOut);
        let s = summarize(Path::new("c.wast"), &run, &WastOptions::default());
        assert_eq!(s.failed, 1);
        assert!(s.text.contains("timed out"), "{}", s.text);
    }

    /// A stand-in worker: a shell script that ignores its arguments.
    fn fake_worker(name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("wacc-wast-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[test]
    fn worker_crash_and_timeout_are_failures() {
        let total = Event::Total(3).to_line();
        let pass = Event::Pass(1).to_line();
        let crash = fake_worker(
            "crash",
            &format!("echo '{total}'; echo '{pass}'; kill -SEGV $$"),
        );
        let opts = WastOptions::default();
        let run = run_one(&crash, Path::new("x.wast"), &opts, 1);
        let s = summarize(Path::new("x.wast"), &run, &opts);
        assert_eq!((s.passed, s.failed), (1, 2), "{}", s.text);
        assert!(s.text.contains("SIGSEGV"), "{}", s.text);

        let hang = fake_worker("hang", &format!("echo '{total}'; exec sleep 30"));
        let opts = WastOptions {
            timeout: Duration::from_millis(300),
            ..WastOptions::default()
        };
        let start = Instant::now();
        let run = run_one(&hang, Path::new("y.wast"), &opts, 1);
        assert!(start.elapsed() < Duration::from_secs(10));
        let s = summarize(Path::new("y.wast"), &run, &opts);
        assert_eq!((s.passed, s.failed), (0, 3), "{}", s.text);
        assert!(s.text.contains("timed out"), "{}", s.text);
        let _ = std::fs::remove_dir_all(crash.parent().unwrap());
    }

    #[test]
    fn skips_are_listed() {
        let run = run_of(
            &[
                Event::Total(2),
                Event::Skip(3, "why".into()),
                Event::Skip(4, "why".into()),
                Event::Done,
            ],
            Exit::Status(ExitStatus::from_raw(0)),
        );
        let s = summarize(Path::new("d.wast"), &run, &WastOptions::default());
        assert_eq!(s.skipped, 2);
        assert!(s.text.contains("skipped 2 (line 3, 4): why"), "{}", s.text);
    }
}
