//! What the compiler knows about a module before translating its function
//! bodies: types, index spaces, segments, exports, and the vmctx layout.
//! Filled by `environ::parse` from wasmparser payloads (validated).

mod parse;
pub use parse::{features, parse};

use wacc_abi as abi;
use wacc_abi::vmctx::{VmctxCounts, VmctxRegions};
use wasmparser::{FuncType, RefType, ValType};

/// Bounds-checking strategy for linear memory accesses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundsChecks {
    /// Rely on a large virtual reservation + guard region and a fault handler.
    Guard,
    /// Compare every access against the current length in code.
    Explicit,
}

/// Options that change generated code.
#[derive(Clone, Copy, Debug)]
pub struct CodegenOptions {
    pub bounds_checks: BoundsChecks,
    pub optimize: bool,
}

#[derive(Clone, Debug)]
pub struct GlobalInfo {
    pub ty: ValType,
    pub mutable: bool,
    /// Some((module, name)) for imported globals
    pub imported: bool,
    /// constant initialiser (defined globals only)
    pub init: Option<ConstExpr>,
}

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
    pub imported: bool,
    /// constant initialiser for the elements (function-references proposal form)
    pub init: Option<ConstExpr>,
}

/// A constant expression, kept as decoded operators (wasm 2 plus the
/// extended-const arithmetic).
#[derive(Clone, Debug, PartialEq)]
pub enum ConstOp {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128([u8; 16]),
    GlobalGet(u32),
    RefNull(RefType),
    RefFunc(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConstExpr(pub Vec<ConstOp>);

#[derive(Clone, Debug)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub kind: u32,
    /// index in that kind's index space
    pub index: u32,
}

#[derive(Clone, Debug)]
pub struct Export {
    pub name: String,
    pub kind: u32,
    pub index: u32,
}

#[derive(Clone, Debug)]
pub enum DataMode {
    Passive,
    Active { memory: u32, offset: ConstExpr },
}

#[derive(Clone, Debug)]
pub struct DataSegment {
    pub mode: DataMode,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug)]
pub enum ElemMode {
    Passive,
    Declared,
    Active { table: u32, offset: ConstExpr },
}

/// One element item: a function index, null, or a global's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ElemItem {
    Func(u32),
    Null,
    Global(u32),
}

#[derive(Clone, Debug)]
pub struct ElemSegment {
    pub mode: ElemMode,
    pub ty: RefType,
    pub items: Vec<ElemItem>,
}

/// A function body: its byte range in the original binary (re-read by a
/// `wasmparser::FunctionBody` in any thread) and the validator for it, run
/// operator by operator during translation.
pub struct Body {
    pub range: std::ops::Range<usize>,
    pub validator: wasmparser::FuncToValidate<wasmparser::ValidatorResources>,
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Body({:?})", self.range)
    }
}

/// Everything known about a module.
#[derive(Default, Debug)]
pub struct ModuleInfo {
    pub types: Vec<FuncType>,
    /// type index per function (imported first)
    pub funcs: Vec<u32>,
    pub num_imported_funcs: u32,
    pub globals: Vec<GlobalInfo>,
    pub num_imported_globals: u32,
    pub memories: Vec<MemoryInfo>,
    pub num_imported_memories: u32,
    pub tables: Vec<TableInfo>,
    pub num_imported_tables: u32,
    /// type index (of the parameters) per tag (imported first)
    pub tags: Vec<u32>,
    pub num_imported_tags: u32,
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
    pub start: Option<u32>,
    pub data: Vec<DataSegment>,
    pub elems: Vec<ElemSegment>,
    /// bodies of defined functions (index = func index - num_imported_funcs)
    pub bodies: Vec<Body>,
    /// from the name section, by function index
    pub func_names: std::collections::HashMap<u32, String>,
    /// functions whose address is taken (ref.func, elements, exports)
    pub escaping_funcs: std::collections::HashSet<u32>,
    pub layout: VmctxLayout,
}

impl ModuleInfo {
    pub fn func_type(&self, func: u32) -> &FuncType {
        &self.types[self.funcs[func as usize] as usize]
    }

    /// Whether a global, function or tag of the module has a v128 type
    /// (bodies are checked as they are translated).
    pub fn has_v128_items(&self) -> bool {
        let func_types = self.funcs.iter().chain(&self.tags);
        self.globals.iter().any(|g| g.ty == ValType::V128)
            || func_types
                .filter_map(|t| self.types.get(*t as usize))
                .any(|t| {
                    t.params()
                        .iter()
                        .chain(t.results())
                        .any(|v| *v == ValType::V128)
                })
    }

