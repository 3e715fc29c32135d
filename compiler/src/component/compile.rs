//! Compiling a component to one object: every instantiated core module
//! (compiled once, whatever its number of instances), one trampoline per
//! lowered function or built-in, the host entries of the root exports, and
//! the [`ComponentDesc`] that runtime-support instantiates from.

use super::adapter::{ir_type, Dst, Env, Gen, MemRef, RtCall, Side, Src};
use super::front::{self, FuncType, StringEncoding};
use super::plan::{self, CoreFunc, Lifted, Plan, Trampoline, HOST};
use super::types::{flatten_functype, Context as AbiContext, CoreType, PtrType, ValType};
use super::ExportFunc;
use crate::compile::{define_functions, CompileOptions, PhaseTimer};
use crate::emit::data::{define_data, DataBuf};
use crate::emit::{module_err, new_object, ObjectWriter};
use crate::error::{CompileError, Result};
use crate::symbols;
use crate::translate::wasm_signature;
use cranelift_codegen::ir::{
    condcodes::IntCC, types, AbiParam, FuncRef, Function, InstBuilder, MemFlagsData, Signature,
    StackSlotData, StackSlotKind, UserFuncName, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataId, FuncId, Linkage, Module};
use cranelift_object::ObjectModule;
use std::collections::HashMap;
use std::mem::{offset_of, size_of};
use wacc_runtime_support::abi::component::{
    ComponentDesc, ComponentLayout, CoreInstanceDesc, InitStep, ItemRef, ResourceDesc,
    TrampolineDesc, FLAG_MAY_ENTER, FLAG_MAY_LEAVE, SOURCE_INSTANCE, SOURCE_TRAMPOLINE, STEP_CALL,
    STEP_CORE_INSTANCE,
};
use wacc_runtime_support::abi::{self, kind, Str, TrapCode, ABI_VERSION};

/// A compiled component: the object and its root exports.
pub struct CompiledComponent {
    pub object: Vec<u8>,
    pub exports: Vec<ExportFunc>,
}

/// Compile a component binary to one relocatable object.
pub fn compile_component(wasm: &[u8], opts: &CompileOptions) -> Result<CompiledComponent> {
    let timer = PhaseTimer::from_env();
    let parsed = front::parse(wasm)?;
    let plan = plan::plan(wasm, &parsed)?;
    timer.phase("component front end");
    let isa = opts
        .target
        .isa(opts.codegen.optimize)
        .map_err(|e| CompileError::new(format!("{e:#}")))?;
    let mut module = new_object(isa.clone(), &opts.prefix)?;

    // Core modules, each once.
    let mut module_funcs: Vec<Vec<FuncId>> = vec![vec![]; plan.modules.len()];
    let mut module_descs: Vec<Option<DataId>> = vec![None; plan.modules.len()];
    for (m, info) in plan.modules.iter().enumerate() {
        let Some(info) = info else { continue };
        let prefix = format!("{}_m{m}", opts.prefix);
        let w = ObjectWriter::in_module(module, info, &prefix, false)?;
        let bytes = &wasm[plan.module_ranges[m].clone()];
        let mut w = define_functions(w, info, bytes, &*isa, opts, &timer)?;
        module_descs[m] = Some(w.emit_descriptor(info, opts.codegen)?);
        module_funcs[m] = w.func_ids().to_vec();
        module = w.into_module();
    }

    let call_conv = isa.default_call_conv();
    let layout = ComponentLayout::new(
        plan.instances.len() as u32,
        plan.trampolines.len() as u32,
        plan.memories.len() as u32,
        plan.num_cinst,
    );
    let mut e = Emitter {
        module,
        call_conv,
        prefix: opts.prefix.clone(),
        plan: &plan,
        layout,
        module_funcs,
        tramp_ids: vec![],
        tramp_sigs: vec![],
        rt_ids: HashMap::new(),
        host_ids: HashMap::new(),
        ctx: Context::new(),
        fctx: FunctionBuilderContext::new(),
    };
    e.declare_trampolines()?;
    for t in 0..plan.trampolines.len() {
        e.define_trampoline(t)?;
    }
    let mut starts = vec![];
    for (i, l) in plan.starts.iter().enumerate() {
        starts.push(e.define_start(i, l)?);
    }
    let desc = e.emit_desc(&module_descs, &starts)?;
    let exports = e.emit_exports()?;
    e.emit_instantiate(desc, plan.unsatisfiable.is_some())?;
    timer.phase("trampolines and entries");
    let mut product = e.module.finish();
    for id in e.host_ids.values() {
        let sym = product.function_symbol(*id);
        product.object.symbol_mut(sym).weak = true;
    }
    let object = product
        .emit()
        .map_err(|e| CompileError::new(format!("writing the object failed: {e}")))?;
    Ok(CompiledComponent { object, exports })
}

/// The core signature of a lowered function (what the caller's core code
/// imports).
fn lowered_sig(ty: &FuncType) -> (Vec<CoreType>, Vec<CoreType>) {
    let params: Vec<ValType> = ty.params.iter().map(|(_, t)| t.clone()).collect();
    let results: Vec<ValType> = ty.result.iter().cloned().collect();
    flatten_functype(&params, &results, PtrType::I32, AbiContext::Lower)
}

