//! Counts the words of every `.txt` file in a directory and prints the most
//! frequent ones: `wordfreq DIR [N]`. Uses files, arguments, the
//! environment (`WORDFREQ_MIN_LEN`) and the exit status.
use std::collections::HashMap;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: wordfreq DIR [N]");
        return ExitCode::from(2);
    };
    let top: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(5);
    let min_len: usize = std::env::var("WORDFREQ_MIN_LEN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect(),
        Err(e) => {
            eprintln!("cannot read {dir}: {e}");
            return ExitCode::FAILURE;
        }
    };
    files.sort();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let words = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= min_len)
            .map(str::to_lowercase);
        let mut n = 0;
        for w in words {
            *counts.entry(w).or_default() += 1;
            n += 1;
        }
        println!("{}: {n} words", path.display());
    }
    let mut ranked: Vec<_> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (word, n) in ranked.iter().take(top) {
        println!("{n:5} {word}");
    }
    ExitCode::SUCCESS
}
