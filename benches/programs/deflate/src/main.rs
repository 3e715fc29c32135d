//! Deflate and inflate with miniz_oxide (zlib format, level 6) of generated
//! semi-compressible data; every round trip is verified.
//! argv[1]: data size in KiB (default 8192).

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += x as u32;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

fn main() {
    let kib: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("KiB"))
        .unwrap_or(8192);
    let mut x: u64 = 88172645463325252;
    let mut rnd = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let words: Vec<Vec<u8>> = (0..300)
        .map(|_| {
            (0..2 + rnd() % 9)
                .map(|_| b'a' + (rnd() % 26) as u8)
                .collect()
        })
        .collect();
    let mut data = Vec::with_capacity(kib * 1024);
    while data.len() < kib * 1024 {
        let r = rnd();
        if r % 10 == 0 {
            data.extend((0..r % 16).map(|i| (r >> (i * 3)) as u8));
        } else {
            data.extend_from_slice(&words[((r >> 8) % words.len() as u64) as usize]);
            data.push(if r % 7 == 0 { b'\n' } else { b' ' });
        }
    }
    data.truncate(kib * 1024);
    let mut h: u64 = 0;
    let mut total = 0usize;
    for level in [1u8, 6] {
        for part in data.chunks(1 << 20) {
            let packed = miniz_oxide::deflate::compress_to_vec_zlib(part, level);
            let unpacked = miniz_oxide::inflate::decompress_to_vec_zlib(&packed).expect("inflate");
            assert!(unpacked == part);
            total += packed.len();
            h = h.rotate_left(5) ^ adler32(&packed) as u64 ^ packed.len() as u64;
        }
    }
    println!(
        "{} bytes -> {} compressed (levels 1 and 6)",
        data.len(),
        total
    );
    println!("checksum: {h:016x}");
}
