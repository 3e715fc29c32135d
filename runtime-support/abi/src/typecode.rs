//! Type codes: a compact byte string describing one component value type,
//! emitted by the compiler into objects so that the runtime (which has no
//! allocator) can walk values in the *native layout* (the canonical ABI
//! with 64-bit pointers, `PtrType::I64`), e.g. to print them.
//!
//! # Format
//!
//! A type is a tag byte followed by its operands, read front to back:
//!
//! | tag | type | operands |
//! | --- | --- | --- |
//! | 0x01..=0x0d | `bool` `s8` `u8` `s16` `u16` `s32` `u32` `s64` `u64` `f32` `f64` `char` `string` | none |
//! | 0x0e | `error-context` | none |
//! | 0x0f | `list<T>` | T |
//! | 0x10 | `list<T, N>` | N, T |
//! | 0x11 | `record` | n, n × (name, T) |
//! | 0x12 | `tuple` | n, n × T |
//! | 0x13 | `variant` | n, n × (name, T?) |
//! | 0x14 | `enum` | n, n × name |
//! | 0x15 | `option<T>` | T |
//! | 0x16 | `result<T?, E?>` | T?, E? |
//! | 0x17 | `flags` | n, n × name |
//! | 0x18 | `map<K, V>` | K, V |
//! | 0x19 / 0x1a | `own<R>` / `borrow<R>` | resource index |
//! | 0x1b / 0x1c | `stream` / `future` | none |
//!
//! Counts, lengths and indices are unsigned LEB128 (at most `u32::MAX`); a
//! name is its byte length then that many UTF-8 bytes; an optional type
//! `T?` is [`NO_TYPE`] (0x00) when absent, else the type. Tag 0 is never a
//! type, so zeroed bytes are not a valid code.
//!
//! Decoding never allocates and never panics: malformed codes (unknown tags,
//! truncation, bad LEB128 or UTF-8, nesting deeper than [`MAX_DEPTH`], sizes
//! overflowing `u32`) give [`BadCode`].

#[cfg(feature = "alloc")]
use crate::values::ValType;
#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};

/// Marks an absent optional type (variant case without payload, `result` without ok or error type).
pub const NO_TYPE: u8 = 0x00;
pub const BOOL: u8 = 0x01;
pub const S8: u8 = 0x02;
pub const U8: u8 = 0x03;
pub const S16: u8 = 0x04;
pub const U16: u8 = 0x05;
pub const S32: u8 = 0x06;
pub const U32: u8 = 0x07;
pub const S64: u8 = 0x08;
pub const U64: u8 = 0x09;
pub const F32: u8 = 0x0a;
pub const F64: u8 = 0x0b;
pub const CHAR: u8 = 0x0c;
pub const STRING: u8 = 0x0d;
pub const ERROR_CONTEXT: u8 = 0x0e;
pub const LIST: u8 = 0x0f;
pub const FIXED_LIST: u8 = 0x10;
pub const RECORD: u8 = 0x11;
pub const TUPLE: u8 = 0x12;
pub const VARIANT: u8 = 0x13;
pub const ENUM: u8 = 0x14;
pub const OPTION: u8 = 0x15;
pub const RESULT: u8 = 0x16;
pub const FLAGS: u8 = 0x17;
pub const MAP: u8 = 0x18;
pub const OWN: u8 = 0x19;
pub const BORROW: u8 = 0x1a;
pub const STREAM: u8 = 0x1b;
pub const FUTURE: u8 = 0x1c;

/// Deepest nesting of types a code may have (wasmparser allows component
/// types 100 deep; a parameter record adds one level). Bounds the decoder's
/// recursion on malformed input.
pub const MAX_DEPTH: u32 = 128;

/// A malformed type code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadCode;

/// Size and alignment of a type in the native layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub size: u32,
    pub align: u32,
}

const fn lay(size: u32, align: u32) -> Layout {
    Layout { size, align }
}

/// A read cursor over a type code: the bytes not read yet. Copy it to look
/// ahead (e.g. take a type's layout, then read the same type again).
#[derive(Clone, Copy, Debug)]
pub struct Code<'a>(pub &'a [u8]);

