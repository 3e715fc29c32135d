//! Translation of one wasm function body to Cranelift IR.
//!
//! Calling convention of every wasm function (defined or imported):
//! `fn(vmctx: i64 [ArgumentPurpose::VMContext], params...) -> results`
//! using the target's default C calling convention, with multiple results
//! returned through Cranelift's implicit return area. Reference values
//! (funcref, externref) are pointer-sized `i64`.

use crate::environ::{valtype_code, ModuleInfo};
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
    sig.params.push(AbiParam::special(types::I64, ArgumentPurpose::VMContext));
    sig.params.extend(ty.params().iter().map(|t| AbiParam::new(ir_type(*t))));
    sig.returns.extend(ty.results().iter().map(|t| AbiParam::new(ir_type(*t))));
    sig
}

#[allow(unused)]
fn _uses(_: &ModuleInfo) -> u8 {
    valtype_code(ValType::I32)
}
