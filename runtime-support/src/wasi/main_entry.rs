//! The entry of executables. `wacc compile --emit exe` generates a `main`
//! calling [`wacc_rt_main`] with the module's descriptor; `wacc build`
//! links one calling [`wacc_rt_main_wasi`], which also passes the options
//! baked in at build time (or [`wacc_rt_main_component`] for a WASI 0.2
//! component). It sets up the WASI host (arguments,
//! environment, preopens), instantiates the module (imports come from
//! link-time symbols), runs the `_start` export if there is one, and turns
//! failures into messages and exit statuses.
//!
//! Leading arguments `--wacc-dir=HOST[::GUEST]` and `--wacc-env=K[=V]`
//! (also as two arguments; `--wacc--` ends them) are options for the host,
//! not the guest. They add to the baked-in ones and win over them: a
//! directory with the same guest name or a variable with the same key is
//! replaced.

use crate::abi::{kind, ModuleDesc, TrapCode, VMFuncRef, VMStore, ValRaw};
use crate::core::instance::wacc_rt_instantiate;
use crate::core::store::wacc_rt_store_new;
use crate::core::trap::wacc_rt_invoke;
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
    // SAFETY: the executable's `main` passes its own `argc`/`argv` and what the compiler emitted
    // for the program (descriptor or component entries, configuration blob), per the entry contract
    // in `abi`.
    unsafe { wacc_rt_main_wasi(desc, argc, argv, core::ptr::null(), 0) }
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
    // SAFETY: the executable's `main` passes its own `argc`/`argv` and what the compiler emitted
    // for the program (descriptor or component entries, configuration blob), per the entry contract
    // in `abi`.
    unsafe {
        core::hint::black_box(&crate::wasi::preview1::FUNCTIONS);
        if let Err(status) = setup_host(argc, argv, config, config_len) {
            return status;
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
        if code == TrapCode::Exit as u32 {
            // `proc_exit` from the start function.
            return crate::wasi::EXIT_STATUS.load(core::sync::atomic::Ordering::SeqCst);
        }
        if code != 0 {
            return report(store, code, "instantiation");
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
            core::mem::transmute::<*const c_void, Option<crate::core::trap::ArrayCall>>(
                (*fr).array_call,
            ),
            values.as_mut_ptr(),
        );
        let _ = std::io::stdout().flush();
        if code == TrapCode::Exit as u32 {
            return crate::wasi::EXIT_STATUS.load(core::sync::atomic::Ordering::SeqCst);
        }
        if code != 0 {
            if code != TrapCode::InstantiationFailed as u32 && code != TrapCode::OutOfMemory as u32
            {
                if let Some(f) = wasm_function_at((*store).trap_pc) {
                    eprintln!("wasm trap in {f}: {}", trap_message(code));
                    return EXIT_TRAP;
                }
            }
            return report(store, code, "_start");
        }
        0
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
    // SAFETY: the executable's `main` passes its own `argc`/`argv` and what the compiler emitted
    // for the program (descriptor or component entries, configuration blob), per the entry contract
    // in `abi`.
    unsafe {
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
        crate::wasi::init(args, &cfg).map_err(|e| {
            eprintln!("error: {e}");
            EXIT_SETUP
        })
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
            return crate::wasi::EXIT_STATUS.load(core::sync::atomic::Ordering::SeqCst);
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
        if code == 0 {
            return if result == 0 { 0 } else { 1 };
        }
        if code == TrapCode::Exit as u32 {
            return crate::wasi::EXIT_STATUS.load(core::sync::atomic::Ordering::SeqCst);
        }
        if code == TrapCode::InstantiationFailed as u32 || code == TrapCode::OutOfMemory as u32 {
            return report(store, code, "run");
        }
        match wasm_function_at((*store).trap_pc) {
            Some(f) => eprintln!("wasm trap in {f}: {}", trap_message(code)),
            None => eprintln!("wasm trap: {}", trap_message(code)),
        }
        EXIT_TRAP
    }
}

fn flush() {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
}

fn trap_message(code: u32) -> &'static str {
    TrapCode::from_u32(code).map_or("unknown trap", |t| t.message())
}

