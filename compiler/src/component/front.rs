//! Front end, first pass: validate the component with wasmparser and read
//! every component definition (the root and each nested one) into a list of
//! [`Item`]s in declaration order, so index spaces can be rebuilt by
//! replaying them. Types are resolved here, while the validator's view of
//! each component is available: function types become [`FuncType`]s whose
//! handles name resources by *key* (an interned wasmparser resource id), and
//! every item that introduces a type or an instance records which keys it
//! brings in. The plan (`plan.rs`) maps keys to run-time resources per
//! component instance.

use super::types::{CoreType, ValType};
use crate::error::{CompileError, Result};
use std::collections::HashMap;
use std::ops::Range;
use wasmparser::component_types::{
    ComponentAnyTypeId, ComponentDefinedType, ComponentEntityType, ComponentValType, ResourceId,
};
use wasmparser::types::TypesRef;
use wasmparser::{
    CanonicalFunction, CanonicalOption, ComponentAlias, ComponentExternalKind,
    ComponentOuterAliasKind, ComponentTypeRef, ExternalKind, Instance, Parser, Payload,
    PrimitiveValType, Validator,
};

/// A component function type with resources named by key.
#[derive(Clone, Debug, PartialEq)]
pub struct FuncType {
    pub params: Vec<(String, ValType)>,
    pub result: Option<ValType>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringEncoding {
    Utf8,
    Utf16,
    Latin1Utf16,
}

/// Canonical options, with core function and memory indices of the
/// defining component's index spaces.
#[derive(Clone, Debug)]
pub struct Options {
    pub encoding: StringEncoding,
    pub memory: Option<u32>,
    pub realloc: Option<u32>,
    pub post_return: Option<u32>,
    /// `async`, `callback`, `gc` or a core type: not supported
    pub unsupported: Option<&'static str>,
}

/// Core entity kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreKind {
    Func,
    Table,
    Memory,
    Global,
    Tag,
}

impl CoreKind {
    fn of(k: ExternalKind) -> CoreKind {
        match k {
            ExternalKind::Func | ExternalKind::FuncExact => CoreKind::Func,
            ExternalKind::Table => CoreKind::Table,
            ExternalKind::Memory => CoreKind::Memory,
            ExternalKind::Global => CoreKind::Global,
            ExternalKind::Tag => CoreKind::Tag,
        }
    }
}

/// Component-level sorts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Module,
    Func,
    Value,
    Type,
    Instance,
    Component,
}

impl Sort {
    fn of(k: ComponentExternalKind) -> Sort {
        match k {
            ComponentExternalKind::Module => Sort::Module,
            ComponentExternalKind::Func => Sort::Func,
            ComponentExternalKind::Value => Sort::Value,
            ComponentExternalKind::Type => Sort::Type,
            ComponentExternalKind::Instance => Sort::Instance,
            ComponentExternalKind::Component => Sort::Component,
        }
    }

    fn of_ref(t: &ComponentTypeRef) -> Sort {
        match t {
            ComponentTypeRef::Module(_) => Sort::Module,
            ComponentTypeRef::Func(_) => Sort::Func,
            ComponentTypeRef::Value(_) => Sort::Value,
            ComponentTypeRef::Type(_) => Sort::Type,
            ComponentTypeRef::Instance(_) => Sort::Instance,
            ComponentTypeRef::Component(_) => Sort::Component,
        }
    }
}

/// Resource keys an item brings in: for a new type index, its own key;
/// for a new instance, the key of each exported resource type by path.
#[derive(Clone, Debug, Default)]
pub struct Keys {
    pub own: Option<u32>,
    pub exported: Vec<(Vec<String>, u32)>,
}

/// A core function made by a `canon` definition.
#[derive(Clone, Debug)]
pub enum CanonCore {
    Lower {
        func: u32,
        ty: FuncType,
        opts: Options,
    },
    ResourceNew(u32),
    ResourceDrop(u32),
    ResourceRep(u32),
    /// `context.get i32 slot` / `context.set i32 slot`
    ContextGet(u32),
    ContextSet(u32),
    /// a built-in of the async ABI we do not support: its core signature,
    /// and whether the spec checks `may_leave` before running it
    Unsupported {
        params: Vec<CoreType>,
        results: Vec<CoreType>,
        checks_leave: bool,
    },
}

