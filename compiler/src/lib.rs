//! wacc: ahead-of-time compiler from WebAssembly to native objects.

pub mod compile;
pub mod environ;
pub mod error;
pub mod translate;
pub mod libcalls;
pub mod symbols;
