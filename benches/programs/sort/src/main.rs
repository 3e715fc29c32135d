//! Sorting: unstable sort of u64 keys, stable sort of records by a key,
//! and sorting of short strings. argv[1]: number of elements (default 5000000).

#[derive(Clone)]
struct Rec {
    key: u32,
    id: u32,
    weight: f64,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("n"))
        .unwrap_or(5_000_000);
    let mut rng = Rng(0x9E3779B97F4A7C15);
    let mut h: u64 = 0xcbf29ce484222325;
    let mut mix = |v: u64| {
        h ^= v;
        h = h.wrapping_mul(0x100000001b3);
    };

    let mut keys: Vec<u64> = (0..n).map(|_| rng.next()).collect();
    keys.sort_unstable();
    for (i, k) in keys.iter().enumerate().step_by(97) {
        mix(*k ^ i as u64);
    }
    assert!(keys.windows(2).all(|w| w[0] <= w[1]));

    let mut recs: Vec<Rec> = (0..n / 2)
        .map(|i| Rec {
            key: (rng.next() % 1000) as u32,
            id: i as u32,
            weight: (rng.next() % 10000) as f64 / 7.0,
        })
        .collect();
    recs.sort_by(|a, b| a.key.cmp(&b.key));
    for r in recs.iter().step_by(89) {
        mix(((r.key as u64) << 32) | r.id as u64);
    }
    recs.sort_by(|a, b| b.weight.partial_cmp(&a.weight).unwrap());
    for r in recs.iter().step_by(83) {
        mix(r.id as u64);
    }

    let mut words: Vec<String> = (0..n / 8)
        .map(|_| {
            let len = 3 + (rng.next() % 10) as usize;
            (0..len)
                .map(|_| (b'a' + (rng.next() % 6) as u8) as char)
                .collect()
        })
        .collect();
    words.sort();
    for w in words.iter().step_by(101) {
        for b in w.bytes() {
            mix(b as u64);
        }
    }
    println!(
        "sorted {} keys, {} records, {} strings",
        keys.len(),
        recs.len(),
        words.len()
    );
    println!("checksum: {h:016x}");
}
