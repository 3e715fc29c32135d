//! The entries of WASI programs, which `wacc build` links into
//! executables: [`wacc_rt_main_wasi`] for a preview1 core module (with the
//! options baked in at build time), [`wacc_rt_main_component`] for a WASI
//! 0.2 component. Each sets up the WASI host (arguments, environment,
//! preopens) before the program starts, then runs it as
//! [`crate::program`] does (imports come from link-time symbols) and turns
//! failures into messages and exit statuses. [`crate::program`]'s
//! `wacc_rt_main` (`wacc compile --emit exe`) links no WASI; when its
//! module imports WASI, the host sets itself up on first use
//! ([`setup_from_program`]).
//!
//! Leading arguments `--wacc-dir=HOST[::GUEST]` and `--wacc-env=K[=V]`
//! (also as two arguments; `--wacc--` ends them) are options for the host,
//! not the guest. They add to the baked-in ones and win over them: a
//! directory with the same guest name or a variable with the same key is
//! replaced.

use crate::abi::{ModuleDesc, TrapCode, VMStore};
use crate::core::store::wacc_rt_store_new;
use crate::program::{flush, report, trap_message, wasm_function_at, EXIT_STATUS};
use core::ffi::{c_char, c_int, c_void};

// The paths of these before the entry of plain modules moved out.
pub use crate::program::{wacc_rt_main, EXIT_INSTANTIATION, EXIT_SETUP, EXIT_TRAP};

/// [`wacc_rt_main`] with build-time options: `config[..config_len]` holds
/// NUL-terminated records `dir=HOST[::GUEST]` and `env=K[=V]`.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_main_wasi(
    desc: *const ModuleDesc,
    argc: c_int,
    argv: *const *const c_char,
    config: *const u8,
    config_len: usize,
) -> c_int {
    // SAFETY: the executable's `main` passes its own `argc`/`argv` and what the compiler emitted
    // for the program (descriptor, configuration blob), per the entry contract in `abi`.
    unsafe {
        core::hint::black_box(&crate::wasi::preview1::FUNCTIONS);
        if let Err(status) = setup_host(argc, argv, config, config_len) {
            return status;
        }
        crate::program::run_module(desc)
    }
}

/// Sets up the WASI host from the build-time `config` blob and the
/// command line (host options removed from the guest's arguments).
unsafe fn setup_host(
    argc: c_int,
    argv: *const *const c_char,
    config: *const u8,
    config_len: usize,
) -> Result<(), c_int> {
    // SAFETY: the executable's `main` passes its own `argc`/`argv` and the configuration blob
    // the compiler emitted, per the entry contract in `abi`.
    unsafe {
        let blob = if config.is_null() {
            &[][..]
        } else {
            core::slice::from_raw_parts(config, config_len)
        };
        setup(crate::program::command_line(argc, argv), blob)
    }
}

/// Sets up the WASI host from a command line and a configuration blob;
/// the exit status if it cannot be (the message is printed).
fn setup(mut args: Vec<Vec<u8>>, blob: &[u8]) -> Result<(), c_int> {
    let mut cfg = crate::wasi::Config::default();
    cfg.add_blob(blob);
    take_host_options(&mut args, &mut cfg);
    crate::wasi::init(args, &cfg).map_err(|e| {
        eprintln!("error: {e}");
        EXIT_SETUP
    })
}

/// Sets up the WASI host for a program `wacc_rt_main` runs, from the
/// command line it recorded (no baked-in options), if it runs one. A
/// preopen that cannot be opened ends the process as
/// [`wacc_rt_main_wasi`] would before starting the program.
pub(crate) fn setup_from_program() {
    let Some(args) = crate::program::arguments() else {
        return;
    };
    if let Err(status) = setup(args, &[]) {
        flush();
        // SAFETY: ends the process; the guest has not run host code yet.
        // (`std::process::exit` would link the runtime's cleanup.)
        unsafe { libc::exit(status) }
    }
}

