//! The Component Model: component value types and their canonical ABI
//! (CanonicalABI.md). The trampoline generator and the component front end
//! build on these definitions.

pub mod types;
