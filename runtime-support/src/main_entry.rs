//! The entry of executables built by `wacc compile --emit exe`: the
//! generated `main` calls [`wacc_rt_main`] with the module's descriptor.
//! It instantiates the module (imports come from link-time symbols), runs
//! the `_start` export if there is one, and turns failures into messages
//! and exit statuses.

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

#[no_mangle]
pub unsafe extern "C" fn wacc_rt_main(
    desc: *const ModuleDesc,
    _argc: c_int,
    _argv: *const *const c_char,
) -> c_int {
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
    if code != 0 {
        return report(code, "_start");
    }
    0
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