impl<'a> Code<'a> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn byte(&mut self) -> Result<u8, BadCode> {
        let (&b, rest) = self.0.split_first().ok_or(BadCode)?;
        self.0 = rest;
        Ok(b)
    }

    /// An unsigned LEB128 number of at most 32 bits.
    pub fn leb(&mut self) -> Result<u32, BadCode> {
        let mut v: u32 = 0;
        for i in 0..5 {
            let b = self.byte()?;
            let bits = u32::from(b & 0x7f);
            // The fifth byte holds bits 28..32: only its low 4 bits may be set.
            if i == 4 && b & 0xf0 != 0 {
                return Err(BadCode);
            }
            v |= bits << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(BadCode)
    }

    /// A name: LEB128 byte length, then UTF-8.
    pub fn name(&mut self) -> Result<&'a str, BadCode> {
        let n = self.leb()? as usize;
        if n > self.0.len() {
            return Err(BadCode);
        }
        let (s, rest) = self.0.split_at(n);
        self.0 = rest;
        core::str::from_utf8(s).map_err(|_| BadCode)
    }

    /// The tag of the next type (one of the type tags, never [`NO_TYPE`]).
    pub fn tag(&mut self) -> Result<u8, BadCode> {
        match self.byte()? {
            t @ BOOL..=FUTURE => Ok(t),
            _ => Err(BadCode),
        }
    }

    /// At an optional type: whether a type follows ([`NO_TYPE`] is consumed, a type is not).
    pub fn optional(&mut self) -> Result<bool, BadCode> {
        match self.0.first() {
            Some(&NO_TYPE) => {
                self.0 = &self.0[1..];
                Ok(false)
            }
            Some(_) => Ok(true),
            None => Err(BadCode),
        }
    }

    /// Reads one whole type.
    pub fn skip(&mut self) -> Result<(), BadCode> {
        self.layout().map(drop)
    }

    /// Reads one whole type and returns its native layout.
    pub fn layout(&mut self) -> Result<Layout, BadCode> {
        self.layout_at(0)
    }

    fn layout_at(&mut self, depth: u32) -> Result<Layout, BadCode> {
        if depth >= MAX_DEPTH {
            return Err(BadCode);
        }
        let d = depth + 1;
        let scalar = |n| Ok(lay(n, n));
        match self.tag()? {
            BOOL | S8 | U8 => scalar(1),
            S16 | U16 => scalar(2),
            S32 | U32 | F32 | CHAR | ERROR_CONTEXT | STREAM | FUTURE => scalar(4),
            S64 | U64 | F64 => scalar(8),
            OWN | BORROW => self.leb().and(scalar(4)),
            STRING => Ok(PTR_LEN),
            LIST => self.layout_at(d).and(Ok(PTR_LEN)),
            MAP => {
                self.layout_at(d)?;
                self.layout_at(d).and(Ok(PTR_LEN))
            }
            FIXED_LIST => {
                let n = self.leb()?;
                let e = self.layout_at(d)?;
                let size = n.checked_mul(e.size).ok_or(BadCode)?;
                Ok(lay(size, e.align))
            }
            t @ (RECORD | TUPLE) => {
                let mut fields = Fields::default();
                for _ in 0..self.leb()? {
                    if t == RECORD {
                        self.name()?;
                    }
                    fields.add(self.layout_at(d)?)?;
                }
                fields.finish()
            }
            VARIANT => {
                let n = self.leb()?;
                let mut cases = Cases::default();
                for _ in 0..n {
                    self.name()?;
                    cases.add(self.opt_layout(d)?);
                }
                cases.finish(n)
            }
            ENUM => Cases::default().finish(self.names()?),
            OPTION => {
                let mut cases = Cases::default();
                cases.add(Some(self.layout_at(d)?));
                cases.finish(2)
            }
            RESULT => {
                let mut cases = Cases::default();
                cases.add(self.opt_layout(d)?);
                cases.add(self.opt_layout(d)?);
                cases.finish(2)
            }
            FLAGS => scalar(flags_size(self.names()?)),
            _ => Err(BadCode),
        }
    }

    /// Reads a count and that many names (enum cases, flags); returns the count.
    fn names(&mut self) -> Result<u32, BadCode> {
        let n = self.leb()?;
        for _ in 0..n {
            self.name()?;
        }
        Ok(n)
    }

    fn opt_layout(&mut self, depth: u32) -> Result<Option<Layout>, BadCode> {
        match self.optional()? {
            true => self.layout_at(depth).map(Some),
            false => Ok(None),
        }
    }
}

