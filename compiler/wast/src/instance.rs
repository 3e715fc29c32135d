//! Instances of the script's modules and the resolution of their imports:
//! the `WaccImport` array is built from registered instances by module and
//! field name, after checking that each export matches the import's kind
//! and type (wasm 2 import matching: equal function and global types, table
//! and memory limits compared with the provider's current size; equal tag
//! types).

use super::build::Compiled;
use super::dylib::Library;
use super::host::HostFunc;
use super::meta::ModuleMeta;
use super::value::{Arg, Ty, Val};
use std::collections::HashMap;
use std::ffi::c_void;
use std::rc::Rc;
use wacc_abi::{
    kind, ModuleDesc, TrapCode, VMFuncRef, VMMemory, VMStore, VMTable, ValRaw, WaccImport,
    FUNCREF_SIZE, WASM_PAGE_SIZE,
};
use wasmparser::{AbstractHeapType, FuncType, HeapType, RefType, ValType};

/// Index into [`Store::instances`].
pub type InstId = usize;

pub struct Instance {
    pub vmctx: *mut c_void,
    pub desc: *const ModuleDesc,
    pub meta: Rc<ModuleMeta>,
}

/// Something an instance exports.
pub enum Extern {
    Func {
        funcref: *const VMFuncRef,
        ty: FuncType,
    },
    Table(*mut VMTable),
    Memory(*mut VMMemory),
    Global {
        cell: *mut u8,
        ty: ValType,
        mutable: bool,
    },
    /// A tag: `identity` is the value of the exporter's tag slot (what
    /// catch clauses compare), `ty` its parameters, `key` the identity of
    /// its type (see `typekey`).
    Tag {
        identity: *const c_void,
        ty: FuncType,
        key: String,
    },
}

/// Why instantiation failed.
#[derive(Debug)]
pub enum InstantiateError {
    /// import resolution or matching failed (before running any code)
    Link(String),
    /// the runtime returned this trap code
    Trap(u32),
    /// anything else (missing descriptor, ...)
    Other(String),
}

impl std::fmt::Display for InstantiateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InstantiateError::Link(m) => write!(f, "link error: {m}"),
            InstantiateError::Trap(c) => write!(f, "instantiation trapped: {}", trap_message(*c)),
            InstantiateError::Other(m) => write!(f, "{m}"),
        }
    }
}

/// Message of a trap code returned by the runtime.
pub fn trap_message(code: u32) -> String {
    match TrapCode::from_u32(code) {
        Some(c) => c.message().to_string(),
        None => format!("unknown trap code {code}"),
    }
}

struct TableDecl {
    elem: RefType,
    max: Option<u64>,
    table64: bool,
}

struct MemoryDecl {
    max: Option<u64>,
    memory64: bool,
    shared: bool,
}

enum Provider {
    /// exports of these instances, the first that has the name
    Instances(Vec<InstId>),
    Host(Vec<HostFunc>),
}

/// All instances of one script, sharing one runtime store.
pub struct Store<'l> {
    lib: &'l Library,
    vmstore: *mut VMStore,
    pub instances: Vec<Instance>,
    /// declared types of table/memory objects, by address
    tables: HashMap<usize, TableDecl>,
    memories: HashMap<usize, MemoryDecl>,
    /// import module names
    registered: HashMap<String, Provider>,
    /// why an import is missing, when known
    unavailable: HashMap<(String, String), String>,
}

unsafe fn at<T>(vmctx: *mut c_void, off: u32) -> *mut T {
    // SAFETY: `off` lies inside this vmctx (an offset from its descriptor).
    unsafe { (vmctx as *mut u8).add(off as usize) as *mut T }
}

