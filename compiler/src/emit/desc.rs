//! The module descriptor (`abi::ModuleDesc`, symbol `<prefix>_desc`): the
//! shape of an instance (vmctx layout, limits) and the metadata hosts read
//! (imports, exports, signatures).

use super::data::{Blob, DataBuf};
use super::{LinkSymbol, ObjectWriter};
use crate::environ::{valtype_code, BoundsChecks, CodegenOptions, ElemItem, ModuleInfo};
use crate::error::Result;
use crate::symbols;
use core::mem::{offset_of, size_of};
use cranelift_module::{DataId, FuncId, Module};
use wacc_abi::{self as abi, ExportDesc, ImportDesc, ModuleDesc, SigDesc, Str};

/// Writes `Str { ptr, len }` fields pointing into the blob.
struct StrWriter {
    blob: DataId,
}

impl StrWriter {
    fn put(&self, buf: &mut DataBuf, at: usize, (off, len): (usize, usize)) {
        if len > 0 {
            buf.put_data(at + offset_of!(Str, ptr), self.blob, off);
        }
        buf.put_u64(at + offset_of!(Str, len), len as u64);
    }
}

impl ObjectWriter {
    pub(super) fn emit_desc(
        &mut self,
        info: &ModuleInfo,
        init: FuncId,
        codegen: CodegenOptions,
    ) -> Result<DataId> {
        // All byte strings first: names, signatures, data segments.
        let mut blob = Blob::new();
        let mut add = |s: &[u8]| (blob.add(s), s.len());
        let sigs: Vec<_> = info
            .types
            .iter()
            .map(|t| {
                let p: Vec<u8> = t.params().iter().map(|v| valtype_code(*v)).collect();
                let r: Vec<u8> = t.results().iter().map(|v| valtype_code(*v)).collect();
                (add(&p), add(&r))
            })
            .collect();
        let imports: Vec<_> = info
            .imports
            .iter()
            .map(|i| (add(i.module.as_bytes()), add(i.name.as_bytes())))
            .collect();
        let exports: Vec<_> = info
            .exports
            .iter()
            .map(|e| add(e.name.as_bytes()))
            .collect();
        let data: Vec<_> = info.data.iter().map(|d| add(&d.bytes)).collect();
        let strs = StrWriter {
            blob: self.define_blob(blob)?,
        };

        let types = {
            let sz = size_of::<SigDesc>();
            let mut b = DataBuf::zeroed(sz * sigs.len(), 8);
            for (i, (p, r)) in sigs.into_iter().enumerate() {
                strs.put(&mut b, i * sz + offset_of!(SigDesc, params), p);
                strs.put(&mut b, i * sz + offset_of!(SigDesc, results), r);
            }
            self.define_data(b, None)?
        };

        let func_types = {
            let mut b = DataBuf::zeroed(4 * info.funcs.len(), 4);
            for (i, t) in info.funcs.iter().enumerate() {
                b.put_u32(4 * i, *t);
            }
            self.define_data(b, None)?
        };
        let func_ptrs = {
            let mut b = DataBuf::zeroed(8 * info.funcs.len(), 8);
            for f in info.num_imported_funcs as usize..info.funcs.len() {
                b.put_func(8 * f, self.func_ids[f]);
            }
            self.define_data(b, None)?
        };
        let array_calls = {
            let mut b = DataBuf::zeroed(8 * info.funcs.len(), 8);
            for (f, t) in self.array_calls.iter().enumerate() {
                if let Some(t) = t {
                    b.put_func(8 * f, *t);
                }
            }
            self.define_data(b, None)?
        };

        let defined_memories = &info.memories[info.num_imported_memories as usize..];
        let memories = {
            let sz = size_of::<abi::MemoryDesc>();
            let mut b = DataBuf::zeroed(sz * defined_memories.len(), 8);
            for (i, m) in defined_memories.iter().enumerate() {
                b.put_u64(i * sz + offset_of!(abi::MemoryDesc, min_pages), m.min_pages);
                b.put_u64(
                    i * sz + offset_of!(abi::MemoryDesc, max_pages),
                    m.max_pages.unwrap_or(u64::MAX),
                );
            }
            self.define_data(b, None)?
        };

        let defined_tables = &info.tables[info.num_imported_tables as usize..];
        let tables = {
            let sz = size_of::<abi::TableDesc>();
            let mut b = DataBuf::zeroed(sz * defined_tables.len(), 8);
            // A 64-bit table's limits past u32::MAX saturate: such a minimum
            // fails instantiation (out of memory), such a maximum is none.
            let sat = |v: u64| v.min(u32::MAX as u64) as u32;
            for (i, t) in defined_tables.iter().enumerate() {
                b.put_u32(i * sz + offset_of!(abi::TableDesc, min), sat(t.min));
                b.put_u32(
                    i * sz + offset_of!(abi::TableDesc, max),
                    t.max.map_or(u32::MAX, sat),
                );
                b.put_u32(
                    i * sz + offset_of!(abi::TableDesc, elem_kind),
                    elem_kind(t.elem),
                );
            }
            self.define_data(b, None)?
        };

        let data_descs = {
            let sz = size_of::<Str>();
            let mut b = DataBuf::zeroed(sz * data.len(), 8);
            for (i, d) in data.into_iter().enumerate() {
                strs.put(&mut b, i * sz, d);
            }
            self.define_data(b, None)?
        };

        let elems = {
            let mut items = DataBuf::zeroed(
                4 * info.elems.iter().map(|e| e.items.len()).sum::<usize>(),
                4,
            );
            let mut offsets = Vec::new();
            let mut at = 0;
            for e in &info.elems {
                offsets.push(at);
                for item in &e.items {
                    items.put_u32(
                        at,
                        match *item {
                            ElemItem::Func(f) => f,
                            ElemItem::Null => abi::ELEM_ITEM_NULL,
                            ElemItem::Global(g) => abi::ELEM_ITEM_GLOBAL | g,
                        },
                    );
                    at += 4;
                }
            }
            let items = self.define_data(items, None)?;
            let sz = size_of::<abi::ElemDesc>();
            let mut b = DataBuf::zeroed(sz * info.elems.len(), 8);
            for (i, e) in info.elems.iter().enumerate() {
                if !e.items.is_empty() {
                    b.put_data(i * sz + offset_of!(abi::ElemDesc, items), items, offsets[i]);
                }
                b.put_u32(
                    i * sz + offset_of!(abi::ElemDesc, len),
                    e.items.len() as u32,
                );
            }
            self.define_data(b, None)?
        };

        let import_descs = {
            let sz = size_of::<ImportDesc>();
            let mut b = DataBuf::zeroed(sz * info.imports.len(), 8);
            for (i, (imp, (m, n))) in info.imports.iter().zip(imports).enumerate() {
                let at = i * sz;
                strs.put(&mut b, at + offset_of!(ImportDesc, module), m);
                strs.put(&mut b, at + offset_of!(ImportDesc, name), n);
                b.put_u32(at + offset_of!(ImportDesc, kind), imp.kind);
                b.put_u32(at + offset_of!(ImportDesc, index), imp.index);
                let link = at + offset_of!(ImportDesc, link_symbol);
                match self.link_symbols[i] {
                    Some(LinkSymbol::Func(f)) => b.put_func(link, f),
                    Some(LinkSymbol::Data(d)) => b.put_data(link, d, 0),
                    None => {}
                }
            }
            self.define_data(b, None)?
        };

        let export_descs = {
            let sz = size_of::<ExportDesc>();
            let mut b = DataBuf::zeroed(sz * info.exports.len(), 8);
            for (i, (e, name)) in info.exports.iter().zip(exports).enumerate() {
                strs.put(&mut b, i * sz + offset_of!(ExportDesc, name), name);
                b.put_u32(i * sz + offset_of!(ExportDesc, kind), e.kind);
                b.put_u32(i * sz + offset_of!(ExportDesc, index), e.index);
            }
            self.define_data(b, None)?
        };

        let code = self.emit_code_desc(info)?;

        let l = &info.layout.regions;
        let mut d = DataBuf::zeroed(size_of::<ModuleDesc>(), 8);
        macro_rules! u32f {
            ($field:ident, $v:expr) => {
                d.put_u32(offset_of!(ModuleDesc, $field), $v as u32)
            };
        }
        macro_rules! ptrf {
            ($field:ident, $id:expr) => {
                d.put_data(offset_of!(ModuleDesc, $field), $id, 0)
            };
        }
        u32f!(abi_version, abi::ABI_VERSION);
        u32f!(isa, isa_bits(self.module.isa()));
        let explicit = codegen.bounds_checks == BoundsChecks::Explicit;
        u32f!(
            flags,
            if explicit {
                abi::DESC_FLAG_EXPLICIT_BOUNDS
            } else {
                0
            }
        );
        u32f!(vmctx_size, l.size);
        u32f!(num_types, info.types.len());
        ptrf!(types, types);
        u32f!(off_type_ids, l.type_ids);
        u32f!(num_funcs, info.funcs.len());
        u32f!(num_imported_funcs, info.num_imported_funcs);
        ptrf!(func_types, func_types);
        ptrf!(func_ptrs, func_ptrs);
        ptrf!(array_calls, array_calls);
        u32f!(off_funcrefs, l.funcrefs);
        u32f!(num_memories, info.memories.len());
        u32f!(num_imported_memories, info.num_imported_memories);
        u32f!(off_memory_ptrs, l.memory_ptrs);
        u32f!(off_memories, l.memories);
        ptrf!(memories, memories);
        u32f!(num_tables, info.tables.len());
        u32f!(num_imported_tables, info.num_imported_tables);
        u32f!(off_table_ptrs, l.table_ptrs);
        u32f!(off_tables, l.tables);
        ptrf!(tables, tables);
        u32f!(num_globals, info.globals.len());
        u32f!(num_imported_globals, info.num_imported_globals);
        u32f!(off_global_ptrs, l.global_ptrs);
        u32f!(off_globals, l.globals);
        u32f!(num_data, info.data.len());
        ptrf!(data, data_descs);
        u32f!(off_data_dropped, l.data_dropped);
        u32f!(num_elems, info.elems.len());
        ptrf!(elems, elems);
        u32f!(off_elem_dropped, l.elem_dropped);
        u32f!(num_tags, info.tags.len());
        u32f!(num_imported_tags, info.num_imported_tags);
        u32f!(off_tags, l.tags);
        ptrf!(code, code);
        u32f!(num_imports, info.imports.len());
        ptrf!(imports, import_descs);
        u32f!(num_exports, info.exports.len());
        ptrf!(exports, export_descs);
        d.put_func(offset_of!(ModuleDesc, init), init);
        let name = symbols::desc(&self.prefix);
        self.define_data(d, Some(&name))
    }
}

