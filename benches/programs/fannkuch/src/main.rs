//! fannkuch-redux: all permutations of 1..=n, counting pancake flips.
//! argv[1]: n (default 10). Runs the full count `reps` times (argv[2], default 3).

fn fannkuch(n: usize) -> (i64, i32) {
    let mut perm = vec![0i32; n];
    let mut perm1: Vec<i32> = (0..n as i32).collect();
    let mut count = vec![0i32; n];
    let mut max_flips = 0;
    let mut checksum: i64 = 0;
    let mut perm_count: i64 = 0;
    let mut r = n;
    loop {
        while r != 1 {
            count[r - 1] = r as i32;
            r -= 1;
        }
        perm.copy_from_slice(&perm1);
        let mut flips = 0;
        let mut k = perm[0];
        while k != 0 {
            let k2 = (k as usize + 1) >> 1;
            for i in 0..k2 {
                perm.swap(i, k as usize - i);
            }
            flips += 1;
            k = perm[0];
        }
        max_flips = max_flips.max(flips);
        checksum += if perm_count % 2 == 0 {
            flips as i64
        } else {
            -(flips as i64)
        };
        loop {
            if r == n {
                return (checksum, max_flips);
            }
            let perm0 = perm1[0];
            for i in 0..r {
                perm1[i] = perm1[i + 1];
            }
            perm1[r] = perm0;
            count[r] -= 1;
            if count[r] > 0 {
                break;
            }
            r += 1;
        }
        perm_count += 1;
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map(|s| s.parse().expect("n")).unwrap_or(10);
    let reps: usize = args.get(2).map(|s| s.parse().expect("reps")).unwrap_or(3);
    let mut total: i64 = 0;
    let mut result = (0, 0);
    for _ in 0..reps {
        result = fannkuch(n);
        total = total.wrapping_mul(31).wrapping_add(result.0);
    }
    println!("{}\nPfannkuchen({}) = {}", result.0, n, result.1);
    println!("checksum: {total:016x}");
}
