//! Translation of one wasm function body to Cranelift IR.
//!
//! Calling convention of every wasm function (defined or imported):
//! `fn(vmctx: i64 [ArgumentPurpose::VMContext], params...) -> results`
//! using the target's default C calling convention, with multiple results
//! returned through Cranelift's implicit return area. Reference values
//! (funcref, externref) are pointer-sized `i64`.
//!
//! Traps are never Cranelift trap instructions: every check branches to a
//! cold block that calls the runtime's `wacc_rt_trap` (see [`translator`]).
//! Files: [`translator`] (state, prologue, helpers), [`ops`] (operator
//! dispatch), [`control`], [`exceptions`], [`numeric`], [`memory`], [`table`],
//! [`calls`], [`globals`], [`simd`], [`atomics`].

mod atomics;
mod calls;
mod control;
mod exceptions;
mod frames;
mod globals;
mod memory;
mod numeric;
mod ops;
mod simd;
mod table;
#[cfg(test)]
mod tests;
mod translator;

use crate::environ::{CodegenOptions, ModuleInfo};
use crate::error::{CompileError, Result};
use cranelift_codegen::ir::{self, types, AbiParam, ArgumentPurpose, MemFlagsData, Signature};
use cranelift_codegen::isa::{CallConv, TargetIsa};
use wasmparser::{FuncType, ValType};

/// Cranelift type of a wasm value type.
pub fn ir_type(t: ValType) -> ir::Type {
    match t {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::V128 => types::I8X16,
        ValType::Ref(_) => types::I64,
    }
}

/// What the translation needs to know of the target.
#[derive(Clone, Copy)]
pub(crate) struct Target {
    pub call_conv: CallConv,
    /// Whether Cranelift can lower 128-bit vectors for it.
    pub simd: bool,
}

/// Whether `isa` has 128-bit vector registers: every supported target but
/// RISC-V without the V extension.
pub fn supports_simd(isa: &dyn TargetIsa) -> bool {
    isa.isa_flags()
        .iter()
        .find(|f| f.name == "has_v")
        .is_none_or(|f| f.as_bool() == Some(true))
}

/// Error for v128 code on a target without vector registers.
pub const NO_SIMD: &str =
    "SIMD (v128) needs vector registers, which RV64GC lacks (`--cpu rv64gcv` adds the V extension)";

/// `flags` for an access of type `ty`. A vector access never claims
/// alignment: v128 cells (globals, value arrays, exception payloads) are
/// only 8-byte aligned, and x64 folds an aligned vector load into SSE
/// operands that fault unless 16-byte aligned.
pub fn access_flags(flags: MemFlagsData, ty: ir::Type) -> MemFlagsData {
    if !ty.is_vector() || !flags.aligned() {
        return flags;
    }
    let mut f = MemFlagsData::new().with_alias_region(flags.alias_region());
    if flags.notrap() {
        f = f.with_notrap();
    }
    if flags.readonly() {
        f = f.with_readonly();
    }
    if flags.can_move() {
        f = f.with_can_move();
    }
    f
}

/// Native signature of a wasm function of type `ty`.
pub fn wasm_signature(ty: &FuncType, call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params
        .push(AbiParam::special(types::I64, ArgumentPurpose::VMContext));
    sig.params
        .extend(ty.params().iter().map(|t| AbiParam::new(ir_type(*t))));
    sig.returns
        .extend(ty.results().iter().map(|t| AbiParam::new(ir_type(*t))));
    sig
}

/// Translate (and validate) the body of defined function `func_index`.
pub fn translate_function(
    module: &ModuleInfo,
    wasm: &[u8],
    func_index: u32,
    isa: &dyn TargetIsa,
    opts: &CodegenOptions,
) -> Result<ir::Function> {
    let defined = func_index
        .checked_sub(module.num_imported_funcs)
        .and_then(|i| module.bodies.get(i as usize))
        .filter(|_| (func_index as usize) < module.funcs.len());
    let Some(body) = defined else {
        return Err(
            CompileError::new(format!("function {func_index} has no body")).in_func(func_index),
        );
    };
    if body.range.start > body.range.end || body.range.end > wasm.len() {
        return Err(
            CompileError::new("function body outside the module binary").in_func(func_index)
        );
    }
    let target = Target {
        call_conv: isa.default_call_conv(),
        simd: supports_simd(isa),
    };
    translator::translate(module, wasm, body, func_index, target, opts)
        .map_err(|e| e.in_func(func_index))
}
