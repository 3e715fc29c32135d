//! Symbol names shared by objects, the runtime and hosts.
//!
//! Wasm names become symbol names by escaping: bytes outside
//! `[A-Za-z0-9_]` become `$` and two lowercase hex digits, so distinct names
//! stay distinct. An import `module`.`name` is provided by the symbol
//! `wacc_import_<len>_<module>_<name>`, `<len>` being the length of the
//! escaped module name. Written against `core::fmt::Write` so the `no_std`
//! runtime needs no allocator for it.

use core::fmt::{self, Write};

/// Writes `s` escaped.
pub fn write_escaped(out: &mut impl Write, s: &str) -> fmt::Result {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' {
            out.write_char(b as char)?;
        } else {
            write!(out, "${b:02x}")?;
        }
    }
    Ok(())
}

/// The length of `s` escaped.
pub fn escaped_len(s: &str) -> usize {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'_' {
                1
            } else {
                3
            }
        })
        .sum()
}

/// Writes the symbol that provides import `module`.`name`.
pub fn write_import_symbol(out: &mut impl Write, module: &str, name: &str) -> fmt::Result {
    write!(out, "wacc_import_{}_", escaped_len(module))?;
    write_escaped(out, module)?;
    out.write_char('_')?;
    write_escaped(out, name)
}

/// Reverses [`write_escaped`]: the bytes of the name `s` stands for, one at
/// a time. A `$` not followed by two hex digits stands for itself.
pub fn unescape_bytes(s: &str) -> impl Iterator<Item = u8> + '_ {
    let b = s.as_bytes();
    let mut i = 0;
    core::iter::from_fn(move || {
        let c = *b.get(i)?;
        let hex = s
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (c, hex) {
            (b'$', Some(v)) => {
                i += 3;
                Some(v)
            }
            _ => {
                i += 1;
                Some(c)
            }
        }
    })
}
