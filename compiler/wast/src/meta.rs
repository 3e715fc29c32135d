//! What the runner needs to know about a core module to instantiate it and
//! call its exports: index spaces with their types, imports and exports.
//! Read from the module binary (the compiler's own reading stays inside the
//! compiler), so a worker and a foreign-target executor learn the same.

use wacc_abi::kind;
use wasmparser::{
    CompositeInnerType, ExternalKind, FuncType, Parser, Payload, RefType, TypeRef, ValType,
    ValidPayload, Validator, WasmFeatures,
};

#[derive(Clone, Debug)]
pub struct MemoryInfo {
    pub min_pages: u64,
    pub max_pages: Option<u64>,
    pub memory64: bool,
    pub shared: bool,
    pub imported: bool,
}

#[derive(Clone, Debug)]
pub struct TableInfo {
    pub elem: RefType,
    pub min: u64,
    pub max: Option<u64>,
    /// 64-bit index type
    pub table64: bool,
    pub imported: bool,
}

#[derive(Clone, Debug)]
pub struct Import {
    pub module: String,
    pub name: String,
    /// `wacc_abi::kind`
    pub kind: u32,
    /// index in that kind's index space
    pub index: u32,
}

#[derive(Clone, Debug)]
pub struct Export {
    pub name: String,
    /// `wacc_abi::kind`
    pub kind: u32,
    pub index: u32,
}

/// A module's index spaces (imported items first) and its interface.
#[derive(Debug, Clone, Default)]
pub struct ModuleMeta {
    /// signature of every function
    pub func_types: Vec<FuncType>,
    /// type and mutability of every global
    pub globals: Vec<(ValType, bool)>,
    pub memories: Vec<MemoryInfo>,
    pub tables: Vec<TableInfo>,
    /// type of every tag
    pub tags: Vec<FuncType>,
    /// per tag: its type's identity (`typekey`), which tag imports match
    pub tag_keys: Vec<String>,
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
}

fn memory(t: &wasmparser::MemoryType, imported: bool) -> MemoryInfo {
    MemoryInfo {
        min_pages: t.initial,
        max_pages: t.maximum,
        memory64: t.memory64,
        shared: t.shared,
        imported,
    }
}

fn table(t: &wasmparser::TableType, imported: bool) -> TableInfo {
    TableInfo {
        elem: t.element_type,
        min: t.initial,
        max: t.maximum,
        table64: t.table64,
        imported,
    }
}

impl ModuleMeta {
    /// Read a core module binary, validating its sections (function bodies
    /// are the compiler's to check).
    pub fn read(wasm: &[u8]) -> Result<ModuleMeta, String> {
        Self::read_sections(wasm).map_err(|e| e.to_string())
    }

