//! Arguments (after the program name) and the whole environment, sorted.
fn main() {
    println!("hello, world");
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("args: {args:?}");
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    env.sort();
    for (k, v) in env {
        println!("env {k}={v}");
    }
}
