//! Running a core module as a program (`std` only): [`wacc_rt_main`], the
//! `main` of `wacc compile --emit exe` executables, and what every
//! executable entry shares (exit statuses, trap reports naming the wasm
//! function, the status `proc_exit` asked for).
//!
//! Nothing here refers to the WASI host, so an executable of a module
//! without WASI imports does not link it. A preview1 module's imports link
//! the host functions it uses, and the host sets itself up on first use
//! from the command line [`wacc_rt_main`] recorded ([`arguments`]): leading
//! `--wacc-dir` / `--wacc-env` options, then the guest's arguments. The
//! entries of `wacc build` executables (`crate::wasi::main_entry`) set the
//! host up before the program starts.

use crate::abi::{kind, ModuleDesc, TrapCode, VMFuncRef, VMStore, ValRaw};
use crate::core::instance::wacc_rt_instantiate;
use crate::core::store::wacc_rt_store_new;
use crate::core::trap::wacc_rt_invoke;
use core::ffi::{c_char, c_int, c_void};
use core::sync::atomic::{AtomicI32, Ordering};
use std::io::Write;
use std::sync::Mutex;

/// Exit status when wasm code traps (as an aborted process would report).
pub const EXIT_TRAP: c_int = 134;
/// Exit status when the module cannot be instantiated (missing imports, out of memory).
pub const EXIT_INSTANTIATION: c_int = 70;

/// Exit status when the host cannot be set up (a preopen cannot be opened).
pub const EXIT_SETUP: c_int = 70;

/// Status requested by `proc_exit` / `wasi:cli/exit`, read after the exit
/// unwinds out of wasm.
pub static EXIT_STATUS: AtomicI32 = AtomicI32::new(0);

/// The command line of a program [`wacc_rt_main`] runs, until the WASI
/// host takes it.
static ARGUMENTS: Mutex<Option<Vec<Vec<u8>>>> = Mutex::new(None);

/// Takes the command line [`wacc_rt_main`] was given (`argv[0]` first),
/// once; `None` if it did not run the program.
pub fn arguments() -> Option<Vec<Vec<u8>>> {
    ARGUMENTS.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// The `main` of an executable built from a core module: instantiates
/// `desc` with its link-time imports and runs its `_start` export, if it
/// has one. Returns the exit status.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_main(
    desc: *const ModuleDesc,
    argc: c_int,
    argv: *const *const c_char,
) -> c_int {
    // SAFETY: the executable's `main` passes its own `argc`/`argv` and the
    // descriptor the compiler emitted, per the entry contract in `abi`.
    unsafe {
        *ARGUMENTS.lock().unwrap_or_else(|p| p.into_inner()) = Some(command_line(argc, argv));
        run_module(desc)
    }
}

/// `argv[..argc]` (up to a null entry) as byte strings.
pub(crate) unsafe fn command_line(argc: c_int, argv: *const *const c_char) -> Vec<Vec<u8>> {
    // SAFETY: `argv` holds `argc` pointers to NUL-terminated strings, as
    // C's `main` receives them.
    unsafe {
        (0..argc.max(0) as usize)
            .map(|i| *argv.add(i))
            .take_while(|p| !p.is_null())
            .map(|p| core::ffi::CStr::from_ptr(p).to_bytes().to_vec())
            .collect()
    }
}

/// Instantiates `desc` in a new store and runs its `_start` export;
/// returns the exit status. Unresolved imports are reported by name.
pub(crate) unsafe fn run_module(desc: *const ModuleDesc) -> c_int {
    // SAFETY: `desc` is a descriptor the compiler emitted (the entry contract in `abi`).
    unsafe {
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
            return EXIT_STATUS.load(Ordering::SeqCst);
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
            return EXIT_STATUS.load(Ordering::SeqCst);
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

pub(crate) fn flush() {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
}

pub(crate) fn trap_message(code: u32) -> &'static str {
    TrapCode::from_u32(code).map_or("unknown trap", |t| t.message())
}

/// `wasm function N `name`` for a code address inside a compiled wasm
/// function, from the executable's symbol table (`P_fN[_name]` symbols;
/// none if the executable is stripped).
pub(crate) fn wasm_function_at(pc: usize) -> Option<String> {
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

/// Reports a failed instantiation or call that did not trap in a wasm
/// function; returns the exit status.
pub(crate) fn report(store: *mut VMStore, code: u32, during: &str) -> c_int {
    let _ = std::io::stdout().flush();
    let msg = trap_message(code);
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
