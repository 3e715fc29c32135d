//! Component value types as the runner sees them: the types of a
//! component's root exports (given by the [`Builder`](crate::Builder) that
//! compiled it) and their *native layout*, the canonical ABI memory layout
//! with 64-bit pointers in which `P_call` takes arguments and returns
//! results (CanonicalABI.md, "Alignment" and "Element Size"): the
//! contract's rules (`wacc_abi::values`) with 64-bit pointers.

use wacc_abi::values::PtrType;
pub use wacc_abi::values::{ExportFunc, ValType};

pub(crate) fn align_to(v: usize, a: usize) -> usize {
    v.div_ceil(a) * a
}

/// Bytes of the smallest unsigned integer numbering `n` cases.
pub(crate) fn discriminant_size(n: usize) -> usize {
    wacc_abi::values::discriminant_size(n) as usize
}

/// Size in the native layout (of one element of a list of this type).
pub(crate) fn size_of(t: &ValType) -> usize {
    t.elem_size(PtrType::I64) as usize
}

/// Alignment in the native layout.
pub(crate) fn align_of(t: &ValType) -> usize {
    t.alignment(PtrType::I64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_layout_sizes() {
        let s = |n: &str| n.to_string();
        assert_eq!(
            (size_of(&ValType::String), align_of(&ValType::String)),
            (16, 8)
        );
        let rec = ValType::Record(vec![(s("a"), ValType::U8), (s("b"), ValType::U64)]);
        assert_eq!((size_of(&rec), align_of(&rec)), (16, 8));
        let opt = ValType::Option(Box::new(ValType::U32));
        assert_eq!((size_of(&opt), align_of(&opt)), (8, 4));
        let res = ValType::Result {
            ok: None,
            err: Some(Box::new(ValType::String)),
        };
        assert_eq!(size_of(&res), 24);
        let fixed = ValType::List(Box::new(ValType::U16), Some(3));
        assert_eq!((size_of(&fixed), align_of(&fixed)), (6, 2));
        let flags = |n: usize| ValType::Flags((0..n).map(|i| i.to_string()).collect());
        for (n, size) in [(1, 1), (8, 1), (9, 2), (16, 2), (17, 4), (32, 4)] {
            assert_eq!((size_of(&flags(n)), align_of(&flags(n))), (size, size));
        }
        let cases = |n: usize| ValType::Enum((0..n).map(|i| i.to_string()).collect());
        assert_eq!(size_of(&cases(256)), 1);
        assert_eq!(size_of(&cases(257)), 2);
        assert_eq!(size_of(&cases(65537)), 4);
        assert_eq!(size_of(&ValType::Own(3)), 4);
        assert_eq!(align_of(&ValType::Char), 4);
    }
}
