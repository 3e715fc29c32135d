//! Compiles the trap landing pad (`src/core/trap.c`): `__builtin_setjmp` and
//! `__builtin_longjmp` are architecture neutral and need no libc, so the same
//! file serves hosted and bare-metal targets. It also installs the C
//! header `include/wacc.h` next to the archive (see [`install_header`]).

fn main() {
    install_header();
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

/// Copies `include/wacc.h` to the profile directory that receives
/// `libwacc_runtime_support.a` (`target/<profile>/` or
/// `target/<triple>/<profile>/`: `OUT_DIR` is `<that>/build/<pkg>-<hash>/out`),
/// so the header is found wherever the archive is.
fn install_header() {
    println!("cargo:rerun-if-changed=include/wacc.h");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let Some(profile) = out.ancestors().nth(3) else {
        return;
    };
    if out.ancestors().nth(2).and_then(|b| b.file_name()) != Some("build".as_ref()) {
        return;
    }
    let header = std::fs::read("include/wacc.h").expect("include/wacc.h");
    let dest = profile.join("wacc.h");
    if std::fs::read(&dest).ok().as_deref() != Some(&header[..]) {
        // Written under a temporary name, then renamed: a concurrent build
        // never sees a partial header.
        let tmp = profile.join(format!(".wacc.h.{}", std::process::id()));
        std::fs::write(&tmp, &header).expect("writing wacc.h");
        std::fs::rename(&tmp, &dest).expect("installing wacc.h");
    }
}
