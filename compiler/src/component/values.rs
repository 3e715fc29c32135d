//! Component-level values (the value index space): `start` functions with
//! value arguments and a result, value imports and value exports.
//!
//! A value is immutable and lives in the host's native layout (the
//! canonical ABI layout with 64-bit pointers, see `component/mod.rs`):
//! - a root value import is a data symbol the host defines, named like a
//!   function import (`wacc_import_…`, see `symbols::component_import_symbol`);
//!   it is read while the component is instantiated;
//! - a value made by a `start` lives in the context's `values` region; its
//!   strings and lists in memory runtime-support keeps until the context is
//!   freed.
//!
//! A `start` is compiled like an export call from the host: its arguments
//! are copied (`wacc_rt_memcpy`) from their values into one parameter tuple and lowered into
//! the callee, its result lifted straight into its value's slot.

use super::adapter::{field_offsets, Gen, RtCall};
use super::emitter::Emitter;
use super::plan::{Plan, Start, ValueSource};
use super::types::PtrType;
use crate::error::Result;
use crate::symbols;
use cranelift_codegen::ir::{
    condcodes::IntCC, types, AbiParam, InstBuilder, MemFlagsData, Signature, StackSlotData,
    StackSlotKind, Value,
};
use cranelift_frontend::FunctionBuilder;
use cranelift_module::{DataId, FuncId, Linkage, Module};
use wacc_abi as abi;

/// Where each value made at instantiation sits in the context's `values`
/// region (None for imported values), and the region's size.
pub(super) fn value_slots(plan: &Plan) -> (Vec<Option<u32>>, u32) {
    let mut size = 0u32;
    let offsets = plan
        .values
        .iter()
        .map(|v| match v.source {
            ValueSource::Import(_) => None,
            ValueSource::StartResult(_) => {
                let align = v.ty.alignment(PtrType::I64);
                let at = size.next_multiple_of(align);
                size = at + v.ty.elem_size(PtrType::I64);
                Some(at)
            }
        })
        .collect();
    (offsets, size)
}

impl Emitter<'_> {
    /// The data symbol the host defines for imported value `name`.
    fn value_import(&mut self, name: &str) -> Result<DataId> {
        if let Some(id) = self.value_ids.get(name) {
            return Ok(*id);
        }
        let sym = symbols::component_import_symbol(name);
        let id = self
            .module
            .declare_data(&sym, Linkage::Import, false, false)
            .map_err(|_| {
                crate::error::CompileError::new(format!(
                    "import `{name}` conflicts with another symbol"
                ))
            })?;
        self.value_ids.insert(name.to_string(), id);
        Ok(id)
    }

    /// Address of value `v`'s native representation.
    fn value_addr(&mut self, b: &mut FunctionBuilder, ctx: Value, v: u32) -> Result<Value> {
        let plan = self.plan;
        match &plan.values[v as usize].source {
            ValueSource::Import(name) => {
                let id = self.value_import(name)?;
                let gv = self.module.declare_data_in_func(id, b.func);
                Ok(b.ins().symbol_value(types::I64, gv))
            }
            ValueSource::StartResult(_) => {
                let off = self.layout.values + self.value_offsets[v as usize].unwrap_or(0);
                Ok(b.ins().iadd_imm_u(ctx, off as i64))
            }
        }
    }

    /// `fn(ctx)` run as instantiation step: calls the start's lifted
    /// function with its argument values; its result becomes a value.
    pub(super) fn define_start(&mut self, i: usize, s: &Start) -> Result<FuncId> {
        let l = &s.func;
        let site = self.sites.of_start(i);
        let entry = self.define_host_entry(&format!("{}_start_entry{i}", self.prefix), l, site)?;
        let mut sig = Signature::new(self.call_conv);
        sig.params.push(AbiParam::new(types::I64));
        let id = self
            .module
            .declare_function(&format!("{}_start{i}", self.prefix), Linkage::Local, &sig)
            .map_err(crate::emit::module_err)?;
        let params: Vec<_> = l.ty.params.iter().map(|(_, t)| t).collect();
        let offsets = field_offsets(&params, PtrType::I64);
        let args_size = super::emitter::params_tuple(&l.ty).elem_size(PtrType::I64);
        self.define(id, sig, |e, b, ps| {
            let ctx = ps[0];
            // [args pointer, result pointer], then the parameter tuple.
            let head = 2 * abi::VALRAW_SIZE;
            let slot = b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                head + args_size.max(8),
                4,
            ));
            let vals = b.ins().stack_addr(types::I64, slot, 0);
            let args = b.ins().stack_addr(types::I64, slot, head as i32);
            let srcs = (s.args.iter())
                .map(|v| e.value_addr(b, ctx, *v))
                .collect::<Result<Vec<_>>>()?;
            let result = match s.result {
                Some(v) => e.value_addr(b, ctx, v)?,
                None => args,
            };
            let entry = e.module.declare_func_in_func(entry, b.func);
            let mut g = Gen::new(b, e, ctx);
            for ((t, off), src) in params.iter().zip(&offsets).zip(srcs) {
                let dst = g.b.ins().iadd_imm_u(args, *off as i64);
                let n = g.iconst64(t.elem_size(PtrType::I64) as i64);
                g.rt(RtCall::Memcpy, &[dst, src, n]);
            }
            let f = MemFlagsData::trusted();
            g.b.ins().store(f, args, vals, 0);
            g.b.ins().store(f, result, vals, abi::VALRAW_SIZE as i32);
            g.b.ins().call(entry, &[ctx, vals]);
            g.b.ins().return_(&[]);
            g.finish();
            Ok(())
        })?;
        Ok(id)
    }

    /// `P_value_<name>(ctx) -> const void *` per root value export: its
    /// native representation, valid as long as the context.
    pub(super) fn emit_value_exports(&mut self) -> Result<()> {
        let plan = self.plan;
        for (name, v) in &plan.value_exports {
            let mut sig = Signature::new(self.call_conv);
            sig.params.push(AbiParam::new(types::I64));
            sig.returns.push(AbiParam::new(types::I64));
            let id = self
                .module
                .declare_function(
                    &symbols::value_export(&self.prefix, name),
                    Linkage::Export,
                    &sig,
                )
                .map_err(crate::emit::module_err)?;
            self.define(id, sig, |e, b, ps| {
                let at = e.value_addr(b, ps[0], *v)?;
                b.ins().return_(&[at]);
                Ok(())
            })?;
        }
        Ok(())
    }

    /// True (an `i8`) when the host defines no symbol for some imported
    /// value; None when nothing is imported.
    pub(super) fn value_import_missing(
        &mut self,
        b: &mut FunctionBuilder,
    ) -> Result<Option<Value>> {
        let mut missing = None;
        let plan = self.plan;
        // An imported instance's value aliased twice is two values, one symbol.
        let names: std::collections::BTreeSet<&str> = (plan.values.iter())
            .filter_map(|v| match &v.source {
                ValueSource::Import(name) => Some(name.as_str()),
                ValueSource::StartResult(_) => None,
            })
            .collect();
        for name in names {
            let id = self.value_import(name)?;
            let gv = self.module.declare_data_in_func(id, b.func);
            let at = b.ins().symbol_value(types::I64, gv);
            let null = b.ins().icmp_imm_u(IntCC::Equal, at, 0);
            missing = Some(match missing {
                Some(m) => b.ins().bor(m, null),
                None => null,
            });
        }
        Ok(missing)
    }
}
