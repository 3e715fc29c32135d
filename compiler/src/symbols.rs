//! Symbol names in wacc objects. One place, so the object writer, the
//! linker checks and the documentation agree.
//!
//! Per module, with a prefix `P` chosen at compile time (`--prefix`, default
//! the input's file stem):
//! - `P_desc`         the module descriptor (`abi::ModuleDesc`): imports, exports, types
//! - `P_instantiate`  `u32 (store, const WaccImport *imports, size_t n, void **vmctx_out)`
//! - `P_call`         `u32 (vmctx, u32 export_index, ValRaw *values)`: dynamic entry
//! - `P_export_NAME`  typed entry per exported function: `u32 (vmctx,
//!   params..., result pointers...)`
//! - `P_fN_NAME`      local symbol of function N (for profilers and traces)
//!
//! Imports: `wacc_import_<len>_<module>_<name>` (see `import_symbol`).

use wacc_abi::symbols;

/// Escape a wasm name for use in a symbol: bytes outside `[A-Za-z0-9_]`
/// become `$` and two hex digits (so distinct names stay distinct; the rule
/// is the contract's, `wacc_abi::symbols`).
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    symbols::write_escaped(&mut o, s).expect("writing to a String");
    o
}

/// Link-time symbol that provides import `module`.`name`.
pub fn import_symbol(module: &str, name: &str) -> String {
    let mut o = String::new();
    symbols::write_import_symbol(&mut o, module, name).expect("writing to a String");
    o
}

/// Reverses [`escape`].
pub fn unescape(s: &str) -> String {
    String::from_utf8_lossy(&symbols::unescape_bytes(s).collect::<Vec<u8>>()).into_owned()
}

/// The (module, name) an import symbol stands for, if `sym` is one.
pub fn parse_import_symbol(sym: &str) -> Option<(String, String)> {
    let rest = sym.strip_prefix("wacc_import_")?;
    let (len, rest) = rest.split_once('_')?;
    let len: usize = len.parse().ok()?;
    let module = rest.get(..len)?;
    let name = rest.get(len..)?.strip_prefix('_')?;
    Some((unescape(module), unescape(name)))
}

/// Link-time symbol that provides component import `name`: `interface#func`
/// (or a plain function name), with the interface's semver version reduced
/// to its compatibility class, so a host provides `wasi:cli/exit@0.2` for
/// any `wasi:cli/exit@0.2.x` a guest imports.
pub fn component_import_symbol(name: &str) -> String {
    let (interface, func) = name.split_once('#').unwrap_or(("", name));
    import_symbol(&compatible_version(interface), func)
}

/// `ns:pkg/iface@1.2.3` → `@1`; `@0.2.3` → `@0.2`; `@0.0.3` stays.
pub fn compatible_version(interface: &str) -> String {
    let Some((base, version)) = interface.split_once('@') else {
        return interface.to_string();
    };
    let core = version.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    let num = |i: usize| parts.get(i).and_then(|p| p.parse::<u64>().ok());
    match (num(0), num(1), num(2), parts.len()) {
        (Some(0), Some(0), Some(_), 3) => interface.to_string(),
        (Some(0), Some(minor), Some(_), 3) if core == version => format!("{base}@0.{minor}"),
        (Some(major), Some(_), Some(_), 3) if major > 0 && core == version => {
            format!("{base}@{major}")
        }
        _ => interface.to_string(),
    }
}

/// A prefix usable in symbols, from a file stem or user input.
pub fn sanitize_prefix(s: &str) -> String {
    let mut o: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if o.is_empty() || o.starts_with(|c: char| c.is_ascii_digit()) {
        o.insert(0, '_');
    }
    o
}

pub fn desc(prefix: &str) -> String {
    format!("{prefix}_desc")
}

pub fn instantiate(prefix: &str) -> String {
    format!("{prefix}_instantiate")
}

pub fn dynamic_call(prefix: &str) -> String {
    format!("{prefix}_call")
}

pub fn export_entry(prefix: &str, export: &str) -> String {
    format!("{prefix}_export_{}", escape(export))
}

/// `P_value_NAME`: a component's root value export.
pub fn value_export(prefix: &str, export: &str) -> String {
    format!("{prefix}_value_{}", escape(export))
}

pub fn function(prefix: &str, index: u32, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("{prefix}_f{index}_{}", escape(n)),
        None => format!("{prefix}_f{index}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_import_names() {
        assert_eq!(
            component_import_symbol("wasi:cli/environment@0.2.6#get-arguments"),
            "wacc_import_32_wasi$3acli$2fenvironment$400$2e2_get$2darguments"
        );
        assert_eq!(compatible_version("a:b/c@1.4.0"), "a:b/c@1");
        assert_eq!(compatible_version("a:b/c@0.0.3"), "a:b/c@0.0.3");
        assert_eq!(compatible_version("a:b/c@0.2.0-rc.1"), "a:b/c@0.2.0-rc.1");
        assert_eq!(component_import_symbol("log"), "wacc_import_0__log");
        let s = component_import_symbol("wasi:io/streams@0.2.1#[method]output-stream.write");
        assert_eq!(
            parse_import_symbol(&s),
            Some((
                "wasi:io/streams@0.2".to_string(),
                "[method]output-stream.write".to_string()
            ))
        );
    }

    #[test]
    fn import_names() {
        assert_eq!(
            import_symbol("wasi_snapshot_preview1", "fd_write"),
            "wacc_import_22_wasi_snapshot_preview1_fd_write"
        );
        assert_eq!(import_symbol("a.b", "c d"), "wacc_import_5_a$2eb_c$20d");
        assert_ne!(import_symbol("a_1", "b"), import_symbol("a", "1_b"));
    }
}
