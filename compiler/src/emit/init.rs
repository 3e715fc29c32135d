//! The compiled instance initialiser: `init(vmctx)` evaluates global
//! initialisers, fills tables with their initial values, applies active
//! element segments, then active data segments, then calls the start
//! function — the spec's instantiation steps, as straight-line code.
//! Segment copies go through the same libcalls as `table.init` /
//! `memory.init`, which trap (unwinding instantiation) when out of bounds.

use super::{trusted, ObjectWriter};
use crate::environ::{ConstExpr, ConstOp, DataMode, ElemMode, GlobalLoc, ModuleInfo};
use crate::error::{CompileError, Result};
use crate::libcalls::LibCall;
use crate::translate::{access_flags, ir_type, wasm_signature};
use cranelift_codegen::ir::{types, AbiParam, InstBuilder, Signature, Value};
use cranelift_frontend::FunctionBuilder;
use cranelift_module::{FuncId, Linkage, Module};
use wacc_abi as abi;

impl ObjectWriter {
    pub(super) fn emit_init(&mut self, info: &ModuleInfo) -> Result<FuncId> {
        let mut sig = Signature::new(self.call_conv);
        sig.params.push(AbiParam::new(types::I64));
        let name = format!("{}_init", self.prefix);
        let id = self
            .module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(super::module_err)?;
        self.build_function(id, sig, |w, b, params| w.init_body(b, info, params[0]))?;
        Ok(id)
    }

    fn init_body(
        &mut self,
        b: &mut FunctionBuilder,
        info: &ModuleInfo,
        vmctx: Value,
    ) -> Result<()> {
        let flags = trusted();
        let libcall =
            |w: &mut ObjectWriter, b: &mut FunctionBuilder, l: LibCall, args: &[Value]| {
                let f = w
                    .module
                    .declare_func_in_func(w.libcall_ids[l as usize], b.func);
                let mut all = vec![vmctx];
                all.extend_from_slice(args);
                b.ins().call(f, &all);
            };

        // Globals, in order (an initialiser may read earlier globals).
        for g in info.num_imported_globals..info.globals.len() as u32 {
            let gi = &info.globals[g as usize];
            let init = gi.init.as_ref().expect("defined global has an initialiser");
            let v = self.const_value(b, info, vmctx, init)?;
            if let GlobalLoc::Inline(off) = info.layout.global(g) {
                let flags = access_flags(flags, ir_type(gi.ty));
                b.ins().store(flags, v, vmctx, off as i32);
            }
        }

        // Tables with an initial value other than null.
        for t in info.num_imported_tables..info.tables.len() as u32 {
            let ti = &info.tables[t as usize];
            if let (Some(init), true) = (&ti.init, ti.min > 0) {
                let v = self.const_value(b, info, vmctx, init)?;
                let t32 = b.ins().iconst(types::I32, t as i64);
                let zero = b.ins().iconst(types::I32, 0);
                let n = b.ins().iconst(types::I32, ti.min as i64);
                libcall(self, b, LibCall::TableFill, &[t32, zero, v, n]);
            }
        }

        // Element segments: active ones are `table.init` + `elem.drop`,
        // declared ones are dropped.
        for (i, e) in info.elems.iter().enumerate() {
            let seg = b.ins().iconst(types::I32, i as i64);
            match &e.mode {
                ElemMode::Active { table, offset } => {
                    let off = self.const_value(b, info, vmctx, offset)?;
                    // A 64-bit table's offset: past u32::MAX it is out of
                    // bounds of any table, as u32::MAX is.
                    let off = if b.func.dfg.value_type(off) == types::I64 {
                        let max = b.ins().iconst(types::I64, u32::MAX as i64);
                        let o = b.ins().umin(off, max);
                        b.ins().ireduce(types::I32, o)
                    } else {
                        off
                    };
                    let t = b.ins().iconst(types::I32, *table as i64);
                    let zero = b.ins().iconst(types::I32, 0);
                    let n = b.ins().iconst(types::I32, e.items.len() as i64);
                    libcall(self, b, LibCall::TableInit, &[t, seg, off, zero, n]);
                    libcall(self, b, LibCall::ElemDrop, &[seg]);
                }
                ElemMode::Declared => libcall(self, b, LibCall::ElemDrop, &[seg]),
                ElemMode::Passive => {}
            }
        }

        // Data segments: `memory.init` + `data.drop`.
        for (i, d) in info.data.iter().enumerate() {
            if let DataMode::Active { memory, offset } = &d.mode {
                let off = self.const_value(b, info, vmctx, offset)?;
                let off = if b.func.dfg.value_type(off) == types::I32 {
                    b.ins().uextend(types::I64, off)
                } else {
                    off
                };
                let seg = b.ins().iconst(types::I32, i as i64);
                let m = b.ins().iconst(types::I32, *memory as i64);
                let zero = b.ins().iconst(types::I32, 0);
                let n = b.ins().iconst(types::I32, d.bytes.len() as i64);
                libcall(self, b, LibCall::MemoryInit, &[m, seg, off, zero, n]);
                libcall(self, b, LibCall::DataDrop, &[seg]);
            }
        }

        if let Some(start) = info.start {
            self.call_wasm(b, info, vmctx, start, &[]);
        }
        b.ins().return_(&[]);
        Ok(())
    }

