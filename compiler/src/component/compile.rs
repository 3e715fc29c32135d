//! Compiling a component to one object: every instantiated core module
//! (compiled once, whatever its number of instances), one trampoline per
//! lowered function or built-in, the host entries of the root exports, and
//! the [`ComponentDesc`] that runtime-support instantiates from.

use super::adapter::{Gen, RtCall};
use super::calls::{
    call_host, call_lifted, call_through_host, lowered_io, lowered_type, zeros, Args, Results,
};
use super::emitter::{func_needs_async, host_side, side_of, Emitter};
use super::front::{self, FuncType};
use super::intercept::{self, Site, Sites};
use super::plan::{self, Lifted, Trampoline};
use super::types::{flatten_functype, Context as AbiContext, CoreType, PtrType, ValType};
use super::ExportFunc;
use crate::compile::{define_functions, CompileOptions, PhaseTimer};
use crate::emit::data::{define_data, DataBuf};
use crate::emit::{new_object, ObjectWriter};
use crate::error::{CompileError, Result};
use crate::libcalls::EntryCall;
use crate::symbols;
use crate::translate::wasm_signature;
use cranelift_codegen::ir::{
    condcodes::IntCC, types, AbiParam, InstBuilder, MemFlagsData, Signature, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataId, FuncId, Linkage, Module};
use std::collections::HashMap;
use wacc_abi::component::{ComponentLayout, FLAG_MAY_LEAVE, NEEDS_ARGS, NEEDS_RESULT};
use wacc_abi::{self as abi, TrapCode};

/// A compiled component: the object, its root exports and its typed C
/// interface (`super::header`).
pub struct CompiledComponent {
    pub object: Vec<u8>,
    pub exports: Vec<ExportFunc>,
    pub header: String,
}

/// Compile a component binary to one relocatable object.
pub fn compile_component(wasm: &[u8], opts: &CompileOptions) -> Result<CompiledComponent> {
    let timer = PhaseTimer::from_env();
    let parsed = front::parse(wasm)?;
    let plan = plan::plan(wasm, &parsed)?;
    let sites = Sites::all(&plan, opts.policy.as_deref())?;
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
    let (value_offsets, values_size) = super::values::value_slots(&plan);
    let layout = ComponentLayout::new(
        plan.instances.len() as u32,
        plan.trampolines.len() as u32,
        plan.memories.len() as u32,
        plan.num_cinst,
        values_size,
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
        value_offsets,
        value_ids: HashMap::new(),
        name_ids: HashMap::new(),
        sites: &sites,
        ctx: Context::new(),
        fctx: FunctionBuilderContext::new(),
    };
    e.declare_trampolines()?;
    for t in 0..plan.trampolines.len() {
        e.define_trampoline(t)?;
    }
    let mut starts = vec![];
    for (i, s) in plan.starts.iter().enumerate() {
        starts.push(e.define_start(i, s)?);
    }
    let desc = e.emit_desc(&module_descs, &starts)?;
    let exports = e.emit_exports()?;
    e.emit_value_exports()?;
    let intercept = sites.emit_desc(&mut e)?;
    e.emit_instantiate(desc, intercept, plan.unsatisfiable.is_some())?;
    // The header's link-time check: one byte under the interface's hash.
    define_data(
        &mut e.module,
        DataBuf::zeroed(1, 1),
        Some(&super::header::abi_symbol(&opts.prefix, &plan)),
    )?;
    let header = super::header::component_header(&opts.prefix, &plan, &opts.prefix, &sites);
    timer.phase("trampolines and entries");
    let mut product = e.module.finish();
    for id in e.host_ids.values() {
        let sym = product.function_symbol(*id);
        product.object.symbol_mut(sym).weak = true;
    }
    for id in e.value_ids.values() {
        let sym = product.data_symbol(*id);
        product.object.symbol_mut(sym).weak = true;
    }
    let object = product
        .emit()
        .map_err(|e| CompileError::new(format!("writing the object failed: {e}")))?;
    Ok(CompiledComponent {
        object,
        exports,
        header,
    })
}

