//! Front end, second pass: instantiate the root component symbolically.
//!
//! Replaying each definition's [`Item`]s rebuilds its index spaces with a
//! definition per entry; a nested component's instantiation runs its items
//! in a new [`Frame`] whose imports are the instantiation arguments. The
//! result is a [`Plan`]: the core instances in creation order, each import
//! of each wired to a definition known at compile time, the trampolines
//! (lowered functions and built-ins), the resource types and the root
//! exports. Only the root's imports stay open (host functions).

use super::front::{
    CanonCore, CoreKind, FuncType, Item, NamedType, Options, Parsed, Sort, StringEncoding, TypeName,
};
use super::types::ValType;
use crate::environ::{self, ModuleInfo};
use crate::error::{CompileError, Result};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wacc_abi::kind;

/// Owner of resources the host defines (root imports).
pub const HOST: u32 = u32::MAX;

/// A core function known at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreFunc {
    /// function `index` of core instance `instance`'s module (defined there)
    Defined {
        instance: u32,
        index: u32,
    },
    Trampoline(u32),
}

/// A core table, memory, global or tag: defined by `instance` at `index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoreItem {
    pub instance: u32,
    pub index: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreDef {
    Func(CoreFunc),
    Table(CoreItem),
    Memory(CoreItem),
    Global(CoreItem),
    /// A tag's identity is per defining instance (tags are generative), so
    /// the runtime reads it from that instance's tag slot.
    Tag(CoreItem),
}

/// Canonical options with their core definitions resolved.
#[derive(Clone, Debug)]
pub struct ResolvedOptions {
    pub encoding: StringEncoding,
    /// memory slot in the component context
    pub memory: Option<u32>,
    pub realloc: Option<CoreFunc>,
    pub post_return: Option<CoreFunc>,
}

/// A lifted function: a core function plus how to lift it.
#[derive(Clone, Debug)]
pub struct Lifted {
    pub core: CoreFunc,
    /// type with run-time resource indices
    pub ty: FuncType,
    pub opts: ResolvedOptions,
    /// component instance the core function belongs to
    pub cinst: u32,
    /// the name it is first exported under (`interface#function` or
    /// `function`), for policies and logs
    pub name: std::cell::RefCell<Option<String>>,
}

/// A core function the plan generates.
#[derive(Clone, Debug)]
pub enum Trampoline {
    /// `canon lower` of a lifted function: a fused adapter
    Adapter {
        caller: ResolvedOptions,
        caller_cinst: u32,
        callee: Rc<Lifted>,
    },
    /// `canon lower` of a root import
    HostImport {
        name: String,
        ty: FuncType,
        opts: ResolvedOptions,
        cinst: u32,
    },
    ResourceNew {
        resource: u32,
        cinst: u32,
    },
    ResourceDrop {
        resource: u32,
        cinst: u32,
    },
    ResourceRep {
        resource: u32,
        cinst: u32,
    },
    /// task-local storage slot
    ContextGet(u32),
    ContextSet(u32),
    /// an async built-in we do not support: checks `may_leave` (where the
    /// spec does), then traps
    Unsupported {
        params: Vec<super::types::CoreType>,
        results: Vec<super::types::CoreType>,
        checks_leave: bool,
        cinst: u32,
    },
}

#[derive(Clone, Debug)]
pub struct Resource {
    /// defining component instance, or [`HOST`]
    pub owner: u32,
    pub dtor: Option<CoreFunc>,
    /// for host resources: the import path (`interface#name` or `name`)
    pub host_name: Option<String>,
    /// for guest resources: the name it is first exported under
    /// (`interface#name` or `name`), for policies and logs
    pub name: Option<String>,
}

impl Resource {
    /// Its name in policies and logs.
    pub fn display_name(&self, index: u32) -> String {
        self.host_name
            .clone()
            .or_else(|| self.name.clone())
            .unwrap_or_else(|| format!("resource{index}"))
    }
}

#[derive(Clone, Debug)]
pub struct CoreInstance {
    pub module: usize,
    /// one per import of the module
    pub imports: Vec<CoreDef>,
}

#[derive(Clone, Copy, Debug)]
pub enum Step {
    CoreInstance(u32),
    /// call `starts[i]`
    Start(u32),
}

