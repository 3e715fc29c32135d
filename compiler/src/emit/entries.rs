//! Host-facing code: array-call trampolines (values in a `ValRaw` array),
//! one typed C entry per exported function, the dynamic entry, and the
//! instantiate entry. Every entry into wasm goes through `wacc_rt_invoke`,
//! which sets up the trap landing pad and stack limit.

use super::{trusted, ObjectWriter};
use crate::environ::ModuleInfo;
use crate::error::Result;
use crate::libcalls::EntryCall;
use crate::symbols;
use crate::translate::{access_flags, ir_type};
use cranelift_codegen::ir::{
    types, AbiParam, InstBuilder, Signature, StackSlotData, StackSlotKind, Value,
};
use cranelift_frontend::{FunctionBuilder, Switch};
use cranelift_module::{DataId, Linkage, Module};
use wacc_abi as abi;

const VAL: i32 = abi::VALRAW_SIZE as i32;

impl ObjectWriter {
    /// `fn(vmctx, values: *mut ValRaw)` for every exported function defined
    /// here: arguments are read from `values`, results written back.
    pub(super) fn emit_array_calls(&mut self, info: &ModuleInfo) -> Result<()> {
        let mut exported: Vec<u32> = info
            .exports
            .iter()
            .filter(|e| e.kind == abi::kind::FUNC && !info.is_imported_func(e.index))
            .map(|e| e.index)
            .collect();
        exported.sort_unstable();
        exported.dedup();
        for f in exported {
            let mut sig = Signature::new(self.call_conv);
            sig.params
                .extend([AbiParam::new(types::I64), AbiParam::new(types::I64)]);
            let name = format!("{}_array_call_f{f}", self.prefix);
            let id = self
                .module
                .declare_function(&name, Linkage::Local, &sig)
                .map_err(super::module_err)?;
            self.build_function(id, sig, |w, b, p| {
                let (vmctx, values) = (p[0], p[1]);
                let ty = info.func_type(f);
                let flags = trusted();
                let args: Vec<Value> = ty
                    .params()
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let ty = ir_type(*t);
                        b.ins()
                            .load(ty, access_flags(flags, ty), values, i as i32 * VAL)
                    })
                    .collect();
                let results = w.call_wasm(b, info, vmctx, f, &args);
                for (i, r) in results.into_iter().enumerate() {
                    let flags = access_flags(flags, b.func.dfg.value_type(r));
                    b.ins().store(flags, r, values, i as i32 * VAL);
                }
                b.ins().return_(&[]);
                Ok(())
            })?;
            self.array_calls[f as usize] = Some(id);
        }
        Ok(())
    }

    /// `u32 P_export_NAME(vmctx, params..., result pointers...)`: returns
    /// the trap code (0 = results written).
    pub(super) fn emit_export_entries(&mut self, info: &ModuleInfo) -> Result<()> {
        for e in info.exports.iter().filter(|e| e.kind == abi::kind::FUNC) {
            let ty = info.func_type(e.index).clone();
            let mut sig = Signature::new(self.call_conv);
            sig.params.push(AbiParam::new(types::I64));
            sig.params
                .extend(ty.params().iter().map(|t| AbiParam::new(ir_type(*t))));
            sig.params
                .extend(ty.results().iter().map(|_| AbiParam::new(types::I64)));
            sig.returns.push(AbiParam::new(types::I32));
            let name = symbols::export_entry(&self.prefix, &e.name);
            let id = self
                .module
                .declare_function(&name, Linkage::Export, &sig)
                .map_err(super::module_err)?;
            let f = e.index;
            self.build_function(id, sig, |w, b, p| {
                let np = ty.params().len();
                let slots = np.max(ty.results().len()).max(1) as u32;
                let slot = b.create_sized_stack_slot(StackSlotData::new(
                    StackSlotKind::ExplicitSlot,
                    slots * abi::VALRAW_SIZE,
                    4,
                ));
                let values = b.ins().stack_addr(types::I64, slot, 0);
                let flags = trusted();
                for (i, v) in p[1..1 + np].iter().enumerate() {
                    let flags = access_flags(flags, b.func.dfg.value_type(*v));
                    b.ins().store(flags, *v, values, i as i32 * VAL);
                }
                let code = w.invoke_export(b, info, p[0], f, values);
                let ok = b.create_block();
                let trapped = b.create_block();
                b.ins().brif(code, trapped, &[], ok, &[]);
                b.switch_to_block(trapped);
                b.ins().return_(&[code]);
                b.switch_to_block(ok);
                for (i, t) in ty.results().iter().enumerate() {
                    let flags = access_flags(flags, ir_type(*t));
                    let r = b.ins().load(ir_type(*t), flags, values, i as i32 * VAL);
                    b.ins().store(flags, r, p[1 + np + i], 0);
                }
                b.ins().return_(&[code]);
                Ok(())
            })?;
        }
        Ok(())
    }

    /// `u32 P_call(vmctx, export_index, values)`: call exported function
    /// number `export_index` (index in the export list) with arguments and
    /// results in `values`. Returns the trap code, or u32::MAX if that
    /// export is not a function.
    pub(super) fn emit_dynamic_call(&mut self, info: &ModuleInfo) -> Result<()> {
        let mut sig = Signature::new(self.call_conv);
        sig.params.extend([
            AbiParam::new(types::I64),
            AbiParam::new(types::I32),
            AbiParam::new(types::I64),
        ]);
        sig.returns.push(AbiParam::new(types::I32));
        let name = symbols::dynamic_call(&self.prefix);
        let id = self
            .module
            .declare_function(&name, Linkage::Export, &sig)
            .map_err(super::module_err)?;
        self.build_function(id, sig, |w, b, p| {
            let (vmctx, index, values) = (p[0], p[1], p[2]);
            let mut switch = Switch::new();
            let mut cases = Vec::new();
            for (i, e) in info.exports.iter().enumerate() {
                if e.kind == abi::kind::FUNC {
                    let blk = b.create_block();
                    switch.set_entry(i as u128, blk);
                    cases.push((blk, e.index));
                }
            }
            let otherwise = b.create_block();
            switch.emit(b, index, otherwise);
            for (blk, f) in cases {
                b.switch_to_block(blk);
                let code = w.invoke_export(b, info, vmctx, f, values);
                b.ins().return_(&[code]);
            }
            b.switch_to_block(otherwise);
            let bad = b.ins().iconst(types::I32, u32::MAX as i64);
            b.ins().return_(&[bad]);
            Ok(())
        })
    }

    /// `u32 P_instantiate(store, imports, nimports, vmctx_out)`.
    pub(super) fn emit_instantiate(&mut self, desc: DataId) -> Result<()> {
        let mut sig = Signature::new(self.call_conv);
        sig.params.extend([AbiParam::new(types::I64); 4]);
        sig.returns.push(AbiParam::new(types::I32));
        let name = symbols::instantiate(&self.prefix);
        let id = self
            .module
            .declare_function(&name, Linkage::Export, &sig)
            .map_err(super::module_err)?;
        self.build_function(id, sig, |w, b, p| {
            let gv = w.module.declare_data_in_func(desc, b.func);
            let desc = b.ins().symbol_value(types::I64, gv);
            let f = w.module.declare_func_in_func(w.instantiate, b.func);
            let call = b.ins().call(f, &[p[0], desc, p[1], p[2], p[3]]);
            let code = b.inst_results(call)[0];
            b.ins().return_(&[code]);
            Ok(())
        })
    }

    /// `int main(int argc, char **argv)` for executables: runs the module
    /// through `wacc_rt_main(&P_desc, argc, argv)`.
    pub(super) fn emit_main(&mut self, desc: DataId) -> Result<()> {
        let mut sig = Signature::new(self.call_conv);
        sig.params
            .extend([AbiParam::new(types::I32), AbiParam::new(types::I64)]);
        sig.returns.push(AbiParam::new(types::I32));
        let id = self
            .module
            .declare_function("main", Linkage::Export, &sig)
            .map_err(super::module_err)?;
        let rt_main = self
            .module
            .declare_function(
                EntryCall::Main.symbol(),
                Linkage::Import,
                &EntryCall::Main.signature(self.call_conv),
            )
            .map_err(super::module_err)?;
        self.build_function(id, sig, |w, b, p| {
            let gv = w.module.declare_data_in_func(desc, b.func);
            let desc = b.ins().symbol_value(types::I64, gv);
            let f = w.module.declare_func_in_func(rt_main, b.func);
            let call = b.ins().call(f, &[desc, p[0], p[1]]);
            let status = b.inst_results(call)[0];
            b.ins().return_(&[status]);
            Ok(())
        })
    }

    /// Call exported function `f` through its funcref under
    /// `wacc_rt_invoke`; returns the trap code.
    fn invoke_export(
        &mut self,
        b: &mut FunctionBuilder,
        info: &ModuleInfo,
        vmctx: Value,
        f: u32,
        values: Value,
    ) -> Value {
        let fr = info.layout.funcref(f) as i32;
        let flags = trusted();
        let callee_vmctx = b
            .ins()
            .load(types::I64, flags, vmctx, fr + abi::FUNCREF_VMCTX as i32);
        let array_call = b.ins().load(
            types::I64,
            flags,
            vmctx,
            fr + abi::FUNCREF_ARRAY_CALL as i32,
        );
        let invoke = self.module.declare_func_in_func(self.invoke, b.func);
        let call = b.ins().call(invoke, &[callee_vmctx, array_call, values]);
        b.inst_results(call)[0]
    }
}
