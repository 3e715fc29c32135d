//! The WAVE printer of native-layout values: each test lays a value out by
//! hand (offsets per the canonical ABI with 64-bit pointers; the buffer is
//! exactly the type's size) and checks the text.

use crate::abi::typecode::{self, native_size};
use crate::abi::values::ValType as T;
use crate::component::wave::{write_args, write_value, MAX_NESTING};
use core::fmt;
use std::boxed::Box;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

fn code(t: &T) -> Vec<u8> {
    let mut c = vec![];
    typecode::encode(t, &mut c);
    c
}

/// Prints the value of type `t` in `mem`, showing at most `max_len` bytes
/// or elements of each string or list.
fn show_max(t: &T, mem: &[u8], max_len: usize) -> String {
    let c = code(t);
    assert_eq!(native_size(&c), Ok(mem.len() as u32), "size of {t:?}");
    let mut s = String::new();
    // SAFETY: `mem` holds a value of type `t` whose pointers point to live buffers of the test.
    unsafe { write_value(&mut s, &c, mem.as_ptr(), max_len) }.unwrap();
    s
}

fn show(t: &T, mem: &[u8]) -> String {
    show_max(t, mem, usize::MAX)
}

/// `size` zero bytes with each (offset, bytes) of `parts` written in.
fn mem(size: usize, parts: &[(usize, &[u8])]) -> Vec<u8> {
    let mut m = vec![0; size];
    for (off, b) in parts {
        m[*off..*off + b.len()].copy_from_slice(b);
    }
    m
}

/// The (pointer, length) pair of a string or list.
fn pl(ptr: *const u8, len: usize) -> [u8; 16] {
    let mut b = [0; 16];
    b[..8].copy_from_slice(&(ptr as u64).to_le_bytes());
    b[8..].copy_from_slice(&(len as u64).to_le_bytes());
    b
}

fn str_pl(s: &[u8]) -> [u8; 16] {
    pl(s.as_ptr(), s.len())
}

fn b(t: T) -> Box<T> {
    Box::new(t)
}

fn named(fs: &[(&str, T)]) -> Vec<(String, T)> {
    fs.iter().map(|(n, t)| (n.to_string(), t.clone())).collect()
}

fn names(ns: &[&str]) -> Vec<String> {
    ns.iter().map(|n| n.to_string()).collect()
}

fn numbered(n: usize) -> Vec<String> {
    (0..n).map(|i| std::format!("n{i}")).collect()
}

#[test]
fn scalars_and_handles() {
    let cases: &[(T, &[u8], &str)] = &[
        (T::Bool, &[1], "true"),
        (T::Bool, &[0], "false"),
        (T::Bool, &[2], "true"),
        (T::S8, &(-5i8).to_le_bytes(), "-5"),
        (T::U8, &[255], "255"),
        (T::S16, &(-300i16).to_le_bytes(), "-300"),
        (T::U16, &u16::MAX.to_le_bytes(), "65535"),
        (T::S32, &i32::MIN.to_le_bytes(), "-2147483648"),
        (T::U32, &u32::MAX.to_le_bytes(), "4294967295"),
        (T::S64, &i64::MIN.to_le_bytes(), "-9223372036854775808"),
        (T::U64, &u64::MAX.to_le_bytes(), "18446744073709551615"),
        (T::F32, &1.5f32.to_le_bytes(), "1.5"),
        (T::F32, &(-0.0f32).to_le_bytes(), "-0"),
        (T::F64, &(-0.25f64).to_le_bytes(), "-0.25"),
        (T::F64, &0.1f64.to_le_bytes(), "0.1"),
        (T::F64, &1e21f64.to_le_bytes(), "1000000000000000000000"),
        (T::Own(0), &3u32.to_le_bytes(), "own#3"),
        (T::Borrow(5), &7u32.to_le_bytes(), "borrow#7"),
        (T::Stream, &1u32.to_le_bytes(), "stream#1"),
        (T::Future, &2u32.to_le_bytes(), "future#2"),
        (T::ErrorContext, &9u32.to_le_bytes(), "error-context#9"),
    ];
    for (t, m, text) in cases {
        assert_eq!(show(t, m), *text, "{t:?}");
    }
}