/// The entry of a WASI 0.2 command component: sets up the host like
/// [`wacc_rt_main_wasi`] (same options, same preopens), instantiates the
/// component with `instantiate` (its `P_instantiate`) and calls `run`, the
/// entry of its `wasi:cli/run#run` export (null if it has none). `run`
/// returning `ok` exits with 0, `err` with 1, `wasi:cli/exit#exit` with
/// the status it asked for.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_main_component(
    instantiate: unsafe extern "C" fn(*mut VMStore, *mut *mut c_void) -> u32,
    run: Option<unsafe extern "C" fn(*mut c_void, *const u8, *mut u8) -> u32>,
    argc: c_int,
    argv: *const *const c_char,
    config: *const u8,
    config_len: usize,
) -> c_int {
    // SAFETY: the executable's `main` passes its own `argc`/`argv` and what the compiler emitted
    // for the program (descriptor or component entries, configuration blob), per the entry contract
    // in `abi`.
    unsafe {
        core::hint::black_box(&crate::wasi::preview2::FUNCTIONS);
        if let Err(status) = setup_host(argc, argv, config, config_len) {
            return status;
        }
        let store = wacc_rt_store_new();
        let mut ctx: *mut c_void = core::ptr::null_mut();
        let code = instantiate(store, &mut ctx);
        if code == TrapCode::Exit as u32 {
            flush();
            return EXIT_STATUS.load(core::sync::atomic::Ordering::SeqCst);
        }
        if code != 0 {
            return report(store, code, "instantiation");
        }
        let Some(run) = run else {
            flush();
            eprintln!("error: the component has no `wasi:cli/run` export");
            return EXIT_INSTANTIATION;
        };
        // `result` with no payloads: one discriminant byte.
        let mut result: u8 = 0;
        let code = run(ctx, core::ptr::null(), &mut result);
        flush();
        // A component built with a policy reports its statistics at exit.
        crate::component::intercept::print_stats(ctx);
        if code == 0 {
            return if result == 0 { 0 } else { 1 };
        }
        if code == TrapCode::Exit as u32 {
            return EXIT_STATUS.load(core::sync::atomic::Ordering::SeqCst);
        }
        if code == TrapCode::InstantiationFailed as u32 || code == TrapCode::OutOfMemory as u32 {
            return report(store, code, "run");
        }
        if code == TrapCode::Denied as u32 || code == TrapCode::HookRefused as u32 {
            // The policy's message: which crossing, which rule or hook code.
            let why =
                core::ffi::CStr::from_ptr(crate::component::wacc_rt_component_last_error(ctx));
            eprintln!("error: {}", why.to_string_lossy());
            return EXIT_TRAP;
        }
        match wasm_function_at((*store).trap_pc) {
            Some(f) => eprintln!("wasm trap in {f}: {}", trap_message(code)),
            None => eprintln!("wasm trap: {}", trap_message(code)),
        }
        EXIT_TRAP
    }
}

/// Removes the leading host options (see the module docs) from `args`
/// (after `args[0]`) into `cfg`.
fn take_host_options(args: &mut Vec<Vec<u8>>, cfg: &mut crate::wasi::Config) {
    let mut i = 1;
    while i < args.len() {
        let a = &args[i];
        if a == b"--wacc--" {
            i += 1;
            break;
        }
        let (opt, inline) = match a.iter().position(|&b| b == b'=') {
            Some(p) => (&a[..p], Some(a[p + 1..].to_vec())),
            None => (&a[..], None),
        };
        let is_dir = opt == b"--wacc-dir";
        if !is_dir && opt != b"--wacc-env" {
            break;
        }
        let value = match inline {
            Some(v) => v,
            None if i + 1 < args.len() => {
                i += 1;
                args[i].clone()
            }
            None => break,
        };
        if is_dir {
            cfg.add_dir(&value);
        } else {
            cfg.add_env(&value);
        }
        i += 1;
    }
    if args.len() > 1 {
        args.drain(1..i.min(args.len()));
    }
}