    fn read_sections(wasm: &[u8]) -> Result<ModuleMeta, Box<dyn std::error::Error>> {
        let mut validator = Validator::new_with_features(WasmFeatures::default());
        let mut types: Vec<FuncType> = vec![];
        // type index per function and per tag
        let (mut funcs, mut tags) = (vec![], vec![]);
        let mut m = ModuleMeta::default();
        for payload in Parser::new(0).parse_all(wasm) {
            let payload = payload?;
            if let Payload::Version { encoding, .. } = &payload {
                if *encoding != wasmparser::Encoding::Module {
                    return Err("expected a core module, found a component".into());
                }
            }
            match validator.payload(&payload)? {
                ValidPayload::End(_) => break,
                ValidPayload::Func(..) => continue,
                _ => {}
            }
            match payload {
                Payload::TypeSection(r) => {
                    for group in r {
                        for sub in group?.into_types() {
                            match sub.composite_type.inner {
                                CompositeInnerType::Func(f) => types.push(f),
                                _ => return Err("struct and array types are not supported".into()),
                            }
                        }
                    }
                }
                Payload::ImportSection(r) => {
                    for imp in r.into_imports() {
                        let imp = imp?;
                        let (kind, index) = match imp.ty {
                            TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                                funcs.push(t);
                                (kind::FUNC, funcs.len())
                            }
                            TypeRef::Table(t) => {
                                m.tables.push(table(&t, true));
                                (kind::TABLE, m.tables.len())
                            }
                            TypeRef::Memory(t) => {
                                m.memories.push(memory(&t, true));
                                (kind::MEMORY, m.memories.len())
                            }
                            TypeRef::Global(g) => {
                                m.globals.push((g.content_type, g.mutable));
                                (kind::GLOBAL, m.globals.len())
                            }
                            TypeRef::Tag(t) => {
                                tags.push(t.func_type_idx);
                                (kind::TAG, tags.len())
                            }
                        };
                        m.imports.push(Import {
                            module: imp.module.to_string(),
                            name: imp.name.to_string(),
                            kind,
                            index: index as u32 - 1,
                        });
                    }
                }
                Payload::FunctionSection(r) => {
                    for t in r {
                        funcs.push(t?);
                    }
                }
                Payload::TableSection(r) => {
                    for t in r {
                        m.tables.push(table(&t?.ty, false));
                    }
                }
                Payload::MemorySection(r) => {
                    for t in r {
                        m.memories.push(memory(&t?, false));
                    }
                }
                Payload::TagSection(r) => {
                    for t in r {
                        tags.push(t?.func_type_idx);
                    }
                }
                Payload::GlobalSection(r) => {
                    for g in r {
                        let g = g?;
                        m.globals.push((g.ty.content_type, g.ty.mutable));
                    }
                }
                Payload::ExportSection(r) => {
                    for e in r {
                        let e = e?;
                        let kind = match e.kind {
                            ExternalKind::Func | ExternalKind::FuncExact => kind::FUNC,
                            ExternalKind::Table => kind::TABLE,
                            ExternalKind::Memory => kind::MEMORY,
                            ExternalKind::Global => kind::GLOBAL,
                            ExternalKind::Tag => kind::TAG,
                        };
                        m.exports.push(Export {
                            name: e.name.to_string(),
                            kind,
                            index: e.index,
                        });
                    }
                }
                _ => {}
            }
        }
        let ty = |t: u32| {
            types
                .get(t as usize)
                .cloned()
                .ok_or("type index out of range")
        };
        m.func_types = funcs.iter().map(|&t| ty(t)).collect::<Result<_, _>>()?;
        m.tags = tags.iter().map(|&t| ty(t)).collect::<Result<_, _>>()?;
        let type_keys = super::typekey::type_keys(wasm);
        m.tag_keys = tags
            .iter()
            .map(|t| type_keys.get(*t as usize).cloned().unwrap_or_default())
            .collect();
        Ok(m)
    }

    pub fn is_table64(&self, table: usize) -> bool {
        self.tables.get(table).is_some_and(|t| t.table64)
    }

    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports.iter().find(|e| e.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_spaces_put_imports_first() {
        let wasm = wat::parse_str(
            r#"(module
                 (type $t (func (param i32)))
                 (import "m" "f" (func (type $t)))
                 (import "m" "g" (global (mut i64)))
                 (import "m" "tab" (table i64 1 funcref))
                 (tag $e (param f32))
                 (func (export "h") (result i32) i32.const 0)
                 (memory (export "mem") 1 2)
                 (global (export "c") f64 (f64.const 1))
                 (table 2 externref)
                 (export "e" (tag $e)))"#,
        )
        .unwrap();
        let m = ModuleMeta::read(&wasm).unwrap();
        assert_eq!(m.func_types.len(), 2);
        assert_eq!(m.func_types[0].params(), &[ValType::I32]);
        assert_eq!(m.func_types[1].results(), &[ValType::I32]);
        assert_eq!(m.globals, vec![(ValType::I64, true), (ValType::F64, false)]);
        assert!(m.is_table64(0) && !m.is_table64(1) && !m.is_table64(2));
        assert!(m.tables[0].imported && !m.tables[1].imported);
        assert_eq!(m.memories[0].max_pages, Some(2));
        assert_eq!(m.tags[0].params(), &[ValType::F32]);
        assert_eq!(m.tag_keys.len(), 1);
        let kinds: Vec<(u32, u32)> = m.imports.iter().map(|i| (i.kind, i.index)).collect();
        assert_eq!(
            kinds,
            vec![(kind::FUNC, 0), (kind::GLOBAL, 0), (kind::TABLE, 0)]
        );
        let e = m.export("c").unwrap();
        assert_eq!((e.kind, e.index), (kind::GLOBAL, 1));
        assert_eq!(m.export("h").unwrap().index, 1);
        assert!(ModuleMeta::read(b"\0asm\x0d\0\x01\0").is_err());
    }
}
