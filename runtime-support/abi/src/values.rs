//! Component value types and their canonical ABI layout: alignment, element
//! size and flattening to core types (CanonicalABI.md, "Alignment",
//! "Element Size", "Flattening"). Specialised types (tuple, enum, option,
//! result, map) are kept as written; `despecialize` gives the underlying
//! record / variant / list the layout rules are defined on.
//!
//! Shared by the compiler (lift/lower in guest memories) and by hosts of
//! the *native layout* (the same rules with 64-bit pointers, `PtrType::I64`),
//! such as the spec-script runner. Needs the `alloc` feature.

use alloc::{boxed::Box, string::String, vec, vec::Vec};

/// A component value type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValType {
    Bool,
    S8,
    U8,
    S16,
    U16,
    S32,
    U32,
    S64,
    U64,
    F32,
    F64,
    Char,
    String,
    ErrorContext,
    /// `list<T>`, or `list<T, N>` with a fixed length
    List(Box<ValType>, Option<u32>),
    Record(Vec<(String, ValType)>),
    Tuple(Vec<ValType>),
    Variant(Vec<(String, Option<ValType>)>),
    Enum(Vec<String>),
    Option(Box<ValType>),
    Result {
        ok: Option<Box<ValType>>,
        err: Option<Box<ValType>>,
    },
    Flags(Vec<String>),
    Map(Box<ValType>, Box<ValType>),
    /// handles: `own<R>` / `borrow<R>` (resource type index)
    Own(u32),
    Borrow(u32),
    Stream,
    Future,
}

/// A root export function of a component and its type (what a compiled
/// component's `P_export_*` / `P_call` entries take and return).
#[derive(Clone, Debug)]
pub struct ExportFunc {
    pub name: String,
    pub params: Vec<(String, ValType)>,
    pub result: Option<ValType>,
}

/// Width of addresses in the memory a value lives in (memory32 / memory64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PtrType {
    I32,
    I64,
}

impl PtrType {
    pub fn size(self) -> u32 {
        match self {
            PtrType::I32 => 4,
            PtrType::I64 => 8,
        }
    }

    pub fn core(self) -> CoreType {
        match self {
            PtrType::I32 => CoreType::I32,
            PtrType::I64 => CoreType::I64,
        }
    }
}

/// A core value type in a flattened signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreType {
    I32,
    I64,
    F32,
    F64,
}

/// Most core values passed as parameters before spilling to memory.
pub const MAX_FLAT_PARAMS: usize = 16;
/// Most core values returned before returning through memory.
pub const MAX_FLAT_RESULTS: usize = 1;

