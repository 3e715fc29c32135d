//! The `spectest` module every script may import from, and the host
//! functions behind its `print*` exports.
//!
//! `spectest` itself is ordinary wasm, compiled and linked like the script's
//! modules; its `print*` functions are imports from the module `host`,
//! satisfied with `VMFuncRef`s whose code is the Rust functions below
//! (target C calling convention, first argument the callee's vmctx).

use std::ffi::c_void;
use wacc_abi::{sig_id, VMFuncRef, ValRaw};
use wasmparser::{FuncType, ValType};

/// `wacc_abi::valtype` code of a parameter of a host function (numbers
/// only: the `print*` functions take nothing else).
fn valtype_code(t: ValType) -> u8 {
    use wacc_abi::valtype;
    match t {
        ValType::I32 => valtype::I32,
        ValType::I64 => valtype::I64,
        ValType::F32 => valtype::F32,
        ValType::F64 => valtype::F64,
        ValType::V128 => valtype::V128,
        ValType::Ref(_) => unreachable!("no host function takes a reference"),
    }
}

pub const SPECTEST_WAT: &str = r#"(module
  (import "host" "print" (func $print))
  (import "host" "print_i32" (func $print_i32 (param i32)))
  (import "host" "print_i64" (func $print_i64 (param i64)))
  (import "host" "print_f32" (func $print_f32 (param f32)))
  (import "host" "print_f64" (func $print_f64 (param f64)))
  (import "host" "print_i32_f32" (func $print_i32_f32 (param i32 f32)))
  (import "host" "print_f64_f64" (func $print_f64_f64 (param f64 f64)))
  (export "print" (func $print))
  (export "print_i32" (func $print_i32))
  (export "print_i64" (func $print_i64))
  (export "print_f32" (func $print_f32))
  (export "print_f64" (func $print_f64))
  (export "print_i32_f32" (func $print_i32_f32))
  (export "print_f64_f64" (func $print_f64_f64))
  (global (export "global_i32") i32 (i32.const 666))
  (global (export "global_i64") i64 (i64.const 666))
  (global (export "global_f32") f32 (f32.const 666.6))
  (global (export "global_f64") f64 (f64.const 666.6))
  (table (export "table") 10 20 funcref)
  (memory (export "memory") 1 2)
)"#;

/// Exports of `spectest` that need features beyond wasm 2 live in modules
/// of their own, so that a compiler without those features still runs
/// every other test: (symbol prefix, export names, text).
pub const SPECTEST_EXTRAS: &[(&str, &[&str], &str)] = &[
    (
        "spectest_table64",
        &["table64"],
        r#"(module (table (export "table64") i64 10 20 funcref))"#,
    ),
    (
        "spectest_shared",
        &["shared_memory"],
        r#"(module (memory (export "shared_memory") 1 2 shared))"#,
    ),
];

/// The modules that make up `spectest`: the main one first, then the
/// extras, as (symbol prefix, binary).
pub fn spectest_modules() -> Vec<(String, Vec<u8>)> {
    let main = ("spectest".to_string(), SPECTEST_WAT);
    let extras = SPECTEST_EXTRAS.iter().map(|(p, _, w)| (p.to_string(), *w));
    std::iter::once(main)
        .chain(extras)
        .map(|(p, w)| {
            (
                p,
                wat::parse_str(w).expect("the spectest modules are valid"),
            )
        })
        .collect()
}

// Printing goes to stderr: stdout carries the worker's report.
extern "C" fn print(_: *mut c_void) {
    eprintln!("spectest.print");
}
extern "C" fn print_i32(_: *mut c_void, a: i32) {
    eprintln!("{a} : i32");
}
extern "C" fn print_i64(_: *mut c_void, a: i64) {
    eprintln!("{a} : i64");
}
extern "C" fn print_f32(_: *mut c_void, a: f32) {
    eprintln!("{a:?} : f32");
}
extern "C" fn print_f64(_: *mut c_void, a: f64) {
    eprintln!("{a:?} : f64");
}
extern "C" fn print_i32_f32(_: *mut c_void, a: i32, b: f32) {
    eprintln!("{a} : i32");
    eprintln!("{b:?} : f32");
}
extern "C" fn print_f64_f64(_: *mut c_void, a: f64, b: f64) {
    eprintln!("{a:?} : f64");
    eprintln!("{b:?} : f64");
}

