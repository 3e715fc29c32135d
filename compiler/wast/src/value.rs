//! Values crossing the host/wasm boundary in the runner: arguments from the
//! script, results read back from the `ValRaw` buffer, and the patterns
//! `assert_return` compares them against (bit-exact, with NaN classes).
//!
//! A host `externref` N is the word N+1, so that null stays 0.

use super::cvalue::CVal;
use std::fmt;
use wacc_abi::ValRaw;
use wasmparser::ValType;

/// An argument written in the script.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128([u8; 16]),
    RefNull,
    RefExtern(u32),
    /// a component-model value (`u32.const`, `str.const`, ...)
    Component(CVal),
}

/// A float result pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FloatPattern<T> {
    Bits(T),
    /// `nan:canonical`: sign free, quiet bit set, rest of payload zero
    CanonicalNan,
    /// `nan:arithmetic`: sign free, quiet bit set, rest of payload free
    ArithmeticNan,
}

/// An expected result written in the script.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    I32(i32),
    I64(i64),
    F32(FloatPattern<u32>),
    F64(FloatPattern<u64>),
    V128Bytes([u8; 16]),
    V128F32([FloatPattern<u32>; 4]),
    V128F64([FloatPattern<u64>; 2]),
    RefNull,
    /// `ref.extern N`, or any non-null externref when `None`
    RefExtern(Option<u32>),
    /// any non-null funcref
    RefFunc,
    Either(Vec<Expected>),
    /// a component-model value
    Component(CVal),
}

/// The value types the runner can pass and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    I32,
    I64,
    F32,
    F64,
    V128,
    /// the function hierarchy (`func`, `nofunc`, typed function references)
    FuncRef,
    /// the extern hierarchy (`extern`, `noextern`)
    ExternRef,
    /// any other reference (gc, exceptions): an opaque word, 0 = null
    OtherRef,
}

impl Ty {
    pub fn of(t: ValType) -> Option<Ty> {
        use wasmparser::{AbstractHeapType as A, HeapType};
        Some(match t {
            ValType::I32 => Ty::I32,
            ValType::I64 => Ty::I64,
            ValType::F32 => Ty::F32,
            ValType::F64 => Ty::F64,
            ValType::V128 => Ty::V128,
            ValType::Ref(r) => match r.heap_type() {
                HeapType::Abstract {
                    ty: A::Func | A::NoFunc,
                    ..
                }
                // Without gc, concrete types are function types.
                | HeapType::Concrete(_)
                | HeapType::Exact(_) => Ty::FuncRef,
                HeapType::Abstract {
                    ty: A::Extern | A::NoExtern,
                    ..
                } => Ty::ExternRef,
                HeapType::Abstract { .. } => Ty::OtherRef,
            },
        })
    }
}

/// A value read back from wasm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128([u8; 16]),
    FuncRef(u64),
    ExternRef(u64),
    OtherRef(u64),
}

impl Val {
    pub fn read(raw: &ValRaw, ty: Ty) -> Val {
        match ty {
            Ty::I32 => Val::I32(raw.get_u32() as i32),
            Ty::I64 => Val::I64(raw.get_u64() as i64),
            Ty::F32 => Val::F32(raw.get_u32()),
            Ty::F64 => Val::F64(raw.get_u64()),
            Ty::V128 => Val::V128(raw.0),
            Ty::FuncRef => Val::FuncRef(raw.get_u64()),
            Ty::ExternRef => Val::ExternRef(raw.get_u64()),
            Ty::OtherRef => Val::OtherRef(raw.get_u64()),
        }
    }

    /// Read a value from a 16-byte global cell.
    pub fn from_cell(cell: &[u8; 16], ty: Ty) -> Val {
        Val::read(&ValRaw(*cell), ty)
    }
}

impl Arg {
    /// Encode for a parameter of type `ty`; an error if the script's value
    /// does not fit the parameter.
    pub fn to_raw(&self, ty: Ty) -> Result<ValRaw, String> {
        Ok(match (self.clone(), ty) {
            (Arg::I32(v), Ty::I32) => ValRaw::i32(v),
            (Arg::I64(v), Ty::I64) => ValRaw::i64(v),
            (Arg::F32(v), Ty::F32) => ValRaw::f32_bits(v),
            (Arg::F64(v), Ty::F64) => ValRaw::f64_bits(v),
            (Arg::V128(b), Ty::V128) => ValRaw(b),
            (Arg::RefNull, Ty::FuncRef | Ty::ExternRef | Ty::OtherRef) => ValRaw::u64(0),
            (Arg::RefExtern(n), Ty::ExternRef) => ValRaw::u64(n as u64 + 1),
            (a, t) => {
                return Err(format!(
                    "argument {a:?} does not fit a parameter of type {t:?}"
                ))
            }
        })
    }
}

pub(super) fn f32_matches(p: FloatPattern<u32>, bits: u32) -> bool {
    match p {
        FloatPattern::Bits(b) => b == bits,
        FloatPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        FloatPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
    }
}

