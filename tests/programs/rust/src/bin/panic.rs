//! Panics (the wasm32-wasip1 panic aborts: an `unreachable` trap).
fn main() {
    println!("before the panic");
    let v: Vec<u32> = std::env::args().map(|a| a.len() as u32).collect();
    let i = v.len() + 10;
    println!("{}", v[i]);
}