/// Strings, lists and maps: (pointer: u64, length: u64).
const PTR_LEN: Layout = lay(16, 8);

/// Lays out the fields of a record or tuple in order.
#[derive(Default)]
pub struct Fields {
    /// end of the fields so far
    pub end: u32,
    /// widest field so far (0: none)
    pub align: u32,
}

impl Fields {
    /// Adds a field and returns its offset.
    pub fn add(&mut self, f: Layout) -> Result<u32, BadCode> {
        let off = align_to(self.end, f.align)?;
        self.end = off.checked_add(f.size).ok_or(BadCode)?;
        self.align = self.align.max(f.align);
        Ok(off)
    }

    pub fn finish(&self) -> Result<Layout, BadCode> {
        let align = self.align.max(1);
        Ok(lay(align_to(self.end, align)?, align))
    }
}

/// Lays out a variant from its cases' payloads.
#[derive(Default)]
struct Cases {
    align: u32,
    payload: u32,
}

impl Cases {
    fn add(&mut self, p: Option<Layout>) {
        if let Some(p) = p {
            self.align = self.align.max(p.align);
            self.payload = self.payload.max(p.size);
        }
    }

    fn finish(&self, n: u32) -> Result<Layout, BadCode> {
        let disc = discriminant_size(n);
        let case_align = self.align.max(1);
        let align = disc.max(case_align);
        let end = align_to(disc, case_align)?
            .checked_add(self.payload)
            .ok_or(BadCode)?;
        Ok(lay(align_to(end, align)?, align))
    }
}

/// `v` rounded up to a multiple of `a` (a power of two).
pub fn align_to(v: u32, a: u32) -> Result<u32, BadCode> {
    v.checked_next_multiple_of(a).ok_or(BadCode)
}

/// Bytes of the discriminant of a variant with `n` cases.
pub fn discriminant_size(n: u32) -> u32 {
    match n {
        0..=256 => 1,
        257..=65536 => 2,
        _ => 4,
    }
}

/// Bytes of `n` flags: the smallest integer of 8, 16 or 32 bits (as
/// `values.rs` does, more than 32 flags also take 4 bytes).
pub fn flags_size(n: u32) -> u32 {
    match n {
        0..=8 => 1,
        9..=16 => 2,
        _ => 4,
    }
}

/// Offset of a variant's payload: after the discriminant, aligned to the
/// variant (the same as aligning to the widest case, the discriminant being a power of two).
pub fn payload_offset(n: u32, variant: Layout) -> Result<u32, BadCode> {
    align_to(discriminant_size(n), variant.align)
}

/// Layout of the code of exactly one type.
pub fn native_layout(code: &[u8]) -> Result<Layout, BadCode> {
    let mut c = Code(code);
    let l = c.layout()?;
    match c.is_empty() {
        true => Ok(l),
        false => Err(BadCode),
    }
}

/// Canonical ABI element size of the type of `code`, with 64-bit pointers.
pub fn native_size(code: &[u8]) -> Result<u32, BadCode> {
    native_layout(code).map(|l| l.size)
}

/// Canonical ABI alignment of the type of `code`, with 64-bit pointers.
pub fn native_align(code: &[u8]) -> Result<u32, BadCode> {
    native_layout(code).map(|l| l.align)
}