pub(super) fn f64_matches(p: FloatPattern<u64>, bits: u64) -> bool {
    match p {
        FloatPattern::Bits(b) => b == bits,
        FloatPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        FloatPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
    }
}

impl Expected {
    pub fn matches(&self, v: &Val) -> bool {
        match (self, v) {
            (Expected::I32(e), Val::I32(a)) => e == a,
            (Expected::I64(e), Val::I64(a)) => e == a,
            (Expected::F32(p), Val::F32(a)) => f32_matches(*p, *a),
            (Expected::F64(p), Val::F64(a)) => f64_matches(*p, *a),
            (Expected::V128Bytes(e), Val::V128(a)) => e == a,
            (Expected::V128F32(ps), Val::V128(a)) => ps.iter().enumerate().all(|(i, p)| {
                let lane = u32::from_le_bytes(a[i * 4..i * 4 + 4].try_into().unwrap());
                f32_matches(*p, lane)
            }),
            (Expected::V128F64(ps), Val::V128(a)) => ps.iter().enumerate().all(|(i, p)| {
                let lane = u64::from_le_bytes(a[i * 8..i * 8 + 8].try_into().unwrap());
                f64_matches(*p, lane)
            }),
            (Expected::RefNull, Val::FuncRef(w) | Val::ExternRef(w) | Val::OtherRef(w)) => *w == 0,
            (Expected::RefExtern(None), Val::ExternRef(w)) => *w != 0,
            (Expected::RefExtern(Some(n)), Val::ExternRef(w)) => *w == *n as u64 + 1,
            (Expected::RefFunc, Val::FuncRef(w)) => *w != 0,
            (Expected::Either(alts), v) => alts.iter().any(|e| e.matches(v)),
            _ => false,
        }
    }
}

pub(super) fn fmt_f32(bits: u32) -> String {
    let v = f32::from_bits(bits);
    if v.is_nan() {
        format!(
            "nan:0x{:x}{}",
            bits & 0x7f_ffff,
            if bits >> 31 == 1 { " (negative)" } else { "" }
        )
    } else {
        format!("{v:?}")
    }
}

pub(super) fn fmt_f64(bits: u64) -> String {
    let v = f64::from_bits(bits);
    if v.is_nan() {
        format!(
            "nan:0x{:x}{}",
            bits & 0xf_ffff_ffff_ffff,
            if bits >> 63 == 1 { " (negative)" } else { "" }
        )
    } else {
        format!("{v:?}")
    }
}

pub(crate) fn fmt_f32_pattern(p: &FloatPattern<u32>) -> String {
    match p {
        FloatPattern::Bits(b) => fmt_f32(*b),
        FloatPattern::CanonicalNan => "nan:canonical".into(),
        FloatPattern::ArithmeticNan => "nan:arithmetic".into(),
    }
}

pub(crate) fn fmt_f64_pattern(p: &FloatPattern<u64>) -> String {
    match p {
        FloatPattern::Bits(b) => fmt_f64(*b),
        FloatPattern::CanonicalNan => "nan:canonical".into(),
        FloatPattern::ArithmeticNan => "nan:arithmetic".into(),
    }
}

fn fmt_bytes(b: &[u8; 16]) -> String {
    let lanes: Vec<String> = b
        .chunks(4)
        .map(|c| format!("0x{:08x}", u32::from_le_bytes(c.try_into().unwrap())))
        .collect();
    format!("v128 i32x4 {}", lanes.join(" "))
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::I32(v) => write!(f, "i32:{v} (0x{:x})", *v as u32),
            Val::I64(v) => write!(f, "i64:{v} (0x{:x})", *v as u64),
            Val::F32(b) => write!(f, "f32:{} (0x{b:08x})", fmt_f32(*b)),
            Val::F64(b) => write!(f, "f64:{} (0x{b:016x})", fmt_f64(*b)),
            Val::V128(b) => write!(f, "{}", fmt_bytes(b)),
            Val::FuncRef(0) | Val::ExternRef(0) | Val::OtherRef(0) => write!(f, "ref.null"),
            Val::FuncRef(w) => write!(f, "ref.func (0x{w:x})"),
            Val::ExternRef(w) => write!(f, "ref.extern {}", w.wrapping_sub(1)),
            Val::OtherRef(w) => write!(f, "ref (0x{w:x})"),
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::I32(v) => write!(f, "i32:{v} (0x{:x})", *v as u32),
            Expected::I64(v) => write!(f, "i64:{v} (0x{:x})", *v as u64),
            Expected::F32(p) => match p {
                FloatPattern::Bits(b) => write!(f, "f32:{} (0x{b:08x})", fmt_f32(*b)),
                p => write!(f, "f32:{}", fmt_f32_pattern(p)),
            },
            Expected::F64(p) => match p {
                FloatPattern::Bits(b) => write!(f, "f64:{} (0x{b:016x})", fmt_f64(*b)),
                p => write!(f, "f64:{}", fmt_f64_pattern(p)),
            },
            Expected::V128Bytes(b) => write!(f, "{}", fmt_bytes(b)),
            Expected::V128F32(ps) => {
                let l: Vec<String> = ps.iter().map(fmt_f32_pattern).collect();
                write!(f, "v128 f32x4 {}", l.join(" "))
            }
            Expected::V128F64(ps) => {
                let l: Vec<String> = ps.iter().map(fmt_f64_pattern).collect();
                write!(f, "v128 f64x2 {}", l.join(" "))
            }
            Expected::RefNull => write!(f, "ref.null"),
            Expected::RefExtern(None) => write!(f, "ref.extern"),
            Expected::RefExtern(Some(n)) => write!(f, "ref.extern {n}"),
            Expected::RefFunc => write!(f, "ref.func"),
            Expected::Either(alts) => {
                let l: Vec<String> = alts.iter().map(|a| a.to_string()).collect();
                write!(f, "either({})", l.join(" | "))
            }
            Expected::Component(v) => write!(f, "{v}"),
        }
    }
}

