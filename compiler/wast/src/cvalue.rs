//! Component-model values in the runner: the values a script writes
//! (`u32.const`, `str.const`, `record.const`, ...), their *native layout*
//! (the canonical ABI memory layout with 64-bit pointers, see
//! `ctypes`) in which `P_call` takes arguments and returns the
//! result, and the comparison of a returned value with the expected one.
//!
//! Native layout, per type: scalars little-endian in their canonical size;
//! `bool` one byte 0/1; `char` a u32 scalar value; strings `{ptr: u64,
//! len: u64}` UTF-8 bytes; lists (and maps, lists of key/value tuples)
//! `{ptr: u64, len: u64}` with `len` elements in native layout; fixed-length
//! lists inline; records and tuples field by field, each at its alignment;
//! variants (enum, option, result) a 1/2/4-byte discriminant, then the
//! payload at the largest payload alignment; flags a u8/u16/u32 bit vector;
//! handles (own, borrow, stream, future, error-context) a u32.

use super::ctypes::{align_of, align_to, discriminant_size, size_of, ValType};
use super::value::{f32_matches, f64_matches, fmt_f32_pattern, fmt_f64_pattern, FloatPattern};
use std::fmt;

/// A component value, written in a script or read back from a call.
/// Floats are patterns so that expected results can ask for NaN classes;
/// arguments and values read back always hold `FloatPattern::Bits`.
#[derive(Debug, Clone, PartialEq)]
pub enum CVal {
    Bool(bool),
    S8(i8),
    U8(u8),
    S16(i16),
    U16(u16),
    S32(i32),
    U32(u32),
    S64(i64),
    U64(u64),
    F32(FloatPattern<u32>),
    F64(FloatPattern<u64>),
    Char(char),
    String(String),
    List(Vec<CVal>),
    /// `map<K, V>` entries in order
    Map(Vec<(CVal, CVal)>),
    Record(Vec<(String, CVal)>),
    Tuple(Vec<CVal>),
    Variant(String, Option<Box<CVal>>),
    Enum(String),
    Option(Option<Box<CVal>>),
    Result(Result<Option<Box<CVal>>, Option<Box<CVal>>>),
    Flags(Vec<String>),
    /// a handle read back (own, borrow, stream, future, error-context);
    /// scripts cannot write one
    Handle(u32),
}

impl CVal {
    /// The value a script wrote.
    pub fn from_wast(v: &wast::component::WastVal) -> CVal {
        use wast::component::WastVal as W;
        let boxed = |o: &Option<Box<W>>| o.as_ref().map(|v| Box::new(CVal::from_wast(v)));
        match v {
            W::Bool(b) => CVal::Bool(*b),
            W::U8(x) => CVal::U8(*x),
            W::S8(x) => CVal::S8(*x),
            W::U16(x) => CVal::U16(*x),
            W::S16(x) => CVal::S16(*x),
            W::U32(x) => CVal::U32(*x),
            W::S32(x) => CVal::S32(*x),
            W::U64(x) => CVal::U64(*x),
            W::S64(x) => CVal::S64(*x),
            W::F32(f) => CVal::F32(FloatPattern::Bits(f.bits)),
            W::F64(f) => CVal::F64(FloatPattern::Bits(f.bits)),
            W::Char(c) => CVal::Char(*c),
            W::String(s) => CVal::String(s.to_string()),
            W::List(l) => CVal::List(l.iter().map(CVal::from_wast).collect()),
            W::Map(es) => CVal::Map(
                es.iter()
                    .map(|(k, v)| (CVal::from_wast(k), CVal::from_wast(v)))
                    .collect(),
            ),
            W::Record(fs) => CVal::Record(
                fs.iter()
                    .map(|(n, v)| (n.to_string(), CVal::from_wast(v)))
                    .collect(),
            ),
            W::Tuple(l) => CVal::Tuple(l.iter().map(CVal::from_wast).collect()),
            W::Variant(n, p) => CVal::Variant(n.to_string(), boxed(p)),
            W::Enum(n) => CVal::Enum(n.to_string()),
            W::Option(o) => CVal::Option(boxed(o)),
            W::Result(Ok(o)) => CVal::Result(Ok(boxed(o))),
            W::Result(Err(e)) => CVal::Result(Err(boxed(e))),
            W::Flags(fs) => CVal::Flags(fs.iter().map(|s| s.to_string()).collect()),
        }
    }
}

/// Offset of each field of a record (or tuple) with these field types.
pub fn field_offsets(fields: &[&ValType]) -> Vec<usize> {
    let mut s = 0;
    fields
        .iter()
        .map(|f| {
            s = align_to(s, align_of(f));
            let at = s;
            s += size_of(f);
            at
        })
        .collect()
}

/// Discriminant size and payload offset of a variant with these cases.
pub fn variant_layout(cases: &[Option<&ValType>]) -> (usize, usize) {
    let disc = discriminant_size(cases.len());
    let align = cases
        .iter()
        .flatten()
        .map(|t| align_of(t))
        .max()
        .unwrap_or(1);
    (disc, align_to(disc, align))
}

