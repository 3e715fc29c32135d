//! Reading a module: validate every section with wasmparser and collect
//! what code generation needs into a `ModuleInfo`. Function bodies are
//! validated later, during translation, with the validators kept here.

use super::*;
use crate::error::{CompileError, Result};
use wasmparser::{
    CompositeInnerType, ElementItems, ElementKind, KnownCustom, Name, Operator, Parser, Payload,
    TypeRef, ValidPayload, Validator, WasmFeatures,
};

/// Features accepted by the validator: the current standard (wasm 3.0).
/// Code generation rejects, with a clear error, what it does not support yet.
pub fn features() -> WasmFeatures {
    WasmFeatures::default()
}

/// Validate and read a core module.
pub fn parse(wasm: &[u8]) -> Result<ModuleInfo> {
    let mut validator = Validator::new_with_features(features());
    let mut m = ModuleInfo::default();
    let mut saw_header = false;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        if let Payload::Version {
            encoding, range, ..
        } = &payload
        {
            saw_header = true;
            if *encoding != wasmparser::Encoding::Module {
                return Err(CompileError::at(
                    "expected a core module here, found a component",
                    range.start,
                ));
            }
        }
        match validator.payload(&payload)? {
            ValidPayload::Func(validate, body) => {
                let r = body.range();
                m.bodies.push(Body {
                    range: r.start as usize..r.end as usize,
                    validator: validate,
                });
                continue;
            }
            ValidPayload::End(_) => break,
            _ => {}
        }
        read_payload(&mut m, payload)?;
    }
    if !saw_header {
        return Err(CompileError::at("empty input: no wasm header", 0));
    }
    for e in &m.exports {
        if e.kind == abi::kind::FUNC {
            m.escaping_funcs.insert(e.index);
        }
    }
    m.compute_layout();
    Ok(m)
}

