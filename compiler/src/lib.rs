//! wacc: ahead-of-time compiler from WebAssembly to native objects.

#[cfg(feature = "compiler")]
pub mod compile;
pub mod component;
#[cfg(feature = "compiler")]
pub(crate) mod emit;
pub mod environ;
pub mod error;
#[cfg(feature = "compiler")]
pub mod libcalls;
pub mod symbols;
#[cfg(feature = "compiler")]
pub mod translate;
#[cfg(feature = "compiler")]
pub mod wast;