    pub fn is_imported_func(&self, func: u32) -> bool {
        func < self.num_imported_funcs
    }

    /// Name for symbols and messages: the name section's if present.
    pub fn func_name(&self, func: u32) -> String {
        match self.func_names.get(&func) {
            Some(n) => n.clone(),
            None => format!("func{func}"),
        }
    }

    pub fn compute_layout(&mut self) {
        self.layout = VmctxLayout::new(self);
    }
}

/// Where a global lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlobalLoc {
    /// value cell at this vmctx offset
    Inline(u32),
    /// vmctx offset of a pointer to the value cell
    Pointer(u32),
}

/// A module's vmctx layout (the contract's, `abi::vmctx`), addressed by
/// module-level indices (imported entities first).
#[derive(Clone, Debug, Default)]
pub struct VmctxLayout {
    pub regions: VmctxRegions,
    num_imported_globals: u32,
    num_imported_memories: u32,
    num_imported_tables: u32,
}

impl VmctxLayout {
    pub fn new(m: &ModuleInfo) -> VmctxLayout {
        let n = |v: usize| v as u32;
        let regions = VmctxRegions::new(&VmctxCounts {
            types: n(m.types.len()),
            funcs: n(m.funcs.len()),
            memories: n(m.memories.len()),
            imported_memories: m.num_imported_memories,
            tables: n(m.tables.len()),
            imported_tables: m.num_imported_tables,
            globals: n(m.globals.len()),
            imported_globals: m.num_imported_globals,
            data: n(m.data.len()),
            elems: n(m.elems.len()),
            tags: n(m.tags.len()),
        });
        VmctxLayout {
            regions,
            num_imported_globals: m.num_imported_globals,
            num_imported_memories: m.num_imported_memories,
            num_imported_tables: m.num_imported_tables,
        }
    }

    pub fn type_id(&self, ty: u32) -> u32 {
        self.regions.type_id(ty)
    }

    /// Offset of function `f`'s `VMFuncRef`.
    pub fn funcref(&self, f: u32) -> u32 {
        self.regions.funcref(f)
    }

    /// Offset of the `*mut VMMemory` slot for memory `i` (any memory).
    pub fn memory_ptr(&self, i: u32) -> u32 {
        self.regions.memory_ptr(i)
    }

    /// Offset of the inline `VMMemory` of a defined memory, None if imported.
    pub fn memory_def(&self, i: u32) -> Option<u32> {
        let d = i.checked_sub(self.num_imported_memories)?;
        Some(self.regions.defined_memory(d))
    }

    pub fn table_ptr(&self, i: u32) -> u32 {
        self.regions.table_ptr(i)
    }

    pub fn table_def(&self, i: u32) -> Option<u32> {
        let d = i.checked_sub(self.num_imported_tables)?;
        Some(self.regions.defined_table(d))
    }

    pub fn global(&self, i: u32) -> GlobalLoc {
        match i.checked_sub(self.num_imported_globals) {
            Some(d) => GlobalLoc::Inline(self.regions.defined_global(d)),
            None => GlobalLoc::Pointer(self.regions.global_ptr(i)),
        }
    }

    /// Offset of tag `i`'s identity slot (see `abi::ModuleDesc::off_tags`).
    pub fn tag(&self, i: u32) -> u32 {
        self.regions.tag(i)
    }
}

/// `abi::valtype` code of a wasm value type.
pub fn valtype_code(t: ValType) -> u8 {
    use abi::valtype::*;
    match t {
        ValType::I32 => I32,
        ValType::I64 => I64,
        ValType::F32 => F32,
        ValType::F64 => F64,
        ValType::V128 => V128,
        ValType::Ref(r) if r.is_func_ref() => FUNCREF,
        ValType::Ref(r) if is_exn_ref(r) => EXNREF,
        ValType::Ref(_) => EXTERNREF,
    }
}

/// Whether `r` is an exception reference (`exnref`, `(ref exn)`).
pub fn is_exn_ref(r: RefType) -> bool {
    matches!(
        r.heap_type(),
        wasmparser::HeapType::Abstract {
            ty: wasmparser::AbstractHeapType::Exn | wasmparser::AbstractHeapType::NoExn,
            ..
        }
    )
}

/// Signature id (exact encoding) of a function type, if it has one.
pub fn sig_id(ty: &FuncType) -> Option<u64> {
    let p: Vec<u8> = ty.params().iter().map(|t| valtype_code(*t)).collect();
    let r: Vec<u8> = ty.results().iter().map(|t| valtype_code(*t)).collect();
    abi::sig_id(&p, &r)
}