impl ObjectWriter {
    /// The unwinder's table of this module's code (`abi::CodeDesc`),
    /// writable: the runtime links registered tables through it.
    fn emit_code_desc(&mut self, info: &ModuleInfo) -> Result<DataId> {
        use abi::{CodeDesc, FuncFrame, HandlerSite, SavedReg};
        let num_sites: usize = self.frames.iter().map(|f| f.sites.len()).sum();
        let num_saves: usize = self.frames.iter().map(|f| f.saves.len()).sum();
        let mut sites = DataBuf::zeroed(size_of::<HandlerSite>() * num_sites, 4);
        let mut saves = DataBuf::zeroed(size_of::<SavedReg>() * num_saves, 4);
        let mut funcs = DataBuf::zeroed(size_of::<FuncFrame>() * self.frames.len(), 8);
        let (mut site, mut save) = (0, 0);
        for (i, f) in self.frames.iter().enumerate() {
            let at = i * size_of::<FuncFrame>();
            funcs.put_func(
                at + offset_of!(FuncFrame, addr),
                self.func_ids[f.func as usize],
            );
            funcs.put_u32(at + offset_of!(FuncFrame, len), f.len);
            funcs.put_u32(at + offset_of!(FuncFrame, first_site), site as u32);
            funcs.put_u32(at + offset_of!(FuncFrame, first_save), save as u32);
            // u16 counts: a prologue saves at most a few dozen registers.
            let n = u16::try_from(f.sites.len()).map_err(|_| {
                crate::error::CompileError::new(
                    "more than 65535 calls inside try_table in one function",
                )
                .in_func(f.func)
            })?;
            funcs.put_u16(at + offset_of!(FuncFrame, num_sites), n);
            funcs.put_u16(at + offset_of!(FuncFrame, num_saves), f.saves.len() as u16);
            let mut list = f.sites.clone();
            list.sort_unstable();
            for (ret, handler) in list {
                let sa = site * size_of::<HandlerSite>();
                sites.put_u32(sa + offset_of!(HandlerSite, ret), ret);
                sites.put_u32(sa + offset_of!(HandlerSite, handler), handler);
                site += 1;
            }
            for &(slot, offset) in &f.saves {
                let sa = save * size_of::<SavedReg>();
                saves.put_u32(sa + offset_of!(SavedReg, slot), slot);
                saves.put_u32(sa + offset_of!(SavedReg, offset), offset as u32);
                save += 1;
            }
        }
        let num_funcs = self.frames.len();
        let sites = self.define_data(sites, None)?;
        let saves = self.define_data(saves, None)?;
        let funcs = self.define_data(funcs, None)?;
        let mut c = DataBuf::zeroed(size_of::<CodeDesc>(), 8).writable();
        let first = info.num_imported_funcs as usize;
        if let (Some(first_id), Some((last, len))) = (self.func_ids.get(first), self.last_code) {
            c.put_func(offset_of!(CodeDesc, start), *first_id);
            c.put_func(offset_of!(CodeDesc, last), self.func_ids[last as usize]);
            c.put_u32(offset_of!(CodeDesc, last_len), len);
        }
        c.put_u32(offset_of!(CodeDesc, num_funcs), num_funcs as u32);
        c.put_data(offset_of!(CodeDesc, funcs), funcs, 0);
        c.put_data(offset_of!(CodeDesc, sites), sites, 0);
        c.put_data(offset_of!(CodeDesc, saves), saves, 0);
        self.define_data(c, None)
    }
}