/// `wasm function N `name`` for a code address inside a compiled wasm
/// function, from the executable's symbol table (`P_fN[_name]` symbols;
/// none if the executable is stripped).
fn wasm_function_at(pc: usize) -> Option<String> {
    if pc == 0 {
        return None;
    }
    // SAFETY: `dladdr` only inspects the loaded objects.
    let mut info: libc::Dl_info = unsafe { core::mem::zeroed() };
    // SAFETY: `dladdr` only reads the address and fills `info`, a live local.
    if unsafe { libc::dladdr(pc as *const c_void, &mut info) } == 0 {
        return None;
    }
    let off = (pc - 1).checked_sub(info.dli_fbase as usize)? as u64;
    let exe = std::fs::read("/proc/self/exe").ok()?;
    let name = elf_function_at(&exe, off)?;
    // `<prefix>_f<index>[_<escaped name>]`: the first `_f<digits>`.
    let at = name.match_indices("_f").find_map(|(i, _)| {
        let rest = &name[i + 2..];
        let n = rest.bytes().take_while(u8::is_ascii_digit).count();
        (n > 0 && (rest.len() == n || rest.as_bytes()[n] == b'_')).then_some((i, n))
    })?;
    let rest = &name[at.0 + 2..];
    let index = &rest[..at.1];
    let escaped = rest[at.1..].strip_prefix('_');
    Some(match escaped {
        Some(e) => format!("wasm function {index} `{}`", unescape(e)),
        None => format!("wasm function {index}"),
    })
}

/// Reverses the symbol escaping (`abi::symbols`).
fn unescape(s: &str) -> String {
    String::from_utf8_lossy(&crate::abi::symbols::unescape_bytes(s).collect::<Vec<u8>>())
        .into_owned()
}

/// Name of the function symbol (64-bit little-endian ELF `.symtab`)
/// covering address `off`.
fn elf_function_at(elf: &[u8], off: u64) -> Option<&str> {
    let u16_at = |o: usize| Some(u16::from_le_bytes(elf.get(o..o + 2)?.try_into().ok()?));
    let u32_at = |o: usize| Some(u32::from_le_bytes(elf.get(o..o + 4)?.try_into().ok()?));
    let u64_at = |o: usize| Some(u64::from_le_bytes(elf.get(o..o + 8)?.try_into().ok()?));
    if elf.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let shoff = u64_at(0x28)? as usize;
    let shentsize = u16_at(0x3a)? as usize;
    let shnum = u16_at(0x3c)? as usize;
    let section = |i: usize| shoff + i * shentsize;
    for i in 0..shnum {
        let sh = section(i);
        if u32_at(sh + 4)? != 2 {
            continue; // not SHT_SYMTAB
        }
        let (sym_off, sym_size) = (u64_at(sh + 0x18)? as usize, u64_at(sh + 0x20)? as usize);
        let strtab = section(u32_at(sh + 0x28)? as usize);
        let str_off = u64_at(strtab + 0x18)? as usize;
        for s in (sym_off..sym_off + sym_size).step_by(24) {
            let info = *elf.get(s + 4)?;
            let (value, size) = (u64_at(s + 8)?, u64_at(s + 16)?);
            if info & 0xf == 2 && value <= off && off < value + size {
                let name = &elf[str_off + u32_at(s)? as usize..];
                let end = name.iter().position(|&c| c == 0)?;
                return core::str::from_utf8(&name[..end]).ok();
            }
        }
    }
    None
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

fn report(store: *mut VMStore, code: u32, during: &str) -> c_int {
    let _ = std::io::stdout().flush();
    let msg = TrapCode::from_u32(code).map_or("unknown trap", |t| t.message());
    if code == TrapCode::UnsupportedCpu as u32 {
        // SAFETY: the store the failed instantiation used.
        let lacking = unsafe { (*store).trap_detail };
        let names: Vec<&str> = crate::core::cpu::names(lacking).collect();
        eprintln!(
            "error: this program was compiled for CPU features this machine lacks: {}",
            names.join(", ")
        );
        EXIT_INSTANTIATION
    } else if code == TrapCode::InstantiationFailed as u32 || code == TrapCode::OutOfMemory as u32 {
        eprintln!("error: {during} failed: {msg}");
        EXIT_INSTANTIATION
    } else {
        eprintln!("wasm trap in {during}: {msg}");
        EXIT_TRAP
    }
}
