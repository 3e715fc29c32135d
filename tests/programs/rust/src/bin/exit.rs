//! Exits with the status given as the first argument, after some output
//! that must not be lost.
fn main() {
    let code: i32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    print!("partial line before exit ");
    println!("with {code}");
    eprintln!("to stderr");
    std::process::exit(code);
}
