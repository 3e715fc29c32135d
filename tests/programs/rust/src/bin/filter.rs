//! stdin → stdout: every line upper-cased and numbered; a count at the end.
use std::io::{BufRead, Write};

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    let mut n = 0;
    for line in stdin.lock().lines() {
        n += 1;
        writeln!(out, "{n}: {}", line.unwrap().to_uppercase()).unwrap();
    }
    writeln!(out, "{n} lines").unwrap();
}
