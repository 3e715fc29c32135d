//! The report a worker writes on stdout, one event per line, and the
//! parent's reading of it. Lines without the tag (from anything else that
//! writes to stdout) are ignored.

const TAG: &str = "@wacc-wast ";

/// One event of a worker's run of a script.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// number of directives in the script
    Total(usize),
    /// information about the run (build notes, ...)
    Note(String),
    Pass(usize),
    Fail(usize, String),
    Skip(usize, String),
    /// the worker finished normally
    Done,
}

/// Keep an event on one line.
fn flatten(s: &str) -> String {
    s.trim_end().replace('\r', "").replace('\n', " | ")
}

impl Event {
    pub fn to_line(&self) -> String {
        match self {
            Event::Total(n) => format!("{TAG}total {n}"),
            Event::Note(m) => format!("{TAG}note {}", flatten(m)),
            Event::Pass(l) => format!("{TAG}pass {l}"),
            Event::Fail(l, m) => format!("{TAG}fail {l} {}", flatten(m)),
            Event::Skip(l, m) => format!("{TAG}skip {l} {}", flatten(m)),
            Event::Done => format!("{TAG}done"),
        }
    }

    pub fn parse(line: &str) -> Option<Event> {
        let rest = line.strip_prefix(TAG)?;
        let (word, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        let line_and_msg = |rest: &str| -> Option<(usize, String)> {
            let (l, m) = rest.split_once(' ').unwrap_or((rest, ""));
            Some((l.parse().ok()?, m.to_string()))
        };
        Some(match word {
            "total" => Event::Total(rest.parse().ok()?),
            "note" => Event::Note(rest.to_string()),
            "pass" => Event::Pass(rest.parse().ok()?),
            "fail" => {
                let (l, m) = line_and_msg(rest)?;
                Event::Fail(l, m)
            }
            "skip" => {
                let (l, m) = line_and_msg(rest)?;
                Event::Skip(l, m)
            }
            "done" => Event::Done,
            _ => return None,
        })
    }
}

/// Writes events to stdout as they happen, so a crash loses nothing that
/// was already decided.
#[derive(Clone, Copy)]
pub struct Emitter;

impl Emitter {
    pub fn emit(&self, e: Event) {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", e.to_line());
        let _ = out.flush();
    }
}

/// What the parent learned about one file.
#[derive(Debug, Default, Clone)]
pub struct FileReport {
    pub total: Option<usize>,
    pub passed: usize,
    pub failures: Vec<(usize, String)>,
    pub skips: Vec<(usize, String)>,
    pub notes: Vec<String>,
    pub done: bool,
    /// last directive line reported
    pub last_line: Option<usize>,
}

impl FileReport {
    pub fn from_output(stdout: &str) -> FileReport {
        let mut r = FileReport::default();
        for line in stdout.lines() {
            match Event::parse(line) {
                Some(Event::Total(n)) => r.total = Some(n),
                Some(Event::Note(m)) => r.notes.push(m),
                Some(Event::Pass(l)) => {
                    r.passed += 1;
                    r.last_line = Some(l);
                }
                Some(Event::Fail(l, m)) => {
                    r.failures.push((l, m));
                    r.last_line = Some(l);
                }
                Some(Event::Skip(l, m)) => {
                    r.skips.push((l, m));
                    r.last_line = Some(l);
                }
                Some(Event::Done) => r.done = true,
                None => {}
            }
        }
        r
    }

    pub fn failed(&self) -> usize {
        self.failures.len()
    }

    pub fn skipped(&self) -> usize {
        self.skips.len()
    }

    /// Directives announced but never reported (the worker died).
    pub fn unreported(&self) -> usize {
        self.total
            .unwrap_or(0)
            .saturating_sub(self.passed + self.failed() + self.skipped())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for e in [
            Event::Total(12),
            Event::Note("linked 3 modules".into()),
            Event::Pass(7),
            Event::Fail(9, "assert_return: expected i32:1, got i32:2".into()),
            Event::Skip(11, "reason with spaces".into()),
            Event::Done,
        ] {
            assert_eq!(Event::parse(&e.to_line()), Some(e));
        }
        assert_eq!(Event::parse("plain output"), None);
        let e = Event::Fail(3, "two\nlines\n".into());
        assert_eq!(
            Event::parse(&e.to_line()),
            Some(Event::Fail(3, "two | lines".into()))
        );
    }

    #[test]
    fn report_counts() {
        let out = [
            Event::Total(4),
            Event::Pass(1),
            Event::Fail(2, "x".into()),
            Event::Skip(3, "y".into()),
        ]
        .iter()
        .map(|e| e.to_line())
        .collect::<Vec<_>>()
        .join("\nnoise\n");
        let r = FileReport::from_output(&out);
        assert_eq!((r.passed, r.failed(), r.skipped()), (1, 1, 1));
        assert_eq!(r.unreported(), 1);
        assert_eq!(r.last_line, Some(3));
        assert!(!r.done);
    }
}