#[test]
fn float_specials() {
    let f32s = [
        (f32::NAN, "nan"),
        (-f32::NAN, "nan"),
        (f32::INFINITY, "inf"),
    ];
    for (v, text) in f32s.into_iter().chain([(f32::NEG_INFINITY, "-inf")]) {
        assert_eq!(show(&T::F32, &v.to_le_bytes()), text);
    }
    for (v, text) in [
        (f64::NAN, "nan"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
    ] {
        assert_eq!(show(&T::F64, &v.to_le_bytes()), text);
    }
}

#[test]
fn char_escapes() {
    let cases = [
        ('\n' as u32, r"'\n'"),
        ('\t' as u32, r"'\t'"),
        ('\r' as u32, r"'\r'"),
        ('\'' as u32, r"'\''"),
        ('\\' as u32, r"'\\'"),
        ('"' as u32, r#"'"'"#),
        (0, r"'\u{0}'"),
        (0x7f, r"'\u{7f}'"),
        (0x9f, r"'\u{9f}'"),
        ('é' as u32, "'é'"),
        ('😀' as u32, "'😀'"),
        (0xd800, "<bad char 0xd800>"),
        (0x11_0000, "<bad char 0x110000>"),
    ];
    for (v, text) in cases {
        assert_eq!(show(&T::Char, &v.to_le_bytes()), text, "{v:#x}");
    }
}

#[test]
fn strings() {
    let s = |bytes: &[u8]| show(&T::String, &str_pl(bytes));
    assert_eq!(
        s("a\"b\\c\n\t\r\u{1}é'\u{9f}😀".as_bytes()),
        r#""a\"b\\c\n\t\r\u{1}é'\u{9f}😀""#
    );
    assert_eq!(s(b"plain"), r#""plain""#);
    assert_eq!(s(b""), r#""""#);
    assert_eq!(show(&T::String, &pl(core::ptr::null(), 0)), r#""""#);
    assert_eq!(show(&T::String, &pl(core::ptr::null(), 3)), "<null>");
    assert_eq!(s(b"a\xff"), "<bad utf-8>");
    // An incomplete char at the very end, and an overlong encoding.
    assert_eq!(s(b"a\xc3"), "<bad utf-8>");
    assert_eq!(s(b"\xc0\x80"), "<bad utf-8>");
}

#[test]
fn string_truncation() {
    let s = |bytes: &[u8], max| show_max(&T::String, &str_pl(bytes), max);
    assert_eq!(s(b"hello world", 5), r#""hello"…+6"#);
    assert_eq!(s(b"hello", 5), r#""hello""#);
    assert_eq!(s(b"hello", 0), r#"""…+5"#);
    // "héllo": the cut after 2 bytes falls inside 'é' (2 bytes).
    assert_eq!(s("héllo".as_bytes(), 2), r#""h"…+5"#);
    assert_eq!(s("héllo".as_bytes(), 3), r#""hé"…+3"#);
    // Only the printed part is read, so only it is checked.
    assert_eq!(s(b"ab\xff", 2), r#""ab"…+1"#);
    assert_eq!(s(b"a\xffb", 2), "<bad utf-8>");
}

#[test]
fn lists_and_truncation() {
    let elems: Vec<u8> = (1..=5u32).flat_map(u32::to_le_bytes).collect();
    let list = T::List(b(T::U32), None);
    let m = pl(elems.as_ptr(), 5);
    assert_eq!(show(&list, &m), "[1, 2, 3, 4, 5]");
    assert_eq!(show_max(&list, &m, 5), "[1, 2, 3, 4, 5]");
    assert_eq!(show_max(&list, &m, 3), "[1, 2, 3, …+2]");
    assert_eq!(show_max(&list, &m, 0), "[…+5]");
    assert_eq!(show(&list, &pl(core::ptr::null(), 0)), "[]");
    assert_eq!(show(&list, &pl(elems.as_ptr(), 0)), "[]");
    assert_eq!(show(&list, &pl(core::ptr::null(), 2)), "<null>");

    let fixed = T::List(b(T::U8), Some(3));
    assert_eq!(show(&fixed, &[7, 8, 9]), "[7, 8, 9]");
    assert_eq!(show_max(&fixed, &[7, 8, 9], 2), "[7, 8, …+1]");

    // list<list<u8>>: [[1, 2], []]
    let inner = [1u8, 2];
    let outer = [pl(inner.as_ptr(), 2), pl(core::ptr::null(), 0)].concat();
    let nested = T::List(b(T::List(b(T::U8), None)), None);
    assert_eq!(show(&nested, &pl(outer.as_ptr(), 2)), "[[1, 2], []]");
}

#[test]
fn maps() {
    // map<string, u8>: entries are tuple<string, u8>, 24 bytes each.
    let entries = [
        mem(24, &[(0, &str_pl(b"a")), (16, &[1])]),
        mem(24, &[(0, &str_pl(b"b")), (16, &[2])]),
    ]
    .concat();
    let map = T::Map(b(T::String), b(T::U8));
    let m = pl(entries.as_ptr(), 2);
    assert_eq!(show(&map, &m), r#"[("a", 1), ("b", 2)]"#);
    assert_eq!(show_max(&map, &m, 1), r#"[("a", 1), …+1]"#);
}

#[test]
fn nested_record() {
    let t = T::Record(named(&[
        ("a", T::U8),
        ("b", T::List(b(T::Option(b(T::S16))), None)),
        ("c", T::Tuple(vec![T::String, T::Char])),
        (
            "r",
            T::Result {
                ok: Some(b(T::U32)),
                err: Some(b(T::String)),
            },
        ),
        ("true", T::Bool),
    ]));
    // option<s16>: discriminant, payload at 2; 4 bytes.
    let opts = [1u8, 0, 0xff, 0xff, 0, 0, 0, 0, 1, 0, 7, 0];
    // a@0, b@8, c@24 (string@24, char@40), r@48 (payload@56), true@72; 80 bytes.
    let m = mem(
        80,
        &[
            (0, &[1]),
            (8, &pl(opts.as_ptr(), 3)),
            (24, &str_pl(b"x")),
            (40, &('y' as u32).to_le_bytes()),
            (48, &[1]),
            (56, &str_pl(b"no")),
            (72, &[1]),
        ],
    );
    assert_eq!(
        show(&t, &m),
        r#"{a: 1, b: [some(-1), none, some(7)], c: ("x", 'y'), r: err("no"), %true: true}"#
    );
}

#[test]
fn variants_enums_options_results() {
    let v = T::Variant(vec![
        ("none".into(), None),
        ("num".into(), Some(T::U64)),
        ("pair".into(), Some(T::Tuple(vec![T::U8, T::String]))),
        ("empty".into(), None),
    ]);
    // discriminant, payload at 8, largest payload 24 bytes: 32 bytes.
    let case = |d: u8, payload: &[u8]| show(&v, &mem(32, &[(0, &[d]), (8, payload)]));
    assert_eq!(case(0, &[]), "%none");
    assert_eq!(case(1, &42u64.to_le_bytes()), "num(42)");
    let pair = mem(24, &[(0, &[1]), (8, &str_pl(b"s"))]);
    assert_eq!(case(2, &pair), r#"pair((1, "s"))"#);
    assert_eq!(case(3, &[]), "empty");
    assert_eq!(case(4, &[]), "<bad discriminant 4>");

    let e = T::Enum(names(&["red", "ok", "blue"]));
    assert_eq!(show(&e, &[2]), "blue");
    assert_eq!(show(&e, &[1]), "%ok");
    assert_eq!(show(&e, &[3]), "<bad discriminant 3>");

    let o = T::Option(b(T::U32));
    assert_eq!(show(&o, &[0; 8]), "none");
    assert_eq!(show(&o, &mem(8, &[(0, &[1]), (4, &[5])])), "some(5)");
    assert_eq!(show(&o, &[2, 0, 0, 0, 5, 0, 0, 0]), "<bad discriminant 2>");

    let bare = T::Result {
        ok: None,
        err: None,
    };
    assert_eq!(show(&bare, &[0]), "ok");
    assert_eq!(show(&bare, &[1]), "err");
    let ok_only = T::Result {
        ok: Some(b(T::U8)),
        err: None,
    };
    assert_eq!(show(&ok_only, &[0, 9]), "ok(9)");
    assert_eq!(show(&ok_only, &[1, 9]), "err");
    let err_only = T::Result {
        ok: None,
        err: Some(b(T::String)),
    };
    assert_eq!(show(&err_only, &[0; 24]), "ok");
    let e = mem(24, &[(0, &[1]), (8, &str_pl(b"e"))]);
    assert_eq!(show(&err_only, &e), r#"err("e")"#);

    // 300 cases: a 2-byte discriminant, payload at 2.
    let cases = (0..300)
        .map(|i| (std::format!("c{i}"), (i % 2 == 1).then_some(T::U8)))
        .collect();
    let wide = T::Variant(cases);
    let d = |d: u16, p: u8| mem(4, &[(0, &d.to_le_bytes()), (2, &[p])]);
    assert_eq!(show(&wide, &d(299, 5)), "c299(5)");
    assert_eq!(show(&wide, &d(4, 5)), "c4");
    assert_eq!(show(&wide, &d(300, 5)), "<bad discriminant 300>");
}

#[test]
fn flags() {
    let rwx = T::Flags(names(&["read", "write", "exec"]));
    assert_eq!(show(&rwx, &[0b101]), "{read, exec}");
    assert_eq!(show(&rwx, &[0]), "{}");
    // Bits past the flags are ignored.
    assert_eq!(show(&rwx, &[0x82]), "{write}");
    let f = |n: usize, bits: u32, size: usize| {
        show(&T::Flags(numbered(n)), &bits.to_le_bytes()[..size])
    };
    assert_eq!(f(9, 1 << 8, 2), "{n8}");
    assert_eq!(f(17, 1 << 16 | 1, 4), "{n0, n16}");
    assert_eq!(f(33, 1 << 31, 4), "{n31}");
}

#[test]
fn deep_nesting() {
    let mut t = T::U8;
    for _ in 0..40 {
        t = T::Option(b(t));
    }
    let mut m = vec![1u8; 40];
    m.push(7);
    let levels = MAX_NESTING as usize + 1;
    let expect = "some(".repeat(levels) + "…" + &")".repeat(levels);
    assert_eq!(show(&t, &m), expect);
}

#[test]
fn arguments() {
    let params = named(&[("a", T::U8), ("b", T::String)]);
    let mut c = vec![];
    typecode::encode_params(&params, &mut c);
    let m = mem(24, &[(0, &[1]), (8, &str_pl(b"x"))]);
    let mut s = String::new();
    // SAFETY: `m` holds the parameter record; its string points to a static.
    unsafe { write_args(&mut s, &c, m.as_ptr(), 16) }.unwrap();
    assert_eq!(s, r#"(a: 1, b: "x")"#);

    let (mut none, mut s) = (vec![], String::new());
    typecode::encode_params(&[], &mut none);
    // SAFETY: an empty record reads nothing.
    unsafe { write_args(&mut s, &none, m.as_ptr(), 16) }.unwrap();
    assert_eq!(s, "()");
}

#[test]
fn bad_types_and_null() {
    let print = |code: &[u8], at: *const u8, args: bool| {
        let mut s = String::new();
        // SAFETY: `at` is null or points to 8 readable bytes, more than any valid code here needs.
        unsafe {
            match args {
                true => write_args(&mut s, code, at, 8),
                false => write_value(&mut s, code, at, 8),
            }
        }
        .unwrap();
        s
    };
    let m = [0u8; 8];
    let record = code(&T::Record(named(&[("a", T::U8)])));
    for bad in [
        &[][..],
        &[0xff],
        &[typecode::NO_TYPE],
        &record[..record.len() - 1],
    ] {
        assert_eq!(print(bad, m.as_ptr(), false), "<bad type>", "{bad:?}");
        assert_eq!(print(bad, m.as_ptr(), true), "<bad type>", "{bad:?}");
    }
    // Trailing bytes after the type.
    assert_eq!(
        print(&[typecode::U8, typecode::U8], m.as_ptr(), false),
        "<bad type>"
    );
    // Arguments are a record.
    assert_eq!(print(&[typecode::U8], m.as_ptr(), true), "<bad type>");
    assert_eq!(print(&record, m.as_ptr(), true), "(a: 0)");
    assert_eq!(print(&[typecode::U8], core::ptr::null(), false), "<null>");
}

#[test]
fn writer_errors_are_passed_on() {
    struct Full;
    impl fmt::Write for Full {
        fn write_str(&mut self, _: &str) -> fmt::Result {
            Err(fmt::Error)
        }
    }
    let c = code(&T::Tuple(vec![T::U8, T::U8]));
    // SAFETY: two bytes hold the tuple.
    let r = unsafe { write_value(&mut Full, &c, [1u8, 2].as_ptr(), 8) };
    assert_eq!(r, Err(fmt::Error));
}
