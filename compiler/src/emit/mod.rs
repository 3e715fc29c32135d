//! Writing the object: symbols for every function, the module descriptor,
//! the compiled init function, trampolines and host entries
//! (see `symbols` for the names and `abi` for the layouts).

pub(crate) mod data;
pub(crate) mod desc;
mod entries;
pub mod header;
mod init;

use crate::environ::{CodegenOptions, ModuleInfo};
use crate::error::{CompileError, Result};
use crate::libcalls::{EntryCall, LibCall};
use crate::symbols;
use crate::translate::wasm_signature;
use cranelift_codegen::ir::{Function, MemFlagsData, Signature, UserFuncName, Value};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataId, FuncId, Linkage, Module, ModuleReloc};
use cranelift_object::{ObjectBuilder, ObjectModule};
use wacc_abi as abi;

/// How an import can be satisfied at link time.
#[derive(Clone, Copy)]
enum LinkSymbol {
    Func(FuncId),
    Data(DataId),
}

pub struct ObjectWriter {
    module: ObjectModule,
    call_conv: CallConv,
    prefix: String,
    /// per wasm function: the local symbol (defined) or the weak import symbol
    func_ids: Vec<FuncId>,
    libcall_ids: Vec<FuncId>,
    /// per import (none inside a component: the plan supplies every import)
    link_symbols: Vec<Option<LinkSymbol>>,
    /// array-call trampolines by function index
    array_calls: Vec<Option<FuncId>>,
    invoke: FuncId,
    instantiate: FuncId,
    ctx: Context,
    /// For the unwinder's table: the last defined function placed so far
    /// and its length, and the functions it must know (in placement order).
    last_code: Option<(u32, u32)>,
    frames: Vec<FrameInfo>,
}

/// What the exception unwinder needs to know about one function's frames.
pub(crate) struct FrameInfo {
    pub func: u32,
    pub len: u32,
    /// `(return offset, handler offset)` per call inside `try_table`
    pub sites: Vec<(u32, u32)>,
    /// `(saved_regs slot, offset from the frame pointer)` per saved register
    pub saves: Vec<(u32, i32)>,
}

/// The id of an imported function that has no symbol (never used: calls of
/// imports go through the vmctx). Entity ids must stay below `u32::MAX`
/// (a debug assertion of cranelift-entity).
fn no_func() -> FuncId {
    FuncId::from_u32(u32::MAX - 1)
}

pub(crate) fn module_err(e: cranelift_module::ModuleError) -> CompileError {
    CompileError::new(format!("object writer: {e}"))
}

impl ObjectWriter {
    /// Declare every symbol the module will need, in a new object.
    pub fn new(isa: OwnedTargetIsa, info: &ModuleInfo, prefix: &str) -> Result<ObjectWriter> {
        Self::in_module(new_object(isa, prefix)?, info, prefix, true)
    }

    /// Declare the module's symbols in `module`, which may already hold
    /// other modules (components put all their core modules in one object).
    /// Without `link_imports` the imports get no link-time symbols.
    pub fn in_module(
        mut module: ObjectModule,
        info: &ModuleInfo,
        prefix: &str,
        link_imports: bool,
    ) -> Result<ObjectWriter> {
        let call_conv = module.isa().default_call_conv();
        let mut link_symbols = Vec::with_capacity(info.imports.len());
        let mut func_import_ids = Vec::new();
        for imp in &info.imports {
            if !link_imports {
                link_symbols.push(None);
                if imp.kind == abi::kind::FUNC {
                    // Calls of imports go through the vmctx, never a symbol.
                    func_import_ids.push(no_func());
                }
                continue;
            }
            let name = symbols::import_symbol(&imp.module, &imp.name);
            // One name imported again with another type or kind (valid wasm:
            // hosts may overload) cannot be the same symbol: such a later
            // import has no link-time symbol and must be supplied when the
            // module is instantiated.
            let sym = if imp.kind == abi::kind::FUNC {
                let sig = wasm_signature(info.func_type(imp.index), call_conv);
                let id = module.declare_function(&name, Linkage::Import, &sig).ok();
                func_import_ids.push(id.unwrap_or_else(no_func));
                id.map(LinkSymbol::Func)
            } else {
                let id = module
                    .declare_data(&name, Linkage::Import, true, false)
                    .ok();
                id.map(LinkSymbol::Data)
            };
            link_symbols.push(sym);
        }

        let mut func_ids = func_import_ids;
        for f in info.num_imported_funcs..info.funcs.len() as u32 {
            let name = symbols::function(prefix, f, info.func_names.get(&f).map(|s| s.as_str()));
            let sig = wasm_signature(info.func_type(f), call_conv);
            func_ids.push(
                module
                    .declare_function(&name, Linkage::Local, &sig)
                    .map_err(module_err)?,
            );
        }

        let mut libcall_ids = Vec::new();
        for l in LibCall::ALL {
            libcall_ids.push(
                module
                    .declare_function(l.symbol(), Linkage::Import, &l.signature(call_conv))
                    .map_err(module_err)?,
            );
        }
        let invoke = module
            .declare_function(
                EntryCall::Invoke.symbol(),
                Linkage::Import,
                &EntryCall::Invoke.signature(call_conv),
            )
            .map_err(module_err)?;
        let instantiate = module
            .declare_function(
                EntryCall::Instantiate.symbol(),
                Linkage::Import,
                &EntryCall::Instantiate.signature(call_conv),
            )
            .map_err(module_err)?;

        Ok(ObjectWriter {
            module,
            call_conv,
            prefix: prefix.to_string(),
            func_ids,
            libcall_ids,
            link_symbols,
            array_calls: vec![None; info.funcs.len()],
            invoke,
            instantiate,
            ctx: Context::new(),
            last_code: None,
            frames: Vec::new(),
        })
    }