fn wasm_type(t: CoreType) -> wasmparser::ValType {
    match t {
        CoreType::I32 => wasmparser::ValType::I32,
        CoreType::I64 => wasmparser::ValType::I64,
        CoreType::F32 => wasmparser::ValType::F32,
        CoreType::F64 => wasmparser::ValType::F64,
    }
}

fn core_sig(params: &[CoreType], results: &[CoreType], call_conv: CallConv) -> Signature {
    let ft = wasmparser::FuncType::new(
        params.iter().map(|t| wasm_type(*t)),
        results.iter().map(|t| wasm_type(*t)),
    );
    wasm_signature(&ft, call_conv)
}

fn valtype_codes(ts: &[CoreType]) -> Vec<u8> {
    ts.iter()
        .map(|t| match t {
            CoreType::I32 => abi::valtype::I32,
            CoreType::I64 => abi::valtype::I64,
            CoreType::F32 => abi::valtype::F32,
            CoreType::F64 => abi::valtype::F64,
        })
        .collect()
}

fn params_tuple(ty: &FuncType) -> ValType {
    ValType::Tuple(ty.params.iter().map(|(_, t)| t.clone()).collect())
}

fn has_borrow(t: &ValType) -> bool {
    t.contains(&|t| matches!(t, ValType::Borrow(_)))
}

/// True if the type needs the async ABI (streams, futures, error contexts):
/// functions over such types compile to a trap.
fn needs_async(t: &ValType) -> bool {
    t.contains(&|t| matches!(t, ValType::Stream | ValType::Future | ValType::ErrorContext))
}

fn func_needs_async(ty: &FuncType) -> bool {
    ty.params.iter().any(|(_, t)| needs_async(t)) || ty.result.as_ref().is_some_and(needs_async)
}

fn host_side() -> Side {
    Side {
        memory: None,
        realloc: None,
        encoding: StringEncoding::Utf8,
        cinst: HOST,
        ptr: PtrType::I64,
    }
}

fn side_of(o: &plan::ResolvedOptions, cinst: u32) -> Side {
    Side {
        memory: o.memory,
        realloc: o.realloc,
        encoding: o.encoding,
        cinst,
        ptr: PtrType::I32,
    }
}

struct Emitter<'p> {
    module: ObjectModule,
    call_conv: CallConv,
    prefix: String,
    plan: &'p Plan,
    layout: ComponentLayout,
    module_funcs: Vec<Vec<FuncId>>,
    tramp_ids: Vec<FuncId>,
    tramp_sigs: Vec<(Vec<CoreType>, Vec<CoreType>)>,
    rt_ids: HashMap<RtCall, FuncId>,
    host_ids: HashMap<String, FuncId>,
    ctx: Context,
    fctx: FunctionBuilderContext,
}

/// How arguments reach a lifted function and where its result goes.
enum Args {
    /// flat core values of the caller
    Flat(Vec<(Value, CoreType)>),
    /// a tuple in the caller's memory
    Mem(Value),
}

enum Results {
    /// return flat core values to the caller
    Flat,
    /// store into the caller's memory at this offset
    Mem(Value),
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
    fn err(e: cranelift_module::ModuleError) -> CompileError {
        module_err(e)
    }

    /// Build and define a function; `body` gets the builder in the entry
    /// block and the parameters and must terminate the block.
    fn define(
        &mut self,
        id: FuncId,
        sig: Signature,
        body: impl FnOnce(&mut Self, &mut FunctionBuilder, &[Value]) -> Result<()>,
    ) -> Result<()> {
        let mut func = Function::with_name_signature(UserFuncName::user(0, id.as_u32()), sig);
        let mut fctx = std::mem::take(&mut self.fctx);
        {
            let mut b = FunctionBuilder::new(&mut func, &mut fctx);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            b.seal_block(entry);
            let params = b.block_params(entry).to_vec();
            body(self, &mut b, &params)?;
            b.seal_all_blocks();
            b.finalize(self.module.isa().frontend_config());
        }
        self.fctx = fctx;
        self.ctx.func = func;
        self.module
            .define_function(id, &mut self.ctx)
            .map_err(|e| match e {
                cranelift_module::ModuleError::Compilation(c) => CompileError::new(format!(
                    "code generation failed for a component trampoline: {c:?}"
                )),
                e => Self::err(e),
            })?;
        self.ctx.clear();
        Ok(())
    }

    fn declare_trampolines(&mut self) -> Result<()> {
        for (i, t) in self.plan.trampolines.iter().enumerate() {
            let (params, results) = match t {
                Trampoline::Adapter { callee, .. } => lowered_sig(&callee.ty),
                Trampoline::HostImport { ty, .. } => lowered_sig(ty),
                Trampoline::ResourceNew { .. } | Trampoline::ResourceRep { .. } => {
                    (vec![CoreType::I32], vec![CoreType::I32])
                }
                Trampoline::ResourceDrop { .. } => (vec![CoreType::I32], vec![]),
                Trampoline::ContextGet(_) => (vec![], vec![CoreType::I32]),
                Trampoline::ContextSet(_) => (vec![CoreType::I32], vec![]),
                Trampoline::Unsupported {
                    params, results, ..
                } => (params.clone(), results.clone()),
            };
            let sig = core_sig(&params, &results, self.call_conv);
            let name = format!("{}_trampoline{i}", self.prefix);
            let id = self
                .module
                .declare_function(&name, Linkage::Local, &sig)
                .map_err(Self::err)?;
            self.tramp_ids.push(id);
            self.tramp_sigs.push((params, results));
        }
        Ok(())
    }