    /// Call wasm function `f` of this instance: directly when defined here,
    /// through its funcref when imported. Returns the results.
    pub(super) fn call_wasm(
        &mut self,
        b: &mut FunctionBuilder,
        info: &ModuleInfo,
        vmctx: Value,
        f: u32,
        args: &[Value],
    ) -> Vec<Value> {
        let sig = wasm_signature(info.func_type(f), self.call_conv);
        let call = if info.is_imported_func(f) {
            let fr = info.layout.funcref(f) as i32;
            let flags = trusted();
            let code = b
                .ins()
                .load(types::I64, flags, vmctx, fr + abi::FUNCREF_FUNC as i32);
            let callee_vmctx =
                b.ins()
                    .load(types::I64, flags, vmctx, fr + abi::FUNCREF_VMCTX as i32);
            let sigref = b.import_signature(sig);
            let mut all = vec![callee_vmctx];
            all.extend_from_slice(args);
            b.ins().call_indirect(sigref, code, &all)
        } else {
            let fref = self
                .module
                .declare_func_in_func(self.func_ids[f as usize], b.func);
            let mut all = vec![vmctx];
            all.extend_from_slice(args);
            b.ins().call(fref, &all)
        };
        b.inst_results(call).to_vec()
    }

    /// Evaluate a constant expression in generated code.
    fn const_value(
        &mut self,
        b: &mut FunctionBuilder,
        info: &ModuleInfo,
        vmctx: Value,
        e: &ConstExpr,
    ) -> Result<Value> {
        let flags = trusted();
        let mut stack: Vec<Value> = Vec::new();
        for op in &e.0 {
            let v = match *op {
                ConstOp::I32(v) => b.ins().iconst(types::I32, v as i64),
                ConstOp::I64(v) => b.ins().iconst(types::I64, v),
                ConstOp::F32(bits) => b.ins().f32const(f32::from_bits(bits)),
                ConstOp::F64(bits) => b.ins().f64const(f64::from_bits(bits)),
                ConstOp::V128(bytes) => {
                    let c = b.func.dfg.constants.insert(bytes.to_vec().into());
                    b.ins().vconst(types::I8X16, c)
                }
                ConstOp::GlobalGet(g) => {
                    let ty = ir_type(info.globals[g as usize].ty);
                    let flags = access_flags(flags, ty);
                    match info.layout.global(g) {
                        GlobalLoc::Inline(off) => b.ins().load(ty, flags, vmctx, off as i32),
                        GlobalLoc::Pointer(off) => {
                            let p = b.ins().load(types::I64, flags, vmctx, off as i32);
                            b.ins().load(ty, flags, p, 0)
                        }
                    }
                }
                ConstOp::RefNull(_) => b.ins().iconst(types::I64, 0),
                ConstOp::RefFunc(f) => b.ins().iadd_imm_s(vmctx, info.layout.funcref(f) as i64),
                ConstOp::I32Add | ConstOp::I64Add => {
                    self.binop(b, &mut stack, |b, x, y| b.ins().iadd(x, y))?
                }
                ConstOp::I32Sub | ConstOp::I64Sub => {
                    self.binop(b, &mut stack, |b, x, y| b.ins().isub(x, y))?
                }
                ConstOp::I32Mul | ConstOp::I64Mul => {
                    self.binop(b, &mut stack, |b, x, y| b.ins().imul(x, y))?
                }
            };
            stack.push(v);
        }
        match (stack.pop(), stack.is_empty()) {
            (Some(v), true) => Ok(v),
            _ => Err(CompileError::new("malformed constant expression")),
        }
    }

    fn binop(
        &self,
        b: &mut FunctionBuilder,
        stack: &mut Vec<Value>,
        f: impl FnOnce(&mut FunctionBuilder, Value, Value) -> Value,
    ) -> Result<Value> {
        let y = stack.pop();
        let x = stack.pop();
        match (x, y) {
            (Some(x), Some(y)) => Ok(f(b, x, y)),
            _ => Err(CompileError::new("malformed constant expression")),
        }
    }
}