/// What a typed host entry runs: one export entry with its
/// [`entry_needs`], or (`P_call`) the one an index selects from a table of
/// `ENTRY_ROW`-byte rows (entry pointer, needs).
#[derive(Clone, Copy)]
enum EntryTarget {
    Direct(FuncId, u32),
    Table(DataId, u32),
}

const ENTRY_ROW: usize = 16;

/// Which of its `args` and `result` pointers an export's entry uses
/// (`NEEDS_ARGS`, `NEEDS_RESULT`): those that hold bytes.
fn entry_needs(ty: &FuncType) -> u32 {
    let mut needs = 0;
    let params: Vec<ValType> = ty.params.iter().map(|(_, t)| t.clone()).collect();
    if ValType::Tuple(params).elem_size(PtrType::I64) > 0 {
        needs |= NEEDS_ARGS;
    }
    if ty
        .result
        .as_ref()
        .is_some_and(|t| t.elem_size(PtrType::I64) > 0)
    {
        needs |= NEEDS_RESULT;
    }
    needs
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

impl Emitter<'_> {
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
        let e_sites = self.sites;
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
                    let site = e_sites.of_trampoline(t);
                    if let Some((i, s)) = site.filter(|(_, s)| intercept::denies(s)) {
                        intercept::begin(&mut g, i, s);
                        intercept::deny_now(&mut g, i);
                    }
                    let (args, res) = lowered_io(&mut g, &callee.ty, &caller, flat)?;
                    match site {
                        Some(site) if intercept::needs_values(site.1) => {
                            call_through_host(&mut g, callee, &caller, args, res, site)?
                        }
                        Some((i, s)) => {
                            let a = intercept::begin(&mut g, i, s);
                            let zero = g.iconst64(0);
                            let out = call_lifted(&mut g, callee, &caller, args, res)?;
                            intercept::after(&mut g, &a, zero, zero);
                            intercept::done(&mut g);
                            out
                        }
                        None => call_lifted(&mut g, callee, &caller, args, res)?,
                    }
                }
                Trampoline::HostImport {
                    name,
                    ty,
                    opts,
                    cinst,
                } => {
                    let caller = side_of(opts, *cinst);
                    g.check_flag(caller.cinst, FLAG_MAY_LEAVE, TrapCode::CannotLeave);
                    let site = e_sites.of_trampoline(t);
                    if let Some((i, s)) = site.filter(|(_, s)| intercept::denies(s)) {
                        intercept::begin(&mut g, i, s);
                        intercept::deny_now(&mut g, i);
                    }
                    let (args, res) = lowered_io(&mut g, ty, &caller, flat)?;
                    call_host(&mut g, name, ty, &caller, args, res, site)?
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
                    match e_sites.of_trampoline(t) {
                        Some(site) => intercepted_builtin(&mut g, call, &[c, r], flat[0].0, site),
                        None => g.rt(call, &[c, r, flat[0].0]),
                    }
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
                Trampoline::Unsupported {
                    cinst,
                    checks_leave,
                    ..
                } => {
                    if *checks_leave {
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
    pub(super) fn define_host_entry(
        &mut self,
        name: &str,
        l: &Lifted,
        site: Option<(u32, &Site)>,
    ) -> Result<FuncId> {
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
            } else if let Some(site) = site {
                intercepted_export(&mut g, l, args, results, site)?;
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

    fn emit_exports(&mut self) -> Result<Vec<ExportFunc>> {
        let plan = self.plan;
        let mut entries = vec![];
        let mut out = vec![];
        for (i, (name, l)) in plan.exports.iter().enumerate() {
            let site = self.sites.of_export(i);
            let entry =
                self.define_host_entry(&format!("{}_export_entry{i}", self.prefix), l, site)?;
            let needs = entry_needs(&l.ty);
            entries.push((entry, needs));
            // Typed symbol: P_export_<name>(ctx, args, results) -> trap code
            let sym = symbols::export_entry(&self.prefix, name);
            self.define_typed_entry(&sym, EntryTarget::Direct(entry, needs))?;
            out.push(ExportFunc {
                name: name.clone(),
                params: l.ty.params.clone(),
                result: l.ty.result.clone(),
            });
        }
        // Dynamic entry: P_call(ctx, index, args, results) -> trap code,
        // through a table of (entry, needs) pairs.
        let table = {
            let mut buf = DataBuf::zeroed(ENTRY_ROW * entries.len(), 8);
            for (i, (f, needs)) in entries.iter().enumerate() {
                buf.put_func(ENTRY_ROW * i, *f);
                buf.put_u32(ENTRY_ROW * i + 8, *needs);
            }
            define_data(&mut self.module, buf, None)?
        };
        let sym = symbols::dynamic_call(&self.prefix);
        self.define_typed_entry(&sym, EntryTarget::Table(table, entries.len() as u32))?;
        Ok(out)
    }

    /// `fn(ctx, [index,] args, results) -> u32`: runs an entry for the host
    /// through `wacc_rt_component_call`, which checks the context and the
    /// pointers the entry's `needs` name, resets the host arena and runs it
    /// under a landing pad.
    fn define_typed_entry(&mut self, sym: &str, target: EntryTarget) -> Result<()> {
        let mut sig = Signature::new(self.call_conv);
        sig.params.push(AbiParam::new(types::I64));
        if matches!(target, EntryTarget::Table(..)) {
            sig.params.push(AbiParam::new(types::I32));
        }
        sig.params.push(AbiParam::new(types::I64));
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I32));
        let id = self
            .module
            .declare_function(sym, Linkage::Export, &sig)
            .map_err(Self::err)?;
        let call = self.declare_entry_call(EntryCall::ComponentCall)?;
        self.define(id, sig, |e, b, ps| {
            let ctx = ps[0];
            let (args, results) = (ps[ps.len() - 2], ps[ps.len() - 1]);
            let (entry, needs) = match target {
                EntryTarget::Direct(f, needs) => {
                    let r = e.module.declare_func_in_func(f, b.func);
                    let addr = b.ins().func_addr(types::I64, r);
                    (addr, b.ins().iconst(types::I32, needs as i64))
                }
                EntryTarget::Table(data, n) => {
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
                    let off = b.ins().imul_imm_u(i, ENTRY_ROW as i64);
                    let at = b.ins().iadd(base, off);
                    let f = MemFlagsData::trusted();
                    (
                        b.ins().load(types::I64, f, at, 0),
                        b.ins().load(types::I32, f, at, 8),
                    )
                }
            };
            let c = e.module.declare_func_in_func(call, b.func);
            let call = b.ins().call(c, &[ctx, entry, args, results, needs]);
            let code = b.inst_results(call)[0];
            b.ins().return_(&[code]);
            Ok(())
        })
    }

    /// `P_instantiate(store, out_ctx)`; a component with an import the host
    /// cannot provide, or whose imported values the host does not define,
    /// reports it as unresolved.
    fn emit_instantiate(
        &mut self,
        desc: DataId,
        intercept: Option<DataId>,
        unsatisfiable: bool,
    ) -> Result<()> {
        let mut sig = Signature::new(self.call_conv);
        sig.params.push(AbiParam::new(types::I64));
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I32));
        let id = self
            .module
            .declare_function(&symbols::instantiate(&self.prefix), Linkage::Export, &sig)
            .map_err(Self::err)?;
        let rt = self.declare_entry_call(match intercept {
            None => EntryCall::ComponentInstantiate,
            Some(_) => EntryCall::ComponentInstantiateIntercepted,
        })?;
        self.define(id, sig, |e, b, ps| {
            let unresolved = |b: &mut FunctionBuilder| {
                let c = b
                    .ins()
                    .iconst(types::I32, TrapCode::UnresolvedImport as i64);
                b.ins().return_(&[c]);
            };
            if unsatisfiable {
                unresolved(b);
                return Ok(());
            }
            if let Some(missing) = e.value_import_missing(b)? {
                let fail = b.create_block();
                let ok = b.create_block();
                b.ins().brif(missing, fail, &[], ok, &[]);
                b.switch_to_block(fail);
                unresolved(b);
                b.switch_to_block(ok);
            }
            let gv = e.module.declare_data_in_func(desc, b.func);
            let d = b.ins().symbol_value(types::I64, gv);
            let f = e.module.declare_func_in_func(rt, b.func);
            let mut args = vec![ps[0], d, ps[1]];
            if let Some(i) = intercept {
                let gv = e.module.declare_data_in_func(i, b.func);
                args.push(b.ins().symbol_value(types::I64, gv));
            }
            let call = b.ins().call(f, &args);
            let code = b.inst_results(call)[0];
            b.ins().return_(&[code]);
            Ok(())
        })
    }
}