/// The cases of a variant-like type (variant, enum, option, result), with
/// their names.
fn cases_of(ty: &ValType) -> Option<Vec<(String, Option<&ValType>)>> {
    Some(match ty {
        ValType::Variant(cs) => cs.iter().map(|(n, t)| (n.clone(), t.as_ref())).collect(),
        ValType::Enum(ls) => ls.iter().map(|n| (n.clone(), None)).collect(),
        ValType::Option(t) => vec![("none".into(), None), ("some".into(), Some(&**t))],
        ValType::Result { ok, err } => {
            vec![("ok".into(), ok.as_deref()), ("err".into(), err.as_deref())]
        }
        _ => return None,
    })
}

/// Buffers that lowered strings and lists point into; they must outlive
/// the call the lowered value is passed to. Buffers are 8-byte aligned,
/// the largest alignment of the native layout.
#[derive(Default)]
pub struct Arena {
    bufs: Vec<Vec<u64>>,
}

impl Arena {
    /// A zeroed, 8-byte aligned buffer of at least `size` bytes (one word
    /// at least, so the address is never dangling).
    pub fn buffer(size: usize) -> Vec<u64> {
        vec![0u64; size.div_ceil(8).max(1)]
    }

    fn keep(&mut self, bytes: &[u8]) -> u64 {
        let mut v = Arena::buffer(bytes.len());
        as_bytes_mut(&mut v)[..bytes.len()].copy_from_slice(bytes);
        let addr = v.as_ptr() as u64;
        self.bufs.push(v);
        addr
    }
}

/// The bytes of an 8-byte aligned buffer.
pub fn as_bytes_mut(v: &mut [u64]) -> &mut [u8] {
    // SAFETY: u64 has no invalid bit patterns and u8 alignment is 1.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr() as *mut u8, v.len() * 8) }
}

fn mismatch(ty: &ValType, v: &CVal) -> String {
    format!("value {v} does not fit type {}", type_name(ty))
}

/// Write `v` of type `ty` in native layout at the start of `out` (at least
/// `ty`'s size); strings and lists go to buffers in `arena`.
pub fn lower(ty: &ValType, v: &CVal, out: &mut [u8], arena: &mut Arena) -> Result<(), String> {
    use CVal as V;
    use ValType as T;
    fn put<const N: usize>(out: &mut [u8], b: [u8; N]) {
        out[..N].copy_from_slice(&b);
    }
    match (ty, v) {
        (T::Bool, V::Bool(b)) => out[0] = *b as u8,
        (T::S8, V::S8(x)) => put(out, x.to_le_bytes()),
        (T::U8, V::U8(x)) => put(out, x.to_le_bytes()),
        (T::S16, V::S16(x)) => put(out, x.to_le_bytes()),
        (T::U16, V::U16(x)) => put(out, x.to_le_bytes()),
        (T::S32, V::S32(x)) => put(out, x.to_le_bytes()),
        (T::U32, V::U32(x)) => put(out, x.to_le_bytes()),
        (T::S64, V::S64(x)) => put(out, x.to_le_bytes()),
        (T::U64, V::U64(x)) => put(out, x.to_le_bytes()),
        (T::F32, V::F32(FloatPattern::Bits(b))) => put(out, b.to_le_bytes()),
        (T::F64, V::F64(FloatPattern::Bits(b))) => put(out, b.to_le_bytes()),
        (T::Char, V::Char(c)) => put(out, (*c as u32).to_le_bytes()),
        (T::String, V::String(s)) => {
            let p = arena.keep(s.as_bytes());
            put(out, p.to_le_bytes());
            put(&mut out[8..], (s.len() as u64).to_le_bytes());
        }
        (T::List(et, None), V::List(items)) => lower_list(et, items, out, arena)?,
        (T::List(et, Some(n)), V::List(items)) => {
            if items.len() != *n as usize {
                return Err(format!(
                    "a list of {} element(s) for a list of fixed length {n}",
                    items.len()
                ));
            }
            let es = size_of(et);
            for (i, item) in items.iter().enumerate() {
                lower(et, item, &mut out[i * es..], arena)?;
            }
        }
        (T::Map(k, val), V::Map(entries)) => {
            let entry = T::Tuple(vec![(**k).clone(), (**val).clone()]);
            let items: Vec<CVal> = entries
                .iter()
                .map(|(k, v)| V::Tuple(vec![k.clone(), v.clone()]))
                .collect();
            lower_list(&entry, &items, out, arena)?;
        }
        (T::Record(fs), V::Record(vs)) => {
            if fs.len() != vs.len() || fs.iter().zip(vs).any(|((a, _), (b, _))| a != b) {
                return Err(mismatch(ty, v));
            }
            let types: Vec<&ValType> = fs.iter().map(|(_, t)| t).collect();
            for ((t, off), (_, fv)) in types.iter().zip(field_offsets(&types)).zip(vs) {
                lower(t, fv, &mut out[off..], arena)?;
            }
        }
        (T::Tuple(ts), V::Tuple(vs)) => {
            if ts.len() != vs.len() {
                return Err(mismatch(ty, v));
            }
            let types: Vec<&ValType> = ts.iter().collect();
            for ((t, off), fv) in types.iter().zip(field_offsets(&types)).zip(vs) {
                lower(t, fv, &mut out[off..], arena)?;
            }
        }
        (T::Variant(_) | T::Enum(_) | T::Option(_) | T::Result { .. }, _) => {
            let (name, payload) = match v {
                V::Variant(n, p) => (n.as_str(), p.as_deref()),
                V::Enum(n) => (n.as_str(), None),
                V::Option(None) => ("none", None),
                V::Option(Some(p)) => ("some", Some(&**p)),
                V::Result(Ok(p)) => ("ok", p.as_deref()),
                V::Result(Err(p)) => ("err", p.as_deref()),
                _ => return Err(mismatch(ty, v)),
            };
            // The value's kind must be the type's (an enum value for an enum).
            let same_kind = matches!(
                (ty, v),
                (T::Variant(_), V::Variant(..))
                    | (T::Enum(_), V::Enum(_))
                    | (T::Option(_), V::Option(_))
                    | (T::Result { .. }, V::Result(_))
            );
            let cases = cases_of(ty).expect("variant-like");
            let idx = cases
                .iter()
                .position(|(n, _)| n == name)
                .filter(|_| same_kind)
                .ok_or_else(|| mismatch(ty, v))?;
            let types: Vec<Option<&ValType>> = cases.iter().map(|(_, t)| *t).collect();
            let (disc, off) = variant_layout(&types);
            out[..disc].copy_from_slice(&(idx as u32).to_le_bytes()[..disc]);
            match (types[idx], payload) {
                (None, None) => {}
                (Some(t), Some(p)) => lower(t, p, &mut out[off..], arena)?,
                _ => return Err(mismatch(ty, v)),
            }
        }
        (T::Flags(labels), V::Flags(set)) => {
            let mut bits = 0u32;
            for f in set {
                let i = labels
                    .iter()
                    .position(|l| l == f)
                    .ok_or_else(|| mismatch(ty, v))?;
                bits |= 1 << i;
            }
            let n = size_of(ty);
            out[..n].copy_from_slice(&bits.to_le_bytes()[..n]);
        }
        (T::Own(_) | T::Borrow(_) | T::Stream | T::Future | T::ErrorContext, V::Handle(h)) => {
            put(out, h.to_le_bytes())
        }
        _ => return Err(mismatch(ty, v)),
    }
    Ok(())
}

