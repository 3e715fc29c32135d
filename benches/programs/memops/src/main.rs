//! A memory.copy / memory.fill heavy kernel: copies (overlapping and not)
//! and fills of pseudo-random sizes from 8 bytes to 64 KiB in a 16 MiB
//! buffer. argv[1]: number of operations in thousands (default 800).

fn main() {
    let k: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("ops"))
        .unwrap_or(800);
    const SIZE: usize = 16 << 20;
    let mut buf = vec![0u8; SIZE];
    let mut other = vec![0u8; SIZE];
    for (i, b) in buf.iter_mut().enumerate() {
        *b = (i * 131 % 251) as u8;
    }
    let mut x: u32 = 0xdeadbeef;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x as usize
    };
    let mut h: u64 = 0xcbf29ce484222325;
    for i in 0..k * 1000 {
        let r = rnd();
        // sizes: mostly small, some large (8 B .. 64 KiB)
        let len = 8usize << (r % 14);
        let len = len + (r >> 20) % len;
        let src = rnd() % (SIZE - len);
        let dst = rnd() % (SIZE - len);
        match r % 5 {
            0 | 1 => buf.copy_within(src..src + len, dst),
            2 => other[dst..dst + len].copy_from_slice(&buf[src..src + len]),
            3 => buf[dst..dst + len].copy_from_slice(&other[src..src + len]),
            _ => buf[dst..dst + len].fill((i % 251) as u8),
        }
        if i % 1024 == 0 {
            h ^= buf[dst] as u64 ^ ((other[src] as u64) << 8);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    for chunk in buf.chunks(4096).step_by(7) {
        h ^= chunk
            .iter()
            .fold(0u64, |a, &b| a.wrapping_mul(31).wrapping_add(b as u64));
        h = h.wrapping_mul(0x100000001b3);
    }
    println!("checksum: {h:016x}");
}