/// A component-level value (the value index space): immutable, in the
/// host's native layout, made once at instantiation.
#[derive(Clone, Debug)]
pub struct Value {
    /// with run-time resource indices
    pub ty: ValType,
    pub source: ValueSource,
}

#[derive(Clone, Debug)]
pub enum ValueSource {
    /// a root import (`name` or `instance#name`): the host's data symbol
    Import(String),
    /// the result of `starts[i]`: a slot of the component context
    StartResult(u32),
}

/// A component-level `start`: a lifted function called during
/// instantiation with values as arguments, its result a new value.
#[derive(Clone, Debug)]
pub struct Start {
    pub func: Rc<Lifted>,
    /// indices into `Plan::values`
    pub args: Vec<u32>,
    pub result: Option<u32>,
}

#[derive(Debug)]
pub struct Plan {
    /// per static module: its parsed form, if instantiated
    pub modules: Vec<Option<ModuleInfo>>,
    pub module_ranges: Vec<std::ops::Range<usize>>,
    pub instances: Vec<CoreInstance>,
    pub trampolines: Vec<Trampoline>,
    /// memory slots of the context
    pub memories: Vec<CoreItem>,
    pub num_cinst: u32,
    pub resources: Vec<Resource>,
    pub steps: Vec<Step>,
    /// component-level start functions
    pub starts: Vec<Start>,
    /// the value index spaces' values, of every component instance
    pub values: Vec<Value>,
    /// root function exports
    pub exports: Vec<(String, Rc<Lifted>)>,
    /// root value exports (index into `values`)
    pub value_exports: Vec<(String, u32)>,
    /// names of root function imports that are lowered
    pub host_imports: Vec<String>,
    /// A root import a native host cannot provide (a core module or
    /// component): the component compiles, but instantiating it fails.
    pub unsatisfiable: Option<String>,
    /// the types root imports and exports name, with run-time resources
    /// (those the plan binds)
    pub type_names: Vec<TypeName>,
}

#[derive(Clone, Debug)]
enum FuncDef {
    Lifted(Rc<Lifted>),
    /// a root import, by name (`instance#func` for instance members)
    Host {
        name: String,
    },
}

#[derive(Clone, Debug)]
enum InstanceDef {
    Exports(HashMap<String, Def>),
    /// a root import (its exports are host definitions)
    Host(String),
}

#[derive(Clone, Debug)]
enum TypeDef {
    Resource(u32),
    /// A type exported by a host instance, by path: it becomes a resource
    /// once its key is known (see `host_resource`).
    Host(String),
    Other,
}

#[derive(Clone, Debug)]
struct ComponentRef {
    def: usize,
    enclosing: Rc<RefCell<Frame>>,
}

#[derive(Clone, Debug)]
enum Def {
    Module(usize),
    Func(FuncDef),
    /// index into `Plan::values`
    Value(u32),
    Type(TypeDef),
    Instance(Rc<InstanceDef>),
    Component(ComponentRef),
}

#[derive(Clone, Debug)]
enum CoreInst {
    Instance(u32),
    Bag(HashMap<String, CoreDef>),
}

/// One component instance being instantiated.
#[derive(Debug, Default)]
struct Frame {
    cinst: u32,
    parent: Option<Rc<RefCell<Frame>>>,
    modules: Vec<usize>,
    core_instances: Vec<CoreInst>,
    core_funcs: Vec<CoreFunc>,
    tables: Vec<CoreItem>,
    memories: Vec<CoreItem>,
    globals: Vec<CoreItem>,
    tags: Vec<CoreItem>,
    funcs: Vec<FuncDef>,
    values: Vec<u32>,
    types: Vec<TypeDef>,
    instances: Vec<Rc<InstanceDef>>,
    components: Vec<ComponentRef>,
    /// resource key (see `front`) → run-time resource
    resources: HashMap<u32, u32>,
    exports: HashMap<String, Def>,
}

fn unsupported(what: impl std::fmt::Display) -> CompileError {
    CompileError::new(format!("{what} is not supported"))
}

fn internal(what: &str) -> CompileError {
    CompileError::new(format!("internal error in the component front end: {what}"))
}

struct Planner<'a> {
    wasm: &'a [u8],
    parsed: &'a Parsed,
    plan: Plan,
    /// Host resources by key.
    host_resources: HashMap<u32, u32>,
}