fn lower_list(
    et: &ValType,
    items: &[CVal],
    out: &mut [u8],
    arena: &mut Arena,
) -> Result<(), String> {
    let es = size_of(et);
    let mut buf = vec![0u8; es * items.len()];
    for (i, item) in items.iter().enumerate() {
        lower(et, item, &mut buf[i * es..], arena)?;
    }
    let p = arena.keep(&buf);
    out[..8].copy_from_slice(&p.to_le_bytes());
    out[8..16].copy_from_slice(&(items.len() as u64).to_le_bytes());
    Ok(())
}

/// Lower the arguments of a call: `params` laid out as a tuple.
pub fn lower_args(
    params: &[ValType],
    args: &[CVal],
    arena: &mut Arena,
) -> Result<Vec<u64>, String> {
    if params.len() != args.len() {
        return Err(format!(
            "the function takes {} argument(s), the script passes {}",
            params.len(),
            args.len()
        ));
    }
    let tuple = ValType::Tuple(params.to_vec());
    let mut buf = Arena::buffer(size_of(&tuple));
    let types: Vec<&ValType> = params.iter().collect();
    let offsets = field_offsets(&types);
    let bytes = as_bytes_mut(&mut buf);
    for (i, ((t, off), a)) in params.iter().zip(offsets).zip(args).enumerate() {
        lower(t, a, &mut bytes[off..], arena).map_err(|e| format!("argument {i}: {e}"))?;
    }
    Ok(buf)
}

