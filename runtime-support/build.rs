//! Compiles the trap landing pad (`src/core/trap.c`): `__builtin_setjmp` and
//! `__builtin_longjmp` are architecture neutral and need no libc, so the same
//! file serves hosted and bare-metal targets.

fn main() {
    println!("cargo:rerun-if-changed=src/core/trap.c");
    let mut build = cc::Build::new();
    build.file("src/core/trap.c").opt_level(2).warnings(true);
    // Rust's riscv64gc targets use the hard-float ABI; a C compiler may
    // default to soft float for bare metal, and the two cannot be linked.
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if arch == "riscv64" {
        build.flag("-march=rv64gc").flag("-mabi=lp64d");
    }
    build.compile("wacc_trap");
}