    fn define_trampoline(&mut self, t: usize) -> Result<()> {
        let (params, results) = self.tramp_sigs[t].clone();
        let sig = core_sig(&params, &results, self.call_conv);
        let plan = self.plan;
        let id = self.tramp_ids[t];
        self.define(id, sig, |e, b, ps| {
            let ctx = ps[0];
            let flat: Vec<(Value, CoreType)> = ps[1..]
                .iter()
                .copied()
                .zip(params.iter().copied())
                .collect();
            let mut g = Gen::new(b, e, ctx);
            let out = match &plan.trampolines[t] {
                Trampoline::Adapter { .. } | Trampoline::HostImport { .. }
                    if lowered_type(&plan.trampolines[t]).is_some_and(func_needs_async) =>
                {
                    g.trap_now(TrapCode::AsyncUnsupported);
                    zeros(&mut g, &results)
                }
                Trampoline::Adapter {
                    caller,
                    caller_cinst,
                    callee,
                } => {
                    let caller = side_of(caller, *caller_cinst);
                    g.check_flag(caller.cinst, FLAG_MAY_LEAVE, TrapCode::CannotLeave);
                    let (args, res) = lowered_io(&mut g, &callee.ty, &caller, flat)?;
                    call_lifted(&mut g, callee, &caller, args, res)?
                }
                Trampoline::HostImport {
                    name,
                    ty,
                    opts,
                    cinst,
                } => {
                    let caller = side_of(opts, *cinst);
                    g.check_flag(caller.cinst, FLAG_MAY_LEAVE, TrapCode::CannotLeave);
                    let (args, res) = lowered_io(&mut g, ty, &caller, flat)?;
                    call_host(&mut g, name, ty, &caller, args, res)?
                }
                Trampoline::ResourceNew { resource, cinst }
                | Trampoline::ResourceRep { resource, cinst }
                | Trampoline::ResourceDrop { resource, cinst } => {
                    let call = match &plan.trampolines[t] {
                        Trampoline::ResourceNew { .. } => RtCall::ResourceNew,
                        Trampoline::ResourceRep { .. } => RtCall::ResourceRep,
                        _ => RtCall::ResourceDrop,
                    };
                    let c = g.iconst32(*cinst);
                    let r = g.iconst32(*resource);
                    g.rt(call, &[c, r, flat[0].0])
                }
                Trampoline::ContextGet(slot) | Trampoline::ContextSet(slot) => {
                    let off = (g.env.layout.task_context + 4 * slot) as i32;
                    let f = MemFlagsData::trusted();
                    if let Some((v, _)) = flat.first() {
                        g.b.ins().store(f, *v, ctx, off);
                        vec![]
                    } else {
                        vec![g.b.ins().load(types::I32, f, ctx, off)]
                    }
                }
                Trampoline::Unsupported { cinst, name, .. } => {
                    // Task-local state and backpressure never leave the instance.
                    let stays = name.starts_with("Context") || name.starts_with("Backpressure");
                    if !stays {
                        g.check_flag(*cinst, FLAG_MAY_LEAVE, TrapCode::CannotLeave);
                    }
                    g.trap_now(TrapCode::AsyncUnsupported);
                    zeros(&mut g, &results)
                }
            };
            g.b.ins().return_(&out);
            g.finish();
            Ok(())
        })
    }

    /// The array-call shaped entry `fn(ctx, values)` running lifted function
    /// `l` for the host: values[0] = args, values[1] = results (native layout).
    fn define_host_entry(&mut self, name: &str, l: &Lifted) -> Result<FuncId> {
        let mut sig = Signature::new(self.call_conv);
        sig.params.push(AbiParam::new(types::I64));
        sig.params.push(AbiParam::new(types::I64));
        let id = self
            .module
            .declare_function(name, Linkage::Local, &sig)
            .map_err(Self::err)?;
        self.define(id, sig, |e, b, ps| {
            let (ctx, values) = (ps[0], ps[1]);
            let f = MemFlagsData::trusted();
            let args = b.ins().load(types::I64, f, values, 0);
            let results = b.ins().load(types::I64, f, values, abi::VALRAW_SIZE as i32);
            let mut g = Gen::new(b, e, ctx);
            if func_needs_async(&l.ty) {
                g.trap_now(TrapCode::AsyncUnsupported);
            } else {
                call_lifted(
                    &mut g,
                    l,
                    &host_side(),
                    Args::Mem(args),
                    Results::Mem(results),
                )?;
            }
            g.b.ins().return_(&[]);
            g.finish();
            Ok(())
        })?;
        Ok(id)
    }