/// Build the instantiation plan of the root component.
pub fn plan(wasm: &[u8], parsed: &Parsed) -> Result<Plan> {
    let root = parsed
        .components
        .len()
        .checked_sub(1)
        .ok_or_else(|| internal("no root component"))?;
    let mut p = Planner {
        wasm,
        parsed,
        plan: Plan {
            modules: parsed.modules.iter().map(|_| None).collect(),
            module_ranges: parsed.modules.clone(),
            instances: vec![],
            trampolines: vec![],
            memories: vec![],
            num_cinst: 0,
            resources: vec![],
            steps: vec![],
            starts: vec![],
            values: vec![],
            exports: vec![],
            value_exports: vec![],
            host_imports: vec![],
            unsatisfiable: None,
            type_names: vec![],
        },
        host_resources: HashMap::new(),
    };
    for item in &parsed.components[root].items {
        if let Item::Import { name, sort, .. } = item {
            if matches!(sort, Sort::Module | Sort::Component) {
                p.plan.unsatisfiable = Some(name.clone());
                return Ok(p.plan);
            }
        }
    }
    let frame = p.instantiate(root, None, None)?;
    p.plan.type_names = {
        let f = frame.borrow();
        let bound = |t: &NamedType| match t {
            NamedType::Value(v) => map_val(&f, v).ok().map(NamedType::Value),
            NamedType::Resource(k) => f.resources.get(k).map(|r| NamedType::Resource(*r)),
        };
        parsed
            .type_names
            .iter()
            .filter_map(|n| {
                Some(TypeName {
                    ty: bound(&n.ty)?,
                    ..n.clone()
                })
            })
            .collect()
    };
    let exports = std::mem::take(&mut frame.borrow_mut().exports);
    // Popped in name order; functions of exported instances as `instance#func`.
    let mut names: Vec<_> = exports.into_iter().collect();
    names.sort_by(|a, b| b.0.cmp(&a.0));
    while let Some((name, def)) = names.pop() {
        match def {
            Def::Func(FuncDef::Lifted(l)) => p.plan.exports.push((name, l)),
            Def::Value(v) => p.plan.value_exports.push((name, v)),
            Def::Instance(inst) => {
                if let InstanceDef::Exports(map) = &*inst {
                    let mut inner: Vec<_> = map
                        .iter()
                        .map(|(n, d)| (format!("{name}#{n}"), d.clone()))
                        .collect();
                    inner.sort_by(|a, b| b.0.cmp(&a.0));
                    names.extend(inner);
                }
            }
            Def::Func(FuncDef::Host { .. }) => {
                return Err(unsupported(format!(
                    "re-exporting the root import as `{name}`"
                )))
            }
            _ => {}
        }
    }
    Ok(p.plan)
}