impl<'l> Store<'l> {
    pub fn new(lib: &'l Library) -> Result<Store<'l>, String> {
        // SAFETY: entry point with the signature in abi.rs.
        let vmstore = unsafe { (lib.store_new)() };
        if vmstore.is_null() {
            return Err("wacc_rt_store_new returned null".into());
        }
        Ok(Store {
            lib,
            vmstore,
            instances: vec![],
            tables: HashMap::new(),
            memories: HashMap::new(),
            registered: HashMap::new(),
            unavailable: HashMap::new(),
        })
    }

    /// The runtime store all instances share.
    pub fn vmstore(&self) -> *mut VMStore {
        self.vmstore
    }

    pub fn library(&self) -> &'l Library {
        self.lib
    }

    pub fn register_host(&mut self, module: &str, funcs: Vec<HostFunc>) {
        self.registered
            .insert(module.to_string(), Provider::Host(funcs));
    }

    pub fn register(&mut self, module: &str, inst: InstId) {
        self.registered
            .insert(module.to_string(), Provider::Instances(vec![inst]));
    }

    /// Add `inst`'s exports to those of an already registered name.
    pub fn register_also(&mut self, module: &str, inst: InstId) {
        match self.registered.get_mut(module) {
            Some(Provider::Instances(v)) => v.push(inst),
            _ => self.register(module, inst),
        }
    }

    /// Remember why `module`.`name` cannot be imported (for messages).
    pub fn note_unavailable(&mut self, module: &str, name: &str, why: &str) {
        self.unavailable
            .insert((module.to_string(), name.to_string()), why.to_string());
    }

    fn desc(&self, c: &Compiled) -> Result<*const ModuleDesc, InstantiateError> {
        let sym = format!("{}_desc", c.prefix);
        self.lib
            .symbol(&sym)
            .map(|p| p as *const ModuleDesc)
            .map_err(InstantiateError::Other)
    }

    /// What `inst` exports under `name`.
    pub fn export(&self, inst: InstId, name: &str) -> Option<Extern> {
        let i = &self.instances[inst];
        let e = i.meta.export(name)?;
        let idx = e.index;
        // SAFETY: the vmctx layout is described by the instance's descriptor,
        // and every slot read here was filled by instantiation.
        // SAFETY: `off` lies inside this vmctx (an offset from its descriptor).
        unsafe {
            let d = &*i.desc;
            Some(match e.kind {
                kind::FUNC => Extern::Func {
                    funcref: at(i.vmctx, d.off_funcrefs + FUNCREF_SIZE * idx),
                    ty: i.meta.func_types[idx as usize].clone(),
                },
                kind::TABLE => Extern::Table(*at(i.vmctx, d.off_table_ptrs + 8 * idx)),
                kind::MEMORY => Extern::Memory(*at(i.vmctx, d.off_memory_ptrs + 8 * idx)),
                kind::GLOBAL => {
                    let (ty, mutable) = i.meta.globals[idx as usize];
                    Extern::Global {
                        cell: *at(i.vmctx, d.off_global_ptrs + 8 * idx),
                        ty,
                        mutable,
                    }
                }
                kind::TAG => Extern::Tag {
                    identity: *at(i.vmctx, d.off_tags + 8 * idx),
                    ty: i.meta.tags[idx as usize].clone(),
                    key: i.meta.tag_keys[idx as usize].clone(),
                },
                _ => return None,
            })
        }
    }

    fn resolve(&self, module: &str, name: &str) -> Result<Extern, String> {
        let found = match self.registered.get(module) {
            None => {
                return Err(format!(
                    "unknown import: no module `{module}` is registered"
                ))
            }
            Some(Provider::Instances(insts)) => insts.iter().find_map(|i| self.export(*i, name)),
            Some(Provider::Host(funcs)) => {
                funcs.iter().find(|f| f.name == name).map(|f| Extern::Func {
                    funcref: &*f.funcref,
                    ty: f.ty.clone(),
                })
            }
        };
        found.ok_or_else(|| {
            let mut m = format!("unknown import: `{module}` has no export `{name}`");
            if let Some(why) = self
                .unavailable
                .get(&(module.to_string(), name.to_string()))
            {
                m.push_str(&format!(" ({why})"));
            }
            m
        })
    }