/// A host entry's call of export `l` at an intercepted site: the arguments
/// are copied into the arena (a hook may rewrite them there, not in the
/// host's buffer), then the site runs around the call.
fn intercepted_export(
    g: &mut Gen<'_, '_, super::emitter::Emitter<'_>>,
    l: &Lifted,
    args: Value,
    results: Value,
    (i, site): (u32, &Site),
) -> Result<()> {
    let mut active = intercept::begin(g, i, site);
    if intercept::denies(site) {
        intercept::deny_now(g, i);
    }
    let tuple = super::emitter::params_tuple(&l.ty);
    let size = tuple.elem_size(PtrType::I64);
    let args = if intercept::needs_values(site) && size > 0 {
        let n = g.iconst64(size as i64);
        let copy = g.alloc(
            &host_side(),
            n,
            tuple.alignment(PtrType::I64),
            false,
            TrapCode::OutOfMemory,
        )?;
        g.rt(RtCall::Memcpy, &[copy, args, n]);
        copy
    } else {
        args
    };
    intercept::before(g, &mut active, args, results);
    if site.decision.deny.is_some() {
        intercept::write_error(g, site, results)?;
    } else {
        call_lifted(g, l, &host_side(), Args::Mem(args), Results::Mem(results))?;
    }
    intercept::after(g, &active, args, results);
    intercept::done(g);
    Ok(())
}