/// Read a value of type `ty` in native layout at `p`.
///
/// # Safety
/// `p` must point to `ty`'s size of readable bytes, and every pointer in
/// the value to readable memory of the length it is paired with.
pub unsafe fn lift(ty: &ValType, p: *const u8) -> Result<CVal, String> {
    // SAFETY: the pointers come from a value of this type in the native layout, written by compiled code or the runner (this function's contract).
    unsafe {
        use CVal as V;
        use ValType as T;
        unsafe fn rd<const N: usize>(p: *const u8) -> [u8; N] {
            // SAFETY: the pointers come from a value of this type in the native layout, written by compiled code or the runner (this function's contract).
            unsafe { std::ptr::read_unaligned(p as *const [u8; N]) }
        }
        unsafe fn ptr_len(p: *const u8) -> (u64, u64) {
            // SAFETY: the pointers come from a value of this type in the native layout, written by compiled code or the runner (this function's contract).
            unsafe { (u64::from_le_bytes(rd(p)), u64::from_le_bytes(rd(p.add(8)))) }
        }
        Ok(match ty {
            T::Bool => V::Bool(*p != 0),
            T::S8 => V::S8(*p as i8),
            T::U8 => V::U8(*p),
            T::S16 => V::S16(i16::from_le_bytes(rd(p))),
            T::U16 => V::U16(u16::from_le_bytes(rd(p))),
            T::S32 => V::S32(i32::from_le_bytes(rd(p))),
            T::U32 => V::U32(u32::from_le_bytes(rd(p))),
            T::S64 => V::S64(i64::from_le_bytes(rd(p))),
            T::U64 => V::U64(u64::from_le_bytes(rd(p))),
            T::F32 => V::F32(FloatPattern::Bits(u32::from_le_bytes(rd(p)))),
            T::F64 => V::F64(FloatPattern::Bits(u64::from_le_bytes(rd(p)))),
            T::Char => {
                let c = u32::from_le_bytes(rd(p));
                V::Char(char::from_u32(c).ok_or_else(|| format!("invalid char 0x{c:x} returned"))?)
            }
            T::String => {
                let (ptr, len) = ptr_len(p);
                let bytes = slice(ptr, len, 1)?;
                V::String(
                    String::from_utf8(bytes.to_vec())
                        .map_err(|_| "the returned string is not UTF-8".to_string())?,
                )
            }
            T::List(et, None) => {
                let (ptr, len) = ptr_len(p);
                V::List(lift_elems(et, ptr, len)?)
            }
            T::List(et, Some(n)) => V::List(lift_elems(et, p as u64, *n as u64)?),
            T::Map(k, v) => {
                let (ptr, len) = ptr_len(p);
                let entry = T::Tuple(vec![(**k).clone(), (**v).clone()]);
                V::Map(
                    lift_elems(&entry, ptr, len)?
                        .into_iter()
                        .map(|e| match e {
                            V::Tuple(mut kv) if kv.len() == 2 => {
                                let v = kv.pop().unwrap();
                                (kv.pop().unwrap(), v)
                            }
                            _ => unreachable!("a map entry is a pair"),
                        })
                        .collect(),
                )
            }
            T::Record(fs) => {
                let types: Vec<&ValType> = fs.iter().map(|(_, t)| t).collect();
                let mut out = vec![];
                for ((n, t), off) in fs.iter().zip(field_offsets(&types)) {
                    out.push((n.clone(), lift(t, p.add(off))?));
                }
                V::Record(out)
            }
            T::Tuple(ts) => {
                let types: Vec<&ValType> = ts.iter().collect();
                let mut out = vec![];
                for (t, off) in ts.iter().zip(field_offsets(&types)) {
                    out.push(lift(t, p.add(off))?);
                }
                V::Tuple(out)
            }
            T::Variant(_) | T::Enum(_) | T::Option(_) | T::Result { .. } => {
                let cases = cases_of(ty).expect("variant-like");
                let types: Vec<Option<&ValType>> = cases.iter().map(|(_, t)| *t).collect();
                let (disc, off) = variant_layout(&types);
                let mut d = [0u8; 4];
                std::ptr::copy_nonoverlapping(p, d.as_mut_ptr(), disc);
                let idx = u32::from_le_bytes(d) as usize;
                let (name, t) = cases
                    .get(idx)
                    .ok_or_else(|| format!("invalid discriminant {idx} returned"))?;
                let payload = match t {
                    Some(t) => Some(Box::new(lift(t, p.add(off))?)),
                    None => None,
                };
                match ty {
                    T::Variant(_) => V::Variant(name.clone(), payload),
                    T::Enum(_) => V::Enum(name.clone()),
                    T::Option(_) => V::Option(payload),
                    _ if idx == 0 => V::Result(Ok(payload)),
                    _ => V::Result(Err(payload)),
                }
            }
            T::Flags(labels) => {
                let n = size_of(ty);
                let mut b = [0u8; 4];
                std::ptr::copy_nonoverlapping(p, b.as_mut_ptr(), n);
                let bits = u32::from_le_bytes(b);
                V::Flags(
                    labels
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| bits >> i & 1 == 1)
                        .map(|(_, l)| l.clone())
                        .collect(),
                )
            }
            T::Own(_) | T::Borrow(_) | T::Stream | T::Future | T::ErrorContext => {
                V::Handle(u32::from_le_bytes(rd(p)))
            }
        })
    }
}

