//! Component value types as the runner sees them: the types of a
//! component's root exports (given by the [`Builder`](crate::Builder) that
//! compiled it) and their *native layout*, the canonical ABI memory layout
//! with 64-bit pointers in which `P_call` takes arguments and returns
//! results (CanonicalABI.md, "Alignment" and "Element Size"). The layout is
//! the host's half of the contract and is computed here independently of
//! the compiler's.

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

/// A root export function of a component and its type.
#[derive(Clone, Debug)]
pub struct ExportFunc {
    pub name: String,
    pub params: Vec<(String, ValType)>,
    pub result: Option<ValType>,
}

/// Pointers (of strings and lists) in the native layout.
const PTR_SIZE: usize = 8;

pub(crate) fn align_to(v: usize, a: usize) -> usize {
    v.div_ceil(a) * a
}

/// Bytes of the smallest unsigned integer numbering `n` cases.
pub(crate) fn discriminant_size(n: usize) -> usize {
    match n {
        0..=256 => 1,
        257..=65536 => 2,
        _ => 4,
    }
}

/// Flags are a bit vector in the smallest integer holding `n` bits.
fn flags_size(n: usize) -> usize {
    match n {
        0..=8 => 1,
        9..=16 => 2,
        _ => 4,
    }
}

impl ValType {
    /// The payload type of each case of a variant-like type (variant, enum,
    /// option, result), `None` for other types.
    pub fn case_types(&self) -> Option<Vec<Option<&ValType>>> {
        Some(match self {
            ValType::Variant(cs) => cs.iter().map(|(_, t)| t.as_ref()).collect(),
            ValType::Enum(ls) => vec![None; ls.len()],
            ValType::Option(t) => vec![None, Some(&**t)],
            ValType::Result { ok, err } => vec![ok.as_deref(), err.as_deref()],
            _ => return None,
        })
    }

    /// Field types of a record-like type (record, tuple).
    fn field_types(&self) -> Option<Vec<&ValType>> {
        Some(match self {
            ValType::Record(fs) => fs.iter().map(|(_, t)| t).collect(),
            ValType::Tuple(ts) => ts.iter().collect(),
            _ => return None,
        })
    }

    /// Alignment in the native layout.
    pub fn alignment(&self) -> usize {
        if let Some(fs) = self.field_types() {
            return fs.iter().map(|f| f.alignment()).max().unwrap_or(1);
        }
        if let Some(cs) = self.case_types() {
            return discriminant_size(cs.len()).max(max_case_alignment(&cs));
        }
        match self {
            ValType::String | ValType::List(_, None) | ValType::Map(..) => PTR_SIZE,
            ValType::List(t, Some(_)) => t.alignment(),
            ValType::Flags(ls) => flags_size(ls.len()).min(4),
            scalar => scalar.scalar_size(),
        }
    }

    /// Size in the native layout (of one element of a list of this type).
    pub fn size(&self) -> usize {
        if let Some(fs) = self.field_types() {
            let mut s = 0;
            for f in &fs {
                s = align_to(s, f.alignment()) + f.size();
            }
            return align_to(s, self.alignment());
        }
        if let Some(cs) = self.case_types() {
            let s = align_to(discriminant_size(cs.len()), max_case_alignment(&cs));
            let payload = cs.iter().flatten().map(|t| t.size()).max().unwrap_or(0);
            return align_to(s + payload, self.alignment());
        }
        match self {
            ValType::String | ValType::List(_, None) | ValType::Map(..) => 2 * PTR_SIZE,
            ValType::List(t, Some(n)) => *n as usize * t.size(),
            ValType::Flags(ls) => flags_size(ls.len()),
            scalar => scalar.scalar_size(),
        }
    }

    /// Size (= alignment) of a scalar: numbers, `char` and handles.
    fn scalar_size(&self) -> usize {
        match self {
            ValType::Bool | ValType::S8 | ValType::U8 => 1,
            ValType::S16 | ValType::U16 => 2,
            ValType::S64 | ValType::U64 | ValType::F64 => 8,
            _ => 4,
        }
    }
}

fn max_case_alignment(cases: &[Option<&ValType>]) -> usize {
    cases
        .iter()
        .flatten()
        .map(|t| t.alignment())
        .max()
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_layout_sizes() {
        let s = |n: &str| n.to_string();
        assert_eq!(
            (ValType::String.size(), ValType::String.alignment()),
            (16, 8)
        );
        let rec = ValType::Record(vec![(s("a"), ValType::U8), (s("b"), ValType::U64)]);
        assert_eq!((rec.size(), rec.alignment()), (16, 8));
        let opt = ValType::Option(Box::new(ValType::U32));
        assert_eq!((opt.size(), opt.alignment()), (8, 4));
        let res = ValType::Result {
            ok: None,
            err: Some(Box::new(ValType::String)),
        };
        assert_eq!(res.size(), 24);
        let fixed = ValType::List(Box::new(ValType::U16), Some(3));
        assert_eq!((fixed.size(), fixed.alignment()), (6, 2));
        let flags = |n: usize| ValType::Flags((0..n).map(|i| i.to_string()).collect());
        for (n, size) in [(1, 1), (8, 1), (9, 2), (16, 2), (17, 4), (32, 4)] {
            assert_eq!((flags(n).size(), flags(n).alignment()), (size, size));
        }
        let cases = |n: usize| ValType::Enum((0..n).map(|i| i.to_string()).collect());
        assert_eq!(cases(256).size(), 1);
        assert_eq!(cases(257).size(), 2);
        assert_eq!(cases(65537).size(), 4);
        assert_eq!(ValType::Own(3).size(), 4);
        assert_eq!(ValType::Char.alignment(), 4);
    }
}