/// The underlying form of a type for layout purposes.
enum Shape<'a> {
    Scalar {
        size: u32,
        flat: CoreType,
    },
    /// (pointer, length): strings, lists without a fixed length, maps
    PtrLen,
    FixedList(&'a ValType, u32),
    /// fields in order (tuple, record, and the implicit tuple of a map entry)
    Record(Vec<&'a ValType>),
    /// payload per case
    Variant(Vec<Option<&'a ValType>>),
    Flags(usize),
}

impl ValType {
    /// True if `pred` holds for this type or any type inside it.
    pub fn contains(&self, pred: &impl Fn(&ValType) -> bool) -> bool {
        if pred(self) {
            return true;
        }
        let inner = |t: &Option<Box<ValType>>| t.as_deref().is_some_and(|t| t.contains(pred));
        match self {
            ValType::List(e, _) | ValType::Option(e) => e.contains(pred),
            ValType::Map(k, v) => k.contains(pred) || v.contains(pred),
            ValType::Record(fs) => fs.iter().any(|(_, t)| t.contains(pred)),
            ValType::Tuple(ts) => ts.iter().any(|t| t.contains(pred)),
            ValType::Variant(cs) => cs
                .iter()
                .any(|(_, t)| t.as_ref().is_some_and(|t| t.contains(pred))),
            ValType::Result { ok, err } => inner(ok) || inner(err),
            _ => false,
        }
    }

    fn shape(&self) -> Shape<'_> {
        use CoreType::*;
        let scalar = |size, flat| Shape::Scalar { size, flat };
        match self {
            ValType::Bool | ValType::S8 | ValType::U8 => scalar(1, I32),
            ValType::S16 | ValType::U16 => scalar(2, I32),
            ValType::S32 | ValType::U32 | ValType::Char => scalar(4, I32),
            ValType::S64 | ValType::U64 => scalar(8, I64),
            ValType::F32 => scalar(4, F32),
            ValType::F64 => scalar(8, F64),
            ValType::ErrorContext
            | ValType::Own(_)
            | ValType::Borrow(_)
            | ValType::Stream
            | ValType::Future => scalar(4, I32),
            // A map is a list of (key, value) tuples.
            ValType::String | ValType::List(_, None) | ValType::Map(..) => Shape::PtrLen,
            ValType::List(t, Some(n)) => Shape::FixedList(t, *n),
            ValType::Record(fs) => Shape::Record(fs.iter().map(|(_, t)| t).collect()),
            ValType::Tuple(ts) => Shape::Record(ts.iter().collect()),
            ValType::Variant(cs) => Shape::Variant(cs.iter().map(|(_, t)| t.as_ref()).collect()),
            ValType::Enum(ls) => Shape::Variant(vec![None; ls.len()]),
            ValType::Option(t) => Shape::Variant(vec![None, Some(t)]),
            ValType::Result { ok, err } => Shape::Variant(vec![ok.as_deref(), err.as_deref()]),
            ValType::Flags(ls) => Shape::Flags(ls.len()),
        }
    }

    /// Alignment in linear memory.
    pub fn alignment(&self, ptr: PtrType) -> u32 {
        match self.shape() {
            Shape::Scalar { size, .. } => size,
            Shape::PtrLen => ptr.size(),
            Shape::FixedList(t, _) => t.alignment(ptr),
            Shape::Record(fs) => fs.iter().map(|f| f.alignment(ptr)).max().unwrap_or(1),
            Shape::Variant(cs) => discriminant_size(cs.len()).max(max_case_alignment(&cs, ptr)),
            Shape::Flags(n) => flags_size(n).min(4),
        }
    }

    /// Size of one element of this type in a list (its size in memory).
    pub fn elem_size(&self, ptr: PtrType) -> u32 {
        match self.shape() {
            Shape::Scalar { size, .. } => size,
            Shape::PtrLen => 2 * ptr.size(),
            Shape::FixedList(t, n) => n * t.elem_size(ptr),
            Shape::Record(fs) => {
                let mut s = 0;
                for f in &fs {
                    s = align_to(s, f.alignment(ptr)) + f.elem_size(ptr);
                }
                align_to(s, self.alignment(ptr))
            }
            Shape::Variant(cs) => {
                let s = align_to(discriminant_size(cs.len()), max_case_alignment(&cs, ptr));
                let payload = cs
                    .iter()
                    .flatten()
                    .map(|t| t.elem_size(ptr))
                    .max()
                    .unwrap_or(0);
                align_to(s + payload, self.alignment(ptr))
            }
            Shape::Flags(n) => flags_size(n),
        }
    }

    /// The core types this type flattens to.
    pub fn flatten(&self, ptr: PtrType) -> Vec<CoreType> {
        let mut out = Vec::new();
        self.flatten_into(ptr, &mut out);
        out
    }

    fn flatten_into(&self, ptr: PtrType, out: &mut Vec<CoreType>) {
        match self.shape() {
            Shape::Scalar { flat, .. } => out.push(flat),
            Shape::PtrLen => out.extend([ptr.core(), ptr.core()]),
            Shape::FixedList(t, n) => {
                let one = t.flatten(ptr);
                for _ in 0..n {
                    out.extend_from_slice(&one);
                }
            }
            Shape::Record(fs) => fs.iter().for_each(|f| f.flatten_into(ptr, out)),
            Shape::Variant(cs) => {
                // Each payload position holds the join of every case's type there.
                let mut payload: Vec<CoreType> = Vec::new();
                for t in cs.iter().flatten() {
                    for (i, ft) in t.flatten(ptr).into_iter().enumerate() {
                        match payload.get_mut(i) {
                            Some(p) => *p = join(*p, ft),
                            None => payload.push(ft),
                        }
                    }
                }
                out.push(CoreType::I32);
                out.extend(payload);
            }
            Shape::Flags(_) => out.push(CoreType::I32),
        }
    }
}

pub fn align_to(v: u32, a: u32) -> u32 {
    v.div_ceil(a) * a
}

/// Bytes of the smallest unsigned integer numbering `n` cases.
pub fn discriminant_size(n: usize) -> u32 {
    match n {
        0..=256 => 1,
        257..=65536 => 2,
        _ => 4,
    }
}

fn max_case_alignment(cases: &[Option<&ValType>], ptr: PtrType) -> u32 {
    cases
        .iter()
        .flatten()
        .map(|t| t.alignment(ptr))
        .max()
        .unwrap_or(1)
}

/// Flags are a bit vector in the smallest integer holding `n` bits.
fn flags_size(n: usize) -> u32 {
    match n {
        0..=8 => 1,
        9..=16 => 2,
        _ => 4,
    }
}

/// The tightest core type both `a` and `b` can be bit-cast into.
fn join(a: CoreType, b: CoreType) -> CoreType {
    use CoreType::*;
    match (a, b) {
        _ if a == b => a,
        (I32, F32) | (F32, I32) => I32,
        _ => I64,
    }
}

/// Which side of the boundary a core signature is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// `canon lift`: the core function the component exports
    Lift,
    /// `canon lower`: the core function a component imports
    Lower,
}

/// The core signature of a (synchronous) component function.
pub fn flatten_functype(
    params: &[ValType],
    results: &[ValType],
    ptr: PtrType,
    context: Context,
) -> (Vec<CoreType>, Vec<CoreType>) {
    let flat = |ts: &[ValType]| ts.iter().flat_map(|t| t.flatten(ptr)).collect::<Vec<_>>();
    let mut flat_params = flat(params);
    let mut flat_results = flat(results);
    if flat_params.len() > MAX_FLAT_PARAMS {
        flat_params = vec![ptr.core()];
    }
    if flat_results.len() > MAX_FLAT_RESULTS {
        match context {
            Context::Lift => flat_results = vec![ptr.core()],
            Context::Lower => {
                flat_params.push(ptr.core());
                flat_results.clear();
            }
        }
    }
    (flat_params, flat_results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn flags(n: usize) -> ValType {
        ValType::Flags((0..n).map(|i| i.to_string()).collect())
    }

    /// Cases the reference vectors do not cover.
    #[test]
    fn flags_and_discriminant_widths() {
        for (n, size) in [(1, 1), (8, 1), (9, 2), (16, 2), (17, 4), (32, 4)] {
            assert_eq!(flags(n).elem_size(PtrType::I32), size, "{n} flags");
            assert_eq!(flags(n).alignment(PtrType::I32), size, "{n} flags");
        }
        let cases = |n: usize| ValType::Enum((0..n).map(|i| i.to_string()).collect());
        assert_eq!(cases(256).elem_size(PtrType::I32), 1);
        assert_eq!(cases(257).elem_size(PtrType::I32), 2);
        assert_eq!(cases(65537).elem_size(PtrType::I32), 4);
    }
}
