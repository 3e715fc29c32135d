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
//! [`calls`], [`globals`].

mod calls;
mod control;
mod exceptions;
mod globals;
mod memory;
mod numeric;
mod ops;
mod table;
#[cfg(test)]
mod tests;
mod translator;

use crate::environ::{CodegenOptions, ModuleInfo};
use crate::error::{CompileError, Result};
use cranelift_codegen::ir::{self, types, AbiParam, ArgumentPurpose, Signature};
use cranelift_codegen::isa::CallConv;
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
    call_conv: CallConv,
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
    translator::translate(module, wasm, body, func_index, call_conv, opts)
        .map_err(|e| e.in_func(func_index))
}