    /// Build the import array for `meta`, checking every import's type.
    fn imports(&self, meta: &ModuleMeta) -> Result<Vec<WaccImport>, String> {
        let mut out = Vec::with_capacity(meta.imports.len());
        for imp in &meta.imports {
            let ext = self.resolve(&imp.module, &imp.name)?;
            let incompatible = |why: String| {
                format!(
                    "incompatible import type for `{}`.`{}`: {why}",
                    imp.module, imp.name
                )
            };
            let idx = imp.index as usize;
            let value = match (imp.kind, ext) {
                (kind::FUNC, Extern::Func { funcref, ty }) => {
                    let want = &meta.func_types[idx];
                    if *want != ty {
                        return Err(incompatible(format!("expected {want}, found {ty}")));
                    }
                    WaccImport { func: funcref }
                }
                (kind::GLOBAL, Extern::Global { cell, ty, mutable }) => {
                    let (want, want_mut) = meta.globals[idx];
                    let type_ok = if want_mut {
                        want == ty
                    } else {
                        val_subtype(ty, want)
                    };
                    if !type_ok || want_mut != mutable {
                        return Err(incompatible(format!(
                            "expected {}{want}, found {}{ty}",
                            if want_mut { "mut " } else { "" },
                            if mutable { "mut " } else { "" }
                        )));
                    }
                    WaccImport { global: cell }
                }
                (kind::TABLE, Extern::Table(t)) => {
                    let want = &meta.tables[idx];
                    let decl = self
                        .tables
                        .get(&(t as usize))
                        .ok_or_else(|| incompatible("unknown table object".into()))?;
                    // SAFETY: t is a live table of a registered instance.
                    let cur = unsafe { (*t).length } as u64;
                    if meta.is_table64(idx) != decl.table64 {
                        return Err(incompatible("32-bit vs 64-bit table".into()));
                    }
                    if want.elem != decl.elem {
                        return Err(incompatible(format!(
                            "element type {} vs {}",
                            want.elem, decl.elem
                        )));
                    }
                    limits_match(want.min, want.max, cur, decl.max).map_err(incompatible)?;
                    WaccImport { table: t }
                }
                (kind::MEMORY, Extern::Memory(m)) => {
                    let want = &meta.memories[idx];
                    let decl = self
                        .memories
                        .get(&(m as usize))
                        .ok_or_else(|| incompatible("unknown memory object".into()))?;
                    if want.memory64 != decl.memory64 || want.shared != decl.shared {
                        return Err(incompatible("memory64/shared flags differ".into()));
                    }
                    // SAFETY: m is a live memory of a registered instance.
                    let cur = unsafe { (*m).length } / WASM_PAGE_SIZE;
                    limits_match(want.min_pages, want.max_pages, cur, decl.max)
                        .map_err(incompatible)?;
                    WaccImport { memory: m }
                }
                // Tag types match exactly: equivalent types, rec groups
                // included.
                (kind::TAG, Extern::Tag { identity, ty, key }) => {
                    let want = &meta.tags[idx];
                    if *want != ty {
                        return Err(incompatible(format!("expected tag {want}, found {ty}")));
                    }
                    if meta.tag_keys[idx] != key {
                        return Err(incompatible(format!(
                            "tag type {want} is a different type (recursion group) than the export's"
                        )));
                    }
                    WaccImport { tag: identity }
                }
                (k, _) => return Err(incompatible(format!("export is not a {}", kind_name(k)))),
            };
            out.push(value);
        }
        Ok(out)
    }

