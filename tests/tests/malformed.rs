//! Malformed and hostile inputs: every one must be rejected (or compiled)
//! with a clear error carrying the byte offset — never a panic.

use wacc::compile::{compile_module, CompileOptions};
use wacc::environ::{BoundsChecks, CodegenOptions};
use wacc::error::CompileError;

fn opts() -> CompileOptions {
    CompileOptions {
        target: wacc_targets::Target::host(),
        prefix: "m".into(),
        codegen: CodegenOptions {
            bounds_checks: BoundsChecks::Guard,
            optimize: false,
        },
        threads: 1,
        emit_main: false,
        policy: None,
    }
}

fn compile(bytes: &[u8]) -> Result<(), CompileError> {
    match std::panic::catch_unwind(|| compile_module(bytes, &opts())) {
        Ok(r) => r.map(|_| ()),
        Err(_) => panic!(
            "compiler panicked on input {:02x?}",
            &bytes[..bytes.len().min(64)]
        ),
    }
}

/// Must fail, with an offset and a message containing `expect`.
fn rejects(bytes: &[u8], expect: &str) {
    let e = compile(bytes).expect_err("malformed input was accepted");
    assert!(e.offset.is_some(), "no byte offset in error: {e}");
    assert!(
        e.to_string().contains(expect),
        "error `{e}` does not mention `{expect}`"
    );
}

const HEADER: [u8; 8] = [0, b'a', b's', b'm', 1, 0, 0, 0];

fn module(sections: &[(u8, &[u8])]) -> Vec<u8> {
    let mut m = HEADER.to_vec();
    for (id, body) in sections {
        m.push(*id);
        leb(&mut m, body.len() as u32);
        m.extend_from_slice(body);
    }
    m
}

fn leb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
}

/// A valid module with a bit of everything, used for truncation and mutation.
fn sample() -> Vec<u8> {
    wat::parse_str(
        r#"(module
          (type $t (func (param i32) (result i32)))
          (import "env" "f" (func $f (type $t)))
          (memory 1 2)
          (table 4 funcref)
          (global $g (mut i32) (i32.const 7))
          (func $a (export "a") (type $t)
            (local i64 f64)
            (block (result i32)
              (loop
                (br_if 1 (i32.const 0) (local.get 0))
                (drop (call $f (i32.load offset=4 (local.get 0))))
                (br 0))
              (i32.const 0))
            (call_indirect (type $t) (i32.const 1))
            (global.set $g)
            (global.get $g))
          (func (export "b") (result i32) (global.get $g))
          (func $init (global.set $g (i32.const 1)))
          (elem (i32.const 0) $a $f)
          (data (i32.const 8) "hello")
          (start $init))"#,
    )
    .expect("sample parses")
}

#[test]
fn sample_compiles() {
    compile(&sample()).expect("the sample module compiles");
}

#[test]
fn empty_and_bad_header() {
    rejects(&[], "");
    rejects(b"\0as", "");
    rejects(b"\0asn\x01\0\0\0", "magic");
    rejects(b"\0asm\x02\0\0\0", "version");
    rejects(b"\x7fELF\x02\x01\x01\0", "magic");
}

#[test]
fn every_truncation_is_rejected_cleanly() {
    let m = sample();
    for len in 1..m.len() {
        // Some prefixes end on a section boundary and are valid modules.
        if let Err(e) = compile(&m[..len]) {
            assert!(
                e.offset.is_some(),
                "truncation at {len}: no offset in `{e}`"
            );
        }
    }
}

#[test]
fn bad_leb128() {
    // Section size with too many continuation bytes.
    let mut m = HEADER.to_vec();
    m.extend_from_slice(&[1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]);
    rejects(&m, "");
    // A u32 LEB with bits beyond 32 set in the last byte.
    let mut m = HEADER.to_vec();
    m.extend_from_slice(&[1, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    rejects(&m, "");
    // Type count as an unterminated LEB.
    rejects(&module(&[(1, &[0x80])]), "");
}

#[test]
fn section_size_past_the_end() {
    let mut m = HEADER.to_vec();
    m.extend_from_slice(&[1, 0x40, 0x01, 0x60, 0x00, 0x00]);
    rejects(&m, "");
}

#[test]
fn invalid_section_order() {
    // function section (3) before type section (1)
    rejects(&module(&[(3, &[1, 0]), (1, &[1, 0x60, 0, 0])]), "");
    // two type sections
    rejects(&module(&[(1, &[0]), (1, &[0])]), "");
    // unknown section id
    rejects(&module(&[(0x42, &[])]), "");
}

#[test]
fn huge_declared_counts() {
    // 0xFFFFFFFF types declared in a 6-byte section.
    rejects(&module(&[(1, &[0xff, 0xff, 0xff, 0xff, 0x0f, 0x60])]), "");
    // 0xFFFFFFFF functions / globals / data segments / elements.
    for id in [3u8, 6, 9, 11] {
        rejects(&module(&[(id, &[0xff, 0xff, 0xff, 0xff, 0x0f])]), "");
    }
    // A function body declaring 0xFFFFFFFF locals.
    let types: &[u8] = &[1, 0x60, 0, 0];
    let funcs: &[u8] = &[1, 0];
    let body: &[u8] = &[1, 8, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x0b];
    rejects(&module(&[(1, types), (3, funcs), (10, body)]), "locals");
    // Memory with a minimum beyond 65536 pages.
    rejects(&module(&[(5, &[1, 0, 0x81, 0x80, 0x04])]), "");
}

#[test]
fn invalid_code_reports_the_function() {
    let m = wat::parse_str(r#"(module (func (result i32) (i64.const 0)))"#).unwrap();
    let e = compile(&m).expect_err("type mismatch accepted");
    assert!(e.offset.is_some());
    assert_eq!(e.func, Some(0), "function index missing in `{e}`");
}

#[test]
fn mutations_never_panic() {
    let m = sample();
    // Deterministic xorshift so failures are reproducible.
    let mut state: u64 = 0x9e3779b97f4a7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let mut b = m.clone();
        for _ in 0..1 + next() % 4 {
            let i = (next() as usize) % b.len();
            b[i] = next() as u8;
        }
        if let Err(e) = compile(&b) {
            assert!(e.offset.is_some() || !e.message.is_empty());
        }
    }
}

#[test]
fn deep_nesting_does_not_overflow_the_compiler() {
    let depth = 20_000;
    let text = format!(
        "(module (func {} {}))",
        "(block ".repeat(depth),
        ")".repeat(depth)
    );
    let m = wat::parse_str(&text).unwrap();
    compile(&m).expect("deeply nested blocks compile");
}
