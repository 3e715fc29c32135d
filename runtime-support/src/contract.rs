//! Compile-time proof that runtime-support defines every function of the
//! contract's libcall list (`abi::foreach_libcall!`) with exactly the type
//! the compiler declares it with: each definition is coerced to the listed
//! function pointer type.

use core::ffi::c_void;

#[cfg(feature = "std")]
use crate::wasi::main_entry::*;
#[allow(unused_imports)]
use crate::{
    component::*, exception::*, instance::*, libcalls::*, resource::*, strings::*, trap::*,
};

macro_rules! check_definitions {
    ($( $(#[doc = $doc:literal])* $origin:ident $name:ident = $sym:ident $([$ctx:ident])? ( $($p:ident : $t:ty),* ) -> ( $($ret:tt)* ); )*) => {
        $( check_definition!($origin $sym ($($ctx)?) ($($t),*) ($($ret)*)); )*
    };
}

macro_rules! check_definition {
    (libc $($rest:tt)*) => {};
    (asm $($rest:tt)*) => {};
    (os $($rest:tt)*) => {
        #[cfg(feature = "std")]
        check_definition!(rt $($rest)*);
    };
    (rt $sym:ident ($ctx:ident) ($($t:ty),*) $ret:tt) => {
        check_definition!(rt $sym () (*mut c_void $(, $t)*) $ret);
    };
    (rt $sym:ident () ($($t:ty),*) ()) => {
        const _: unsafe extern "C" fn($($t),*) = $sym;
    };
    (rt $sym:ident () ($($t:ty),*) (!)) => {
        const _: unsafe extern "C" fn($($t),*) -> ! = $sym;
    };
    (rt $sym:ident () ($($t:ty),*) ($r:ty)) => {
        const _: unsafe extern "C" fn($($t),*) -> $r = $sym;
    };
}

crate::abi::foreach_libcall!(core, check_definitions);
crate::abi::foreach_libcall!(component, check_definitions);
crate::abi::foreach_libcall!(entry, check_definitions);