    pub fn func_ids(&self) -> &[FuncId] {
        &self.func_ids
    }

    pub fn libcall_ids(&self) -> &[FuncId] {
        &self.libcall_ids
    }

    pub fn define_function_bytes(
        &mut self,
        index: u32,
        bytes: &[u8],
        alignment: u64,
        relocs: &[ModuleReloc],
    ) -> Result<()> {
        self.module
            .define_function_bytes(self.func_ids[index as usize], alignment, bytes, relocs)
            .map_err(module_err)
    }

    /// Record the frame of the defined function just placed, for the
    /// exception unwinder (functions must be noted in placement order).
    pub(crate) fn note_frame(&mut self, frame: FrameInfo) {
        self.last_code = Some((frame.func, frame.len));
        if !frame.sites.is_empty() || !frame.saves.is_empty() {
            self.frames.push(frame);
        }
    }

    /// Everything besides the wasm functions: trampolines, entries, init, descriptor.
    pub fn emit_support(
        &mut self,
        info: &ModuleInfo,
        codegen: CodegenOptions,
        emit_main: bool,
    ) -> Result<()> {
        self.emit_array_calls(info)?;
        self.emit_export_entries(info)?;
        self.emit_dynamic_call(info)?;
        let desc = self.emit_descriptor(info, codegen)?;
        self.emit_instantiate(desc)?;
        if emit_main {
            self.emit_main(desc)?;
        }
        Ok(())
    }

    /// The init function and the descriptor (all a module inside a
    /// component needs besides its functions).
    pub fn emit_descriptor(
        &mut self,
        info: &ModuleInfo,
        codegen: CodegenOptions,
    ) -> Result<DataId> {
        let init = self.emit_init(info)?;
        self.emit_desc(info, init, codegen)
    }

    /// Give the object back (to add more modules or component code).
    pub fn into_module(self) -> ObjectModule {
        self.module
    }

    /// Build and compile a generated function: `body` receives the builder
    /// positioned in the entry block and the function's parameters, and
    /// must terminate the block.
    fn build_function(
        &mut self,
        id: FuncId,
        sig: Signature,
        body: impl FnOnce(&mut Self, &mut FunctionBuilder, &[Value]) -> Result<()>,
    ) -> Result<()> {
        let config = self.module.isa().frontend_config();
        let mut fctx = FunctionBuilderContext::new();
        let func = build_generated(self, &mut fctx, config, id, sig, body)?;
        define_generated(&mut self.module, &mut self.ctx, id, func)
    }

    /// Finish the object. Import symbols become weak references so that an
    /// import nobody provides resolves to null (reported by name when the
    /// module is instantiated) instead of failing the link.
    pub fn finish(self) -> Result<Vec<u8>> {
        let link_symbols = self.link_symbols.clone();
        let mut product = self.module.finish();
        for s in link_symbols.into_iter().flatten() {
            let sym = match s {
                LinkSymbol::Func(id) => product.function_symbol(id),
                LinkSymbol::Data(id) => product.data_symbol(id),
            };
            product.object.symbol_mut(sym).weak = true;
        }
        product
            .emit()
            .map_err(|e| CompileError::new(format!("writing the object failed: {e}")))
    }
}

/// Builds the IR of a generated function (trampolines, entries, init):
/// `body` gets `state`, the builder in the entry block and the function's
/// parameters, and must terminate the block.
pub(crate) fn build_generated<S>(
    state: &mut S,
    fctx: &mut FunctionBuilderContext,
    config: cranelift_codegen::isa::TargetFrontendConfig,
    id: FuncId,
    sig: Signature,
    body: impl FnOnce(&mut S, &mut FunctionBuilder, &[Value]) -> Result<()>,
) -> Result<Function> {
    let mut func = Function::with_name_signature(UserFuncName::user(0, id.as_u32()), sig);
    let mut b = FunctionBuilder::new(&mut func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let params = b.block_params(entry).to_vec();
    body(state, &mut b, &params)?;
    b.seal_all_blocks();
    b.finalize(config);
    Ok(func)
}

/// Compiles generated function `func` into `module` as `id`.
pub(crate) fn define_generated(
    module: &mut ObjectModule,
    ctx: &mut Context,
    id: FuncId,
    func: Function,
) -> Result<()> {
    ctx.func = func;
    module.define_function(id, ctx).map_err(|e| match e {
        cranelift_module::ModuleError::Compilation(c) => CompileError::new(format!(
            "code generation failed for a generated function: {c:?}"
        )),
        e => module_err(e),
    })?;
    ctx.clear();
    Ok(())
}

/// An empty object for `isa` (symbols of anonymous data start with `prefix`).
pub fn new_object(isa: OwnedTargetIsa, prefix: &str) -> Result<ObjectModule> {
    let builder = ObjectBuilder::new(
        isa,
        prefix.as_bytes().to_vec(),
        cranelift_module::default_libcall_names(),
    )
    .map_err(module_err)?;
    Ok(ObjectModule::new(builder))
}

/// Flags for accesses to memory the runtime set up (vmctx, value arrays):
/// aligned and never trapping.
pub(crate) fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}