/// A resource built-in `call(fixed.., value)` at an intercepted site: its
/// operand and result (u32 each) are the argument record and result the
/// site sees, in a stack slot.
fn intercepted_builtin(
    g: &mut Gen<'_, '_, super::emitter::Emitter<'_>>,
    call: RtCall,
    fixed: &[Value],
    value: Value,
    (i, site): (u32, &Site),
) -> Vec<Value> {
    use cranelift_codegen::ir::{StackSlotData, StackSlotKind};
    let mut active = intercept::begin(g, i, site);
    if intercept::denies(site) {
        intercept::deny_now(g, i);
    }
    let slot =
        g.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 2));
    let args = g.b.ins().stack_addr(types::I64, slot, 0);
    let result = g.b.ins().stack_addr(types::I64, slot, 4);
    let f = MemFlagsData::trusted();
    g.b.ins().store(f, value, args, 0);
    intercept::before(g, &mut active, args, result);
    let value = g.b.ins().load(types::I32, f, args, 0);
    let mut all = fixed.to_vec();
    all.push(value);
    let out = g.rt(call, &all);
    if let Some(v) = out.first() {
        g.b.ins().store(f, *v, result, 0);
    }
    intercept::after(g, &active, args, result);
    intercept::done(g);
    out.iter()
        .map(|_| g.b.ins().load(types::I32, f, result, 0))
        .collect()
}