fn elem_kind(t: wasmparser::RefType) -> u32 {
    if t.is_func_ref() || matches!(t.heap_type(), wasmparser::HeapType::Concrete(_)) {
        0
    } else {
        1
    }
}

/// The descriptor's `isa` field: the CPU features the code depends on
/// (every enabled ISA flag that needs one, see `Target::feature_of_flag`,
/// and what the architecture implies) as bits of the runtime's list for
/// the architecture, checked before instantiation.
pub(crate) fn isa_bits(isa: &dyn cranelift_codegen::isa::TargetIsa) -> u32 {
    use wacc_targets::{Architecture, Target};
    let names = match isa.triple().architecture {
        Architecture::X86_64 => abi::isa::X86_64,
        Architecture::Aarch64(_) => abi::isa::AARCH64,
        Architecture::Riscv64(_) => abi::isa::RISCV64,
        _ => &[],
    };
    let target = Target {
        triple: isa.triple().clone(),
        extra_flags: Vec::new(),
        cpu: "baseline",
    };
    let enabled = isa.isa_flags();
    let flags = enabled
        .iter()
        .filter(|v| v.as_bool() == Some(true))
        .filter_map(|v| Target::feature_of_flag(v.name));
    target
        .implied_features()
        .iter()
        .copied()
        .chain(flags)
        .map(|r| {
            names
                .iter()
                .position(|n| *n == r)
                .unwrap_or_else(|| panic!("runtime has no CPU feature `{r}`"))
        })
        .fold(0, |bits, i| bits | 1 << i)
}

#[cfg(test)]
mod tests {
    /// Every target's requirements have a bit in the runtime's list.
    #[test]
    fn every_requirement_is_known_to_the_runtime() {
        for t in wacc_targets::SUPPORTED {
            let target = wacc_targets::Target::parse(t).unwrap();
            let bits = super::isa_bits(&*target.isa(true).unwrap());
            assert_ne!(bits, 0, "{t}");
            for level in ["x86-64-v3", "rv64gcv"] {
                if let Ok(more) = target.clone().with_cpu(level) {
                    let more = super::isa_bits(&*more.isa(true).unwrap());
                    assert_eq!(more & bits, bits, "{t} {level}");
                    assert_ne!(more, bits, "{t} {level}");
                }
            }
        }
    }
}