    fn define_start(&mut self, i: usize, l: &Lifted) -> Result<FuncId> {
        if !l.ty.params.is_empty() {
            return Err(CompileError::new(
                "component start functions with parameters are not supported",
            ));
        }
        let entry = self.define_host_entry(&format!("{}_start_entry{i}", self.prefix), l)?;
        let mut sig = Signature::new(self.call_conv);
        sig.params.push(AbiParam::new(types::I64));
        let id = self
            .module
            .declare_function(&format!("{}_start{i}", self.prefix), Linkage::Local, &sig)
            .map_err(Self::err)?;
        let size =
            l.ty.result
                .as_ref()
                .map_or(0, |t| t.elem_size(PtrType::I64));
        self.define(id, sig, |e, b, ps| {
            let ctx = ps[0];
            let slot = b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                2 * abi::VALRAW_SIZE + size.max(8),
                4,
            ));
            let vals = b.ins().stack_addr(types::I64, slot, 0);
            let res = b
                .ins()
                .stack_addr(types::I64, slot, 2 * abi::VALRAW_SIZE as i32);
            b.ins().store(MemFlagsData::trusted(), vals, vals, 0);
            b.ins()
                .store(MemFlagsData::trusted(), res, vals, abi::VALRAW_SIZE as i32);
            let f = e.module.declare_func_in_func(entry, b.func);
            b.ins().call(f, &[ctx, vals]);
            b.ins().return_(&[]);
            Ok(())
        })?;
        Ok(id)
    }

    fn emit_exports(&mut self) -> Result<Vec<ExportFunc>> {
        let plan = self.plan;
        let mut entries = vec![];
        let mut out = vec![];
        for (i, (name, l)) in plan.exports.iter().enumerate() {
            let entry = self.define_host_entry(&format!("{}_export_entry{i}", self.prefix), l)?;
            entries.push(entry);
            // Typed symbol: P_export_<name>(ctx, args, results) -> trap code
            let sym = symbols::export_entry(&self.prefix, name);
            self.define_typed_entry(&sym, Some(entry), None)?;
            out.push(ExportFunc {
                name: name.clone(),
                params: l.ty.params.clone(),
                result: l.ty.result.clone(),
            });
        }
        // Dynamic entry: P_call(ctx, index, args, results) -> trap code
        let table = {
            let mut buf = DataBuf::zeroed(8 * entries.len(), 8);
            for (i, f) in entries.iter().enumerate() {
                buf.put_func(8 * i, *f);
            }
            define_data(&mut self.module, buf, None)?
        };
        let sym = symbols::dynamic_call(&self.prefix);
        self.define_typed_entry(&sym, None, Some((table, entries.len() as u32)))?;
        Ok(out)
    }

    /// `fn(ctx, [index,] args, results) -> u32`: resets the host arena and
    /// runs an entry under a landing pad (`wacc_rt_invoke`).
    fn define_typed_entry(
        &mut self,
        sym: &str,
        entry: Option<FuncId>,
        table: Option<(DataId, u32)>,
    ) -> Result<()> {
        let mut sig = Signature::new(self.call_conv);
        sig.params.push(AbiParam::new(types::I64));
        if table.is_some() {
            sig.params.push(AbiParam::new(types::I32));
        }
        sig.params.push(AbiParam::new(types::I64));
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I32));
        let id = self
            .module
            .declare_function(sym, Linkage::Export, &sig)
            .map_err(Self::err)?;
        let invoke_sig = crate::emit::entry_signature(crate::emit::Entry::Invoke, self.call_conv);
        let invoke = self
            .module
            .declare_function("wacc_rt_invoke", Linkage::Import, &invoke_sig)
            .map_err(Self::err)?;
        let mut reset_sig = Signature::new(self.call_conv);
        reset_sig.params.push(AbiParam::new(types::I64));
        let reset = self
            .module
            .declare_function("wacc_rt_host_reset", Linkage::Import, &reset_sig)
            .map_err(Self::err)?;
        self.define(id, sig, |e, b, ps| {
            let ctx = ps[0];
            let (args, results) = (ps[ps.len() - 2], ps[ps.len() - 1]);
            let target = match (entry, table) {
                (Some(f), _) => {
                    let r = e.module.declare_func_in_func(f, b.func);
                    b.ins().func_addr(types::I64, r)
                }
                (None, Some((data, n))) => {
                    let index = ps[1];
                    let bad =
                        b.ins()
                            .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, index, n as i64);
                    let fail = b.create_block();
                    let ok = b.create_block();
                    b.ins().brif(bad, fail, &[], ok, &[]);
                    b.switch_to_block(fail);
                    let c = b
                        .ins()
                        .iconst(types::I32, TrapCode::InstantiationFailed as i64);
                    b.ins().return_(&[c]);
                    b.switch_to_block(ok);
                    let gv = e.module.declare_data_in_func(data, b.func);
                    let base = b.ins().symbol_value(types::I64, gv);
                    let i = b.ins().uextend(types::I64, index);
                    let off = b.ins().imul_imm_u(i, 8);
                    let at = b.ins().iadd(base, off);
                    b.ins().load(types::I64, MemFlagsData::trusted(), at, 0)
                }
                _ => unreachable!(),
            };
            let r = e.module.declare_func_in_func(reset, b.func);
            b.ins().call(r, &[ctx]);
            let slot = b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                2 * abi::VALRAW_SIZE,
                4,
            ));
            let vals = b.ins().stack_addr(types::I64, slot, 0);
            b.ins().store(MemFlagsData::trusted(), args, vals, 0);
            b.ins().store(
                MemFlagsData::trusted(),
                results,
                vals,
                abi::VALRAW_SIZE as i32,
            );
            let inv = e.module.declare_func_in_func(invoke, b.func);
            let call = b.ins().call(inv, &[ctx, target, vals]);
            let code = b.inst_results(call)[0];
            b.ins().return_(&[code]);
            Ok(())
        })
    }

    /// `P_instantiate(store, out_ctx)`; a component with an import the host
    /// cannot provide reports it as unresolved.
    fn emit_instantiate(&mut self, desc: DataId, unsatisfiable: bool) -> Result<()> {
        let mut sig = Signature::new(self.call_conv);
        sig.params.push(AbiParam::new(types::I64));
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I32));
        let id = self
            .module
            .declare_function(&symbols::instantiate(&self.prefix), Linkage::Export, &sig)
            .map_err(Self::err)?;
        let mut rt_sig = Signature::new(self.call_conv);
        rt_sig.params.extend([AbiParam::new(types::I64); 3]);
        rt_sig.returns.push(AbiParam::new(types::I32));
        let rt = self
            .module
            .declare_function("wacc_rt_component_instantiate", Linkage::Import, &rt_sig)
            .map_err(Self::err)?;
        self.define(id, sig, |e, b, ps| {
            if unsatisfiable {
                let c = b
                    .ins()
                    .iconst(types::I32, TrapCode::UnresolvedImport as i64);
                b.ins().return_(&[c]);
                return Ok(());
            }
            let gv = e.module.declare_data_in_func(desc, b.func);
            let d = b.ins().symbol_value(types::I64, gv);
            let f = e.module.declare_func_in_func(rt, b.func);
            let call = b.ins().call(f, &[ps[0], d, ps[1]]);
            let code = b.inst_results(call)[0];
            b.ins().return_(&[code]);
            Ok(())
        })
    }

    fn emit_desc(&mut self, module_descs: &[Option<DataId>], starts: &[FuncId]) -> Result<DataId> {
        let plan = self.plan;
        let item = |buf: &mut DataBuf, at: usize, r: ItemRef| {
            buf.put_u32(at + offset_of!(ItemRef, kind), r.kind);
            buf.put_u32(at + offset_of!(ItemRef, source), r.source);
            buf.put_u32(at + offset_of!(ItemRef, instance), r.instance);
            buf.put_u32(at + offset_of!(ItemRef, index), r.index);
        };
        let isz = size_of::<ItemRef>();
        // Core instances and their imports.
        let mut inst_buf = DataBuf::zeroed(size_of::<CoreInstanceDesc>() * plan.instances.len(), 8);
        for (k, inst) in plan.instances.iter().enumerate() {
            let mut ib = DataBuf::zeroed(isz * inst.imports.len(), 4);
            for (j, d) in inst.imports.iter().enumerate() {
                let r = match d {
                    plan::CoreDef::Func(CoreFunc::Defined { instance, index }) => ItemRef {
                        kind: kind::FUNC,
                        source: SOURCE_INSTANCE,
                        instance: *instance,
                        index: *index,
                    },
                    plan::CoreDef::Func(CoreFunc::Trampoline(t)) => ItemRef {
                        kind: kind::FUNC,
                        source: SOURCE_TRAMPOLINE,
                        instance: 0,
                        index: *t,
                    },
                    plan::CoreDef::Table(x)
                    | plan::CoreDef::Memory(x)
                    | plan::CoreDef::Global(x) => ItemRef {
                        kind: match d {
                            plan::CoreDef::Table(_) => kind::TABLE,
                            plan::CoreDef::Memory(_) => kind::MEMORY,
                            _ => kind::GLOBAL,
                        },
                        source: SOURCE_INSTANCE,
                        instance: x.instance,
                        index: x.index,
                    },
                };
                item(&mut ib, j * isz, r);
            }
            let imports = define_data(&mut self.module, ib, None)?;
            let at = k * size_of::<CoreInstanceDesc>();
            let mdesc = module_descs[inst.module]
                .ok_or_else(|| CompileError::new("internal error: module not compiled"))?;
            inst_buf.put_data(at + offset_of!(CoreInstanceDesc, module), mdesc, 0);
            inst_buf.put_data(at + offset_of!(CoreInstanceDesc, imports), imports, 0);
            inst_buf.put_u32(
                at + offset_of!(CoreInstanceDesc, num_imports),
                inst.imports.len() as u32,
            );
        }
        let instances = define_data(&mut self.module, inst_buf, None)?;

        // Trampolines with their core signatures.
        let mut sigbytes = vec![];
        let mut offsets = vec![];
        for (p, r) in &self.tramp_sigs {
            let (pc, rc) = (valtype_codes(p), valtype_codes(r));
            offsets.push((
                sigbytes.len(),
                pc.len(),
                sigbytes.len() + pc.len(),
                rc.len(),
            ));
            sigbytes.extend(pc);
            sigbytes.extend(rc);
        }
        let blob = {
            let mut b = DataBuf::zeroed(sigbytes.len().max(1), 1);
            b.bytes[..sigbytes.len()].copy_from_slice(&sigbytes);
            define_data(&mut self.module, b, None)?
        };
        let tsz = size_of::<TrampolineDesc>();
        let mut tb = DataBuf::zeroed(tsz * self.tramp_ids.len(), 8);
        for (i, id) in self.tramp_ids.iter().enumerate() {
            let at = i * tsz;
            tb.put_func(at + offset_of!(TrampolineDesc, func), *id);
            let (po, pl, ro, rl) = offsets[i];
            let s = offset_of!(TrampolineDesc, params);
            tb.put_data(at + s + offset_of!(Str, ptr), blob, po);
            tb.put_u64(at + s + offset_of!(Str, len), pl as u64);
            let s = offset_of!(TrampolineDesc, results);
            tb.put_data(at + s + offset_of!(Str, ptr), blob, ro);
            tb.put_u64(at + s + offset_of!(Str, len), rl as u64);
        }
        let trampolines = define_data(&mut self.module, tb, None)?;

        let mut mb = DataBuf::zeroed(isz * plan.memories.len(), 4);
        for (i, m) in plan.memories.iter().enumerate() {
            item(
                &mut mb,
                i * isz,
                ItemRef {
                    kind: kind::MEMORY,
                    source: SOURCE_INSTANCE,
                    instance: m.instance,
                    index: m.index,
                },
            );
        }
        let memories = define_data(&mut self.module, mb, None)?;

        let rsz = size_of::<ResourceDesc>();
        let mut rb = DataBuf::zeroed(rsz * plan.resources.len(), 8);
        for (i, r) in plan.resources.iter().enumerate() {
            let at = i * rsz;
            rb.put_u32(
                at + offset_of!(ResourceDesc, owner),
                self.table_index(r.owner),
            );
            match r.dtor {
                Some(CoreFunc::Defined { instance, index }) => {
                    let m = plan.instances[instance as usize].module;
                    rb.put_u32(at + offset_of!(ResourceDesc, dtor_instance), instance);
                    rb.put_func(
                        at + offset_of!(ResourceDesc, dtor),
                        self.module_funcs[m][index as usize],
                    );
                }
                Some(CoreFunc::Trampoline(t)) => {
                    rb.put_u32(at + offset_of!(ResourceDesc, dtor_instance), u32::MAX);
                    rb.put_func(
                        at + offset_of!(ResourceDesc, dtor),
                        self.tramp_ids[t as usize],
                    );
                }
                None => {
                    rb.put_u32(at + offset_of!(ResourceDesc, dtor_instance), u32::MAX);
                    if let Some(name) = &r.host_name {
                        // The host learns of drops through `[resource-drop]NAME`.
                        let (iface, res) = name.rsplit_once('#').unwrap_or(("", name));
                        let f = self.host_dtor(&format!("{iface}#[resource-drop]{res}"))?;
                        rb.put_func(at + offset_of!(ResourceDesc, dtor), f);
                    }
                }
            }
        }
        let resources = define_data(&mut self.module, rb, None)?;

        let ssz = size_of::<InitStep>();
        let mut sb = DataBuf::zeroed(ssz * plan.steps.len(), 4);
        for (i, s) in plan.steps.iter().enumerate() {
            let (k, index) = match s {
                plan::Step::CoreInstance(k) => (STEP_CORE_INSTANCE, *k),
                plan::Step::Start(j) => (STEP_CALL, *j),
            };
            sb.put_u32(i * ssz + offset_of!(InitStep, kind), k);
            sb.put_u32(i * ssz + offset_of!(InitStep, index), index);
        }
        let steps = define_data(&mut self.module, sb, None)?;
        let mut cb = DataBuf::zeroed(8 * starts.len(), 8);
        for (i, f) in starts.iter().enumerate() {
            cb.put_func(8 * i, *f);
        }
        let calls = define_data(&mut self.module, cb, None)?;

        let mut d = DataBuf::zeroed(size_of::<ComponentDesc>(), 8);
        macro_rules! u32f {
            ($f:ident, $v:expr) => {
                d.put_u32(offset_of!(ComponentDesc, $f), $v as u32)
            };
        }
        macro_rules! ptrf {
            ($f:ident, $v:expr) => {
                d.put_data(offset_of!(ComponentDesc, $f), $v, 0)
            };
        }
        u32f!(abi_version, ABI_VERSION);
        u32f!(num_instances, plan.instances.len());
        ptrf!(instances, instances);
        u32f!(num_trampolines, self.tramp_ids.len());
        u32f!(num_memories, plan.memories.len());
        ptrf!(trampolines, trampolines);
        ptrf!(memories, memories);
        u32f!(num_component_instances, plan.num_cinst);
        u32f!(num_resources, plan.resources.len());
        ptrf!(resources, resources);
        u32f!(num_steps, plan.steps.len());
        u32f!(num_calls, starts.len());
        ptrf!(steps, steps);
        ptrf!(calls, calls);
        let name = format!("{}_cdesc", self.prefix);
        define_data(&mut self.module, d, Some(&name))
    }

    /// The weak symbol `void (void *ctx, uint32_t rep)` told when a guest
    /// drops a host resource.
    fn host_dtor(&mut self, name: &str) -> Result<FuncId> {
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
    fn host_func(&mut self, b: &mut FunctionBuilder, name: &str) -> Result<FuncRef> {
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

/// The function type a lowering trampoline lowers.
fn lowered_type(t: &Trampoline) -> Option<&FuncType> {
    match t {
        Trampoline::Adapter { callee, .. } => Some(&callee.ty),
        Trampoline::HostImport { ty, .. } => Some(ty),
        _ => None,
    }
}

fn zeros<E: Env>(g: &mut Gen<'_, '_, E>, types: &[CoreType]) -> Vec<Value> {
    types
        .iter()
        .map(|t| match t {
            CoreType::I32 => g.iconst32(0),
            CoreType::I64 => g.iconst64(0),
            CoreType::F32 => g.b.ins().f32const(0.0),
            CoreType::F64 => g.b.ins().f64const(0.0),
        })
        .collect()
}

/// Where a lowered function's arguments come from and its result goes,
/// from the caller's core parameters.
fn lowered_io<E: Env>(
    g: &mut Gen<'_, '_, E>,
    ty: &FuncType,
    caller: &Side,
    mut flat: Vec<(Value, CoreType)>,
) -> Result<(Args, Results)> {
    let tuple = params_tuple(ty);
    let n_params = tuple.flatten(PtrType::I32).len();
    let n_results = ty
        .result
        .as_ref()
        .map_or(0, |t| t.flatten(PtrType::I32).len());
    let results = if n_results > super::types::MAX_FLAT_RESULTS {
        let (p, _) = flat.pop().unwrap();
        let p = g.b.ins().uextend(types::I64, p);
        let t = ty.result.as_ref().unwrap();
        let size = g.iconst64(t.elem_size(PtrType::I32) as i64);
        g.check_range(
            caller,
            p,
            size,
            t.alignment(PtrType::I32),
            TrapCode::MemoryOutOfBounds,
        );
        Results::Mem(p)
    } else {
        Results::Flat
    };
    let args = if n_params > super::types::MAX_FLAT_PARAMS {
        let p = g.b.ins().uextend(types::I64, flat[0].0);
        let size = g.iconst64(tuple.elem_size(PtrType::I32) as i64);
        g.check_range(
            caller,
            p,
            size,
            tuple.alignment(PtrType::I32),
            TrapCode::MemoryOutOfBounds,
        );
        Args::Mem(p)
    } else {
        Args::Flat(flat)
    };
    Ok((args, results))
}

fn args_src(args: Args) -> Src {
    match args {
        Args::Flat(vals) => Src::Flat { vals, pos: 0 },
        Args::Mem(p) => Src::Mem(MemRef { off: p, k: 0 }),
    }
}

/// Calls lifted function `l` from `caller` (a guest's lowered import or
/// the host): lowers the arguments into the callee, calls its core
/// function directly, lifts the result back, runs post-return. Returns the
/// flat values for `Results::Flat`.
fn call_lifted<E: Env>(
    g: &mut Gen<'_, '_, E>,
    l: &Lifted,
    caller: &Side,
    args: Args,
    results: Results,
) -> Result<Vec<Value>> {
    let callee = side_of(&l.opts, l.cinst);
    g.check_flag(l.cinst, FLAG_MAY_ENTER, TrapCode::CannotEnter);
    g.set_flag(l.cinst, FLAG_MAY_ENTER, false);
    // A new task: fresh task-local storage, the caller's restored after.
    let saved = g.env.task_context_slots().map(|offs| {
        let f = MemFlagsData::trusted();
        offs.iter()
            .map(|off| {
                let v = g.b.ins().load(types::I32, f, g.ctx, *off);
                let z = g.iconst32(0);
                g.b.ins().store(f, z, g.ctx, *off);
                (v, *off)
            })
            .collect::<Vec<_>>()
    });
    let tuple = params_tuple(&l.ty);
    let scope = if has_borrow(&tuple) {
        let c = g.iconst32(g.env.table_index(l.cinst));
        Some(g.rt(RtCall::CallBegin, &[c])[0])
    } else {
        None
    };

    // Arguments into the callee.
    let mut src = args_src(args);
    let core_args: Vec<Value> =
        if tuple.flatten(PtrType::I32).len() <= super::types::MAX_FLAT_PARAMS {
            let mut dst = Dst::Flat(vec![]);
            g.transfer(&tuple, &mut src, caller, &mut dst, &callee)?;
            let Dst::Flat(v) = dst else { unreachable!() };
            v.into_iter().map(|(v, _)| v).collect()
        } else {
            let size = g.iconst64(tuple.elem_size(PtrType::I32) as i64);
            let p = g.alloc(
                &callee,
                size,
                tuple.alignment(PtrType::I32),
                caller.is_host(),
                TrapCode::MemoryOutOfBounds,
            )?;
            g.transfer(
                &tuple,
                &mut src,
                caller,
                &mut Dst::Mem(MemRef { off: p, k: 0 }),
                &callee,
            )?;
            vec![g.b.ins().ireduce(types::I32, p)]
        };

    let (f, vmctx) = g.env.core_func(g.b, g.ctx, l.core)?;
    let mut all = vec![vmctx];
    all.extend(core_args);
    let call = g.b.ins().call(f, &all);
    let core_results = g.b.inst_results(call).to_vec();

    // The result back to the caller.
    let mut out = vec![];
    if let Some(rt) = &l.ty.result {
        let flat_types = rt.flatten(PtrType::I32);
        let mut rsrc = if flat_types.len() <= super::types::MAX_FLAT_RESULTS {
            Src::Flat {
                vals: core_results.iter().copied().zip(flat_types).collect(),
                pos: 0,
            }
        } else {
            let p = g.b.ins().uextend(types::I64, core_results[0]);
            let size = g.iconst64(rt.elem_size(PtrType::I32) as i64);
            g.check_range(
                &callee,
                p,
                size,
                rt.alignment(PtrType::I32),
                TrapCode::MemoryOutOfBounds,
            );
            Src::Mem(MemRef { off: p, k: 0 })
        };
        match results {
            Results::Flat => {
                let mut dst = Dst::Flat(vec![]);
                g.transfer(rt, &mut rsrc, &callee, &mut dst, caller)?;
                let Dst::Flat(v) = dst else { unreachable!() };
                out = v.into_iter().map(|(v, _)| v).collect();
            }
            Results::Mem(p) => {
                g.transfer(
                    rt,
                    &mut rsrc,
                    &callee,
                    &mut Dst::Mem(MemRef { off: p, k: 0 }),
                    caller,
                )?;
            }
        }
    }

    if let Some(pr) = l.opts.post_return {
        let (f, vmctx) = g.env.core_func(g.b, g.ctx, pr)?;
        let mut all = vec![vmctx];
        all.extend(core_results);
        g.set_flag(l.cinst, FLAG_MAY_LEAVE, false);
        g.b.ins().call(f, &all);
        g.set_flag(l.cinst, FLAG_MAY_LEAVE, true);
    }
    g.set_flag(l.cinst, FLAG_MAY_ENTER, true);
    for (v, off) in saved.into_iter().flatten() {
        g.b.ins().store(MemFlagsData::trusted(), v, g.ctx, off);
    }
    if let Some(s) = scope {
        g.rt(RtCall::CallEnd, &[s]);
    }
    Ok(out)
}

/// Calls root import `name` (a host function over native layouts).
fn call_host(
    g: &mut Gen<'_, '_, Emitter<'_>>,
    name: &str,
    ty: &FuncType,
    caller: &Side,
    args: Args,
    results: Results,
) -> Result<Vec<Value>> {
    let host = host_side();
    let tuple = params_tuple(ty);
    let size = g.iconst64(tuple.elem_size(PtrType::I64) as i64);
    let a = g.alloc(
        &host,
        size,
        tuple.alignment(PtrType::I64),
        false,
        TrapCode::OutOfMemory,
    )?;
    let mut src = args_src(args);
    g.transfer(
        &tuple,
        &mut src,
        caller,
        &mut Dst::Mem(MemRef { off: a, k: 0 }),
        &host,
    )?;
    let (rsize, ralign) = ty.result.as_ref().map_or((0, 1), |t| {
        (t.elem_size(PtrType::I64), t.alignment(PtrType::I64))
    });
    let rs = g.iconst64(rsize as i64);
    let r = g.alloc(&host, rs, ralign, false, TrapCode::OutOfMemory)?;
    let f = g.env.host_func(g.b, name)?;
    let addr = g.b.ins().func_addr(types::I64, f);
    let missing = g.b.ins().icmp_imm_u(IntCC::Equal, addr, 0);
    g.trap_if(missing, TrapCode::UnresolvedImport);
    let call = g.b.ins().call(f, &[g.ctx, a, r]);
    let code = g.b.inst_results(call)[0];
    let failed = g.b.create_block();
    let ok = g.b.create_block();
    g.b.ins().brif(code, failed, &[], ok, &[]);
    g.b.switch_to_block(failed);
    g.b.seal_block(failed);
    g.rt(RtCall::Trap, &[code]);
    g.b.ins()
        .trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
    g.b.switch_to_block(ok);
    g.b.seal_block(ok);
    let mut out = vec![];
    if let Some(rt) = &ty.result {
        let mut rsrc = Src::Mem(MemRef { off: r, k: 0 });
        match results {
            Results::Flat => {
                let mut dst = Dst::Flat(vec![]);
                g.transfer(rt, &mut rsrc, &host, &mut dst, caller)?;
                let Dst::Flat(v) = dst else { unreachable!() };
                out = v.into_iter().map(|(v, _)| v).collect();
            }
            Results::Mem(p) => {
                g.transfer(
                    rt,
                    &mut rsrc,
                    &host,
                    &mut Dst::Mem(MemRef { off: p, k: 0 }),
                    caller,
                )?;
            }
        }
    }
    let _ = ir_type;
    Ok(out)
}