#[derive(Clone, Debug)]
pub enum Item {
    CoreModule(usize),
    CoreInstantiate {
        module: u32,
        args: Vec<(String, u32)>,
    },
    CoreFromExports(Vec<(String, CoreKind, u32)>),
    CoreAlias {
        kind: CoreKind,
        instance: u32,
        name: String,
    },
    Canon(CanonCore),
    Lift {
        core_func: u32,
        ty: FuncType,
        opts: Options,
    },
    Component(usize),
    Instantiate {
        component: u32,
        args: Vec<(String, Sort, u32)>,
        keys: Keys,
    },
    FromExports {
        exports: Vec<(String, Sort, u32)>,
        keys: Keys,
    },
    Alias {
        sort: Sort,
        instance: u32,
        name: String,
        keys: Keys,
        /// value aliases: the value's type
        value: Option<ValType>,
    },
    OuterAlias {
        sort: Sort,
        count: u32,
        index: u32,
        keys: Keys,
    },
    Import {
        name: String,
        sort: Sort,
        keys: Keys,
        /// value imports: the value's type
        value: Option<ValType>,
    },
    Export {
        name: String,
        sort: Sort,
        index: u32,
        keys: Keys,
    },
    /// a type definition; `resource` for `(resource (rep i32) (dtor f)?)`
    Type {
        keys: Keys,
        resource: Option<Option<u32>>,
    },
    CoreType,
    Start {
        func: u32,
        args: Vec<u32>,
        results: u32,
    },
}

#[derive(Default, Debug)]
pub struct ComponentDef {
    pub items: Vec<Item>,
}

/// The result of the first pass.
#[derive(Debug)]
pub struct Parsed {
    /// byte range of every core module in the binary
    pub modules: Vec<Range<usize>>,
    /// component definitions; the root is the last one
    pub components: Vec<ComponentDef>,
    /// the types the root's imports and exports name (for host interfaces)
    pub type_names: Vec<TypeName>,
}

/// A type named by a root import or export (WIT's type names): the root
/// exports or imports it by `name`, or an imported or exported instance
/// (`interface`) does.
#[derive(Clone, Debug)]
pub struct TypeName {
    pub interface: Option<String>,
    pub name: String,
    pub ty: NamedType,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NamedType {
    Value(ValType),
    /// a resource type, by key (in a [`Plan`](super::plan::Plan): its
    /// run-time index)
    Resource(u32),
}

/// Interns wasmparser resource ids as small keys.
#[derive(Default)]
struct KeyMap(HashMap<ResourceId, u32>);

impl KeyMap {
    fn key(&mut self, r: ResourceId) -> u32 {
        let n = self.0.len() as u32;
        *self.0.entry(r).or_insert(n)
    }
}

enum Level {
    Module,
    Component(ComponentDef),
}

fn err(e: wasmparser::BinaryReaderError) -> CompileError {
    CompileError::at(e.message().to_string(), e.offset())
}

fn unsupported(what: &str, offset: u64) -> CompileError {
    CompileError::at(format!("{what} is not supported"), offset)
}

/// Validate `wasm` and read its component definitions.
pub fn parse(wasm: &[u8]) -> Result<Parsed> {
    let mut validator = Validator::new_with_features(super::features());
    let mut keys = KeyMap::default();
    let mut out = Parsed {
        modules: Vec::new(),
        components: Vec::new(),
        type_names: Vec::new(),
    };
    let mut stack: Vec<Level> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(err)?;
        // Function bodies are validated when each module is compiled.
        validator.payload(&payload).map_err(err)?;
        let in_component = matches!(stack.last(), Some(Level::Component(_)));
        match &payload {
            Payload::Version { encoding, .. } => {
                stack.push(match encoding {
                    wasmparser::Encoding::Module => Level::Module,
                    wasmparser::Encoding::Component => Level::Component(ComponentDef::default()),
                });
            }
            Payload::End(_) => {
                let done = stack.pop();
                if let Some(Level::Component(def)) = done {
                    out.components.push(def);
                    let id = out.components.len() - 1;
                    if let Some(Level::Component(parent)) = stack.last_mut() {
                        parent.items.push(Item::Component(id));
                    }
                }
            }
            _ if !in_component => {}
            p => {
                let types = validator
                    .types(0)
                    .ok_or_else(|| CompileError::new("internal error: no component types"))?;
                let Some(Level::Component(def)) = stack.last_mut() else {
                    unreachable!()
                };
                read_section(p, types, &mut keys, def, &mut out.modules)?;
                if stack.len() == 1 {
                    root_type_names(p, types, &mut keys, &mut out.type_names)?;
                }
            }
        }
    }
    Ok(out)
}

