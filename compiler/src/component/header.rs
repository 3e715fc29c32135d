//! The typed C interface of a compiled component (`wacc compile --header`):
//! one C type per component value type used at the root boundary, one typed
//! function per root export, one prototype per root import the host
//! defines, and the glue between those and the object's generic entries
//! (`P_export_NAME(ctx, args, result)`, `wacc_import_*`), so a host needs no
//! hand-written layout or prototype.
//!
//! Names (documented in the header itself): a root function `f` is
//! `P_f`; `f` of an interface `ns:pkg/iface@v` is `P_iface_f`;
//! `[constructor]r` is `r_new`, `[method]r.m` and `[static]r.m` are
//! `r_m`; kebab-case becomes snake_case. Imports the host implements are
//! `P_import_...` with the same rules. Types named in WIT keep their name
//! (`P_point_t`); anonymous ones are named by their structure
//! (`P_list_string_t`, `P_option_u32_t`). Whenever a rule would give two
//! things one name, the interface's full path is spelled out.
//!
//! The object defines `P_abi_<hash>` ([`abi_symbol`]), a hash of everything
//! the header encodes; `P_ctx_new` reads it, so a header that does not match
//! the object fails to link.

use super::boundary::{model, wit_func, Model};
use super::plan::Plan;
use crate::symbols;
use std::fmt::Write;

pub use super::boundary::abi_symbol;

