//! The canonical ABI's type layouts against the reference vectors in
//! testsuite/component-model/canonical-abi-vectors.json of the shared test
//! material (`$WACC_SHARED`, default `../shared`): size,
//! alignment and flattening of every `layouts` entry (both address widths)
//! and the core signatures of every `flatten` entry.

use serde_json::Value;
use wacc::component::types::{flatten_functype, Context, CoreType, PtrType, ValType};

fn vectors() -> Value {
    let path = wacc_tests::shared("testsuite/component-model/canonical-abi-vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
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

// ---- lifting: generated code against the `lift` and `nan` vectors --------

mod lift {
    use super::{ptr, ty, vectors};
    use serde_json::Value;
    use std::ffi::{c_void, CString};
    use wacc::component::front::StringEncoding;
    use wacc::component::probe::{lift_probes, LiftCase};
    use wacc::component::types::{CoreType, PtrType, ValType};
    use wacc_abi::component::{ComponentDesc, ComponentLayout};
    use wacc_abi::{VMMemory, VMStore, ValRaw, ABI_VERSION};

    type Invoke = unsafe extern "C" fn(*mut c_void, *const c_void, *mut ValRaw) -> u32;

    /// The shared library with the probes and runtime-support.
    struct Lib(*mut c_void);

    impl Lib {
        fn sym<T: Copy>(&self, name: &str) -> T {
            let c = CString::new(name).unwrap();
            let p = unsafe { libc::dlsym(self.0, c.as_ptr()) };
            assert!(!p.is_null(), "missing symbol {name}");
            assert_eq!(std::mem::size_of::<T>(), std::mem::size_of::<*mut c_void>());
            unsafe { std::mem::transmute_copy(&p) }
        }
    }

    fn encoding(s: &str) -> StringEncoding {
        match s {
            "utf8" => StringEncoding::Utf8,
            "utf16" => StringEncoding::Utf16,
            "latin1+utf16" => StringEncoding::Latin1Utf16,
            _ => panic!("unknown encoding {s}"),
        }
    }

    /// A flat value as the probe reads it.
    fn flat(v: &Value, t: CoreType) -> ValRaw {
        match t {
            CoreType::I32 => {
                ValRaw::u64(v.as_u64().unwrap_or_else(|| v.as_i64().unwrap() as u64) as u32 as u64)
            }
            CoreType::I64 => ValRaw::u64(v.as_u64().unwrap_or_else(|| v.as_i64().unwrap() as u64)),
            CoreType::F32 => ValRaw::f32_bits((v.as_f64().unwrap() as f32).to_bits()),
            CoreType::F64 => ValRaw::f64_bits(v.as_f64().unwrap().to_bits()),
        }
    }

    unsafe fn read<T: Copy>(p: *const u8) -> T {
        // SAFETY: the caller's `p` points to a `T` (unaligned).
        // SAFETY: the caller's `p` points to a `T` (unaligned).
        unsafe { std::ptr::read_unaligned(p.cast()) }
    }

    fn cases(t: &ValType) -> Vec<Option<&ValType>> {
        wacc::component::adapter::variant_cases(t).unwrap()
    }

    /// Checks the value in native layout at `p` against the vector's
    /// expectation.
    unsafe fn check(t: &ValType, p: *const u8, want: &Value) -> Result<(), String> {
        // SAFETY: `p` points to a value of type `t` in the native layout that
        // the probe lifted (this function's contract).
        unsafe {
            let bad = |got: String| Err(format!("got {got}, want {want}"));
            let int = |got: i128| {
                let w = want
                    .as_i64()
                    .map(|x| x as i128)
                    .or(want.as_u64().map(|x| x as i128));
                if w == Some(got) {
                    Ok(())
                } else {
                    bad(got.to_string())
                }
            };
            let ptr = PtrType::I64;
            match t {
                ValType::Bool => {
                    let got = read::<u8>(p);
                    if got > 1 || want.as_bool() != Some(got == 1) {
                        return bad(got.to_string());
                    }
                    Ok(())
                }
                ValType::U8 => int(read::<u8>(p) as i128),
                ValType::S8 => int(read::<i8>(p) as i128),
                ValType::U16 => int(read::<u16>(p) as i128),
                ValType::S16 => int(read::<i16>(p) as i128),
                ValType::U32 => int(read::<u32>(p) as i128),
                ValType::S32 => int(read::<i32>(p) as i128),
                ValType::U64 => int(read::<u64>(p) as i128),
                ValType::S64 => int(read::<i64>(p) as i128),
                ValType::F32 => {
                    let got = read::<f32>(p);
                    if got.to_bits() == (want.as_f64().unwrap() as f32).to_bits() {
                        Ok(())
                    } else {
                        bad(got.to_string())
                    }
                }
                ValType::F64 => {
                    let got = read::<f64>(p);
                    if got.to_bits() == want.as_f64().unwrap().to_bits() {
                        Ok(())
                    } else {
                        bad(got.to_string())
                    }
                }
                ValType::Char => {
                    let got = char::from_u32(read::<u32>(p)).ok_or("not a char")?;
                    if want.as_str().and_then(|s| s.chars().next()) == Some(got) {
                        Ok(())
                    } else {
                        bad(format!("{got:?}"))
                    }
                }
                ValType::String => {
                    let (s, n) = (read::<u64>(p) as *const u8, read::<u64>(p.add(8)) as usize);
                    let bytes = if n == 0 {
                        &[][..]
                    } else {
                        std::slice::from_raw_parts(s, n)
                    };
                    let got = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
                    if want["string"].as_str() == Some(got) {
                        Ok(())
                    } else {
                        bad(format!("{got:?}"))
                    }
                }
                ValType::List(e, len) => {
                    let items = want.as_array().ok_or("expected a list")?;
                    let (base, n) = match len {
                        Some(n) => (p, *n as usize),
                        None => (read::<u64>(p) as *const u8, read::<u64>(p.add(8)) as usize),
                    };
                    if n != items.len() {
                        return bad(format!("{n} elements"));
                    }
                    let size = e.elem_size(ptr) as usize;
                    for (i, w) in items.iter().enumerate() {
                        check(e, base.add(i * size), w)?;
                    }
                    Ok(())
                }
                ValType::Map(k, v) => {
                    let entry = ValType::Tuple(vec![(**k).clone(), (**v).clone()]);
                    check(&ValType::List(Box::new(entry), None), p, want)
                }
                ValType::Record(_) | ValType::Tuple(_) => {
                    let names: Vec<String> = match t {
                        ValType::Record(fs) => fs.iter().map(|(n, _)| n.clone()).collect(),
                        ValType::Tuple(ts) => (0..ts.len()).map(|i| i.to_string()).collect(),
                        _ => unreachable!(),
                    };
                    let fields = wacc::component::adapter::record_fields(t).unwrap();
                    let offs = wacc::component::adapter::field_offsets(&fields, ptr);
                    for ((f, o), n) in fields.iter().zip(offs).zip(names) {
                        check(f, p.add(o as usize), &want[n.as_str()])?;
                    }
                    Ok(())
                }
                ValType::Variant(_)
                | ValType::Enum(_)
                | ValType::Option(_)
                | ValType::Result { .. } => {
                    let cs = cases(t);
                    let disc = match cs.len() {
                        0..=256 => read::<u8>(p) as usize,
                        257..=65536 => read::<u16>(p) as usize,
                        _ => read::<u32>(p) as usize,
                    };
                    let names: Vec<String> = match t {
                        ValType::Variant(v) => v.iter().map(|(n, _)| n.clone()).collect(),
                        ValType::Enum(l) => l.clone(),
                        ValType::Option(_) => vec!["none".into(), "some".into()],
                        _ => vec!["ok".into(), "error".into()],
                    };
                    let obj = want.as_object().ok_or("expected a case")?;
                    let (name, payload) = obj.iter().next().ok_or("empty case")?;
                    if names.get(disc) != Some(name) {
                        return bad(format!("case {disc}"));
                    }
                    match cs[disc] {
                        Some(pt) => check(
                            pt,
                            p.add(wacc::component::adapter::payload_offset(t, ptr) as usize),
                            payload,
                        ),
                        None => Ok(()),
                    }
                }
                ValType::Flags(names) => {
                    let size = t.elem_size(ptr) as usize;
                    let mut bits = 0u64;
                    for i in 0..size {
                        bits |= (read::<u8>(p.add(i)) as u64) << (8 * i);
                    }
                    for (i, n) in names.iter().enumerate() {
                        if want[n.as_str()].as_bool() != Some(bits >> i & 1 == 1) {
                            return bad(format!("{bits:#x}"));
                        }
                    }
                    if bits >> names.len() != 0 {
                        return bad(format!("{bits:#x} (unknown bits kept)"));
                    }
                    Ok(())
                }
                other => Err(format!("type {other:?} not covered")),
            }
        }
    }

    #[test]
    fn lifting_matches_the_reference() {
        let v = vectors();
        let lifts = v["lift"].as_array().unwrap();
        let nans = v["nan"].as_array().unwrap();
        assert_eq!((lifts.len(), nans.len()), (432, 14));
        // (case, flat values, memory bytes, expected value or None for a trap)
        type Vector = (LiftCase, Vec<Value>, Vec<u8>, Option<Value>);
        let mut all: Vec<Vector> = vec![];
        for e in lifts {
            let mem = e["memory_hex"].as_str().unwrap();
            let bytes = (0..mem.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&mem[i..i + 2], 16).unwrap())
                .collect();
            all.push((
                LiftCase {
                    ty: ty(&e["type"]),
                    ptr: ptr(e["addr_type"].as_str().unwrap()),
                    encoding: encoding(e["string_encoding"].as_str().unwrap()),
                },
                e["flat"].as_array().unwrap().clone(),
                bytes,
                (e["expect"] != "trap").then(|| e["expect"].clone()),
            ));
        }
        for e in nans {
            let t = ty(&e["type"]);
            let bits = |k: &str| {
                u64::from_str_radix(e[k].as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
            };
            let (inp, out) = (bits("in_bits"), bits("out_bits"));
            let (flat_v, want) = match t {
                ValType::F32 => (
                    f32::from_bits(inp as u32) as f64,
                    (f32::from_bits(out as u32)) as f64,
                ),
                _ => (f64::from_bits(inp), f64::from_bits(out)),
            };
            // NaNs do not survive JSON: pass raw bits, expect raw bits.
            let _ = (flat_v, want);
            all.push((
                LiftCase {
                    ty: t,
                    ptr: PtrType::I32,
                    encoding: StringEncoding::Utf8,
                },
                vec![Value::from(inp)],
                vec![],
                Some(Value::from(out)),
            ));
        }

        let dir = std::env::temp_dir().join(format!("wacc-lift-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = wacc_targets::Target::host();
        let opts = wacc::compile::CompileOptions {
            target: target.clone(),
            prefix: "probe".into(),
            codegen: wacc::environ::CodegenOptions {
                bounds_checks: wacc::environ::BoundsChecks::Explicit,
                optimize: true,
            },
            threads: 1,
            emit_main: false,
            policy: None,
        };
        let cases: Vec<_> = all
            .iter()
            .map(|(c, ..)| LiftCase {
                ty: c.ty.clone(),
                ptr: c.ptr,
                encoding: c.encoding,
            })
            .collect();
        let object = lift_probes(&cases, &opts).expect("probes compile");
        let obj = dir.join("probes.o");
        let so = dir.join("probes.so");
        std::fs::write(&obj, object).unwrap();
        wacc_linker::link(&wacc_linker::LinkRequest {
            target,
            kind: wacc_linker::OutputKind::SharedLib,
            objects: vec![obj],
            output: so.clone(),
            runtime: None,
        })
        .expect("link");
        let path = CString::new(so.to_str().unwrap()).unwrap();
        let lib = Lib(unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) });
        assert!(!lib.0.is_null());

        unsafe {
            let store: *mut VMStore =
                lib.sym::<unsafe extern "C" fn() -> *mut VMStore>("wacc_rt_store_new")();
            let desc = ComponentDesc {
                abi_version: ABI_VERSION,
                isa: 0,
                num_instances: 0,
                values_size: 0,
                instances: std::ptr::null(),
                num_trampolines: 0,
                num_memories: 1,
                trampolines: std::ptr::null(),
                memories: std::ptr::null(),
                num_component_instances: 1,
                num_resources: 0,
                resources: std::ptr::null(),
                num_steps: 0,
                num_calls: 0,
                steps: std::ptr::null(),
                calls: std::ptr::null(),
            };
            let mut ctx: *mut c_void = std::ptr::null_mut();
            let inst = lib.sym::<unsafe extern "C" fn(
                *mut VMStore,
                *const ComponentDesc,
                *mut *mut c_void,
            ) -> u32>("wacc_rt_component_instantiate");
            assert_eq!(inst(store, &desc, &mut ctx), 0);
            let mem_new = lib
                .sym::<unsafe extern "C" fn(*mut VMStore, u64, u64, bool) -> *mut VMMemory>(
                    "wacc_rt_memory_new",
                );
            let mem_free = lib.sym::<unsafe extern "C" fn(*mut VMMemory)>("wacc_rt_memory_free");
            let invoke = lib.sym::<Invoke>("wacc_rt_invoke");
            let reset = lib.sym::<unsafe extern "C" fn(*mut c_void)>("wacc_rt_host_reset");
            let slot = ctx
                .cast::<u8>()
                .add(ComponentLayout::new(0, 0, 1, 1, 0).memories as usize)
                .cast::<*mut VMMemory>();

            let mut mismatches = vec![];
            for (i, (case, flats, bytes, want)) in all.iter().enumerate() {
                let mem = mem_new(store, 1, 1, false);
                assert!(!mem.is_null());
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), (*mem).base, bytes.len());
                *slot = mem;
                let mut out = vec![
                    0u64;
                    (case.ty.elem_size(PtrType::I64) as usize)
                        .div_ceil(8)
                        .max(1)
                ];
                let types = case.ty.flatten(case.ptr);
                let mut values = vec![ValRaw::u64(out.as_mut_ptr() as u64)];
                values.extend(flats.iter().zip(&types).map(|(v, t)| {
                    if i >= lifts.len() {
                        ValRaw::u64(v.as_u64().unwrap())
                    } else {
                        flat(v, *t)
                    }
                }));
                let probe: *const c_void = lib.sym(&format!("probe_lift{i}"));
                let code = invoke(ctx, probe, values.as_mut_ptr());
                let result = match (want, code) {
                    (None, 0) => Err("lifted, want a trap".to_string()),
                    (None, _) => Ok(()),
                    (Some(w), 0) if i >= lifts.len() => {
                        let got = if case.ty == ValType::F32 {
                            out[0] & 0xffff_ffff
                        } else {
                            out[0]
                        };
                        if Some(got) == w.as_u64() {
                            Ok(())
                        } else {
                            Err(format!("got bits {got:#x}, want {w}"))
                        }
                    }
                    (Some(w), 0) => check(&case.ty, out.as_ptr().cast(), w),
                    (Some(_), c) => Err(format!("trapped with code {c}")),
                };
                if let Err(e) = result {
                    let src = if i < lifts.len() {
                        &lifts[i]
                    } else {
                        &nans[i - lifts.len()]
                    };
                    mismatches.push(format!("{src}: {e}"));
                }
                reset(ctx);
                *slot = std::ptr::null_mut();
                mem_free(mem);
            }
            assert!(
                mismatches.is_empty(),
                "{} of {} mismatch:\n{}",
                mismatches.len(),
                all.len(),
                mismatches.join("\n")
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
