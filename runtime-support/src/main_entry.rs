//! The entry of executables. `wacc compile --emit exe` generates a `main`
//! calling [`wacc_rt_main`] with the module's descriptor; `wacc build`
//! links one calling [`wacc_rt_main_wasi`], which also passes the options
//! baked in at build time. It sets up the WASI host (arguments,
//! environment, preopens), instantiates the module (imports come from
//! link-time symbols), runs the `_start` export if there is one, and turns
//! failures into messages and exit statuses.
//!
//! Leading arguments `--wacc-dir=HOST[::GUEST]` and `--wacc-env=K[=V]`
//! (also as two arguments; `--wacc--` ends them) are options for the host,
//! not the guest. They add to the baked-in ones and win over them: a
//! directory with the same guest name or a variable with the same key is
//! replaced.

use crate::abi::{kind, ModuleDesc, TrapCode, VMFuncRef, ValRaw};
use crate::instance::wacc_rt_instantiate;
use crate::store::wacc_rt_store_new;
use crate::trap::wacc_rt_invoke;
use core::ffi::{c_char, c_int, c_void};
use std::io::Write;

/// Exit status when wasm code traps (as an aborted process would report).
pub const EXIT_TRAP: c_int = 134;
/// Exit status when the module cannot be instantiated (missing imports, out of memory).
pub const EXIT_INSTANTIATION: c_int = 70;

/// Exit status when the host cannot be set up (a preopen cannot be opened).
pub const EXIT_SETUP: c_int = 70;

#[no_mangle]
pub unsafe extern "C" fn wacc_rt_main(
    desc: *const ModuleDesc,
    argc: c_int,
    argv: *const *const c_char,
) -> c_int {
    wacc_rt_main_wasi(desc, argc, argv, core::ptr::null(), 0)
}

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
    core::hint::black_box(&crate::wasi::FUNCTIONS);
    let mut cfg = crate::wasi::Config::default();
    if !config.is_null() {
        cfg.add_blob(core::slice::from_raw_parts(config, config_len));
    }
    let mut args: Vec<Vec<u8>> = (0..argc.max(0) as usize)
        .map(|i| *argv.add(i))
        .take_while(|p| !p.is_null())
        .map(|p| core::ffi::CStr::from_ptr(p).to_bytes().to_vec())
        .collect();
    take_host_options(&mut args, &mut cfg);
    if let Err(e) = crate::wasi::init(args, &cfg) {
        eprintln!("error: {e}");
        return EXIT_SETUP;
    }
    let d = &*desc;
    let missing: Vec<String> = (0..d.num_imports as usize)
        .map(|i| &*d.imports.add(i))
        .filter(|imp| imp.link_symbol.is_null())
        .map(|imp| {
            format!(
                "{}::{}",
                String::from_utf8_lossy(imp.module.as_bytes()),
                String::from_utf8_lossy(imp.name.as_bytes())
            )
        })
        .collect();
    if !missing.is_empty() {
        eprintln!("error: unresolved imports: {}", missing.join(", "));
        return EXIT_INSTANTIATION;
    }
    let store = wacc_rt_store_new();
    let mut vmctx: *mut c_void = core::ptr::null_mut();
    let code = wacc_rt_instantiate(store, desc, core::ptr::null(), 0, &mut vmctx);
    if code != 0 {
        return report(code, "instantiation");
    }
    let start = (0..d.num_exports as usize)
        .map(|i| &*d.exports.add(i))
        .find(|e| e.kind == kind::FUNC && e.name.as_bytes() == b"_start");
    let Some(start) = start else { return 0 };
    let fr = vmctx
        .cast::<u8>()
        .add(d.off_funcrefs as usize + size_of::<VMFuncRef>() * start.index as usize)
        .cast::<VMFuncRef>();
    let ty = *d.func_types.add(start.index as usize);
    let sig = &*d.types.add(ty as usize);
    if sig.params.len != 0 || sig.results.len != 0 {
        eprintln!("error: export `_start` must take no parameters and return nothing");
        return EXIT_INSTANTIATION;
    }
    let mut values = [ValRaw::default()];
    let code = wacc_rt_invoke(
        (*fr).vmctx,
        core::mem::transmute((*fr).array_call),
        values.as_mut_ptr(),
    );
    let _ = std::io::stdout().flush();
    if code == TrapCode::Exit as u32 {
        return crate::wasi::EXIT_STATUS.load(core::sync::atomic::Ordering::SeqCst);
    }
    if code != 0 {
        return report(code, "_start");
    }
    0
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

fn report(code: u32, during: &str) -> c_int {
    let _ = std::io::stdout().flush();
    let msg = TrapCode::from_u32(code).map_or("unknown trap", |t| t.message());
    if code == TrapCode::InstantiationFailed as u32 || code == TrapCode::OutOfMemory as u32 {
        eprintln!("error: {during} failed: {msg}");
        EXIT_INSTANTIATION
    } else {
        eprintln!("wasm trap in {during}: {msg}");
        EXIT_TRAP
    }
}
