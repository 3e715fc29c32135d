//! The component object being written ([`Emitter`]): the Cranelift module,
//! the plan, the context layout and what has been declared so far, with
//! what every part of the generator needs of it (the adapter's [`Env`],
//! defining a function, the host's import symbols). `compile` drives it;
//! `calls`, `values` and `desc` add to it without depending on `compile`.

use super::adapter::{Env, RtCall, Side};
use super::front::{FuncType, StringEncoding};
use super::plan::{self, CoreFunc, Plan, Trampoline, HOST};
use super::types::{CoreType, PtrType, ValType};
use crate::emit::data::{define_data, DataBuf};
use crate::emit::{build_generated, define_generated, module_err};
use crate::error::{CompileError, Result};
use crate::libcalls::EntryCall;
use crate::symbols;
use cranelift_codegen::ir::{
    types, AbiParam, FuncRef, InstBuilder, MemFlagsData, Signature, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataId, FuncId, Linkage, Module};
use cranelift_object::ObjectModule;
use std::collections::HashMap;
use wacc_abi::component::ComponentLayout;
use wacc_abi::{self as abi};

pub(super) fn valtype_codes(ts: &[CoreType]) -> Vec<u8> {
    ts.iter()
        .map(|t| match t {
            CoreType::I32 => abi::valtype::I32,
            CoreType::I64 => abi::valtype::I64,
            CoreType::F32 => abi::valtype::F32,
            CoreType::F64 => abi::valtype::F64,
        })
        .collect()
}

pub(super) fn params_tuple(ty: &FuncType) -> ValType {
    ValType::Tuple(ty.params.iter().map(|(_, t)| t.clone()).collect())
}

pub(super) fn has_borrow(t: &ValType) -> bool {
    t.contains(&|t| matches!(t, ValType::Borrow(_)))
}

/// True if the type needs the async ABI (streams, futures, error contexts):
/// functions over such types compile to a trap.
fn needs_async(t: &ValType) -> bool {
    t.contains(&|t| matches!(t, ValType::Stream | ValType::Future | ValType::ErrorContext))
}

pub(super) fn func_needs_async(ty: &FuncType) -> bool {
    ty.params.iter().any(|(_, t)| needs_async(t)) || ty.result.as_ref().is_some_and(needs_async)
}

pub(super) fn host_side() -> Side {
    Side {
        memory: None,
        realloc: None,
        encoding: StringEncoding::Utf8,
        cinst: HOST,
        ptr: PtrType::I64,
        relay: false,
    }
}

pub(super) fn side_of(o: &plan::ResolvedOptions, cinst: u32) -> Side {
    Side {
        memory: o.memory,
        realloc: o.realloc,
        encoding: o.encoding,
        cinst,
        ptr: PtrType::I32,
        relay: false,
    }
}

pub(super) struct Emitter<'p> {
    pub(super) module: ObjectModule,
    pub(super) call_conv: CallConv,
    pub(super) prefix: String,
    pub(super) plan: &'p Plan,
    pub(super) layout: ComponentLayout,
    pub(super) module_funcs: Vec<Vec<FuncId>>,
    pub(super) tramp_ids: Vec<FuncId>,
    pub(super) tramp_sigs: Vec<(Vec<CoreType>, Vec<CoreType>)>,
    pub(super) rt_ids: HashMap<RtCall, FuncId>,
    pub(super) host_ids: HashMap<String, FuncId>,
    /// per value of the plan: its offset in the context's `values` region
    pub(super) value_offsets: Vec<Option<u32>>,
    /// data symbols of imported values, by import name
    pub(super) value_ids: HashMap<String, DataId>,
    /// the names of root function imports as data (for the last error
    /// when one is unresolved), by import name
    pub(super) name_ids: HashMap<String, DataId>,
    /// the crossings the build's policy intercepts
    pub(super) sites: &'p super::intercept::Sites,
    pub(super) ctx: Context,
    pub(super) fctx: FunctionBuilderContext,
}