fn read_section(
    p: &Payload,
    types: TypesRef,
    keys: &mut KeyMap,
    def: &mut ComponentDef,
    modules: &mut Vec<Range<usize>>,
) -> Result<()> {
    let items = &mut def.items;
    match p {
        Payload::ModuleSection {
            unchecked_range, ..
        } => {
            modules.push(unchecked_range.start as usize..unchecked_range.end as usize);
            items.push(Item::CoreModule(modules.len() - 1));
        }
        Payload::ComponentSection { .. } => {}
        Payload::CoreTypeSection(r) => {
            for _ in 0..r.count() {
                items.push(Item::CoreType);
            }
        }
        Payload::InstanceSection(r) => {
            for i in r.clone() {
                items.push(match i.map_err(err)? {
                    Instance::Instantiate { module_index, args } => Item::CoreInstantiate {
                        module: module_index,
                        args: args.iter().map(|a| (a.name.to_string(), a.index)).collect(),
                    },
                    Instance::FromExports(exports) => Item::CoreFromExports(
                        exports
                            .iter()
                            .map(|e| (e.name.to_string(), CoreKind::of(e.kind), e.index))
                            .collect(),
                    ),
                });
            }
        }
        Payload::ComponentTypeSection(r) => {
            let first = types.component_type_count() - r.count();
            for (i, t) in r.clone().into_iter().enumerate() {
                let resource = match t.map_err(err)? {
                    wasmparser::ComponentType::Resource { dtor, .. } => Some(dtor),
                    _ => None,
                };
                let k = type_keys(types, first + i as u32, keys);
                items.push(Item::Type { keys: k, resource });
            }
        }
        Payload::ComponentInstanceSection(r) => {
            let first = types.component_instance_count() - r.count();
            for (i, inst) in r.clone().into_iter().enumerate() {
                let k = instance_keys(types, first + i as u32, keys);
                items.push(match inst.map_err(err)? {
                    wasmparser::ComponentInstance::Instantiate {
                        component_index,
                        args,
                    } => Item::Instantiate {
                        component: component_index,
                        args: args
                            .iter()
                            .map(|a| (a.name.to_string(), Sort::of(a.kind), a.index))
                            .collect(),
                        keys: k,
                    },
                    wasmparser::ComponentInstance::FromExports(exports) => Item::FromExports {
                        exports: exports
                            .iter()
                            .map(|e| (e.name.name.to_string(), Sort::of(e.kind), e.index))
                            .collect(),
                        keys: k,
                    },
                });
            }
        }
        Payload::ComponentAliasSection(r) => {
            // Aliases are validated one at a time but the section is
            // already done: count from the end per sort.
            let list: Vec<_> = r
                .clone()
                .into_iter()
                .collect::<std::result::Result<_, _>>()
                .map_err(err)?;
            for (i, a) in list.iter().enumerate() {
                let space = alias_space(a);
                let after = list[i + 1..]
                    .iter()
                    .filter(|x| alias_space(x) == space)
                    .count() as u32;
                let index_of = |count: u32| count - 1 - after;
                items.push(match *a {
                    ComponentAlias::InstanceExport {
                        kind,
                        instance_index,
                        name,
                    } => {
                        let sort = Sort::of(kind);
                        let k = match sort {
                            Sort::Type => {
                                type_keys(types, index_of(types.component_type_count()), keys)
                            }
                            Sort::Instance => instance_keys(
                                types,
                                index_of(types.component_instance_count()),
                                keys,
                            ),
                            _ => Keys::default(),
                        };
                        let value = (sort == Sort::Value).then(|| {
                            let t = types.value_at(index_of(types.value_count()));
                            val_type(types, t, keys)
                        });
                        Item::Alias {
                            sort,
                            instance: instance_index,
                            name: name.to_string(),
                            keys: k,
                            value,
                        }
                    }
                    ComponentAlias::CoreInstanceExport {
                        kind,
                        instance_index,
                        name,
                    } => Item::CoreAlias {
                        kind: CoreKind::of(kind),
                        instance: instance_index,
                        name: name.to_string(),
                    },
                    ComponentAlias::Outer { kind, count, index } => {
                        let (sort, k) = match kind {
                            ComponentOuterAliasKind::CoreModule => (Sort::Module, Keys::default()),
                            ComponentOuterAliasKind::CoreType => {
                                items.push(Item::CoreType);
                                continue;
                            }
                            ComponentOuterAliasKind::Type => (
                                Sort::Type,
                                type_keys(types, index_of(types.component_type_count()), keys),
                            ),
                            ComponentOuterAliasKind::Component => {
                                (Sort::Component, Keys::default())
                            }
                        };
                        Item::OuterAlias {
                            sort,
                            count,
                            index,
                            keys: k,
                        }
                    }
                });
            }
        }
        Payload::ComponentCanonicalSection(r) => {
            let offset = r.range().start;
            let list: Vec<_> = r
                .clone()
                .into_iter()
                .collect::<std::result::Result<_, _>>()
                .map_err(err)?;
            let core_made = list
                .iter()
                .filter(|c| !matches!(c, CanonicalFunction::Lift { .. }))
                .count() as u32;
            let mut core_index = types.function_count() - core_made;
            for c in list {
                let this_core = core_index;
                if !matches!(c, CanonicalFunction::Lift { .. }) {
                    core_index += 1;
                }
                items.push(match c {
                    CanonicalFunction::Lift {
                        core_func_index,
                        type_index,
                        options,
                    } => {
                        let ty = match types.component_any_type_at(type_index) {
                            ComponentAnyTypeId::Func(id) => func_type(types, id, keys),
                            _ => {
                                return Err(unsupported("lifting with a non-function type", offset))
                            }
                        };
                        Item::Lift {
                            core_func: core_func_index,
                            ty,
                            opts: options_of(&options),
                        }
                    }
                    CanonicalFunction::Lower {
                        func_index,
                        options,
                    } => {
                        let id = types.component_function_at(func_index);
                        Item::Canon(CanonCore::Lower {
                            func: func_index,
                            ty: func_type(types, id, keys),
                            opts: options_of(&options),
                        })
                    }
                    CanonicalFunction::ResourceNew { resource } => {
                        Item::Canon(CanonCore::ResourceNew(resource))
                    }
                    CanonicalFunction::ResourceDrop { resource } => {
                        Item::Canon(CanonCore::ResourceDrop(resource))
                    }
                    CanonicalFunction::ResourceRep { resource } => {
                        Item::Canon(CanonCore::ResourceRep(resource))
                    }
                    CanonicalFunction::ContextGet { slot, .. }
                    | CanonicalFunction::ContextSet { slot, .. }
                        if slot >= wacc_abi::component::TASK_CONTEXT_SLOTS =>
                    {
                        return Err(unsupported("this task-local storage slot", offset))
                    }
                    CanonicalFunction::ContextGet {
                        ty: wasmparser::ValType::I32,
                        slot,
                    } => Item::Canon(CanonCore::ContextGet(slot)),
                    CanonicalFunction::ContextSet {
                        ty: wasmparser::ValType::I32,
                        slot,
                    } => Item::Canon(CanonCore::ContextSet(slot)),
                    other => {
                        let f = types[types.core_function_at(this_core)].unwrap_func();
                        let core = |ts: &[wasmparser::ValType]| -> Result<Vec<CoreType>> {
                            ts.iter()
                                .map(|t| match t {
                                    wasmparser::ValType::I32 => Ok(CoreType::I32),
                                    wasmparser::ValType::I64 => Ok(CoreType::I64),
                                    wasmparser::ValType::F32 => Ok(CoreType::F32),
                                    wasmparser::ValType::F64 => Ok(CoreType::F64),
                                    _ => Err(unsupported("a built-in with this signature", offset)),
                                })
                                .collect()
                        };
                        Item::Canon(CanonCore::Unsupported {
                            params: core(f.params())?,
                            results: core(f.results())?,
                            // Backpressure changes no other instance's state.
                            checks_leave: !matches!(
                                other,
                                CanonicalFunction::BackpressureInc
                                    | CanonicalFunction::BackpressureDec
                            ),
                        })
                    }
                });
            }
        }
        Payload::ComponentStartSection { start, .. } => items.push(Item::Start {
            func: start.func_index,
            args: start.arguments.to_vec(),
            results: start.results,
        }),
        Payload::ComponentImportSection(r) => {
            let imports: Vec<_> = r
                .clone()
                .into_iter()
                .collect::<std::result::Result<_, _>>()
                .map_err(err)?;
            for (i, imp) in imports.iter().enumerate() {
                let sort = Sort::of_ref(&imp.ty);
                let after = imports[i + 1..]
                    .iter()
                    .filter(|x| Sort::of_ref(&x.ty) == sort)
                    .count() as u32;
                let (k, value) = new_index_keys(types, sort, after, keys);
                items.push(Item::Import {
                    name: imp.name.name.to_string(),
                    sort,
                    keys: k,
                    value,
                });
            }
        }
        Payload::ComponentExportSection(r) => {
            let exports: Vec<_> = r
                .clone()
                .into_iter()
                .collect::<std::result::Result<_, _>>()
                .map_err(err)?;
            for (i, e) in exports.iter().enumerate() {
                let sort = Sort::of(e.kind);
                let after = exports[i + 1..]
                    .iter()
                    .filter(|x| Sort::of(x.kind) == sort)
                    .count() as u32;
                let (k, _) = new_index_keys(types, sort, after, keys);
                items.push(Item::Export {
                    name: e.name.name.to_string(),
                    sort,
                    index: e.index,
                    keys: k,
                });
            }
        }
        Payload::CustomSection(_) => {}
        Payload::CodeSectionStart { .. } | Payload::CodeSectionEntry(_) => {}
        other => {
            if let Some((_, range)) = other.as_section() {
                return Err(unsupported("this component section", range.start));
            }
        }
    }
    Ok(())
}