/// The `len` elements of type `et` at address `ptr`.
unsafe fn lift_elems(et: &ValType, ptr: u64, len: u64) -> Result<Vec<CVal>, String> {
    // SAFETY: the pointers come from a value of this type in the native layout, written by compiled code or the runner (this function's contract).
    unsafe {
        let es = size_of(et);
        let bytes = slice(ptr, len, es)?;
        (0..len as usize)
            .map(|i| lift(et, bytes.as_ptr().add(i * es)))
            .collect()
    }
}

/// `len` elements of `elem` bytes at address `ptr`, checked for null.
unsafe fn slice<'a>(ptr: u64, len: u64, elem: usize) -> Result<&'a [u8], String> {
    // SAFETY: the pointers come from a value of this type in the native layout, written by compiled code or the runner (this function's contract).
    unsafe {
        let n = (len as usize)
            .checked_mul(elem)
            .filter(|n| *n < 1 << 40)
            .ok_or_else(|| format!("implausible length {len} returned"))?;
        if n == 0 {
            return Ok(&[]);
        }
        if ptr == 0 {
            return Err(format!("null pointer with length {len} returned"));
        }
        Ok(std::slice::from_raw_parts(ptr as *const u8, n))
    }
}

/// Does `actual` match `expected`? Floats by pattern, where an expected
/// NaN matches any NaN (lifting a float may change a NaN's payload);
/// flags as sets; everything else structurally.
pub fn matches(expected: &CVal, actual: &CVal) -> bool {
    use CVal as V;
    let opt = |e: &Option<Box<CVal>>, a: &Option<Box<CVal>>| match (e, a) {
        (None, None) => true,
        (Some(e), Some(a)) => matches(e, a),
        _ => false,
    };
    let all =
        |e: &[CVal], a: &[CVal]| e.len() == a.len() && e.iter().zip(a).all(|(e, a)| matches(e, a));
    match (expected, actual) {
        (V::F32(FloatPattern::Bits(e)), V::F32(FloatPattern::Bits(a)))
            if f32::from_bits(*e).is_nan() =>
        {
            f32::from_bits(*a).is_nan()
        }
        (V::F64(FloatPattern::Bits(e)), V::F64(FloatPattern::Bits(a)))
            if f64::from_bits(*e).is_nan() =>
        {
            f64::from_bits(*a).is_nan()
        }
        (V::F32(p), V::F32(FloatPattern::Bits(a))) => f32_matches(*p, *a),
        (V::F64(p), V::F64(FloatPattern::Bits(a))) => f64_matches(*p, *a),
        (V::List(e), V::List(a)) | (V::Tuple(e), V::Tuple(a)) => all(e, a),
        (V::Map(e), V::Map(a)) => {
            e.len() == a.len()
                && e.iter()
                    .zip(a)
                    .all(|((ek, ev), (ak, av))| matches(ek, ak) && matches(ev, av))
        }
        (V::Record(e), V::Record(a)) => {
            e.len() == a.len()
                && e.iter()
                    .zip(a)
                    .all(|((en, ev), (an, av))| en == an && matches(ev, av))
        }
        (V::Variant(en, ep), V::Variant(an, ap)) => en == an && opt(ep, ap),
        (V::Option(e), V::Option(a)) => opt(e, a),
        (V::Result(Ok(e)), V::Result(Ok(a))) | (V::Result(Err(e)), V::Result(Err(a))) => opt(e, a),
        (V::Flags(e), V::Flags(a)) => {
            let mut e = e.clone();
            let mut a = a.clone();
            e.sort();
            a.sort();
            e.dedup();
            a.dedup();
            e == a
        }
        (e, a) => e == a,
    }
}

/// Values are shown in the script's syntax.
impl fmt::Display for CVal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CVal as V;
        let list = |vs: &[CVal]| {
            vs.iter()
                .map(|v| format!(" {v}"))
                .collect::<Vec<_>>()
                .concat()
        };
        let payload = |p: &Option<Box<CVal>>| p.as_ref().map_or(String::new(), |v| format!(" {v}"));
        match self {
            V::Bool(b) => write!(f, "(bool.const {b})"),
            V::S8(x) => write!(f, "(s8.const {x})"),
            V::U8(x) => write!(f, "(u8.const {x})"),
            V::S16(x) => write!(f, "(s16.const {x})"),
            V::U16(x) => write!(f, "(u16.const {x})"),
            V::S32(x) => write!(f, "(s32.const {x})"),
            V::U32(x) => write!(f, "(u32.const {x})"),
            V::S64(x) => write!(f, "(s64.const {x})"),
            V::U64(x) => write!(f, "(u64.const {x})"),
            V::F32(p) => write!(f, "(f32.const {})", fmt_f32_pattern(p)),
            V::F64(p) => write!(f, "(f64.const {})", fmt_f64_pattern(p)),
            V::Char(c) => write!(f, "(char.const {:?})", c.to_string()),
            V::String(s) => write!(f, "(str.const {s:?})"),
            V::List(vs) => write!(f, "(list.const{})", list(vs)),
            V::Map(es) => {
                write!(f, "(map.const")?;
                for (k, v) in es {
                    write!(f, " ({k} {v})")?;
                }
                write!(f, ")")
            }
            V::Record(fs) => {
                write!(f, "(record.const")?;
                for (n, v) in fs {
                    // `(field "name" u32.const 1)`: the value without parens
                    let v = v.to_string();
                    let inner = v.strip_prefix('(').and_then(|v| v.strip_suffix(')'));
                    write!(f, " (field {n:?} {})", inner.unwrap_or(&v))?;
                }
                write!(f, ")")
            }
            V::Tuple(vs) => write!(f, "(tuple.const{})", list(vs)),
            V::Variant(n, p) => write!(f, "(variant.const {n:?}{})", payload(p)),
            V::Enum(n) => write!(f, "(enum.const {n:?})"),
            V::Option(None) => write!(f, "(option.none)"),
            V::Option(Some(v)) => write!(f, "(option.some {v})"),
            V::Result(Ok(p)) => write!(f, "(result.ok{})", payload(p)),
            V::Result(Err(p)) => write!(f, "(result.err{})", payload(p)),
            V::Flags(fs) => {
                write!(f, "(flags.const")?;
                for n in fs {
                    write!(f, " {n:?}")?;
                }
                write!(f, ")")
            }
            V::Handle(h) => write!(f, "(handle {h})"),
        }
    }
}