// Array-call forms: `fn(vmctx, *mut ValRaw)`.
unsafe fn arg(v: *mut ValRaw, i: usize) -> ValRaw {
    // SAFETY: `v` is the value array compiled code passes for this spectest function's signature.
    unsafe { *v.add(i) }
}
unsafe extern "C" fn array_print(c: *mut c_void, _: *mut ValRaw) {
    print(c)
}
unsafe extern "C" fn array_print_i32(c: *mut c_void, v: *mut ValRaw) {
    // SAFETY: `v` is the value array compiled code passes for this spectest function's signature.
    unsafe { print_i32(c, arg(v, 0).get_u32() as i32) }
}
unsafe extern "C" fn array_print_i64(c: *mut c_void, v: *mut ValRaw) {
    // SAFETY: `v` is the value array compiled code passes for this spectest function's signature.
    unsafe { print_i64(c, arg(v, 0).get_u64() as i64) }
}
unsafe extern "C" fn array_print_f32(c: *mut c_void, v: *mut ValRaw) {
    // SAFETY: `v` is the value array compiled code passes for this spectest function's signature.
    unsafe { print_f32(c, f32::from_bits(arg(v, 0).get_u32())) }
}
unsafe extern "C" fn array_print_f64(c: *mut c_void, v: *mut ValRaw) {
    // SAFETY: `v` is the value array compiled code passes for this spectest function's signature.
    unsafe { print_f64(c, f64::from_bits(arg(v, 0).get_u64())) }
}
unsafe extern "C" fn array_print_i32_f32(c: *mut c_void, v: *mut ValRaw) {
    // SAFETY: `v` is the value array compiled code passes for this spectest function's signature.
    unsafe {
        print_i32_f32(
            c,
            arg(v, 0).get_u32() as i32,
            f32::from_bits(arg(v, 1).get_u32()),
        )
    }
}
unsafe extern "C" fn array_print_f64_f64(c: *mut c_void, v: *mut ValRaw) {
    // SAFETY: `v` is the value array compiled code passes for this spectest function's signature.
    unsafe {
        print_f64_f64(
            c,
            f64::from_bits(arg(v, 0).get_u64()),
            f64::from_bits(arg(v, 1).get_u64()),
        )
    }
}

static HOST_VMCTX: [u64; 16] = [0; 16];

/// A host function offered to wasm.
pub struct HostFunc {
    pub name: &'static str,
    /// must outlive every instance that imports it
    pub funcref: Box<VMFuncRef>,
    pub ty: FuncType,
}

/// The host functions of the module `host`.
pub fn host_funcs() -> Vec<HostFunc> {
    use ValType::{F32, F64, I32, I64};
    let f = |name, func: *const c_void, array: *const c_void, params: &[ValType]| {
        let codes: Vec<u8> = params.iter().map(|t| valtype_code(*t)).collect();
        HostFunc {
            name,
            funcref: Box::new(VMFuncRef {
                func,
                type_id: sig_id(&codes, &[]).expect("short signature"),
                // Never read by these functions; points at zeroed memory in
                // case code inspects it.
                vmctx: HOST_VMCTX.as_ptr() as *mut c_void,
                array_call: array,
            }),
            ty: FuncType::new(params.iter().copied(), []),
        }
    };
    vec![
        f("print", print as _, array_print as _, &[]),
        f("print_i32", print_i32 as _, array_print_i32 as _, &[I32]),
        f("print_i64", print_i64 as _, array_print_i64 as _, &[I64]),
        f("print_f32", print_f32 as _, array_print_f32 as _, &[F32]),
        f("print_f64", print_f64 as _, array_print_f64 as _, &[F64]),
        f(
            "print_i32_f32",
            print_i32_f32 as _,
            array_print_i32_f32 as _,
            &[I32, F32],
        ),
        f(
            "print_f64_f64",
            print_f64_f64 as _,
            array_print_f64_f64 as _,
            &[F64, F64],
        ),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn spectest_encodes() {
        let modules = super::spectest_modules();
        assert_eq!(modules.len(), 1 + super::SPECTEST_EXTRAS.len());
        assert_eq!(modules[0].0, "spectest");
        assert_eq!(super::host_funcs().len(), 7);
    }
}
