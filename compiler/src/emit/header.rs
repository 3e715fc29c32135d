//! The typed C interface of a compiled core module (`wacc compile
//! --header`), in the manner of wasm2c's: the object's entries under
//! readable names with their C types, and one prototype per function
//! import, bound to its link-time symbol, so that a host defining an import
//! with the wrong signature fails to compile and one that forgets it fails
//! to link.
//!
//! Value types: i32 → `uint32_t`, i64 → `uint64_t`, f32 → `float`, f64 →
//! `double`. Functions over other types (v128, references) and imports
//! with several results have no C form: the header lists them in a
//! comment (they stay reachable through `P_call` and `WaccImport`).

use crate::environ::{self, ModuleInfo};
use crate::error::Result;
use crate::symbols;
use std::fmt::Write;
use wacc_abi as abi;
use wasmparser::{FuncType, ValType};

fn c_type(t: ValType) -> Option<&'static str> {
    Some(match t {
        ValType::I32 => "uint32_t",
        ValType::I64 => "uint64_t",
        ValType::F32 => "float",
        ValType::F64 => "double",
        _ => return None,
    })
}

/// A wasm name as a C identifier part: bytes outside `[A-Za-z0-9_]`
/// become `_`.
fn ident(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    }
}

/// A unique C name: `base`, or `base` with a number.
fn unique(taken: &mut std::collections::HashSet<String>, base: String) -> String {
    if taken.insert(base.clone()) {
        return base;
    }
    (2..)
        .map(|i| format!("{base}_{i}"))
        .find(|c| taken.insert(c.clone()))
        .unwrap()
}

fn sig_text(ty: &FuncType) -> String {
    let list = |ts: &[ValType]| {
        ts.iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "(param {}) (result {})",
        list(ty.params()),
        list(ty.results())
    )
}

/// The header of core module `wasm` compiled with `prefix`.
pub fn module_header(wasm: &[u8], prefix: &str) -> Result<String> {
    let info = environ::parse(wasm)?;
    Ok(header(&info, prefix))
}

fn header(info: &ModuleInfo, prefix: &str) -> String {
    let upper = prefix.to_uppercase();
    let guard = format!("{upper}_WACC_H");
    let mut taken = std::collections::HashSet::new();
    for fixed in ["instantiate", "call", "desc", "instance"] {
        taken.insert(format!("{prefix}_{fixed}"));
    }
    let mut h = String::new();
    let _ = write!(
        h,
        r#"/* The typed C interface of a core module compiled by wacc with prefix
 * `{prefix}`. Generated: do not edit; regenerate with
 * `wacc compile ... --prefix {prefix} --header FILE`.
 *
 * - `{prefix}_instantiate(store, imports, n, &instance)` creates an instance
 *   (imports may be NULL: function imports are bound at link time to the
 *   `{prefix}_import_*` functions below); wacc_rt_instance_free releases it.
 * - Every export is a function returning 0 or a trap code (WACC_TRAP_* in
 *   wacc.h) with its results written through the trailing pointers.
 * - Function imports: define each `{prefix}_import_*` function below with
 *   exactly its signature; its first parameter is the calling instance.
 *   A host function traps with wacc_rt_trap.
 * - Value types: i32 `uint32_t`, i64 `uint64_t`, f32 `float`, f64
 *   `double`; wasm names become C names with `_` for other characters.
 */
#ifndef {guard}
#define {guard}

#include <stddef.h>
#include <stdint.h>
#include "wacc.h"

#ifdef __cplusplus
extern "C" {{
#endif

/* An instance of the module. */
typedef struct {prefix}_instance {prefix}_instance;

uint32_t {inst}(WaccStore *store, const WaccImport *imports, size_t n, {prefix}_instance **instance);
uint32_t {call}({prefix}_instance *instance, uint32_t export_index, WaccValRaw *values);

"#,
        inst = symbols::instantiate(prefix),
        call = symbols::dynamic_call(prefix),
    );
    let mut skipped = vec![];
    h.push_str("/* ---- exports ---- */\n\n");
    for e in info.exports.iter().filter(|e| e.kind == abi::kind::FUNC) {
        let ty = info.func_type(e.index);
        let params: Option<Vec<&str>> = ty.params().iter().map(|t| c_type(*t)).collect();
        let results: Option<Vec<&str>> = ty.results().iter().map(|t| c_type(*t)).collect();
        let (Some(params), Some(results)) = (params, results) else {
            skipped.push(format!("export \"{}\": {}", e.name, sig_text(ty)));
            continue;
        };
        let name = unique(&mut taken, format!("{prefix}_{}", ident(&e.name)));
        let mut ps = vec![format!("{prefix}_instance *instance")];
        ps.extend(params.iter().enumerate().map(|(i, t)| format!("{t} p{i}")));
        ps.extend(
            results
                .iter()
                .enumerate()
                .map(|(i, t)| format!("{t} *r{i}")),
        );
        let _ = writeln!(
            h,
            "/* export \"{}\": {} */\nuint32_t {name}({}) __asm__(\"{}\");\n",
            e.name.replace("*/", "* /"),
            sig_text(ty),
            ps.join(", "),
            symbols::export_entry(prefix, &e.name)
        );
    }
    h.push_str("/* ---- function imports: the host defines these ---- */\n\n");
    for imp in info.imports.iter().filter(|i| i.kind == abi::kind::FUNC) {
        let ty = info.func_type(imp.index);
        let params: Option<Vec<&str>> = ty.params().iter().map(|t| c_type(*t)).collect();
        let results: Option<Vec<&str>> = ty.results().iter().map(|t| c_type(*t)).collect();
        let (Some(params), Some(results)) = (params, results) else {
            skipped.push(format!(
                "import \"{}\" \"{}\": {}",
                imp.module,
                imp.name,
                sig_text(ty)
            ));
            continue;
        };
        if results.len() > 1 {
            skipped.push(format!(
                "import \"{}\" \"{}\": {} (several results)",
                imp.module,
                imp.name,
                sig_text(ty)
            ));
            continue;
        }
        let name = unique(
            &mut taken,
            format!(
                "{prefix}_import_{}_{}",
                ident(&imp.module),
                ident(&imp.name)
            ),
        );
        let mut ps = vec!["void *caller_instance".to_string()];
        ps.extend(params.iter().enumerate().map(|(i, t)| format!("{t} p{i}")));
        let _ = writeln!(
            h,
            "/* import \"{}\" \"{}\": {} */\n{} {name}({}) __asm__(\"{}\");\n",
            imp.module.replace("*/", "* /"),
            imp.name.replace("*/", "* /"),
            sig_text(ty),
            results.first().copied().unwrap_or("void"),
            ps.join(", "),
            symbols::import_symbol(&imp.module, &imp.name)
        );
    }
    if !skipped.is_empty() {
        h.push_str("/* Without a C form here (use P_call / WaccImport):\n");
        for s in &skipped {
            let _ = writeln!(h, " *   {}", s.replace("*/", "* /"));
        }
        h.push_str(" */\n\n");
    }
    let _ = write!(
        h,
        "#ifdef __cplusplus\n}}\n#endif\n\n#endif /* {guard} */\n"
    );
    h
}
