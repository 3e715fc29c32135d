//! wacc: ahead-of-time compiler from WebAssembly to native objects.

pub mod compile;
pub mod component;
pub(crate) mod emit;
/// The C header of a core module (`wacc compile --header`).
pub use emit::header::module_header;
pub mod environ;
pub mod error;
pub mod libcalls;
pub mod policy;
pub mod symbols;
pub mod translate;
pub mod wast;