    /// Instantiate a compiled module.
    pub fn instantiate(&mut self, c: &Compiled) -> Result<InstId, InstantiateError> {
        let desc = self.desc(c)?;
        // SAFETY: desc points at the module's static descriptor.
        let nimports = unsafe { (*desc).num_imports } as usize;
        if nimports != c.meta.imports.len() {
            return Err(InstantiateError::Other(format!(
                "descriptor lists {nimports} imports, the module {}",
                c.meta.imports.len()
            )));
        }
        let imports = self.imports(&c.meta).map_err(InstantiateError::Link)?;
        let mut vmctx: *mut c_void = std::ptr::null_mut();
        // SAFETY: imports match desc.imports one to one, and every pointer
        // in them is owned by a live instance or by the store.
        // SAFETY: `off` lies inside this vmctx (an offset from its descriptor).
        let code = unsafe {
            (self.lib.instantiate)(
                self.vmstore,
                desc,
                imports.as_ptr(),
                imports.len(),
                &mut vmctx,
            )
        };
        if code != 0 {
            return Err(InstantiateError::Trap(code));
        }
        if vmctx.is_null() {
            return Err(InstantiateError::Other(
                "wacc_rt_instantiate succeeded but returned no vmctx".into(),
            ));
        }
        let meta = Rc::new(c.meta.clone());
        // SAFETY: instantiation filled the table and memory pointer slots.
        unsafe {
            let d = &*desc;
            for (i, t) in meta.tables.iter().enumerate().filter(|(_, t)| !t.imported) {
                let p: *mut VMTable = *at(vmctx, d.off_table_ptrs + 8 * i as u32);
                self.tables.insert(
                    p as usize,
                    TableDecl {
                        elem: t.elem,
                        max: t.max,
                        table64: meta.is_table64(i),
                    },
                );
            }
            for (i, m) in meta
                .memories
                .iter()
                .enumerate()
                .filter(|(_, m)| !m.imported)
            {
                let p: *mut VMMemory = *at(vmctx, d.off_memory_ptrs + 8 * i as u32);
                self.memories.insert(
                    p as usize,
                    MemoryDecl {
                        max: m.max_pages,
                        memory64: m.memory64,
                        shared: m.shared,
                    },
                );
            }
        }
        self.instances.push(Instance { vmctx, desc, meta });
        Ok(self.instances.len() - 1)
    }

    /// Call an exported function. `Ok(Err(code))` is a trap.
    pub fn invoke(
        &self,
        inst: InstId,
        name: &str,
        args: &[Arg],
    ) -> Result<Result<Vec<Val>, u32>, String> {
        let (funcref, ty) = match self.export(inst, name) {
            Some(Extern::Func { funcref, ty }) => (funcref, ty),
            Some(_) => return Err(format!("export `{name}` is not a function")),
            None => return Err(format!("no export `{name}`")),
        };
        let tys = |ts: &[ValType]| -> Result<Vec<Ty>, String> {
            ts.iter()
                .map(|t| Ty::of(*t).ok_or_else(|| format!("unsupported value type {t}")))
                .collect()
        };
        let params = tys(ty.params())?;
        let results = tys(ty.results())?;
        if params.len() != args.len() {
            return Err(format!(
                "`{name}` takes {} argument(s), the script passes {}",
                params.len(),
                args.len()
            ));
        }
        let mut values = vec![ValRaw::default(); params.len().max(results.len()).max(1)];
        for (i, (a, t)) in args.iter().zip(&params).enumerate() {
            values[i] = a.to_raw(*t)?;
        }
        // SAFETY: funcref points into a live vmctx.
        let f = unsafe { *funcref };
        if f.array_call.is_null() {
            return Err(format!("`{name}` has no array-call trampoline"));
        }
        // SAFETY: the trampoline reads params from and writes results to
        // `values`, which is large enough for both.
        // SAFETY: `off` lies inside this vmctx (an offset from its descriptor).
        let code = unsafe { (self.lib.invoke)(f.vmctx, f.array_call, values.as_mut_ptr()) };
        if code != 0 {
            return Ok(Err(code));
        }
        Ok(Ok(results
            .iter()
            .enumerate()
            .map(|(i, t)| Val::read(&values[i], *t))
            .collect()))
    }