/// A type in WIT-like syntax, for messages.
pub fn type_name(t: &ValType) -> String {
    use ValType as T;
    let opt = |t: &Option<Box<ValType>>| t.as_ref().map_or("_".to_string(), |t| type_name(t));
    match t {
        T::List(e, None) => format!("list<{}>", type_name(e)),
        T::List(e, Some(n)) => format!("list<{}, {n}>", type_name(e)),
        T::Map(k, v) => format!("map<{}, {}>", type_name(k), type_name(v)),
        T::Option(e) => format!("option<{}>", type_name(e)),
        T::Result { ok, err } => format!("result<{}, {}>", opt(ok), opt(err)),
        T::Tuple(ts) => format!(
            "tuple<{}>",
            ts.iter().map(type_name).collect::<Vec<_>>().join(", ")
        ),
        T::Record(fs) => format!(
            "record {{ {} }}",
            fs.iter()
                .map(|(n, t)| format!("{n}: {}", type_name(t)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        T::Variant(cs) => format!(
            "variant {{ {} }}",
            cs.iter()
                .map(|(n, t)| match t {
                    Some(t) => format!("{n}({})", type_name(t)),
                    None => n.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        T::Enum(ls) => format!("enum {{ {} }}", ls.join(", ")),
        T::Flags(ls) => format!("flags {{ {} }}", ls.join(", ")),
        other => format!("{other:?}").to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> String {
        x.to_string()
    }

    /// Lower `v` as a single value, check the bytes with `check`, and lift
    /// it back.
    fn round_trip(ty: &ValType, v: &CVal, check: impl FnOnce(&[u8])) {
        let mut arena = Arena::default();
        let mut buf = Arena::buffer(size_of(ty));
        lower(ty, v, as_bytes_mut(&mut buf), &mut arena).unwrap();
        check(&as_bytes_mut(&mut buf)[..size_of(ty)]);
        // SAFETY: buf holds a lowered value whose pointers are in arena.
        let back = unsafe { lift(ty, buf.as_ptr() as *const u8) }.unwrap();
        assert_eq!(&back, v, "{}", type_name(ty));
        assert!(matches(v, &back));
    }

    fn word(b: &[u8], off: usize) -> u64 {
        u64::from_le_bytes(b[off..off + 8].try_into().unwrap())
    }

    #[test]
    fn scalars() {
        use CVal as V;
        use ValType as T;
        let bits32 = FloatPattern::Bits(1.5f32.to_bits());
        let bits64 = FloatPattern::Bits((-2.25f64).to_bits());
        for (t, v, bytes) in [
            (T::Bool, V::Bool(true), vec![1]),
            (T::S8, V::S8(-2), vec![0xfe]),
            (T::U8, V::U8(200), vec![200]),
            (T::S16, V::S16(-2), vec![0xfe, 0xff]),
            (T::U16, V::U16(0x1234), vec![0x34, 0x12]),
            (T::S32, V::S32(-1), vec![0xff; 4]),
            (T::U32, V::U32(0x0102_0304), vec![4, 3, 2, 1]),
            (T::S64, V::S64(-1), vec![0xff; 8]),
            (T::U64, V::U64(1), vec![1, 0, 0, 0, 0, 0, 0, 0]),
            (
                T::F32,
                V::F32(bits32),
                1.5f32.to_bits().to_le_bytes().to_vec(),
            ),
            (
                T::F64,
                V::F64(bits64),
                (-2.25f64).to_bits().to_le_bytes().to_vec(),
            ),
            (T::Char, V::Char('⛳'), 0x26f3u32.to_le_bytes().to_vec()),
            (T::Own(0), V::Handle(7), vec![7, 0, 0, 0]),
            (T::Borrow(1), V::Handle(9), vec![9, 0, 0, 0]),
        ] {
            round_trip(&t, &v, |b| assert_eq!(b, &bytes[..], "{}", type_name(&t)));
        }
    }

    #[test]
    fn strings_and_lists() {
        use CVal as V;
        use ValType as T;
        round_trip(&T::String, &V::String(s("☃ok")), |b| {
            assert_eq!(word(b, 8), 5);
            // SAFETY: the pointer is into the arena, alive in round_trip.
            let bytes = unsafe { std::slice::from_raw_parts(word(b, 0) as *const u8, 5) };
            assert_eq!(bytes, "☃ok".as_bytes());
        });
        round_trip(&T::String, &V::String(s("")), |b| assert_eq!(word(b, 8), 0));
        let l = T::List(Box::new(T::U16), None);
        round_trip(&l, &V::List(vec![V::U16(1), V::U16(0xabcd)]), |b| {
            assert_eq!(word(b, 8), 2);
            // SAFETY: as above.
            let bytes = unsafe { std::slice::from_raw_parts(word(b, 0) as *const u8, 4) };
            assert_eq!(bytes, &[1, 0, 0xcd, 0xab]);
        });
        let nested = T::List(Box::new(T::List(Box::new(T::String), None)), None);
        round_trip(
            &nested,
            &V::List(vec![
                V::List(vec![V::String(s("a")), V::String(s("bc"))]),
                V::List(vec![]),
            ]),
            |_| {},
        );
        let fixed = T::List(Box::new(T::U8), Some(3));
        round_trip(&fixed, &V::List(vec![V::U8(1), V::U8(2), V::U8(3)]), |b| {
            assert_eq!(b, &[1, 2, 3])
        });
        let map = T::Map(Box::new(T::String), Box::new(T::U32));
        round_trip(&map, &V::Map(vec![(V::String(s("k")), V::U32(5))]), |b| {
            assert_eq!(word(b, 8), 1)
        });
    }

    #[test]
    fn record_layout() {
        use CVal as V;
        use ValType as T;
        let ty = T::Record(vec![(s("a"), T::U8), (s("b"), T::String), (s("c"), T::U16)]);
        assert_eq!(
            field_offsets(&[&T::U8, &T::String, &T::U16]),
            vec![0, 8, 24]
        );
        assert_eq!(size_of(&ty), 32);
        let v = V::Record(vec![
            (s("a"), V::U8(7)),
            (s("b"), V::String(s("xy"))),
            (s("c"), V::U16(0x0102)),
        ]);
        round_trip(&ty, &v, |b| {
            assert_eq!(b[0], 7);
            assert_eq!(word(b, 16), 2);
            assert_eq!(&b[24..26], &[2, 1]);
        });
        let tup = T::Tuple(vec![T::U8, T::U64, T::Bool]);
        round_trip(
            &tup,
            &V::Tuple(vec![V::U8(1), V::U64(2), V::Bool(false)]),
            |b| {
                assert_eq!(b.len(), 24);
                assert_eq!(word(b, 8), 2);
            },
        );
        // Fields are matched by name and order.
        let wrong = V::Record(vec![
            (s("b"), V::String(s("xy"))),
            (s("a"), V::U8(7)),
            (s("c"), V::U16(1)),
        ]);
        let mut arena = Arena::default();
        let mut buf = Arena::buffer(32);
        assert!(lower(&ty, &wrong, as_bytes_mut(&mut buf), &mut arena).is_err());
    }

    #[test]
    fn variants() {
        use CVal as V;
        use ValType as T;
        let var = T::Variant(vec![
            (s("n"), Some(T::U32)),
            (s("s"), Some(T::String)),
            (s("e"), None),
        ]);
        round_trip(
            &var,
            &V::Variant(s("s"), Some(Box::new(V::String(s("hi"))))),
            |b| {
                assert_eq!(b.len(), 24);
                assert_eq!(b[0], 1);
                assert_eq!(word(b, 16), 2);
            },
        );
        round_trip(&var, &V::Variant(s("n"), Some(Box::new(V::U32(99)))), |b| {
            assert_eq!(b[0], 0);
            assert_eq!(&b[8..12], &[99, 0, 0, 0]);
        });
        round_trip(&var, &V::Variant(s("e"), None), |b| assert_eq!(b[0], 2));
        let en = T::Enum(vec![s("red"), s("green"), s("blue")]);
        round_trip(&en, &V::Enum(s("blue")), |b| assert_eq!(b, &[2]));
        let big = T::Enum((0..300).map(|i| i.to_string()).collect());
        round_trip(&big, &V::Enum(s("299")), |b| assert_eq!(b, &[43, 1]));
        let opt = T::Option(Box::new(T::U64));
        round_trip(&opt, &V::Option(Some(Box::new(V::U64(5)))), |b| {
            assert_eq!(b[0], 1);
            assert_eq!(word(b, 8), 5);
        });
        round_trip(&opt, &V::Option(None), |b| assert_eq!(b[0], 0));
        let res = T::Result {
            ok: Some(Box::new(T::String)),
            err: Some(Box::new(T::U32)),
        };
        round_trip(
            &res,
            &V::Result(Ok(Some(Box::new(V::String(s("yo")))))),
            |b| assert_eq!(b[0], 0),
        );
        round_trip(&res, &V::Result(Err(Some(Box::new(V::U32(404))))), |b| {
            assert_eq!(b[0], 1);
            assert_eq!(&b[8..12], &404u32.to_le_bytes());
        });
        let unit = T::Result {
            ok: None,
            err: None,
        };
        round_trip(&unit, &V::Result(Err(None)), |b| assert_eq!(b, &[1]));
        // The value's kind must match the type's.
        let mut arena = Arena::default();
        let mut buf = Arena::buffer(24);
        assert!(lower(&var, &V::Enum(s("e")), as_bytes_mut(&mut buf), &mut arena).is_err());
        assert!(lower(
            &var,
            &V::Variant(s("x"), None),
            as_bytes_mut(&mut buf),
            &mut arena
        )
        .is_err());
        assert!(lower(
            &var,
            &V::Variant(s("e"), Some(Box::new(V::U32(1)))),
            as_bytes_mut(&mut buf),
            &mut arena
        )
        .is_err());
    }

    #[test]
    fn flags() {
        use CVal as V;
        use ValType as T;
        let f3 = T::Flags(vec![s("a"), s("b"), s("c")]);
        round_trip(&f3, &V::Flags(vec![s("a"), s("c")]), |b| {
            assert_eq!(b, &[0b101])
        });
        round_trip(&f3, &V::Flags(vec![]), |b| assert_eq!(b, &[0]));
        let f10 = T::Flags((0..10).map(|i| format!("f{i}")).collect());
        round_trip(&f10, &V::Flags(vec![s("f1"), s("f9")]), |b| {
            assert_eq!(b, &[2, 2])
        });
        let f20 = T::Flags((0..20).map(|i| format!("f{i}")).collect());
        round_trip(&f20, &V::Flags(vec![s("f19")]), |b| {
            assert_eq!(b, &[0, 0, 8, 0])
        });
        // Sets: order does not matter.
        assert!(matches(
            &V::Flags(vec![s("c"), s("a")]),
            &V::Flags(vec![s("a"), s("c")])
        ));
        assert!(!matches(
            &V::Flags(vec![s("a")]),
            &V::Flags(vec![s("a"), s("c")])
        ));
    }

    #[test]
    fn arguments_are_a_tuple() {
        use CVal as V;
        use ValType as T;
        let mut arena = Arena::default();
        let mut buf = lower_args(
            &[T::U8, T::String, T::U16],
            &[V::U8(1), V::String(s("abc")), V::U16(2)],
            &mut arena,
        )
        .unwrap();
        let b = as_bytes_mut(&mut buf);
        assert_eq!(b[0], 1);
        assert_eq!(word(b, 16), 3);
        assert_eq!(b[24], 2);
        assert!(lower_args(&[T::U8], &[], &mut arena).is_err());
        assert!(lower_args(&[T::U8], &[V::U32(1)], &mut arena).is_err());
    }

    #[test]
    fn float_matching() {
        use CVal as V;
        let nan = V::F32(FloatPattern::Bits(0x7fc0_0000));
        assert!(matches(&nan, &V::F32(FloatPattern::Bits(0xffc0_0001))));
        assert!(!matches(&nan, &V::F32(FloatPattern::Bits(0))));
        let canon = V::F64(FloatPattern::CanonicalNan);
        assert!(matches(
            &canon,
            &V::F64(FloatPattern::Bits(0x7ff8_0000_0000_0000))
        ));
        assert!(!matches(
            &canon,
            &V::F64(FloatPattern::Bits(0x7ff8_0000_0000_0001))
        ));
        assert!(!matches(
            &V::F32(FloatPattern::Bits(0x8000_0000)),
            &V::F32(FloatPattern::Bits(0))
        ));
        round_trip(
            &ValType::F32,
            &V::F32(FloatPattern::Bits(0x7fc0_1234)),
            |_| {},
        );
    }

    #[test]
    fn bad_results() {
        let c = 0xd800u32.to_le_bytes();
        // SAFETY: 4 readable bytes.
        assert!(unsafe { lift(&ValType::Char, c.as_ptr()) }.is_err());
        let d = [3u8];
        let en = ValType::Enum(vec![s("a"), s("b")]);
        // SAFETY: 1 readable byte.
        assert!(unsafe { lift(&en, d.as_ptr()) }.is_err());
        assert_eq!(
            CVal::Record(vec![(s("x"), CVal::Option(None))]).to_string(),
            "(record.const (field \"x\" option.none))"
        );
    }
}
