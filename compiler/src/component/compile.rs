//! Compiling a component to one object (front end, plan, trampolines).

use super::ExportFunc;
use crate::compile::CompileOptions;
use crate::error::{CompileError, Result};

/// A compiled component: the object and its root exports.
pub struct CompiledComponent {
    pub object: Vec<u8>,
    pub exports: Vec<ExportFunc>,
}

/// Compile a component binary to one relocatable object.
pub fn compile_component(wasm: &[u8], _opts: &CompileOptions) -> Result<CompiledComponent> {
    super::validate(wasm)?;
    Err(CompileError::new("components are not compiled yet"))
}
