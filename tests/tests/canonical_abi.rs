//! The canonical ABI's type layouts against the reference vectors in
//! ../shared/testsuite/component-model/canonical-abi-vectors.json: size,
//! alignment and flattening of every `layouts` entry (both address widths)
//! and the core signatures of every `flatten` entry.

use serde_json::Value;
use wacc::component::types::{flatten_functype, Context, CoreType, PtrType, ValType};

fn vectors() -> Value {
    let shared = std::env::var("WACC_SHARED")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").to_string());
    let path = format!("{shared}/testsuite/component-model/canonical-abi-vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// A type in the vectors' JSON notation.
fn ty(v: &Value) -> ValType {
    if let Some(s) = v.as_str() {
        return match s {
            "bool" => ValType::Bool,
            "s8" => ValType::S8,
            "u8" => ValType::U8,
            "s16" => ValType::S16,
            "u16" => ValType::U16,
            "s32" => ValType::S32,
            "u32" => ValType::U32,
            "s64" => ValType::S64,
            "u64" => ValType::U64,
            "f32" => ValType::F32,
            "f64" => ValType::F64,
            "char" => ValType::Char,
            "string" => ValType::String,
            _ => panic!("unknown type {s}"),
        };
    }
    let o = v.as_object().unwrap();
    let opt = |v: Option<&Value>| v.filter(|v| !v.is_null()).map(|v| Box::new(ty(v)));
    let labels = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect()
    };
    if let Some(t) = o.get("list") {
        return ValType::List(
            Box::new(ty(t)),
            o.get("len").map(|n| n.as_u64().unwrap() as u32),
        );
    }
    let (k, v) = o.iter().next().unwrap();
    let arr = || v.as_array().unwrap();
    match k.as_str() {
        "record" => ValType::Record(
            arr()
                .iter()
                .map(|f| (f[0].as_str().unwrap().to_string(), ty(&f[1])))
                .collect(),
        ),
        "tuple" => ValType::Tuple(arr().iter().map(ty).collect()),
        "variant" => ValType::Variant(
            arr()
                .iter()
                .map(|c| {
                    (
                        c[0].as_str().unwrap().to_string(),
                        opt(c.get(1)).map(|b| *b),
                    )
                })
                .collect(),
        ),
        "enum" => ValType::Enum(labels(v)),
        "flags" => ValType::Flags(labels(v)),
        "option" => ValType::Option(Box::new(ty(v))),
        "result" => ValType::Result {
            ok: opt(v.get("ok")),
            err: opt(v.get("error")),
        },
        "map" => ValType::Map(Box::new(ty(&arr()[0])), Box::new(ty(&arr()[1]))),
        _ => panic!("unknown type constructor {k}"),
    }
}

fn core(v: &Value) -> Vec<CoreType> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| match t.as_str().unwrap() {
            "i32" => CoreType::I32,
            "i64" => CoreType::I64,
            "f32" => CoreType::F32,
            "f64" => CoreType::F64,
            t => panic!("unknown core type {t}"),
        })
        .collect()
}

fn ptr(s: &str) -> PtrType {
    match s {
        "i32" => PtrType::I32,
        "i64" => PtrType::I64,
        _ => panic!("unknown address type {s}"),
    }
}

#[test]
fn layouts_match_the_reference() {
    let v = vectors();
    let layouts = v["layouts"].as_array().unwrap();
    assert_eq!(layouts.len(), 51);
    let mut mismatches = Vec::new();
    for e in layouts {
        let t = ty(&e["type"]);
        for width in ["i32", "i64"] {
            let want = &e[width];
            let p = ptr(width);
            let got = (t.elem_size(p), t.alignment(p), t.flatten(p));
            let expect = (
                want["size"].as_u64().unwrap() as u32,
                want["align"].as_u64().unwrap() as u32,
                core(&want["flat"]),
            );
            if got != expect {
                mismatches.push(format!(
                    "{} ({width}): got {got:?}, want {expect:?}",
                    e["type"]
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn function_flattening_matches_the_reference() {
    let v = vectors();
    let cases = v["flatten"].as_array().unwrap();
    assert_eq!(cases.len(), 10);
    let mut mismatches = Vec::new();
    for e in cases {
        let f = &e["functype"]["func"];
        let params: Vec<ValType> = f["params"].as_array().unwrap().iter().map(ty).collect();
        let results: Vec<ValType> = f["results"].as_array().unwrap().iter().map(ty).collect();
        let p = ptr(e["addr_type"].as_str().unwrap());
        for (ctx, key) in [(Context::Lift, "lift"), (Context::Lower, "lower")] {
            let got = flatten_functype(&params, &results, p, ctx);
            let expect = (core(&e[key]["params"]), core(&e[key]["results"]));
            if got != expect {
                mismatches.push(format!(
                    "{} {key}: got {got:?}, want {expect:?}",
                    e["functype"]
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
