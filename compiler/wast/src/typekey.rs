//! Type identity across modules for import matching. Two defined types are
//! equivalent when their recursion groups are structurally equal (with
//! references inside the group taken relative to it, and references out of
//! it compared by the same rule) and they sit at the same position in them
//! (spec: "type equivalence", closed rec groups). A `FuncType` alone cannot
//! tell `$t1` from `$t2` in `(rec (type $t1 (func)) (type $t2 (func)))`;
//! these keys can: equal keys, equivalent types.

use wasmparser::{CompositeInnerType, HeapType, Parser, Payload, SubType, ValType};

/// The key of every type of `wasm` (a validated core module), by index.
pub fn type_keys(wasm: &[u8]) -> Vec<String> {
    let mut keys: Vec<String> = vec![];
    for payload in Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::TypeSection(r)) => {
                for group in r.into_iter().flatten() {
                    let start = keys.len() as u32;
                    let len = group.types().len() as u32;
                    let group_key = {
                        let to = |i: u32| match i.checked_sub(start) {
                            Some(rel) if rel < len => format!("rec.{rel}"),
                            _ => format!("({})", keys.get(i as usize).map_or("?", |k| k)),
                        };
                        let body: Vec<String> = group.types().map(|t| subtype(t, &to)).collect();
                        format!("rec[{}]", body.join(" "))
                    };
                    keys.extend((0..len).map(|i| format!("{group_key}.{i}")));
                }
            }
            Ok(Payload::CodeSectionStart { .. }) | Err(_) => break,
            Ok(_) => {}
        }
    }
    keys
}

/// One type of a rec group; `to` names a referenced type index.
fn subtype(t: &SubType, to: &dyn Fn(u32) -> String) -> String {
    let index = |p: wasmparser::PackedIndex| to(p.as_module_index().unwrap_or(u32::MAX));
    let supers: Vec<String> = t.supertype_idxs.iter().map(|p| index(*p)).collect();
    let val = |v: &ValType| match v {
        ValType::Ref(r) => match r.heap_type() {
            HeapType::Concrete(i) | HeapType::Exact(i) => format!(
                "(ref{}{} {})",
                if r.is_nullable() { " null" } else { "" },
                if matches!(r.heap_type(), HeapType::Exact(_)) {
                    " exact"
                } else {
                    ""
                },
                to(i.as_module_index().unwrap_or(u32::MAX))
            ),
            _ => v.to_string(),
        },
        _ => v.to_string(),
    };
    let body = match &t.composite_type.inner {
        CompositeInnerType::Func(f) => {
            let p: Vec<String> = f.params().iter().map(val).collect();
            let r: Vec<String> = f.results().iter().map(val).collect();
            format!("(func ({}) ({}))", p.join(" "), r.join(" "))
        }
        // Only function types compile; others are told apart roughly.
        other => format!("{other:?}"),
    };
    format!(
        "(sub{} ({}) {}{body})",
        if t.is_final { " final" } else { "" },
        supers.join(" "),
        if t.composite_type.shared {
            "shared "
        } else {
            ""
        }
    )
}

#[cfg(test)]
mod tests {
    use super::type_keys;

    fn keys(text: &str) -> Vec<String> {
        type_keys(&wat::parse_str(text).unwrap())
    }

    #[test]
    fn rec_groups() {
        let a = keys("(module (rec (type $t1 (func)) (type $t2 (func))))");
        let b = keys("(module (type (func (param i32))) (rec (type (func)) (type (func))))");
        let c = keys("(module (type (func)) (rec (type (func))))");
        assert_ne!(a[0], a[1], "position in the group");
        assert_eq!(a[0], b[1]);
        assert_eq!(a[1], b[2]);
        assert_ne!(a[0], c[0], "different groups");
        assert_eq!(c[0], c[1], "a lone type is a group of one");
    }

    #[test]
    fn references() {
        let a = keys("(module (type $f (func)) (type (func (param (ref $f)))))");
        let b = keys(
            "(module (type (func (param i32))) (type $f (func)) (type (func (param (ref $f)))))",
        );
        let c = keys("(module (type $f (func (param i32))) (type (func (param (ref $f)))))");
        assert_eq!(a[1], b[2], "references compared by the referenced type");
        assert_ne!(a[1], c[1]);
    }
}