/// The C header of a compiled component.
pub fn component_header(
    prefix: &str,
    plan: &Plan,
    source: &str,
    sites: &super::intercept::Sites,
) -> String {
    let Model {
        mut types,
        abi,
        export_funcs,
        import_funcs,
        values,
        value_imports,
        resource_drops,
        host_drops,
    } = model(prefix, plan);
    let upper = prefix.to_uppercase();
    let site_types = sites.header_types(&mut types);

    let mut h = String::new();
    let guard = format!("{upper}_WACC_H");
    let _ = write!(
        h,
        r#"/* The typed host interface of component `{source}`, compiled by wacc
 * with prefix `{prefix}`. Generated: do not edit; regenerate with
 * `wacc compile ... --prefix {prefix} --header FILE`.
 *
 * Values cross in the native layout (the canonical ABI memory layout with
 * 64-bit pointers); the types below are that layout, checked by static
 * assertions. Strings are UTF-8 (`WaccString`), lists `{{ptr, len}}`.
 *
 * Using it:
 * - `{prefix}_ctx_new(store, &ctx)` instantiates the component (0 or a trap
 *   code, see WACC_TRAP_* in wacc.h); `{prefix}_ctx_free(ctx)` releases it.
 * - Every export is a function returning 0 or a trap code; its result goes
 *   to `*ret`. Strings and lists in results stay valid until the next call
 *   on the same context.
 * - After a trap the context is poisoned: every later call returns
 *   WACC_TRAP_CANNOT_ENTER. Free it and make a new one.
 * - Own handles the host receives are the host's to drop
 *   (`..._drop(ctx, handle)`, which runs the resource's destructor).
 * - Imports: in exactly one C or C++ file, `#define {upper}_IMPLEMENTATION`
 *   before including this header, and define every `{prefix}_import_*`
 *   function declared below, with exactly that signature (a missing one
 *   fails to link, a mistyped one to compile). Return 0, or a trap code to
 *   make the calling export fail with it. Strings and lists in an import's
 *   result must stay valid after it returns, until the export call ends
 *   (static data, or wacc_rt_host_alloc(ctx, size, align)).
 *   `#define {upper}_OPTIONAL_IMPORTS` as well makes them optional: a
 *   missing one then fails the call with WACC_TRAP_UNRESOLVED_IMPORT.
 * - Names: root function `f` is `{prefix}_f`, `f` of interface
 *   `ns:pkg/iface@v` is `{prefix}_iface_f`; `[constructor]r` is `r_new`,
 *   `[method]r.m` and `[static]r.m` are `r_m`; kebab-case becomes
 *   snake_case; where two would clash, the interface's path is spelled out
 *   (`{prefix}_ns_pkg_iface_f`). Types keep their WIT names, anonymous ones
 *   are named by structure (`{prefix}_list_string_t`). Enum, flags and
 *   variant case constants are upper case (`{upper}_COLOR_RED`).
 */
#ifndef {guard}
#define {guard}

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif
#include "wacc.h"

#ifdef __cplusplus
extern "C" {{
#endif

#ifndef WACC_STATIC_ASSERT
#ifdef __cplusplus
#define WACC_STATIC_ASSERT(c, m) static_assert(c, m)
#define WACC_ALIGNOF(t) alignof(t)
#else
#define WACC_STATIC_ASSERT(c, m) _Static_assert(c, m)
#define WACC_ALIGNOF(t) _Alignof(t)
#endif
#endif

#ifndef WACC_STRING_DEFINED
#define WACC_STRING_DEFINED
/* string: UTF-8 bytes, not NUL-terminated */
typedef struct WaccString {{
    const char *ptr;
    uint64_t len;
}} WaccString;
#endif

/* A component context (an instance of the whole component). */
typedef struct {prefix}_ctx {prefix}_ctx;

"#
    );
    h.push_str("/* ---- types ---- */\n\n");
    h.push_str(&types.out);

    // The object's symbols, under C names.
    h.push_str("/* ---- the object's entries (use the typed functions below) ---- */\n\n");
    let _ = writeln!(
        h,
        "uint32_t {}(void *store, void **ctx);",
        symbols::instantiate(prefix)
    );
    let _ = writeln!(
        h,
        "uint32_t {}(void *ctx, uint32_t export_index, const void *args, void *result);",
        symbols::dynamic_call(prefix)
    );
    let _ = writeln!(h, "extern const unsigned char {abi}[];");
    let needs_impl = !import_funcs.is_empty() || !host_drops.is_empty();
    if !value_imports.is_empty() {
        h.push_str("\n/* Imported values: define each in one file (`const T NAME = ...;`), in the native layout. */\n");
        for (c, ty, n) in &value_imports {
            let _ = writeln!(
                h,
                "extern const {ty} {c} __asm__(\"{}\"); /* {n} */",
                symbols::component_import_symbol(n)
            );
        }
    }
    if needs_impl {
        let _ = writeln!(
            h,
            "/* defined by the file that defines {upper}_IMPLEMENTATION */\nextern const unsigned char {prefix}__imports_defined[];"
        );
    }
    for (i, f) in export_funcs.iter().enumerate() {
        let _ = writeln!(
            h,
            "uint32_t {prefix}__export{i}(void *ctx, const void *args, void *result) __asm__(\"{}\");",
            symbols::export_entry(prefix, &f.name)
        );
    }
    for (i, (_, _, n)) in values.iter().enumerate() {
        let _ = writeln!(
            h,
            "const void *{prefix}__value{i}(void *ctx) __asm__(\"{}\");",
            symbols::value_export(prefix, n)
        );
    }

    let imports_check = if needs_impl {
        format!("    /* Fails to link if no file defines {upper}_IMPLEMENTATION. */\n    (void)*(const volatile unsigned char *){prefix}__imports_defined;\n")
    } else {
        String::new()
    };
    let _ = write!(
        h,
        r#"
/* ---- the context ---- */

/* Instantiates the component in `store` (from wacc_rt_store_new()). */
static inline uint32_t {prefix}_ctx_new(WaccStore *store, {prefix}_ctx **ctx) {{
    void *c = NULL;
    uint32_t code;
    /* Fails to link if the object was compiled from another interface. */
    (void)*(const volatile unsigned char *){abi};
{imports_check}    code = {prefix}_instantiate(store, &c);
    *ctx = ({prefix}_ctx *)c;
    return code;
}}

/* Releases a context and every resource the host still owns in it. */
static inline void {prefix}_ctx_free({prefix}_ctx *ctx) {{
    wacc_rt_component_free(ctx);
}}

/* A pointer of the host's, for import implementations (NULL at first). */
static inline void {prefix}_ctx_set_user_data({prefix}_ctx *ctx, void *data) {{
    wacc_rt_component_set_user_data(ctx, data);
}}

static inline void *{prefix}_ctx_user_data({prefix}_ctx *ctx) {{
    return wacc_rt_component_user_data(ctx);
}}

/* ---- exports ---- */

"#
    );
    for (i, f) in export_funcs.iter().enumerate() {
        let _ = writeln!(h, "/* {}: {} */", f.name, wit_func(&f.ty, &types));
        let _ = writeln!(
            h,
            "static inline uint32_t {}({}) {{",
            f.c_name,
            f.c_params(prefix)
        );
        let args = match &f.args {
            Some(a) => {
                let _ = writeln!(h, "    {a} args;");
                for (n, _) in &f.params {
                    let _ = writeln!(h, "    args.{n} = {n};");
                }
                "&args"
            }
            None => "NULL",
        };
        let ret = if f.result.is_some() { "ret" } else { "NULL" };
        let _ = writeln!(
            h,
            "    return {prefix}__export{i}(ctx, {args}, {ret});\n}}\n"
        );
    }
    for (i, (c_name, ty, n)) in values.iter().enumerate() {
        let _ = writeln!(
            h,
            "/* value export {n}: valid as long as the context */\nstatic inline const {ty} *{c_name}({prefix}_ctx *ctx) {{\n    return (const {ty} *){prefix}__value{i}(ctx);\n}}\n"
        );
    }
    for (r, drop) in &resource_drops {
        let stem = &types.resources[r];
        let _ = writeln!(
            h,
            "/* Drops an own handle the host holds (runs the destructor). 0 or a trap code. */\nstatic inline uint32_t {drop}({prefix}_ctx *ctx, {stem}_own_t handle) {{\n    return wacc_rt_component_resource_drop(ctx, {r}, handle.handle);\n}}\n"
        );
    }

    if needs_impl {
        h.push_str("/* ---- imports: the host defines these ---- */\n\n");
        let _ = writeln!(
            h,
            "#ifdef {upper}_OPTIONAL_IMPORTS\n#define {upper}__IMPORT __attribute__((weak))\n#else\n#define {upper}__IMPORT\n#endif\n"
        );
        for f in &import_funcs {
            let _ = writeln!(h, "/* {}: {} */", f.name, wit_func(&f.ty, &types));
            let _ = writeln!(
                h,
                "{upper}__IMPORT uint32_t {}({});\n",
                f.c_name,
                f.c_params(prefix)
            );
        }
        for (_, n, c) in &host_drops {
            let _ = writeln!(
                h,
                "/* {n}: the guest dropped its last handle to `rep` */\n{upper}__IMPORT void {c}({prefix}_ctx *ctx, uint32_t rep);\n"
            );
        }
    }
    if needs_impl {
        let _ = writeln!(
            h,
            "/* ---- glue from the object's import symbols to the functions above ---- */\n#ifdef {upper}_IMPLEMENTATION\nconst unsigned char {prefix}__imports_defined[1] = {{0}};\n"
        );
        for (i, f) in import_funcs.iter().enumerate() {
            let glue = format!("{prefix}__import{i}");
            let _ = writeln!(
                h,
                "uint32_t {glue}(void *ctx, const void *args, void *result) __asm__(\"{}\");",
                symbols::component_import_symbol(&f.name)
            );
            let _ = writeln!(
                h,
                "uint32_t {glue}(void *ctx, const void *args, void *result) {{"
            );
            let mut call = vec![format!("({prefix}_ctx *)ctx")];
            match &f.args {
                Some(a) => {
                    let _ = writeln!(h, "    const {a} *a = (const {a} *)args;");
                    call.extend(f.params.iter().map(|(n, _)| format!("a->{n}")));
                }
                None => {
                    let _ = writeln!(h, "    (void)args;");
                }
            }
            match &f.result {
                Some(r) => call.push(format!("({r} *)result")),
                None => {
                    let _ = writeln!(h, "    (void)result;");
                }
            }
            let _ = writeln!(
                h,
                "#ifdef {upper}_OPTIONAL_IMPORTS\n    if (!{c}) return WACC_TRAP_UNRESOLVED_IMPORT;\n#endif\n    return {c}({});\n}}\n",
                call.join(", "),
                c = f.c_name
            );
        }
        for (i, (_, n, c)) in host_drops.iter().enumerate() {
            let (iface, res) = n.rsplit_once('#').unwrap_or(("", n));
            let sym = symbols::component_import_symbol(&format!("{iface}#[resource-drop]{res}"));
            let glue = format!("{prefix}__drop{i}");
            let _ = writeln!(
                h,
                "void {glue}(void *ctx, uint32_t rep) __asm__(\"{sym}\");\nvoid {glue}(void *ctx, uint32_t rep) {{\n#ifdef {upper}_OPTIONAL_IMPORTS\n    if (!{c}) return;\n#endif\n    {c}(({prefix}_ctx *)ctx, rep);\n}}\n"
            );
        }
        let _ = writeln!(h, "#endif /* {upper}_IMPLEMENTATION */\n");
    }
    sites.header_section(prefix, &site_types, &mut h);
    let _ = write!(
        h,
        "#ifdef __cplusplus\n}}\n#endif\n\n#endif /* {guard} */\n"
    );
    h
}

/// The header of component `wasm` without compiling it (front end and plan
/// only), and the number of its root function exports.
pub fn header_of(wasm: &[u8], prefix: &str) -> crate::error::Result<(String, usize)> {
    let parsed = super::front::parse(wasm)?;
    let plan = super::plan::plan(wasm, &parsed)?;
    let sites = super::intercept::Sites::default();
    Ok((
        component_header(prefix, &plan, prefix, &sites),
        plan.exports.len(),
    ))
}