#[cfg(feature = "alloc")]
fn leb(mut v: u32, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

#[cfg(feature = "alloc")]
fn name(s: &str, out: &mut Vec<u8>) {
    leb(s.len() as u32, out);
    out.extend_from_slice(s.as_bytes());
}

#[cfg(feature = "alloc")]
fn optional(ty: Option<&ValType>, out: &mut Vec<u8>) {
    match ty {
        Some(t) => encode(t, out),
        None => out.push(NO_TYPE),
    }
}

/// Appends the code of `ty`.
#[cfg(feature = "alloc")]
pub fn encode(ty: &ValType, out: &mut Vec<u8>) {
    match ty {
        ValType::Bool => out.push(BOOL),
        ValType::S8 => out.push(S8),
        ValType::U8 => out.push(U8),
        ValType::S16 => out.push(S16),
        ValType::U16 => out.push(U16),
        ValType::S32 => out.push(S32),
        ValType::U32 => out.push(U32),
        ValType::S64 => out.push(S64),
        ValType::U64 => out.push(U64),
        ValType::F32 => out.push(F32),
        ValType::F64 => out.push(F64),
        ValType::Char => out.push(CHAR),
        ValType::String => out.push(STRING),
        ValType::ErrorContext => out.push(ERROR_CONTEXT),
        ValType::Stream => out.push(STREAM),
        ValType::Future => out.push(FUTURE),
        ValType::List(t, None) => {
            out.push(LIST);
            encode(t, out);
        }
        ValType::List(t, Some(n)) => {
            out.push(FIXED_LIST);
            leb(*n, out);
            encode(t, out);
        }
        ValType::Record(fs) => encode_record(fs, out),
        ValType::Tuple(ts) => {
            out.push(TUPLE);
            leb(ts.len() as u32, out);
            ts.iter().for_each(|t| encode(t, out));
        }
        ValType::Variant(cs) => {
            out.push(VARIANT);
            leb(cs.len() as u32, out);
            for (n, t) in cs {
                name(n, out);
                optional(t.as_ref(), out);
            }
        }
        ValType::Enum(ns) | ValType::Flags(ns) => {
            out.push(if matches!(ty, ValType::Enum(_)) {
                ENUM
            } else {
                FLAGS
            });
            leb(ns.len() as u32, out);
            ns.iter().for_each(|n| name(n, out));
        }
        ValType::Option(t) => {
            out.push(OPTION);
            encode(t, out);
        }
        ValType::Result { ok, err } => {
            out.push(RESULT);
            optional(ok.as_deref(), out);
            optional(err.as_deref(), out);
        }
        ValType::Map(k, v) => {
            out.push(MAP);
            encode(k, out);
            encode(v, out);
        }
        ValType::Own(r) | ValType::Borrow(r) => {
            out.push(if matches!(ty, ValType::Own(_)) {
                OWN
            } else {
                BORROW
            });
            leb(*r, out);
        }
    }
}

#[cfg(feature = "alloc")]
fn encode_record(fs: &[(String, ValType)], out: &mut Vec<u8>) {
    out.push(RECORD);
    leb(fs.len() as u32, out);
    for (n, t) in fs {
        name(n, out);
        encode(t, out);
    }
}

/// Appends the code of a function's parameters: a record of them, which is
/// how the argument tuple lies in memory.
#[cfg(feature = "alloc")]
pub fn encode_params(params: &[(String, ValType)], out: &mut Vec<u8>) {
    encode_record(params, out);
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use crate::values::PtrType;
    use alloc::{boxed::Box, format, vec};
    use ValType as T;

    fn b(t: T) -> Box<T> {
        Box::new(t)
    }
    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }
    fn fields(ts: &[T]) -> Vec<(String, T)> {
        ts.iter()
            .enumerate()
            .map(|(i, t)| (format!("f{i}"), t.clone()))
            .collect()
    }
    fn res(ok: Option<T>, err: Option<T>) -> T {
        T::Result {
            ok: ok.map(b),
            err: err.map(b),
        }
    }
    fn code(t: &T) -> Vec<u8> {
        let mut v = vec![];
        encode(t, &mut v);
        v
    }

    fn types() -> Vec<T> {
        use T::*;
        #[rustfmt::skip]
        let scalars = [
            Bool, S8, U8, S16, U16, S32, U32, S64, U64, F32, F64, Char, String, ErrorContext,
            Own(3), Borrow(700), Stream, Future,
        ];
        let mut ts = scalars.to_vec();
        for s in scalars {
            ts.push(List(b(s.clone()), None));
            ts.push(List(b(s.clone()), Some(3)));
            ts.push(Option(b(s.clone())));
            ts.push(Tuple(vec![U8, s.clone()]));
            ts.push(Record(fields(&[s.clone(), U8])));
            ts.push(Variant(vec![
                ("a".into(), None),
                ("b".into(), Some(s.clone())),
            ]));
            ts.push(Map(b(s.clone()), b(U8)));
            ts.push(Map(b(U8), b(s)));
        }
        let wide: Vec<_> = (0..300)
            .map(|i| (format!("c{i}"), [None, Some(U8), Some(F64)][i % 3].clone()))
            .collect();
        let nested = Record(fields(&[
            U8,
            Variant(vec![
                ("x".into(), Some(Tuple(vec![U16, U64]))),
                ("y".into(), None),
            ]),
            Option(b(Option(b(U32)))),
            res(Some(List(b(Record(fields(&[Char, S8]))), None)), None),
            List(b(Tuple(vec![U8, String])), Some(2)),
            Record(fields(&[S16, Record(fields(&[U8]))])),
        ]));
        ts.extend([
            Record(vec![]),
            Tuple(vec![]),
            Variant(vec![]),
            Variant(wide),
            List(b(U64), Some(0)),
            Enum(names(1)),
            Enum(names(256)),
            Enum(names(257)),
            Enum(names(65537)),
            res(None, None),
            res(Some(String), None),
            res(None, Some(U16)),
            res(Some(U8), Some(F64)),
            List(b(nested.clone()), None),
            Option(b(nested.clone())),
            nested,
        ]);
        ts.extend([0, 1, 8, 9, 16, 17, 32, 33, 65].map(|n| Flags(names(n))));
        ts
    }

    #[test]
    fn layout_matches_values() {
        for t in types() {
            let c = code(&t);
            let expect = lay(t.elem_size(PtrType::I64), t.alignment(PtrType::I64));
            assert_eq!(native_layout(&c), Ok(expect), "{t:?}");
        }
        let params = fields(&[T::U8, T::String]);
        let (mut p, mut r) = (vec![], vec![]);
        encode_params(&params, &mut p);
        encode(&T::Record(params), &mut r);
        assert_eq!(p, r);
    }

    #[test]
    fn truncated_or_trailing_codes_are_bad() {
        for t in types() {
            let c = code(&t);
            // Long codes (the 65537-case enum) at a stride, to stay fast.
            let step = (c.len() / 1000).max(1);
            for n in (0..c.len()).step_by(step).chain([c.len() - 1]) {
                assert_eq!(native_size(&c[..n]), Err(BadCode), "{n} bytes of {t:?}");
            }
            let mut more = c.clone();
            more.push(BOOL);
            assert_eq!(native_size(&more), Err(BadCode));
            assert!(Code(&more).skip().is_ok());
        }
    }

    #[test]
    fn malformed_codes_are_bad() {
        for bad in [
            &[NO_TYPE][..],
            &[FUTURE + 1],
            &[0xff],
            &[OPTION, NO_TYPE],
            &[RECORD, 1, 1, 0xff, U8],
            &[ENUM, 0xff, 0xff, 0xff, 0xff, 0x0f, 0],
            &[FIXED_LIST, 0xff, 0xff, 0xff, 0xff, 0x0f, U64],
            &[FIXED_LIST, 0x80, 0x80, 0x80, 0x80, 0x10, U8],
            &[FIXED_LIST, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, U8],
        ] {
            assert_eq!(native_size(bad), Err(BadCode), "{bad:?}");
        }
        assert_eq!(Code(&[0xff, 0xff, 0xff, 0xff, 0x0f]).leb(), Ok(u32::MAX));
        let mut deep = vec![LIST; (MAX_DEPTH - 1) as usize];
        deep.push(BOOL);
        assert_eq!(native_size(&deep), Ok(16));
        deep.insert(0, OPTION);
        assert_eq!(native_size(&deep), Err(BadCode));
        let mut huge = vec![OPTION; 1 << 20];
        huge.push(BOOL);
        assert_eq!(native_size(&huge), Err(BadCode));
        // Random bytes: any result, but no panic.
        let mut x: u32 = 0x1234_5678;
        for len in 0..20_000usize {
            let bytes: Vec<u8> = (0..len % 48)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    (x % 0x24) as u8
                })
                .collect();
            let _ = native_layout(&bytes);
        }
    }
}
