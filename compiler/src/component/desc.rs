//! The component descriptor (`P_cdesc`): the static instantiation plan as
//! data for `wacc_rt_component_instantiate` (runtime-support
//! `abi/component.rs`).

use super::adapter::Env;
use super::emitter::{valtype_codes, Emitter};
use super::plan::{self, CoreFunc};
use crate::emit::data::{define_data, DataBuf};
use crate::error::{CompileError, Result};
use cranelift_module::{DataId, FuncId, Module};
use std::mem::{offset_of, size_of};
use wacc_abi::component::{
    ComponentDesc, CoreInstanceDesc, InitStep, ItemRef, ResourceDesc, TrampolineDesc,
    SOURCE_INSTANCE, SOURCE_TRAMPOLINE, STEP_CALL, STEP_CORE_INSTANCE,
};
use wacc_abi::{kind, Str, ABI_VERSION};

impl Emitter<'_> {
    pub(super) fn emit_desc(
        &mut self,
        module_descs: &[Option<DataId>],
        starts: &[FuncId],
    ) -> Result<DataId> {
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
                    | plan::CoreDef::Global(x)
                    | plan::CoreDef::Tag(x) => ItemRef {
                        kind: match d {
                            plan::CoreDef::Table(_) => kind::TABLE,
                            plan::CoreDef::Memory(_) => kind::MEMORY,
                            plan::CoreDef::Tag(_) => kind::TAG,
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
        u32f!(isa, crate::emit::desc::isa_bits(self.module.isa()));
        u32f!(num_instances, plan.instances.len());
        u32f!(values_size, self.layout.size - self.layout.values);
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
}