impl Planner<'_> {
    fn module_info(&mut self, m: usize) -> Result<&ModuleInfo> {
        if self.plan.modules[m].is_none() {
            let range = self.parsed.modules[m].clone();
            let start = range.start as u64;
            let info = environ::parse(&self.wasm[range]).map_err(|mut e| {
                e.offset = e.offset.map(|o| o + start);
                e
            })?;
            self.plan.modules[m] = Some(info);
        }
        Ok(self.plan.modules[m].as_ref().unwrap())
    }

    /// Instantiate component definition `def` with `args` (none for the root).
    fn instantiate(
        &mut self,
        def: usize,
        enclosing: Option<Rc<RefCell<Frame>>>,
        args: Option<HashMap<String, Def>>,
    ) -> Result<Rc<RefCell<Frame>>> {
        let cinst = self.plan.num_cinst;
        self.plan.num_cinst += 1;
        let frame = Rc::new(RefCell::new(Frame {
            cinst,
            parent: enclosing,
            ..Frame::default()
        }));
        let items = &self.parsed.components[def].items;
        for item in items {
            self.item(&frame, item, args.as_ref())?;
        }
        Ok(frame)
    }

    fn item(
        &mut self,
        frame: &Rc<RefCell<Frame>>,
        item: &Item,
        args: Option<&HashMap<String, Def>>,
    ) -> Result<()> {
        match item {
            Item::CoreModule(m) => frame.borrow_mut().modules.push(*m),
            Item::CoreType => {}
            Item::CoreInstantiate { module, args } => {
                let m = frame.borrow().modules[*module as usize];
                let imports = self.module_info(m)?.imports.clone();
                let mut defs = Vec::with_capacity(imports.len());
                {
                    let f = frame.borrow();
                    for imp in &imports {
                        let (_, inst) = args
                            .iter()
                            .find(|(n, _)| *n == imp.module)
                            .ok_or_else(|| internal("missing core instantiation argument"))?;
                        let def = self.core_export(&f.core_instances[*inst as usize], &imp.name)?;
                        defs.push(def);
                    }
                }
                let k = self.plan.instances.len() as u32;
                self.plan.instances.push(CoreInstance {
                    module: m,
                    imports: defs,
                });
                self.plan.steps.push(Step::CoreInstance(k));
                frame
                    .borrow_mut()
                    .core_instances
                    .push(CoreInst::Instance(k));
            }
            Item::CoreFromExports(list) => {
                let f = frame.borrow();
                let bag = list
                    .iter()
                    .map(|(n, k, i)| Ok((n.clone(), Self::core_def(&f, *k, *i)?)))
                    .collect::<Result<_>>()?;
                drop(f);
                frame.borrow_mut().core_instances.push(CoreInst::Bag(bag));
            }
            Item::CoreAlias {
                kind,
                instance,
                name,
            } => {
                let def = {
                    let f = frame.borrow();
                    self.core_export(&f.core_instances[*instance as usize], name)?
                };
                let _ = kind;
                Self::push_core(&mut frame.borrow_mut(), def);
            }
            Item::Canon(c) => {
                let cinst = frame.borrow().cinst;
                let t = match c {
                    CanonCore::Lower { func, ty, opts } => {
                        let callee = frame.borrow().funcs[*func as usize].clone();
                        let caller = self.options(frame, opts)?;
                        match callee {
                            FuncDef::Lifted(l) => Trampoline::Adapter {
                                caller,
                                caller_cinst: cinst,
                                callee: l,
                            },
                            FuncDef::Host { name, .. } => {
                                let ty = Self::map_func(&frame.borrow(), ty)?;
                                if !self.plan.host_imports.contains(&name) {
                                    self.plan.host_imports.push(name.clone());
                                }
                                Trampoline::HostImport {
                                    name,
                                    ty,
                                    opts: caller,
                                    cinst,
                                }
                            }
                        }
                    }
                    CanonCore::ResourceNew(t) => Trampoline::ResourceNew {
                        resource: self.resource_of(frame, *t)?,
                        cinst,
                    },
                    CanonCore::ResourceDrop(t) => Trampoline::ResourceDrop {
                        resource: self.resource_of(frame, *t)?,
                        cinst,
                    },
                    CanonCore::ResourceRep(t) => Trampoline::ResourceRep {
                        resource: self.resource_of(frame, *t)?,
                        cinst,
                    },
                    CanonCore::ContextGet(s) => Trampoline::ContextGet(*s),
                    CanonCore::ContextSet(s) => Trampoline::ContextSet(*s),
                    CanonCore::Unsupported {
                        params,
                        results,
                        checks_leave,
                    } => Trampoline::Unsupported {
                        params: params.clone(),
                        results: results.clone(),
                        checks_leave: *checks_leave,
                        cinst,
                    },
                };
                let index = self.plan.trampolines.len() as u32;
                self.plan.trampolines.push(t);
                frame
                    .borrow_mut()
                    .core_funcs
                    .push(CoreFunc::Trampoline(index));
            }
            Item::Lift {
                core_func,
                ty,
                opts,
            } => {
                let core = frame.borrow().core_funcs[*core_func as usize];
                let opts = self.options(frame, opts)?;
                let ty = Self::map_func(&frame.borrow(), ty)?;
                let cinst = frame.borrow().cinst;
                frame
                    .borrow_mut()
                    .funcs
                    .push(FuncDef::Lifted(Rc::new(Lifted {
                        core,
                        ty,
                        opts,
                        cinst,
                        name: Default::default(),
                    })));
            }
            Item::Component(d) => {
                let r = ComponentRef {
                    def: *d,
                    enclosing: frame.clone(),
                };
                frame.borrow_mut().components.push(r);
            }
            Item::Instantiate {
                component,
                args: list,
                keys,
            } => {
                let c = frame.borrow().components[*component as usize].clone();
                let mut map = HashMap::new();
                for (name, sort, index) in list {
                    map.insert(name.clone(), Self::def_of(&frame.borrow(), *sort, *index)?);
                }
                let child = self.instantiate(c.def, Some(c.enclosing), Some(map))?;
                let exports = std::mem::take(&mut child.borrow_mut().exports);
                let inst = Rc::new(InstanceDef::Exports(exports));
                self.bind_instance_keys(frame, &inst, &keys.exported)?;
                frame.borrow_mut().instances.push(inst);
            }
            Item::FromExports { exports, keys } => {
                let mut map = HashMap::new();
                for (name, sort, index) in exports {
                    map.insert(name.clone(), Self::def_of(&frame.borrow(), *sort, *index)?);
                }
                let inst = Rc::new(InstanceDef::Exports(map));
                self.bind_instance_keys(frame, &inst, &keys.exported)?;
                frame.borrow_mut().instances.push(inst);
            }
            Item::Alias {
                sort,
                instance,
                name,
                keys,
                value,
            } => {
                let inst = frame.borrow().instances[*instance as usize].clone();
                let def = self.instance_export(frame, &inst, name, *sort, value.as_ref())?;
                self.push_def(frame, def, keys)?;
            }
            Item::OuterAlias {
                sort,
                count,
                index,
                keys,
            } => {
                let mut f = frame.clone();
                for _ in 0..*count {
                    let p = f
                        .borrow()
                        .parent
                        .clone()
                        .ok_or_else(|| internal("outer alias past the root"))?;
                    f = p;
                }
                let def = Self::def_of(&f.borrow(), *sort, *index)?;
                self.push_def(frame, def, keys)?;
            }
            Item::Import {
                name,
                sort,
                keys,
                value,
            } => {
                let def = match args {
                    Some(a) => a
                        .get(name)
                        .cloned()
                        .ok_or_else(|| internal("missing instantiation argument"))?,
                    None => self.root_import(frame, name, *sort, value.as_ref())?,
                };
                self.push_def(frame, def, keys)?;
            }
            Item::Export {
                name,
                sort,
                index,
                keys,
            } => {
                let def = Self::def_of(&frame.borrow(), *sort, *index)?;
                name_exported(&def, name);
                self.name_resources(&def, name);
                frame.borrow_mut().exports.insert(name.clone(), def.clone());
                self.push_def(frame, def, keys)?;
            }
            Item::Type { keys, resource } => {
                let t = match resource {
                    Some(dtor) => {
                        let (owner, dtor) = {
                            let f = frame.borrow();
                            (f.cinst, dtor.map(|d| f.core_funcs[d as usize]))
                        };
                        self.plan.resources.push(Resource {
                            owner,
                            dtor,
                            host_name: None,
                            name: None,
                        });
                        TypeDef::Resource(self.plan.resources.len() as u32 - 1)
                    }
                    None => TypeDef::Other,
                };
                self.push_def(frame, Def::Type(t), keys)?;
            }
            Item::Start {
                func,
                args,
                results,
            } => {
                let func = match frame.borrow().funcs[*func as usize].clone() {
                    FuncDef::Lifted(l) => l,
                    FuncDef::Host { .. } => {
                        return Err(unsupported("a root import as the start function"))
                    }
                };
                let args = {
                    let f = frame.borrow();
                    args.iter()
                        .map(|v| f.values.get(*v as usize).copied())
                        .collect::<Option<Vec<u32>>>()
                        .ok_or_else(|| internal("value index out of range"))?
                };
                let i = self.plan.starts.len() as u32;
                let result = match (&func.ty.result, results) {
                    (Some(ty), 1) => Some(self.new_value(ty.clone(), ValueSource::StartResult(i))),
                    (None, 0) => None,
                    _ => return Err(internal("start results do not match the function")),
                };
                self.plan.starts.push(Start { func, args, result });
                self.plan.steps.push(Step::Start(i));
                if let Some(v) = result {
                    frame.borrow_mut().values.push(v);
                }
            }
        }
        Ok(())
    }

    fn new_value(&mut self, ty: ValType, source: ValueSource) -> u32 {
        self.plan.values.push(Value { ty, source });
        self.plan.values.len() as u32 - 1
    }

    /// A value the host provides: root import `path` of type `ty` (as the
    /// front end read it, with resource keys of `frame`).
    fn host_value(
        &mut self,
        frame: &Rc<RefCell<Frame>>,
        path: String,
        ty: Option<&ValType>,
    ) -> Result<Def> {
        let ty = ty.ok_or_else(|| internal("a value import without its type"))?;
        let ty = map_val(&frame.borrow(), ty)?;
        Ok(Def::Value(self.new_value(ty, ValueSource::Import(path))))
    }

    fn root_import(
        &mut self,
        frame: &Rc<RefCell<Frame>>,
        name: &str,
        sort: Sort,
        value: Option<&ValType>,
    ) -> Result<Def> {
        Ok(match sort {
            Sort::Func => Def::Func(FuncDef::Host {
                name: name.to_string(),
            }),
            Sort::Instance => Def::Instance(Rc::new(InstanceDef::Host(name.to_string()))),
            Sort::Type => Def::Type(TypeDef::Host(name.to_string())),
            Sort::Module => {
                return Err(unsupported(
                    "importing a core module into the root component",
                ))
            }
            Sort::Component => {
                return Err(unsupported("importing a component into the root component"))
            }
            Sort::Value => self.host_value(frame, name.to_string(), value)?,
        })
    }

    /// Names the guest resources `def` exports as `name` (a resource type,
    /// or those of an instance as `name#type`), where they have no name yet.
    fn name_resources(&mut self, def: &Def, name: &str) {
        let mut set = |r: u32, n: String| {
            if let Some(res) = self.plan.resources.get_mut(r as usize) {
                res.name.get_or_insert(n);
            }
        };
        match def {
            Def::Type(TypeDef::Resource(r)) => set(*r, name.to_string()),
            Def::Instance(inst) => {
                if let InstanceDef::Exports(map) = &**inst {
                    for (n, d) in map {
                        if let Def::Type(TypeDef::Resource(r)) = d {
                            set(*r, format!("{name}#{n}"));
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The host resource with wasmparser key `key`. The first import path
    /// that reaches it names it (the interface defining the resource, as
    /// imports come in dependency order); other interfaces that `use` the
    /// type reach the same resource.
    fn host_resource(&mut self, key: u32, path: &str) -> u32 {
        if let Some(r) = self.host_resources.get(&key) {
            return *r;
        }
        self.plan.resources.push(Resource {
            owner: HOST,
            dtor: None,
            host_name: Some(path.to_string()),
            name: None,
        });
        let r = self.plan.resources.len() as u32 - 1;
        self.host_resources.insert(key, r);
        r
    }

    fn instance_export(
        &mut self,
        frame: &Rc<RefCell<Frame>>,
        inst: &InstanceDef,
        name: &str,
        sort: Sort,
        value: Option<&ValType>,
    ) -> Result<Def> {
        match inst {
            InstanceDef::Exports(map) => map
                .get(name)
                .cloned()
                .ok_or_else(|| internal("missing instance export")),
            InstanceDef::Host(path) => {
                let path = format!("{path}#{name}");
                match sort {
                    // The type is taken from the `canon lower` that uses it.
                    Sort::Func => Ok(Def::Func(FuncDef::Host { name: path })),
                    Sort::Instance => Ok(Def::Instance(Rc::new(InstanceDef::Host(path)))),
                    Sort::Type => Ok(Def::Type(TypeDef::Host(path))),
                    Sort::Value => self.host_value(frame, path, value),
                    _ => Err(unsupported("this export of an imported instance")),
                }
            }
        }
    }

    /// Adds `def` to its index space and binds the resource keys it brings.
    fn push_def(
        &mut self,
        frame: &Rc<RefCell<Frame>>,
        def: Def,
        keys: &super::front::Keys,
    ) -> Result<()> {
        let def = match (def, keys.own) {
            (Def::Type(TypeDef::Host(path)), Some(k)) => {
                Def::Type(TypeDef::Resource(self.host_resource(k, &path)))
            }
            (Def::Type(TypeDef::Host(_)), None) => Def::Type(TypeDef::Other),
            (d, _) => d,
        };
        if let (Some(k), Def::Type(TypeDef::Resource(r))) = (keys.own, &def) {
            frame.borrow_mut().resources.insert(k, *r);
        }
        if let Def::Instance(inst) = &def {
            self.bind_instance_keys(frame, inst, &keys.exported)?;
        }
        let mut f = frame.borrow_mut();
        match def {
            Def::Module(m) => f.modules.push(m),
            Def::Func(x) => f.funcs.push(x),
            Def::Value(v) => f.values.push(v),
            Def::Type(t) => f.types.push(t),
            Def::Instance(i) => f.instances.push(i),
            Def::Component(c) => f.components.push(c),
        }
        Ok(())
    }

    fn bind_instance_keys(
        &mut self,
        frame: &Rc<RefCell<Frame>>,
        inst: &Rc<InstanceDef>,
        keys: &[(Vec<String>, u32)],
    ) -> Result<()> {
        for (path, key) in keys {
            let mut cur = inst.clone();
            let mut def = None;
            for (i, name) in path.iter().enumerate() {
                let sort = if i + 1 == path.len() {
                    Sort::Type
                } else {
                    Sort::Instance
                };
                let d = self.instance_export(frame, &cur, name, sort, None)?;
                if let Def::Instance(next) = &d {
                    cur = next.clone();
                }
                def = Some(d);
            }
            let r = match def {
                Some(Def::Type(TypeDef::Resource(r))) => r,
                Some(Def::Type(TypeDef::Host(path))) => self.host_resource(*key, &path),
                _ => continue,
            };
            {
                frame.borrow_mut().resources.insert(*key, r);
            }
        }
        Ok(())
    }

    fn def_of(f: &Frame, sort: Sort, index: u32) -> Result<Def> {
        let i = index as usize;
        let missing = || internal("index out of range");
        Ok(match sort {
            Sort::Module => Def::Module(*f.modules.get(i).ok_or_else(missing)?),
            Sort::Func => Def::Func(f.funcs.get(i).ok_or_else(missing)?.clone()),
            Sort::Value => Def::Value(*f.values.get(i).ok_or_else(missing)?),
            Sort::Type => Def::Type(f.types.get(i).cloned().unwrap_or(TypeDef::Other)),
            Sort::Instance => Def::Instance(f.instances.get(i).ok_or_else(missing)?.clone()),
            Sort::Component => Def::Component(f.components.get(i).ok_or_else(missing)?.clone()),
        })
    }

    fn core_def(f: &Frame, kind: CoreKind, index: u32) -> Result<CoreDef> {
        let i = index as usize;
        let missing = || internal("core index out of range");
        Ok(match kind {
            CoreKind::Func => CoreDef::Func(*f.core_funcs.get(i).ok_or_else(missing)?),
            CoreKind::Table => CoreDef::Table(*f.tables.get(i).ok_or_else(missing)?),
            CoreKind::Memory => CoreDef::Memory(*f.memories.get(i).ok_or_else(missing)?),
            CoreKind::Global => CoreDef::Global(*f.globals.get(i).ok_or_else(missing)?),
            CoreKind::Tag => CoreDef::Tag(*f.tags.get(i).ok_or_else(missing)?),
        })
    }

    fn push_core(f: &mut Frame, def: CoreDef) {
        match def {
            CoreDef::Func(x) => f.core_funcs.push(x),
            CoreDef::Table(x) => f.tables.push(x),
            CoreDef::Memory(x) => f.memories.push(x),
            CoreDef::Global(x) => f.globals.push(x),
            CoreDef::Tag(x) => f.tags.push(x),
        }
    }

    /// Export `name` of a core instance, resolved to its defining instance.
    fn core_export(&mut self, inst: &CoreInst, name: &str) -> Result<CoreDef> {
        match inst {
            CoreInst::Bag(map) => map
                .get(name)
                .copied()
                .ok_or_else(|| internal("missing core export")),
            CoreInst::Instance(k) => {
                let k = *k;
                let m = self.plan.instances[k as usize].module;
                let info = self.module_info(m)?;
                let e = info
                    .exports
                    .iter()
                    .find(|e| e.name == name)
                    .ok_or_else(|| internal("missing core export"))?
                    .clone();
                // An import re-exported: what the import was bound to.
                if let Some(pos) = info
                    .imports
                    .iter()
                    .position(|i| i.kind == e.kind && i.index == e.index)
                {
                    return Ok(self.plan.instances[k as usize].imports[pos]);
                }
                let item = CoreItem {
                    instance: k,
                    index: e.index,
                };
                Ok(match e.kind {
                    kind::FUNC => CoreDef::Func(CoreFunc::Defined {
                        instance: k,
                        index: e.index,
                    }),
                    kind::TABLE => CoreDef::Table(item),
                    kind::MEMORY => CoreDef::Memory(item),
                    kind::GLOBAL => CoreDef::Global(item),
                    kind::TAG => CoreDef::Tag(item),
                    _ => return Err(unsupported("this kind of core export")),
                })
            }
        }
    }

    fn resource_of(&self, frame: &Rc<RefCell<Frame>>, t: u32) -> Result<u32> {
        match frame.borrow().types.get(t as usize) {
            Some(TypeDef::Resource(r)) => Ok(*r),
            _ => Err(internal(
                "resource built-in on a type that is not a resource",
            )),
        }
    }

    fn options(&mut self, frame: &Rc<RefCell<Frame>>, o: &Options) -> Result<ResolvedOptions> {
        if let Some(what) = o.unsupported {
            return Err(unsupported(what));
        }
        let f = frame.borrow();
        let memory = match o.memory {
            Some(m) => {
                let item = *f
                    .memories
                    .get(m as usize)
                    .ok_or_else(|| internal("memory index"))?;
                let slot = match self.plan.memories.iter().position(|x| *x == item) {
                    Some(s) => s,
                    None => {
                        self.plan.memories.push(item);
                        self.plan.memories.len() - 1
                    }
                };
                Some(slot as u32)
            }
            None => None,
        };
        let func = |i: Option<u32>| -> Result<Option<CoreFunc>> {
            i.map(|i| {
                f.core_funcs
                    .get(i as usize)
                    .copied()
                    .ok_or_else(|| internal("function index"))
            })
            .transpose()
        };
        Ok(ResolvedOptions {
            encoding: o.encoding,
            memory,
            realloc: func(o.realloc)?,
            post_return: func(o.post_return)?,
        })
    }

    /// The type with resource keys replaced by run-time resources.
    fn map_func(f: &Frame, ty: &FuncType) -> Result<FuncType> {
        Ok(FuncType {
            params: ty
                .params
                .iter()
                .map(|(n, t)| Ok((n.clone(), map_val(f, t)?)))
                .collect::<Result<_>>()?,
            result: ty.result.as_ref().map(|t| map_val(f, t)).transpose()?,
        })
    }
}

fn map_val(f: &Frame, t: &ValType) -> Result<ValType> {
    let res = |k: &u32| {
        f.resources
            .get(k)
            .copied()
            .ok_or_else(|| internal("a resource type was not bound"))
    };
    let m = |t: &ValType| map_val(f, t);
    let mb = |t: &ValType| map_val(f, t).map(Box::new);
    Ok(match t {
        ValType::Own(k) => ValType::Own(res(k)?),
        ValType::Borrow(k) => ValType::Borrow(res(k)?),
        ValType::List(e, n) => ValType::List(mb(e)?, *n),
        ValType::Record(fs) => ValType::Record(
            fs.iter()
                .map(|(n, t)| Ok((n.clone(), m(t)?)))
                .collect::<Result<_>>()?,
        ),
        ValType::Tuple(ts) => ValType::Tuple(ts.iter().map(m).collect::<Result<_>>()?),
        ValType::Variant(cs) => ValType::Variant(
            cs.iter()
                .map(|(n, t)| Ok((n.clone(), t.as_ref().map(m).transpose()?)))
                .collect::<Result<_>>()?,
        ),
        ValType::Option(t) => ValType::Option(mb(t)?),
        ValType::Result { ok, err } => ValType::Result {
            ok: ok.as_deref().map(mb).transpose()?,
            err: err.as_deref().map(mb).transpose()?,
        },
        ValType::Map(k, v) => ValType::Map(mb(k)?, mb(v)?),
        other => other.clone(),
    })
}

/// Names the lifted functions `def` exports as `name` (a function, or the
/// functions of an instance as `name#func`), where they have no name yet.
fn name_exported(def: &Def, name: &str) {
    let set = |l: &Lifted, n: String| {
        let mut slot = l.name.borrow_mut();
        if slot.is_none() {
            *slot = Some(n);
        }
    };
    match def {
        Def::Func(FuncDef::Lifted(l)) => set(l, name.to_string()),
        Def::Instance(inst) => {
            if let InstanceDef::Exports(map) = &**inst {
                for (n, d) in map {
                    if let Def::Func(FuncDef::Lifted(l)) = d {
                        set(l, format!("{name}#{n}"));
                    }
                }
            }
        }
        _ => {}
    }
}
