//! Clocks, sleeping, randomness and poll_oneoff through std, and (built for
//! wasm32-wasip1) the raw preview1 functions.
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[cfg(target_env = "p1")]
#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    fn random_get(buf: *mut u8, len: usize) -> u16;
    fn clock_res_get(id: u32, out: *mut u64) -> u16;
    fn clock_time_get(id: u32, precision: u64, out: *mut u64) -> u16;
    fn sched_yield() -> u16;
    fn proc_raise(sig: u8) -> u16;
    fn sock_shutdown(fd: u32, how: u8) -> u16;
}

fn main() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    println!("realtime after 2024: {}", now.as_secs() > 1_704_067_200);
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_millis(30));
    let dt = t0.elapsed();
    println!("slept at least 30ms: {}", dt >= Duration::from_millis(30));
    println!("slept less than 5s: {}", dt < Duration::from_secs(5));
    #[cfg(target_env = "p1")]
    raw_preview1();
    let mut m = std::collections::HashMap::new();
    m.insert("k", 1);
    println!("hashmap: {:?}", m.get("k"));
}

#[cfg(target_env = "p1")]
fn raw_preview1() {
    let mut res = 0u64;
    let r = unsafe { clock_res_get(1, &mut res) };
    println!("monotonic resolution: errno {r}, positive {}", res > 0);
    let r = unsafe { clock_time_get(9, 0, &mut res) };
    println!("bad clock id: errno {r}");
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    let ra = unsafe { random_get(a.as_mut_ptr(), a.len()) };
    let rb = unsafe { random_get(b.as_mut_ptr(), b.len()) };
    println!(
        "random: errno {ra} {rb}, differ {}, nonzero {}",
        a != b,
        a.iter().any(|&x| x != 0)
    );
    let big = unsafe { random_get(0xffff_fff0usize as *mut u8, 64) };
    println!("random out of bounds: errno {big}");
    println!("sched_yield: errno {}", unsafe { sched_yield() });
    println!("proc_raise: errno {}", unsafe { proc_raise(6) });
    println!("sock_shutdown on stdout: errno {}", unsafe {
        sock_shutdown(1, 2)
    });
    println!("sock_shutdown on bad fd: errno {}", unsafe {
        sock_shutdown(99, 2)
    });
}
