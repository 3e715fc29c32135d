//! Runtime functions that generated code calls, declared from the
//! contract's one list (`wacc_abi::foreach_libcall!`), which runtime-support
//! checks its definitions against.
//!
//! In CLIF, a call to a core libcall uses `UserExternalName { namespace:
//! NS_LIBCALL, index: LibCall as u32 }`; a direct call to wasm function `f`
//! uses `UserExternalName { namespace: NS_FUNC, index: f }`. The object
//! writer maps both to symbols. Component trampolines ([`RtCall`]) and
//! entries ([`EntryCall`]) declare their runtime functions by symbol.

use core::ffi::c_void;
use cranelift_codegen::ir::{types, AbiParam, Signature, Type};
use cranelift_codegen::isa::CallConv;
use wacc_abi as abi;

pub const NS_FUNC: u32 = 0;
pub const NS_LIBCALL: u32 = 1;

/// The Cranelift type of a C parameter or result type of the list (all
/// targets are 64-bit: pointers and `usize` are I64).
trait AbiType {
    const TYPE: Type;
}

macro_rules! abi_types {
    ($($t:ty => $clif:expr),* $(,)?) => {
        $(impl AbiType for $t { const TYPE: Type = $clif; })*
    };
}
abi_types! {
    u32 => types::I32,
    i32 => types::I32,
    u64 => types::I64,
    i64 => types::I64,
    usize => types::I64,
    Option<abi::libcalls::ArrayCall> => types::I64,
    Option<abi::libcalls::Realloc> => types::I64,
}
impl<T> AbiType for *mut T {
    const TYPE: Type = types::I64;
}
impl<T> AbiType for *const T {
    const TYPE: Type = types::I64;
}

/// The result types of an entry's `-> (...)`.
macro_rules! returns {
    () => {
        &[]
    };
    (!) => {
        &[]
    };
    ($t:ty) => {
        &[<$t as AbiType>::TYPE]
    };
}

/// Defines enum `$enum` over a group of the list.
macro_rules! declare_group {
            ($enum:ident $( $(#[doc = $doc:literal])* $origin:ident $name:ident = $sym:ident $([$ctx:ident])? ( $($p:ident : $t:ty),* ) -> ( $($ret:tt)* ); )*) => {
                #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
                #[repr(u32)]
                pub enum $enum {
                    $( $(#[doc = $doc])* $name, )*
                }

                impl $enum {
                    /// Every function of the group, in the list's order.
                    pub const ALL: &'static [$enum] = &[$($enum::$name),*];

                    pub fn symbol(self) -> &'static str {
                        match self {
                            $($enum::$name => stringify!($sym),)*
                        }
                    }

                    /// Whether the first parameter is the caller's context
                    /// (vmctx or component context), passed implicitly.
                    pub fn takes_vmctx(self) -> bool {
                        match self {
                            $($enum::$name => <[&str]>::len(&[$(stringify!($ctx))?]) == 1,)*
                        }
                    }

                    /// Parameter types after the implicit context.
                    pub fn params(self) -> &'static [Type] {
                        match self {
                            $($enum::$name => {
                                const P: &[Type] = &[$(<$t as AbiType>::TYPE),*];
                                P
                            })*
                        }
                    }

                    pub fn returns(self) -> &'static [Type] {
                        match self {
                            $($enum::$name => {
                                const R: &[Type] = returns!($($ret)*);
                                R
                            })*
                        }
                    }

                    /// The C signature, with the context parameter where it
                    /// takes one.
                    pub fn signature(self, call_conv: CallConv) -> Signature {
                        let mut sig = Signature::new(call_conv);
                        if self.takes_vmctx() {
                            sig.params.push(AbiParam::new(<*mut c_void as AbiType>::TYPE));
                        }
                        sig.params.extend(self.params().iter().map(|t| AbiParam::new(*t)));
                        sig.returns.extend(self.returns().iter().map(|t| AbiParam::new(*t)));
                        sig
                    }
                }
            };
}

mod core_group {
    use super::*;
    abi::foreach_libcall!(core, declare_group, LibCall);
}
mod component_group {
    use super::*;
    abi::foreach_libcall!(component, declare_group, RtCall);
}
mod entry_group {
    use super::*;
    abi::foreach_libcall!(entry, declare_group, EntryCall);
}

/// Runtime functions of component trampolines.
pub use component_group::RtCall;
/// Runtime functions of core code, declared by every module object.
pub use core_group::LibCall;
/// Runtime functions of generated entry points.
pub use entry_group::EntryCall;

impl LibCall {
    pub fn from_index(i: u32) -> Option<LibCall> {
        Self::ALL.get(i as usize).copied()
    }
}
