//! The Component Model: component value types and their canonical ABI
//! (CanonicalABI.md), the front end that turns a component into a static
//! instantiation plan, and the trampoline generator.
//!
//! Object interface of a compiled component (prefix `P`):
//! - `P_instantiate(store, out_ctx: *mut *mut c_void) -> u32` (trap code)
//! - `P_call(ctx, export: u32, args: *const u8, results: *mut u8) -> u32`:
//!   calls root export number `export` (order of [`CompiledComponent::exports`]).
//!   `args` points to the parameters laid out as a tuple in the *native
//!   layout*: the canonical ABI memory layout with 64-bit pointers
//!   (`PtrType::I64`), strings as `{ptr: u64, len: u64}` UTF-8 bytes, lists as
//!   `{ptr: u64, len: u64}` elements in native layout. `results` receives the
//!   result (if any) in the same layout; pointers in it stay valid until the
//!   next call on the same context.
//! - `P_export_<name>(ctx, args, results) -> u32`: the same per export.
//! - `P_value_<name>(ctx) -> *const u8`: a root value export in the native
//!   layout, valid as long as `ctx`.
//! - Root imports are undefined weak symbols (`symbols::component_import_symbol`):
//!   functions `u32 (ctx, args, results)`, values data in the native layout.
//! - `wacc_rt_component_free(ctx)` (runtime-support) releases an instance.

/// Component value types and their canonical ABI layout (the contract's).
pub use wacc_abi::values as types;

pub use compile::{compile_component, CompiledComponent};
pub mod adapter;
pub mod bindings_rust;
mod boundary;
mod calls;
mod compile;
mod desc;
mod emitter;
pub mod front;
pub mod header;
pub mod intercept;
pub mod plan;
pub mod probe;
#[cfg(test)]
mod tests;
mod values;

use crate::error::{CompileError, Result};

pub use types::ExportFunc;

/// True if `wasm` is a component binary (layer 1) rather than a core module.
pub fn is_component(wasm: &[u8]) -> bool {
    wasm.len() >= 8 && wasm[0..4] == *b"\0asm" && wasm[6..8] == [1, 0]
}

/// The features components are validated with.
pub fn features() -> wasmparser::WasmFeatures {
    wasmparser::WasmFeatures::default()
        | wasmparser::WasmFeatures::COMPONENT_MODEL
        | wasmparser::WasmFeatures::CM_FIXED_LENGTH_LISTS
        | wasmparser::WasmFeatures::CM_THREADING
        | wasmparser::WasmFeatures::CM_MORE_ASYNC_BUILTINS
        | wasmparser::WasmFeatures::CM_VALUES
}

/// Validates a component (or core module) binary; errors carry the offset.
pub fn validate(wasm: &[u8]) -> Result<()> {
    wasmparser::Validator::new_with_features(features())
        .validate_all(wasm)
        .map(|_| ())
        .map_err(|e| CompileError::at(e.message().to_string(), e.offset()))
}
