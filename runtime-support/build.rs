//! Compiles the trap landing pad (`src/trap.c`): `__builtin_setjmp` and
//! `__builtin_longjmp` are architecture neutral and need no libc, so the same
//! file serves hosted and bare-metal targets.

fn main() {
    println!("cargo:rerun-if-changed=src/trap.c");
    cc::Build::new()
        .file("src/trap.c")
        .opt_level(2)
        .warnings(true)
        .compile("wacc_trap");
}
