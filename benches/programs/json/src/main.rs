//! JSON with serde_json: build a document of records, serialise it, parse
//! it back both as typed structs and as `serde_json::Value`, and serialise
//! the value again (pretty). argv[1]: number of records (default 20000);
//! the cycle runs 5 times.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Item {
    id: u64,
    name: String,
    tags: Vec<String>,
    price: f64,
    active: bool,
    position: Point,
    note: Option<String>,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Point {
    x: i32,
    y: i32,
    z: f64,
}

const WORDS: [&str; 12] = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "épsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda \"mu\"",
    "nu\n",
];

fn fnv(bytes: &[u8], mut h: u64) -> u64 {
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("n"))
        .unwrap_or(20000);
    let mut seed: u32 = 12345;
    let mut rnd = || {
        seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
        seed >> 8
    };
    let items: Vec<Item> = (0..n)
        .map(|i| Item {
            id: i as u64 * 7919,
            name: format!("{}-{}", WORDS[rnd() as usize % 12], i),
            tags: (0..rnd() % 5)
                .map(|_| WORDS[rnd() as usize % 12].to_string())
                .collect(),
            price: (rnd() % 100000) as f64 / 64.0,
            active: rnd() % 2 == 0,
            position: Point {
                x: rnd() as i32 % 1000 - 500,
                y: rnd() as i32 % 1000,
                z: (rnd() % 65536) as f64 / 1024.0,
            },
            note: if rnd() % 3 == 0 {
                Some(format!("note {}", rnd()))
            } else {
                None
            },
        })
        .collect();
    let mut h: u64 = 0xcbf29ce484222325;
    let mut total = 0.0;
    for _ in 0..5 {
        let text = serde_json::to_string(&items).unwrap();
        h = fnv(text.as_bytes(), h);
        let back: Vec<Item> = serde_json::from_str(&text).unwrap();
        assert!(back == items);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        for v in value.as_array().unwrap() {
            total += v["price"].as_f64().unwrap() + v["tags"].as_array().unwrap().len() as f64;
        }
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        h = fnv(pretty.as_bytes(), h);
    }
    println!("{} items, total {total:.2}", items.len());
    println!("checksum: {h:016x}");
}