    /// Read an exported global.
    pub fn get(&self, inst: InstId, name: &str) -> Result<Val, String> {
        match self.export(inst, name) {
            Some(Extern::Global { cell, ty, .. }) => {
                let t = Ty::of(ty).ok_or_else(|| format!("unsupported value type {ty}"))?;
                // SAFETY: cell is a live 16-byte global cell.
                let bytes = unsafe { *(cell as *const [u8; 16]) };
                Ok(Val::from_cell(&bytes, t))
            }
            Some(_) => Err(format!("export `{name}` is not a global")),
            None => Err(format!("no export `{name}`")),
        }
    }
}

fn kind_name(k: u32) -> &'static str {
    match k {
        kind::FUNC => "function",
        kind::TABLE => "table",
        kind::MEMORY => "memory",
        kind::GLOBAL => "global",
        kind::TAG => "tag",
        _ => "known kind",
    }
}

/// `have <: want` for value types: equal, or references to the same heap
/// type where only `want` may be null (the cases immutable global imports
/// need without the gc type hierarchy).
pub fn val_subtype(have: ValType, want: ValType) -> bool {
    match (have, want) {
        (ValType::Ref(h), ValType::Ref(w)) => {
            heap_subtype(h.heap_type(), w.heap_type()) && (w.is_nullable() || !h.is_nullable())
        }
        (h, w) => h == w,
    }
}

/// Heap-type subtyping for the function and extern hierarchies: a
/// concrete (function) type and `nofunc` are below `func`, `noextern` is
/// below `extern`. Concrete types of different modules are not compared.
fn heap_subtype(have: HeapType, want: HeapType) -> bool {
    use AbstractHeapType::{Extern, Func, NoExtern, NoFunc};
    let abs = |h: HeapType| match h {
        HeapType::Abstract { ty, .. } => Some(ty),
        _ => None,
    };
    have == want
        || matches!(
            (abs(have), abs(want)),
            (None | Some(NoFunc), Some(Func)) | (Some(NoExtern), Some(Extern))
        )
}

/// Limits subtyping: the provider's current size must be at least the
/// import's minimum, and if the import has a maximum the provider's must
/// exist and be no larger.
pub fn limits_match(
    want_min: u64,
    want_max: Option<u64>,
    cur: u64,
    have_max: Option<u64>,
) -> Result<(), String> {
    if cur < want_min {
        return Err(format!("minimum {want_min} exceeds the current size {cur}"));
    }
    match (want_max, have_max) {
        (None, _) => Ok(()),
        (Some(w), Some(h)) if h <= w => Ok(()),
        (Some(w), Some(h)) => Err(format!("maximum {h} exceeds the imported maximum {w}")),
        (Some(w), None) => Err(format!("no maximum, the import requires at most {w}")),
    }
}

#[cfg(test)]
mod tests {
    use super::limits_match;

    #[test]
    fn value_subtypes() {
        use super::val_subtype;
        use wasmparser::{RefType, ValType};
        let func = ValType::Ref(RefType::FUNCREF);
        let nonnull_func = ValType::Ref(RefType::FUNC);
        assert!(val_subtype(nonnull_func, func));
        assert!(!val_subtype(func, nonnull_func));
        assert!(val_subtype(ValType::I32, ValType::I32));
        assert!(!val_subtype(ValType::I32, ValType::I64));
        assert!(val_subtype(func, func));
        assert!(!val_subtype(func, ValType::Ref(RefType::EXTERNREF)));
    }

    #[test]
    fn limits() {
        assert!(limits_match(1, None, 1, None).is_ok());
        assert!(limits_match(2, None, 1, Some(5)).is_err());
        assert!(limits_match(1, Some(5), 1, Some(5)).is_ok());
        assert!(limits_match(1, Some(5), 1, Some(4)).is_ok());
        assert!(limits_match(1, Some(4), 1, Some(5)).is_err());
        assert!(limits_match(1, Some(4), 1, None).is_err());
    }
}