fn read_payload(m: &mut ModuleInfo, payload: Payload<'_>) -> Result<()> {
    match payload {
        Payload::TypeSection(r) => {
            for group in r.into_iter_with_offsets() {
                let (off, group) = group?;
                for sub in group.into_types() {
                    match sub.composite_type.inner {
                        CompositeInnerType::Func(f) => m.types.push(f),
                        _ => {
                            return Err(CompileError::at(
                                "struct and array types (GC) are not supported yet",
                                off,
                            ))
                        }
                    }
                }
            }
        }
        Payload::ImportSection(r) => {
            for imp in r.into_imports() {
                let imp = imp?;
                let (kind, index) = match imp.ty {
                    TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                        m.funcs.push(t);
                        m.num_imported_funcs += 1;
                        (abi::kind::FUNC, m.funcs.len() - 1)
                    }
                    TypeRef::Table(t) => {
                        m.tables.push(TableInfo {
                            elem: t.element_type,
                            min: t.initial,
                            max: t.maximum,
                            imported: true,
                            init: None,
                        });
                        m.num_imported_tables += 1;
                        (abi::kind::TABLE, m.tables.len() - 1)
                    }
                    TypeRef::Memory(t) => {
                        m.memories.push(memory_info(&t, true));
                        m.num_imported_memories += 1;
                        (abi::kind::MEMORY, m.memories.len() - 1)
                    }
                    TypeRef::Global(g) => {
                        m.globals.push(GlobalInfo {
                            ty: g.content_type,
                            mutable: g.mutable,
                            imported: true,
                            init: None,
                        });
                        m.num_imported_globals += 1;
                        (abi::kind::GLOBAL, m.globals.len() - 1)
                    }
                    TypeRef::Tag(t) => {
                        m.tags.push(t.func_type_idx);
                        m.num_imported_tags += 1;
                        (abi::kind::TAG, m.tags.len() - 1)
                    }
                };
                m.imports.push(Import {
                    module: imp.module.to_string(),
                    name: imp.name.to_string(),
                    kind,
                    index: index as u32,
                });
            }
        }
        Payload::FunctionSection(r) => {
            for t in r {
                m.funcs.push(t?);
            }
        }
        Payload::TableSection(r) => {
            for t in r {
                let t = t?;
                let init = match t.init {
                    wasmparser::TableInit::RefNull => None,
                    wasmparser::TableInit::Expr(e) => Some(const_expr(m, &e)?),
                };
                m.tables.push(TableInfo {
                    elem: t.ty.element_type,
                    min: t.ty.initial,
                    max: t.ty.maximum,
                    imported: false,
                    init,
                });
            }
        }
        Payload::MemorySection(r) => {
            for t in r {
                m.memories.push(memory_info(&t?, false));
            }
        }
        Payload::TagSection(r) => {
            for t in r {
                m.tags.push(t?.func_type_idx);
            }
        }
        Payload::GlobalSection(r) => {
            for g in r {
                let g = g?;
                let init = const_expr(m, &g.init_expr)?;
                m.globals.push(GlobalInfo {
                    ty: g.ty.content_type,
                    mutable: g.ty.mutable,
                    imported: false,
                    init: Some(init),
                });
            }
        }
        Payload::ExportSection(r) => {
            for e in r {
                let e = e?;
                let kind = match e.kind {
                    wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => {
                        abi::kind::FUNC
                    }
                    wasmparser::ExternalKind::Table => abi::kind::TABLE,
                    wasmparser::ExternalKind::Memory => abi::kind::MEMORY,
                    wasmparser::ExternalKind::Global => abi::kind::GLOBAL,
                    wasmparser::ExternalKind::Tag => abi::kind::TAG,
                };
                m.exports.push(Export {
                    name: e.name.to_string(),
                    kind,
                    index: e.index,
                });
            }
        }
        Payload::StartSection { func, .. } => m.start = Some(func),
        Payload::ElementSection(r) => {
            for e in r {
                let e = e?;
                let mode = match e.kind {
                    ElementKind::Passive => ElemMode::Passive,
                    ElementKind::Declared => ElemMode::Declared,
                    ElementKind::Active {
                        table_index,
                        offset_expr,
                    } => ElemMode::Active {
                        table: table_index.unwrap_or(0),
                        offset: const_expr(m, &offset_expr)?,
                    },
                };
                let mut items = Vec::new();
                let ty = match e.items {
                    ElementItems::Functions(fs) => {
                        for f in fs {
                            let f = f?;
                            m.escaping_funcs.insert(f);
                            items.push(ElemItem::Func(f));
                        }
                        wasmparser::RefType::FUNCREF
                    }
                    ElementItems::Expressions(ty, exprs) => {
                        for ex in exprs {
                            let ex = ex?;
                            let c = const_expr(m, &ex)?;
                            items.push(match c.0.as_slice() {
                                [ConstOp::RefFunc(f)] => ElemItem::Func(*f),
                                [ConstOp::RefNull(_)] => ElemItem::Null,
                                [ConstOp::GlobalGet(g)] => ElemItem::Global(*g),
                                _ => {
                                    return Err(CompileError::at(
                                        "unsupported element expression",
                                        ex.get_binary_reader().original_position(),
                                    ))
                                }
                            });
                        }
                        ty
                    }
                };
                m.elems.push(ElemSegment { mode, ty, items });
            }
        }
        Payload::DataSection(r) => {
            for d in r {
                let d = d?;
                let mode = match d.kind {
                    wasmparser::DataKind::Passive => DataMode::Passive,
                    wasmparser::DataKind::Active {
                        memory_index,
                        offset_expr,
                    } => DataMode::Active {
                        memory: memory_index,
                        offset: const_expr(m, &offset_expr)?,
                    },
                };
                m.data.push(DataSegment {
                    mode,
                    bytes: d.data.to_vec(),
                });
            }
        }
        Payload::CustomSection(c) => {
            // A malformed name section is not an error (the spec says custom
            // sections never make a module invalid): ignore what fails to read.
            if let KnownCustom::Name(names) = c.as_known() {
                for n in names.into_iter().flatten() {
                    if let Name::Function(map) = n {
                        for naming in map.into_iter().flatten() {
                            m.func_names.insert(naming.index, naming.name.to_string());
                        }
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn memory_info(t: &wasmparser::MemoryType, imported: bool) -> MemoryInfo {
    MemoryInfo {
        min_pages: t.initial,
        max_pages: t.maximum,
        memory64: t.memory64,
        shared: t.shared,
        imported,
    }
}

/// Decode a (validated) constant expression.
fn const_expr(m: &mut ModuleInfo, e: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr> {
    let mut ops = Vec::new();
    let mut reader = e.get_operators_reader();
    while !reader.eof() {
        let off = reader.original_position();
        let op = reader.read()?;
        ops.push(match op {
            Operator::I32Const { value } => ConstOp::I32(value),
            Operator::I64Const { value } => ConstOp::I64(value),
            Operator::F32Const { value } => ConstOp::F32(value.bits()),
            Operator::F64Const { value } => ConstOp::F64(value.bits()),
            Operator::V128Const { value } => ConstOp::V128(*value.bytes()),
            Operator::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
            Operator::RefNull { hty } => ConstOp::RefNull(
                wasmparser::RefType::new(true, hty).unwrap_or(wasmparser::RefType::FUNCREF),
            ),
            Operator::RefFunc { function_index } => {
                m.escaping_funcs.insert(function_index);
                ConstOp::RefFunc(function_index)
            }
            Operator::I32Add => ConstOp::I32Add,
            Operator::I32Sub => ConstOp::I32Sub,
            Operator::I32Mul => ConstOp::I32Mul,
            Operator::I64Add => ConstOp::I64Add,
            Operator::I64Sub => ConstOp::I64Sub,
            Operator::I64Mul => ConstOp::I64Mul,
            Operator::End => break,
            _ => {
                return Err(CompileError::at(
                    "unsupported operator in constant expression",
                    off,
                ))
            }
        });
    }
    Ok(ConstExpr(ops))
}