impl Env for Emitter<'_> {
    fn rt(&mut self, b: &mut FunctionBuilder, call: RtCall) -> FuncRef {
        let id = match self.rt_ids.get(&call) {
            Some(id) => *id,
            None => {
                let id = super::adapter::declare_rt(&mut self.module, self.call_conv, call)
                    .expect("runtime function declared once");
                self.rt_ids.insert(call, id);
                id
            }
        };
        self.module.declare_func_in_func(id, b.func)
    }

    fn core_func(
        &mut self,
        b: &mut FunctionBuilder,
        ctx: Value,
        f: CoreFunc,
    ) -> Result<(FuncRef, Value)> {
        match f {
            CoreFunc::Defined { instance, index } => {
                let m = self.plan.instances[instance as usize].module;
                let id = *self.module_funcs[m]
                    .get(index as usize)
                    .ok_or_else(|| CompileError::new("internal error: core function"))?;
                let off = self.layout.instances + 8 * instance;
                let vmctx = b
                    .ins()
                    .load(types::I64, MemFlagsData::trusted(), ctx, off as i32);
                Ok((self.module.declare_func_in_func(id, b.func), vmctx))
            }
            CoreFunc::Trampoline(t) => {
                let id = self.tramp_ids[t as usize];
                Ok((self.module.declare_func_in_func(id, b.func), ctx))
            }
        }
    }

    fn memory_slot(&self, slot: u32) -> i32 {
        (self.layout.memories + 8 * slot) as i32
    }

    fn flags_slot(&self, cinst: u32) -> i32 {
        (self.layout.flags + 4 * cinst) as i32
    }

    fn task_context_slots(&self) -> Option<Vec<i32>> {
        let used = self
            .plan
            .trampolines
            .iter()
            .any(|t| matches!(t, Trampoline::ContextGet(_) | Trampoline::ContextSet(_)));
        used.then(|| {
            (0..abi::component::TASK_CONTEXT_SLOTS)
                .map(|i| (self.layout.task_context + 4 * i) as i32)
                .collect()
        })
    }

    fn table_index(&self, cinst: u32) -> u32 {
        if cinst == HOST {
            self.plan.num_cinst
        } else {
            cinst
        }
    }
}

impl Emitter<'_> {
    pub(super) fn err(e: cranelift_module::ModuleError) -> CompileError {
        module_err(e)
    }

    /// Declare a runtime entry point generated entries call.
    pub(super) fn declare_entry_call(&mut self, call: EntryCall) -> Result<FuncId> {
        self.module
            .declare_function(
                call.symbol(),
                Linkage::Import,
                &call.signature(self.call_conv),
            )
            .map_err(Self::err)
    }

    /// Build and define a function; `body` gets the builder in the entry
    /// block and the parameters and must terminate the block.
    pub(super) fn define(
        &mut self,
        id: FuncId,
        sig: Signature,
        body: impl FnOnce(&mut Self, &mut FunctionBuilder, &[Value]) -> Result<()>,
    ) -> Result<()> {
        let config = self.module.isa().frontend_config();
        let mut fctx = std::mem::take(&mut self.fctx);
        let func = build_generated(self, &mut fctx, config, id, sig, body);
        self.fctx = fctx;
        define_generated(&mut self.module, &mut self.ctx, id, func?)
    }

    /// The address and length of root import `name` as bytes in the object.
    pub(super) fn import_name(
        &mut self,
        b: &mut FunctionBuilder,
        name: &str,
    ) -> Result<(Value, Value)> {
        let id = match self.name_ids.get(name) {
            Some(id) => *id,
            None => {
                let mut buf = DataBuf::zeroed(name.len(), 1);
                buf.bytes.copy_from_slice(name.as_bytes());
                let id = define_data(&mut self.module, buf, None)?;
                self.name_ids.insert(name.to_string(), id);
                id
            }
        };
        let gv = self.module.declare_data_in_func(id, b.func);
        let p = b.ins().symbol_value(types::I64, gv);
        let len = b.ins().iconst(types::I64, name.len() as i64);
        Ok((p, len))
    }

    /// The weak symbol `void (void *ctx, uint32_t rep)` told when a guest
    /// drops a host resource.
    pub(super) fn host_dtor(&mut self, name: &str) -> Result<FuncId> {
        let key = format!("drop {name}");
        if let Some(id) = self.host_ids.get(&key) {
            return Ok(*id);
        }
        let mut sig = Signature::new(self.call_conv);
        sig.params.push(AbiParam::new(types::I64));
        sig.params.push(AbiParam::new(types::I32));
        let id = self
            .module
            .declare_function(
                &symbols::component_import_symbol(name),
                Linkage::Import,
                &sig,
            )
            .map_err(|_| {
                CompileError::new(format!("import `{name}` conflicts with another symbol"))
            })?;
        self.host_ids.insert(key, id);
        Ok(id)
    }

    /// The weak symbol providing root import `name` (`instance#func` or a
    /// plain function name).
    pub(super) fn host_func(&mut self, b: &mut FunctionBuilder, name: &str) -> Result<FuncRef> {
        let id = match self.host_ids.get(name) {
            Some(id) => *id,
            None => {
                let sym = symbols::component_import_symbol(name);
                let mut sig = Signature::new(self.call_conv);
                sig.params.extend([AbiParam::new(types::I64); 3]);
                sig.returns.push(AbiParam::new(types::I32));
                let id = self
                    .module
                    .declare_function(&sym, Linkage::Import, &sig)
                    .map_err(|_| {
                        CompileError::new(format!("import `{name}` conflicts with another symbol"))
                    })?;
                self.host_ids.insert(name.to_string(), id);
                id
            }
        };
        Ok(self.module.declare_func_in_func(id, b.func))
    }
}
