//! Translator state, the function prologue (locals, stack-limit check), the
//! operator loop, trap blocks, and small shared helpers.

use super::frames::{Frame, TryScope};
use super::wasm_signature;
use crate::environ::{Body, BoundsChecks, CodegenOptions, ModuleInfo};
use crate::error::{CompileError, Result};
use crate::libcalls::{LibCall, NS_FUNC};
use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{
    self, types, AliasRegion, AliasRegionData, Block, FuncRef, Function, Inst, InstBuilder,
    MemFlagsData, SigRef, UserFuncName, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use std::collections::HashMap;
use wacc_abi::{self as abi, TrapCode};
use wasmparser::{
    BinaryReader, FuncToValidate, FunctionBody, OperatorsReader, ValType, WasmModuleResources,
};

/// Upper bound of the per-call stack estimate used by the stack-limit check.
const MAX_FRAME_ESTIMATE: i64 = 256 * 1024;

/// Disjoint memory categories, so Cranelift's alias analysis may keep a
/// `VMMemory.length` load across a store to linear memory, and so on.
pub(crate) struct Regions {
    pub heap: AliasRegion,
    pub vm_memory: AliasRegion,
    pub vm_table: AliasRegion,
    pub table_elems: AliasRegion,
    pub globals: AliasRegion,
}

pub(crate) struct FuncTranslator<'m, 'f> {
    pub m: &'m ModuleInfo,
    pub opts: CodegenOptions,
    pub call_conv: CallConv,
    pub b: FunctionBuilder<'f>,
    pub vmctx: Value,
    pub locals: Vec<Variable>,
    /// The wasm operand stack.
    pub stack: Vec<Value>,
    /// The wasm control stack; the outermost frame is the function body.
    pub control: Vec<Frame>,
    /// The reachable `try_table`s being translated, innermost last.
    pub(crate) try_scopes: Vec<TryScope>,
    /// False after `br`, `return`, `unreachable`, ... until the next
    /// `else`/`end` that is reachable again: operators are then skipped.
    pub reachable: bool,
    /// Byte offset of the operator being translated (for errors).
    pub offset: u64,
    pub regions: Regions,
    max_depth: usize,
    trap_blocks: Vec<(TrapCode, Block)>,
    pub(crate) func_refs: HashMap<u32, FuncRef>,
    pub(crate) libcall_refs: HashMap<LibCall, FuncRef>,
    pub(crate) sig_refs: HashMap<u32, SigRef>,
    /// Terminator of the entry block: loop-invariant values are inserted
    /// just before it, so they dominate the whole body.
    entry_terminator: Option<Inst>,
    /// Per memory: values computed once in the entry block (`VMMemory*`,
    /// and in guard mode the base address).
    pub(crate) mem_ptrs: HashMap<u32, Value>,
    pub(crate) mem_bases: HashMap<u32, Value>,
    frame_estimate: Option<Inst>,
    /// Per table: whether it is indexed by i64 (table64).
    pub(crate) table64: Vec<bool>,
    /// Whether the target has vector registers (SIMD operators allowed).
    pub(crate) simd: bool,
}

/// Translate one function body (see [`super::translate_function`]).
pub(crate) fn translate(
    module: &ModuleInfo,
    wasm: &[u8],
    body: &Body,
    func_index: u32,
    target: super::Target,
    opts: &CodegenOptions,
) -> Result<Function> {
    let call_conv = target.call_conv;
    let range = body.range.clone();
    let start = range.start as u64;
    let fbody = FunctionBody::new(BinaryReader::new(&wasm[range], start));
    let v = &body.validator;
    let mut validator = FuncToValidate {
        resources: v.resources.clone(),
        index: v.index,
        ty: v.ty,
        features: v.features,
    }
    .into_validator(Default::default());
    let ty = module
        .funcs
        .get(func_index as usize)
        .and_then(|t| module.types.get(*t as usize))
        .ok_or_else(|| CompileError::new("function type out of range"))?;
    let v128 = |t: &ValType| *t == ValType::V128;
    if !target.simd && ty.params().iter().chain(ty.results()).any(v128) {
        return Err(CompileError::at(super::NO_SIMD, start));
    }
    let sig = wasm_signature(ty, call_conv);
    let mut func = Function::with_name_signature(UserFuncName::user(NS_FUNC, func_index), sig);
    let mut fctx = FunctionBuilderContext::new();
    let b = FunctionBuilder::new(&mut func, &mut fctx);
    let mut t = FuncTranslator::new(module, opts, target, b);
    t.table64 = (0..module.tables.len() as u32)
        .map(|i| validator.resources().table_at(i).is_some_and(|t| t.table64))
        .collect();

    // Local declarations.
    let mut locals_reader = fbody.get_locals_reader()?;
    let mut decls = Vec::new();
    for _ in 0..locals_reader.get_count() {
        let offset = locals_reader.original_position();
        let (count, ty) = locals_reader.read()?;
        validator.define_locals(offset, count, ty)?;
        if !target.simd && ty == ValType::V128 {
            return Err(CompileError::at(super::NO_SIMD, offset));
        }
        decls.push((count, ty));
    }
    t.prologue(ty.params(), ty.results(), &decls);

    let mut reader = OperatorsReader::new(locals_reader.get_binary_reader());
    while !reader.eof() {
        let offset = reader.original_position();
        let op = reader.read()?;
        validator.op(offset, &op)?;
        t.offset = offset;
        t.b.set_srcloc(ir::SourceLoc::new(offset as u32));
        t.translate_op(&op)?;
    }
    reader.finish()?;
    let pos = reader.original_position();
    reader
        .get_binary_reader()
        .finish_expression(&validator.visitor(pos))?;
    if !t.control.is_empty() {
        return Err(CompileError::at(
            "control frames remain at end of function body",
            pos,
        ));
    }
    t.finish(call_conv);
    Ok(func)
}

impl<'m, 'f> FuncTranslator<'m, 'f> {
    fn new(
        m: &'m ModuleInfo,
        opts: &CodegenOptions,
        target: super::Target,
        b: FunctionBuilder<'f>,
    ) -> Self {
        let mut region = |id: u32, d: &'static str| {
            b.func.dfg.alias_regions.insert(AliasRegionData {
                user_id: id,
                description: d.into(),
            })
        };
        let regions = Regions {
            heap: region(1, "heap"),
            vm_memory: region(2, "vmmemory"),
            vm_table: region(3, "vmtable"),
            table_elems: region(4, "table elements"),
            globals: region(5, "globals"),
        };
        FuncTranslator {
            m,
            opts: *opts,
            call_conv: target.call_conv,
            b,
            vmctx: Value::from_u32(0),
            locals: Vec::new(),
            stack: Vec::new(),
            control: Vec::new(),
            try_scopes: Vec::new(),
            reachable: true,
            offset: 0,
            regions,
            max_depth: 0,
            trap_blocks: Vec::new(),
            func_refs: HashMap::new(),
            libcall_refs: HashMap::new(),
            sig_refs: HashMap::new(),
            entry_terminator: None,
            mem_ptrs: HashMap::new(),
            mem_bases: HashMap::new(),
            frame_estimate: None,
            table64: Vec::new(),
            simd: target.simd,
        }
    }

    /// Entry block: parameters, zeroed locals, the stack-limit check; then
    /// the body block with the function-level control frame.
    fn prologue(&mut self, params: &[ValType], results: &[ValType], decls: &[(u32, ValType)]) {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        self.b.seal_block(entry);
        let args = self.b.block_params(entry).to_vec();
        self.vmctx = args[0];
        for (i, ty) in params.iter().enumerate() {
            let var = self.b.declare_var(super::ir_type(*ty));
            self.b.def_var(var, args[i + 1]);
            self.locals.push(var);
        }
        for &(count, ty) in decls {
            let cty = super::ir_type(ty);
            let zero = self.zero(cty);
            for _ in 0..count {
                let var = self.b.declare_var(cty);
                self.b.def_var(var, zero);
                self.locals.push(var);
            }
        }

        // Stack exhaustion: sp - frame_estimate < store.stack_limit.
        let store = self.b.ins().load(
            types::I64,
            Self::invariant_flags(),
            self.vmctx,
            abi::VMCTX_STORE as i32,
        );
        let limit = self.b.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            store,
            core::mem::offset_of!(abi::VMStore, stack_limit) as i32,
        );
        let sp = self.b.ins().get_stack_pointer(types::I64);
        let est = self.b.ins().iconst(types::I64, 0);
        self.frame_estimate = self.b.func.dfg.value_def(est).inst();
        let low = self.b.ins().isub(sp, est);
        let over = self.b.ins().icmp(IntCC::UnsignedLessThan, low, limit);
        let trap = self.trap_block(TrapCode::StackOverflow);
        let body = self.b.create_block();
        let term = self.b.ins().brif(over, trap, &[], body, &[]);
        self.entry_terminator = Some(term);
        self.b.switch_to_block(body);
        self.b.seal_block(body);

        let exit = self.b.create_block();
        for r in results {
            self.b.append_block_param(exit, super::ir_type(*r));
        }
        self.control.push(Frame::function(exit, results.len()));
    }

    /// Fill the trap blocks, patch the frame estimate, seal, finalize.
    fn finish(mut self, call_conv: CallConv) {
        let depth = self.max_depth as i64 + self.locals.len() as i64;
        let estimate = (16 * depth + 256).min(MAX_FRAME_ESTIMATE);
        if let Some(inst) = self.frame_estimate {
            self.b.func.replace(inst).iconst(types::I64, estimate);
        }
        self.b.set_srcloc(ir::SourceLoc::default());
        let traps = std::mem::take(&mut self.trap_blocks);
        for (code, block) in traps {
            self.b.switch_to_block(block);
            let code = self.b.ins().iconst(types::I32, code as u32 as i64);
            let vmctx = self.vmctx;
            let f = self.libcall(LibCall::Trap);
            self.b.ins().call(f, &[vmctx, code]);
            // Never executed: the trap libcall does not return.
            self.b.ins().trap(ir::TrapCode::unwrap_user(1));
        }
        self.b.seal_all_blocks();
        self.b.finalize(TargetFrontendConfig {
            default_call_conv: call_conv,
            pointer_width: target_lexicon::PointerWidth::U64,
            page_size_align_log2: 12,
        });
    }

    /// Record the operand stack depth for the frame estimate.
    pub(crate) fn note_depth(&mut self) {
        self.max_depth = self.max_depth.max(self.stack.len());
    }

    // ---- operand stack ----------------------------------------------------

    pub(crate) fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    pub(crate) fn pop(&mut self) -> Result<Value> {
        self.stack
            .pop()
            .ok_or_else(|| self.internal("operand stack underflow"))
    }

    /// Pop two operands, returning them in push order.
    pub(crate) fn pop2(&mut self) -> Result<(Value, Value)> {
        let y = self.pop()?;
        let x = self.pop()?;
        Ok((x, y))
    }

    pub(crate) fn pop3(&mut self) -> Result<(Value, Value, Value)> {
        let z = self.pop()?;
        let (x, y) = self.pop2()?;
        Ok((x, y, z))
    }

    /// The top `n` operands (not popped).
    pub(crate) fn peekn(&self, n: usize) -> Result<&[Value]> {
        let len = self.stack.len();
        if n > len {
            return Err(self.internal("operand stack underflow"));
        }
        Ok(&self.stack[len - n..])
    }

    pub(crate) fn internal(&self, msg: &str) -> CompileError {
        CompileError::at(format!("internal translator error: {msg}"), self.offset)
    }

    pub(crate) fn unsupported(&self, msg: impl Into<String>) -> CompileError {
        CompileError::at(msg, self.offset)
    }

    // ---- constants ----------------------------------------------------------

    /// An integer constant of type `ty` (the immediate is truncated to its width).
    pub(crate) fn iconst(&mut self, ty: ir::Type, v: i64) -> Value {
        let v = if ty == types::I32 { v as u32 as i64 } else { v };
        self.b.ins().iconst(ty, v)
    }

    pub(crate) fn zero(&mut self, ty: ir::Type) -> Value {
        match ty {
            types::F32 => self.b.ins().f32const(Ieee32::with_bits(0)),
            types::F64 => self.b.ins().f64const(Ieee64::with_bits(0)),
            types::I8X16 => self.vzero(ty),
            _ => self.b.ins().iconst(ty, 0),
        }
    }

    /// An `i8` condition as a wasm `i32` boolean.
    pub(crate) fn bool_to_i32(&mut self, c: Value) -> Value {
        self.b.ins().uextend(types::I32, c)
    }

    // ---- memory flags -------------------------------------------------------

    /// A vmctx field written only during instantiation: may be loaded
    /// anywhere, deduplicated and hoisted.
    pub(crate) fn invariant_flags() -> MemFlagsData {
        MemFlagsData::trusted().with_readonly().with_can_move()
    }

    /// A runtime structure field that may change (e.g. on grow).
    pub(crate) fn vm_flags(region: AliasRegion) -> MemFlagsData {
        MemFlagsData::trusted().with_alias_region(Some(region))
    }

    /// Insert an invariant load in the entry block so it dominates every use.
    pub(crate) fn entry_load(&mut self, ty: ir::Type, base: Value, offset: i32) -> Value {
        let Some(term) = self.entry_terminator else {
            return self.b.ins().load(ty, Self::invariant_flags(), base, offset);
        };
        let mut pos = FuncCursor::new(self.b.func).at_inst(term);
        pos.ins().load(ty, Self::invariant_flags(), base, offset)
    }

    // ---- traps --------------------------------------------------------------

    /// The shared cold block that raises `code` (filled in `finish`).
    pub(crate) fn trap_block(&mut self, code: TrapCode) -> Block {
        if let Some((_, b)) = self.trap_blocks.iter().find(|(c, _)| *c == code) {
            return *b;
        }
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        self.trap_blocks.push((code, block));
        block
    }

    /// Branch to the trap block for `code` when `cond` is nonzero; continue
    /// in a fresh block otherwise.
    pub(crate) fn trap_if(&mut self, cond: Value, code: TrapCode) {
        let trap = self.trap_block(code);
        let cont = self.b.create_block();
        self.b.ins().brif(cond, trap, &[], cont, &[]);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
    }

    /// Unconditional trap; the rest of the current block is unreachable.
    /// Trap with `code` when reference `r` is null.
    pub(crate) fn trap_if_null(&mut self, r: Value, code: TrapCode) {
        let is_null = self.b.ins().icmp_imm_u(IntCC::Equal, r, 0);
        self.trap_if(is_null, code);
    }

    pub(crate) fn trap_now(&mut self, code: TrapCode) {
        let trap = self.trap_block(code);
        self.b.ins().jump(trap, &[]);
        self.reachable = false;
    }

    pub(crate) fn explicit_bounds(&self) -> bool {
        self.opts.bounds_checks == BoundsChecks::Explicit
    }
}
