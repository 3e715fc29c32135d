//! Module compilation: parse → translate every function (in parallel) →
//! write one relocatable object with the descriptor, init function,
//! trampolines and entries.

use crate::environ::{CodegenOptions, ModuleInfo};
use crate::error::Result;

/// What to compile for.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    pub target: wacc_targets::Target,
    /// symbol prefix (see `symbols`)
    pub prefix: String,
    pub codegen: CodegenOptions,
    /// worker threads for function compilation (0 = all cores)
    pub threads: usize,
}

/// A compiled module: the object file bytes and what the compiler learned
/// about the module (types of imports and exports, for hosts and tools).
pub struct CompiledModule {
    pub object: Vec<u8>,
    pub info: ModuleInfo,
}

/// Compile a core wasm binary (already in binary form) to an object.
pub fn compile_module(wasm: &[u8], opts: &CompileOptions) -> Result<CompiledModule> {
    let _ = (wasm, opts);
    todo!("compile_module")
}
