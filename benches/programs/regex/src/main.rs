//! Regex search with the regex crate over generated text: counts matches
//! of several patterns (literals, classes, alternations, captures).
//! argv[1]: text size in KiB (default 24576).

use regex::Regex;

const WORDS: [&str; 16] = [
    "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "Sherlock", "Holmes", "Watson",
    "Baker", "street", "London", "mystery", "case",
];

fn main() {
    let kib: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("KiB"))
        .unwrap_or(24576);
    let mut x: u32 = 2463534242;
    let mut rnd = || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let mut text = String::with_capacity(kib * 1024 + 64);
    while text.len() < kib * 1024 {
        let r = rnd();
        match r % 23 {
            0 => text.push_str(&format!(
                "{}-{:03}-{:04} ",
                r % 1000,
                (r >> 10) % 1000,
                (r >> 3) % 10000
            )),
            1 => text.push_str(&format!("user{}@example{}.org ", r % 997, r % 13)),
            2 => text.push_str(".\n"),
            3 => text.push_str(&format!(
                "{}.{}.{}.{} ",
                r % 256,
                (r >> 8) % 256,
                (r >> 16) % 256,
                r >> 24
            )),
            _ => {
                text.push_str(WORDS[(r >> 5) as usize % WORDS.len()]);
                text.push(' ');
            }
        }
    }
    let patterns = [
        r"Sherlock Holmes",
        r"\b\w+ing\b|\bcase\b",
        r"[A-Z][a-z]+ [A-Z][a-z]+",
        r"(\d{3})-(\d{3})-(\d{4})",
        r"[a-z0-9]+@[a-z0-9]+\.(org|com)",
        r"(?i)watson|baker street",
        r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b",
        r"(?m)^lazy \w+",
    ];
    let mut h: u64 = 0xcbf29ce484222325;
    let mut mix = |v: u64| {
        h ^= v;
        h = h.wrapping_mul(0x100000001b3);
    };
    for p in patterns {
        let re = Regex::new(p).unwrap();
        let mut count = 0u64;
        let mut sum = 0u64;
        if re.captures_len() > 1 {
            for c in re.captures_iter(&text) {
                count += 1;
                sum += c.get(1).map_or(0, |m| m.start() as u64 + m.len() as u64);
            }
        } else {
            for m in re.find_iter(&text) {
                count += 1;
                sum += m.start() as u64;
            }
        }
        println!("{count:8} {p}");
        mix(count);
        mix(sum);
    }
    let replaced = Regex::new(r"fox|dog").unwrap().replace_all(&text, "animal");
    mix(replaced.len() as u64);
    println!("checksum: {h:016x}");
}