/// The type names a root import or export section brings in.
fn root_type_names(
    p: &Payload,
    types: TypesRef,
    keys: &mut KeyMap,
    out: &mut Vec<TypeName>,
) -> Result<()> {
    let mut names = vec![];
    match p {
        Payload::ComponentImportSection(r) => {
            for imp in r.clone() {
                let name = imp.map_err(err)?.name.name;
                names.extend(types.component_item_for_import(name).map(|i| (name, i)));
            }
        }
        Payload::ComponentExportSection(r) => {
            for e in r.clone() {
                let name = e.map_err(err)?.name.name;
                names.extend(types.component_item_for_export(name).map(|i| (name, i)));
            }
        }
        _ => return Ok(()),
    }
    let mut named = |interface: Option<&str>, name: &str, ty: ComponentAnyTypeId| {
        let ty = match ty {
            ComponentAnyTypeId::Defined(id) => {
                NamedType::Value(val_type(types, ComponentValType::Type(id), keys))
            }
            ComponentAnyTypeId::Resource(r) => NamedType::Resource(keys.key(r.resource())),
            _ => return,
        };
        out.push(TypeName {
            interface: interface.map(str::to_string),
            name: name.to_string(),
            ty,
        });
    };
    for (name, item) in names {
        match &item.ty {
            ComponentEntityType::Type { referenced, .. } => named(None, name, *referenced),
            ComponentEntityType::Instance(id) => {
                for (n, e) in &types[*id].exports {
                    if let ComponentEntityType::Type { referenced, .. } = &e.ty {
                        named(Some(name), n, *referenced);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Index space an alias adds to (to find the new index).
fn alias_space(a: &ComponentAlias) -> &'static str {
    match a {
        ComponentAlias::InstanceExport { kind, .. } => match kind {
            ComponentExternalKind::Type => "type",
            ComponentExternalKind::Instance => "instance",
            ComponentExternalKind::Value => "value",
            _ => "other",
        },
        ComponentAlias::Outer { kind, .. } => match kind {
            ComponentOuterAliasKind::Type => "type",
            _ => "other",
        },
        ComponentAlias::CoreInstanceExport { .. } => "core",
    }
}

/// Keys (and for values the type) of the index of `sort` that is
/// `after + 1` entries from the end of its space.
fn new_index_keys(
    types: TypesRef,
    sort: Sort,
    after: u32,
    keys: &mut KeyMap,
) -> (Keys, Option<ValType>) {
    match sort {
        Sort::Type => (
            type_keys(types, types.component_type_count() - 1 - after, keys),
            None,
        ),
        Sort::Instance => (
            instance_keys(types, types.component_instance_count() - 1 - after, keys),
            None,
        ),
        Sort::Value => {
            let t = types.value_at(types.value_count() - 1 - after);
            (Keys::default(), Some(val_type(types, t, keys)))
        }
        _ => (Keys::default(), None),
    }
}

fn type_keys(types: TypesRef, index: u32, keys: &mut KeyMap) -> Keys {
    Keys {
        own: match types.component_any_type_at(index) {
            ComponentAnyTypeId::Resource(r) => Some(keys.key(r.resource())),
            _ => None,
        },
        exported: vec![],
    }
}

fn instance_keys(types: TypesRef, index: u32, keys: &mut KeyMap) -> Keys {
    let mut out = Keys::default();
    let id = types.component_instance_at(index);
    collect_instance_keys(
        types,
        &types[id].exports,
        &mut vec![],
        keys,
        &mut out.exported,
    );
    out
}

fn collect_instance_keys(
    types: TypesRef,
    exports: &wasmparser::collections::IndexMap<String, wasmparser::component_types::ComponentItem>,
    path: &mut Vec<String>,
    keys: &mut KeyMap,
    out: &mut Vec<(Vec<String>, u32)>,
) {
    for (name, e) in exports {
        path.push(name.clone());
        match &e.ty {
            ComponentEntityType::Type {
                created: ComponentAnyTypeId::Resource(r),
                ..
            } => out.push((path.clone(), keys.key(r.resource()))),
            ComponentEntityType::Instance(id) => {
                collect_instance_keys(types, &types[*id].exports, path, keys, out)
            }
            _ => {}
        }
        path.pop();
    }
}

fn options_of(opts: &[CanonicalOption]) -> Options {
    let mut o = Options {
        encoding: StringEncoding::Utf8,
        memory: None,
        realloc: None,
        post_return: None,
        unsupported: None,
    };
    for opt in opts {
        match *opt {
            CanonicalOption::UTF8 => o.encoding = StringEncoding::Utf8,
            CanonicalOption::UTF16 => o.encoding = StringEncoding::Utf16,
            CanonicalOption::CompactUTF16 => o.encoding = StringEncoding::Latin1Utf16,
            CanonicalOption::Memory(m) => o.memory = Some(m),
            CanonicalOption::Realloc(f) => o.realloc = Some(f),
            CanonicalOption::PostReturn(f) => o.post_return = Some(f),
            CanonicalOption::Async => o.unsupported = Some("the `async` option"),
            CanonicalOption::Callback(_) => o.unsupported = Some("the `callback` option"),
            CanonicalOption::CoreType(_) => o.unsupported = Some("the `core-type` option"),
            CanonicalOption::Gc => o.unsupported = Some("the `gc` option"),
        }
    }
    o
}

fn func_type(
    types: TypesRef,
    id: wasmparser::component_types::ComponentFuncTypeId,
    keys: &mut KeyMap,
) -> FuncType {
    let f = &types[id];
    FuncType {
        params: f
            .params
            .iter()
            .map(|(n, t)| (n.to_string(), val_type(types, *t, keys)))
            .collect(),
        result: f.result.map(|t| val_type(types, t, keys)),
    }
}

fn val_type(types: TypesRef, t: ComponentValType, keys: &mut KeyMap) -> ValType {
    match t {
        ComponentValType::Primitive(p) => primitive(p),
        ComponentValType::Type(id) => defined(types, &types[id], keys),
    }
}

fn primitive(p: PrimitiveValType) -> ValType {
    match p {
        PrimitiveValType::Bool => ValType::Bool,
        PrimitiveValType::S8 => ValType::S8,
        PrimitiveValType::U8 => ValType::U8,
        PrimitiveValType::S16 => ValType::S16,
        PrimitiveValType::U16 => ValType::U16,
        PrimitiveValType::S32 => ValType::S32,
        PrimitiveValType::U32 => ValType::U32,
        PrimitiveValType::S64 => ValType::S64,
        PrimitiveValType::U64 => ValType::U64,
        PrimitiveValType::F32 => ValType::F32,
        PrimitiveValType::F64 => ValType::F64,
        PrimitiveValType::Char => ValType::Char,
        PrimitiveValType::String => ValType::String,
        PrimitiveValType::ErrorContext => ValType::ErrorContext,
    }
}

fn defined(types: TypesRef, d: &ComponentDefinedType, keys: &mut KeyMap) -> ValType {
    let mut v = |t: ComponentValType| val_type(types, t, keys);
    match d {
        ComponentDefinedType::Primitive(p) => primitive(*p),
        ComponentDefinedType::Record(r) => ValType::Record(
            r.fields
                .iter()
                .map(|(n, t)| (n.to_string(), v(*t)))
                .collect(),
        ),
        ComponentDefinedType::Variant(r) => ValType::Variant(
            r.cases
                .iter()
                .map(|(n, c)| (n.to_string(), c.ty.map(&mut v)))
                .collect(),
        ),
        ComponentDefinedType::List { element, .. } => ValType::List(Box::new(v(*element)), None),
        ComponentDefinedType::FixedLengthList {
            element, length, ..
        } => ValType::List(Box::new(v(*element)), Some(*length)),
        ComponentDefinedType::Map { key, value, .. } => {
            ValType::Map(Box::new(v(*key)), Box::new(v(*value)))
        }
        ComponentDefinedType::Tuple(t) => ValType::Tuple(t.types.iter().map(|t| v(*t)).collect()),
        ComponentDefinedType::Flags(f) => ValType::Flags(f.iter().map(|n| n.to_string()).collect()),
        ComponentDefinedType::Enum(e) => ValType::Enum(e.iter().map(|n| n.to_string()).collect()),
        ComponentDefinedType::Option { ty, .. } => ValType::Option(Box::new(v(*ty))),
        ComponentDefinedType::Result { ok, err, .. } => ValType::Result {
            ok: ok.map(|t| Box::new(v(t))),
            err: err.map(|t| Box::new(v(t))),
        },
        ComponentDefinedType::Own(r) => ValType::Own(keys.key(r.resource())),
        ComponentDefinedType::Borrow(r) => ValType::Borrow(keys.key(r.resource())),
        ComponentDefinedType::Future { .. } => ValType::Future,
        ComponentDefinedType::Stream { .. } => ValType::Stream,
    }
}