/// Compare results; `Err` describes the first difference.
pub fn check_results(expected: &[Expected], actual: &[Val]) -> Result<(), String> {
    if expected.len() != actual.len() {
        return Err(format!(
            "expected {} result(s), the function returns {}",
            expected.len(),
            actual.len()
        ));
    }
    for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
        if !e.matches(a) {
            return Err(format!("result {i}: expected {e}, got {a}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_classes_f32() {
        let canon = FloatPattern::CanonicalNan;
        let arith = FloatPattern::ArithmeticNan;
        assert!(f32_matches(canon, 0x7fc0_0000));
        assert!(f32_matches(canon, 0xffc0_0000));
        assert!(!f32_matches(canon, 0x7fc0_0001));
        assert!(!f32_matches(canon, 0x7fa0_0000));
        assert!(f32_matches(arith, 0x7fc0_0001));
        assert!(f32_matches(arith, 0xffe0_0000));
        assert!(!f32_matches(arith, 0x7f80_0001)); // signalling
        assert!(!f32_matches(arith, 0x7f80_0000)); // infinity
        assert!(f32_matches(FloatPattern::Bits(0x8000_0000), 0x8000_0000));
        assert!(!f32_matches(FloatPattern::Bits(0x8000_0000), 0));
    }

    #[test]
    fn nan_classes_f64() {
        let canon = FloatPattern::CanonicalNan;
        let arith = FloatPattern::ArithmeticNan;
        assert!(f64_matches(canon, 0x7ff8_0000_0000_0000));
        assert!(f64_matches(canon, 0xfff8_0000_0000_0000));
        assert!(!f64_matches(canon, 0x7ff8_0000_0000_0001));
        assert!(f64_matches(arith, 0x7ffc_0000_0000_0001));
        assert!(!f64_matches(arith, 0x7ff0_0000_0000_0001));
        assert!(!f64_matches(arith, 0x7ff0_0000_0000_0000));
    }

    #[test]
    fn refs_and_args() {
        assert_eq!(
            Arg::RefExtern(0).to_raw(Ty::ExternRef).unwrap().get_u64(),
            1
        );
        assert_eq!(Arg::RefNull.to_raw(Ty::FuncRef).unwrap().get_u64(), 0);
        assert!(Arg::I32(1).to_raw(Ty::I64).is_err());
        assert!(Expected::RefExtern(Some(3)).matches(&Val::ExternRef(4)));
        assert!(!Expected::RefExtern(Some(3)).matches(&Val::ExternRef(3)));
        assert!(Expected::RefNull.matches(&Val::FuncRef(0)));
        assert!(Expected::RefFunc.matches(&Val::FuncRef(0x1000)));
        assert!(!Expected::RefFunc.matches(&Val::FuncRef(0)));
        assert!(!Expected::I32(1).matches(&Val::I64(1)));
        let either = Expected::Either(vec![Expected::I32(1), Expected::I32(2)]);
        assert!(either.matches(&Val::I32(2)));
        assert!(!either.matches(&Val::I32(3)));
    }

    #[test]
    fn i32_read_is_low_bits() {
        let raw = ValRaw::u64(0xdead_beef_ffff_fffe);
        assert_eq!(Val::read(&raw, Ty::I32), Val::I32(-2));
    }

    #[test]
    fn v128_lanes() {
        let mut b = [0u8; 16];
        b[0..4].copy_from_slice(&0x7fc0_0000u32.to_le_bytes());
        b[4..8].copy_from_slice(&1.0f32.to_bits().to_le_bytes());
        let e = Expected::V128F32([
            FloatPattern::CanonicalNan,
            FloatPattern::Bits(1.0f32.to_bits()),
            FloatPattern::Bits(0),
            FloatPattern::Bits(0),
        ]);
        assert!(e.matches(&Val::V128(b)));
        let msg = check_results(&[Expected::I32(1)], &[Val::I32(2)]).unwrap_err();
        assert!(msg.contains("expected i32:1"), "{msg}");
    }
}
