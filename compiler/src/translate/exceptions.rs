//! Exception handling: `try_table`, `throw`, `throw_ref`.
//!
//! Zero cost outside `try_table`: only calls inside one become Cranelift
//! `try_call`s, whose exceptional edge goes to the scope's *dispatch*
//! block. The runtime's unwinder (`wacc_rt_throw`) enters that block with
//! the exception object; the block compares the object's tag with each
//! catch clause in order and branches to the clause's label, or passes
//! the exception to the enclosing scope's dispatch block, or rethrows it
//! from this frame. A `throw` inside a scope jumps to the dispatch block
//! directly, without unwinding.
//!
//! An exception object ([`abi::VMException`]) holds the tag identity and
//! the payload; one caught by `catch`/`catch_all` is freed at once, one
//! handed to wasm as an `exnref` is marked exposed and lives with the store.

use super::frames::{Clause, TryScope};
use super::translator::FuncTranslator;
use crate::error::Result;
use crate::libcalls::LibCall;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, types, BlockArg, BlockCall, ExceptionTableData, ExceptionTableItem, FuncRef, InstBuilder,
    MemFlagsData, SigRef, Value,
};
use wacc_abi::{self as abi, TrapCode};
use wasmparser::{Catch, TryTable};

/// Where a call goes: a known function or a code pointer.
pub(crate) enum Callee {
    Direct(FuncRef),
    Indirect(SigRef, Value),
}

impl FuncTranslator<'_, '_> {
    /// `try_table`: a block whose calls are protected by `tt.catches`.
    pub(crate) fn op_try_table(&mut self, tt: &TryTable) -> Result<()> {
        let mut clauses = Vec::with_capacity(tt.catches.len());
        for c in &tt.catches {
            // Catch labels are relative to the frame around the try_table.
            let (tag, with_ref, label) = match *c {
                Catch::One { tag, label } => (Some(tag), false, label),
                Catch::OneRef { tag, label } => (Some(tag), true, label),
                Catch::All { label } => (None, false, label),
                Catch::AllRef { label } => (None, true, label),
            };
            let frame = self.frame_index(label)?;
            clauses.push(Clause {
                tag,
                with_ref,
                frame,
            });
        }
        self.op_block(tt.ty)?;
        if let Some(f) = self.control.last_mut() {
            f.kind = super::frames::FrameKind::TryTable;
        }
        self.try_scopes.push(TryScope {
            clauses,
            dispatch: None,
        });
        Ok(())
    }

    /// End of a reachable `try_table`'s frame (the current block is
    /// terminated): fill its dispatch block, now that every call or throw
    /// that reaches it is known.
    pub(crate) fn close_try_scope(&mut self) -> Result<()> {
        let scope = self
            .try_scopes
            .pop()
            .ok_or_else(|| self.internal("try_table scope missing"))?;
        if let Some(d) = scope.dispatch {
            self.b.switch_to_block(d);
            let exn = self.b.block_params(d)[0];
            self.fill_dispatch(&scope.clauses, exn)?;
            self.b.seal_block(d);
        }
        Ok(())
    }

    /// A call of a wasm function: a `try_call` inside a `try_table`, else a
    /// plain call. Returns the results.
    pub(crate) fn wasm_call(&mut self, callee: Callee, sig: SigRef, args: &[Value]) -> Vec<Value> {
        let Some(depth) = self.try_scopes.len().checked_sub(1) else {
            let call = match callee {
                Callee::Direct(f) => self.b.ins().call(f, args),
                Callee::Indirect(s, code) => self.b.ins().call_indirect(s, code, args),
            };
            return self.b.inst_results(call).to_vec();
        };
        let dispatch = self.dispatch_block(depth);
        let cont = self.b.create_block();
        let returns: Vec<_> = self.b.func.dfg.signatures[sig]
            .returns
            .iter()
            .map(|r| r.value_type)
            .collect();
        for t in &returns {
            self.b.append_block_param(cont, *t);
        }
        let pool = &mut self.b.func.dfg.value_lists;
        let normal = BlockCall::new(
            cont,
            (0..returns.len() as u32).map(BlockArg::TryCallRet),
            pool,
        );
        let exceptional = BlockCall::new(dispatch, [BlockArg::TryCallExn(0)], pool);
        let table = self
            .b
            .func
            .dfg
            .exception_tables
            .push(ExceptionTableData::new(
                sig,
                normal,
                [ExceptionTableItem::Default(exceptional)],
            ));
        match callee {
            Callee::Direct(f) => self.b.ins().try_call(f, args, table),
            Callee::Indirect(_, code) => self.b.ins().try_call_indirect(code, args, table),
        };
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
        self.b.block_params(cont).to_vec()
    }

    /// `throw x`: a new exception with the operands as payload.
    pub(crate) fn op_throw(&mut self, tag: u32) -> Result<()> {
        let (fields, size) = self.payload_layout(tag)?;
        let id = self.tag_identity(tag)?;
        let size = self.b.ins().iconst(types::I32, size as i64);
        let exn = self.call_libcall(LibCall::ExnNew, &[id, size])[0];
        let values = self.peekn(fields.len())?.to_vec();
        self.stack.truncate(self.stack.len() - fields.len());
        for (v, (ty, off)) in values.into_iter().zip(&fields) {
            let flags = super::access_flags(MemFlagsData::trusted(), *ty);
            self.b.ins().store(flags, v, exn, *off);
        }
        self.throw_exn(exn);
        Ok(())
    }

    /// `throw_ref`: rethrow an `exnref` (null traps).
    pub(crate) fn op_throw_ref(&mut self) -> Result<()> {
        let exn = self.pop()?;
        self.trap_if_null(exn, TrapCode::NullExceptionRef);
        self.throw_exn(exn);
        Ok(())
    }

    /// Hand `exn` to the innermost scope of this function, or unwind from
    /// this frame. The rest of the block is unreachable.
    fn throw_exn(&mut self, exn: Value) {
        match self.try_scopes.len().checked_sub(1) {
            Some(depth) => {
                let d = self.dispatch_block(depth);
                self.b.ins().jump(d, &[BlockArg::Value(exn)]);
            }
            None => self.rethrow(exn),
        }
        self.reachable = false;
    }

    /// Unwind `exn` to a calling frame; never returns.
    fn rethrow(&mut self, exn: Value) {
        self.call_libcall(LibCall::Throw, &[exn]);
        self.b.ins().trap(ir::TrapCode::unwrap_user(1));
    }

    /// The dispatch block of scope `depth` (filled when the scope closes).
    fn dispatch_block(&mut self, depth: usize) -> ir::Block {
        if let Some(d) = self.try_scopes[depth].dispatch {
            return d;
        }
        let d = self.b.create_block();
        self.b.set_cold_block(d);
        self.b.append_block_param(d, types::I64);
        self.try_scopes[depth].dispatch = Some(d);
        d
    }

    /// Match `exn` against `clauses` in order; if none matches, pass it to
    /// the enclosing scope (still open) or rethrow it from this frame.
    fn fill_dispatch(&mut self, clauses: &[Clause], exn: Value) -> Result<()> {
        let tag = self.b.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            exn,
            abi::EXN_TAG as i32,
        );
        for c in clauses {
            let Some(t) = c.tag else {
                // catch_all: any later clause is unreachable.
                self.branch_to_catch(exn, &[], c.with_ref, c.frame);
                return Ok(());
            };
            let id = self.tag_identity(t)?;
            let (fields, _) = self.payload_layout(t)?;
            let matched = self.b.create_block();
            let next = self.b.create_block();
            let eq = self.b.ins().icmp(IntCC::Equal, tag, id);
            self.b.ins().brif(eq, matched, &[], next, &[]);
            self.b.seal_block(matched);
            self.b.seal_block(next);
            self.b.switch_to_block(matched);
            self.branch_to_catch(exn, &fields, c.with_ref, c.frame);
            self.b.switch_to_block(next);
        }
        match self.try_scopes.len().checked_sub(1) {
            Some(outer) => {
                let d = self.dispatch_block(outer);
                self.b.ins().jump(d, &[BlockArg::Value(exn)]);
            }
            None => self.rethrow(exn),
        }
        Ok(())
    }

    /// The payload (and the `exnref` if `with_ref`) to the label `frame`.
    fn branch_to_catch(
        &mut self,
        exn: Value,
        fields: &[(ir::Type, i32)],
        with_ref: bool,
        frame: usize,
    ) {
        let mut args: Vec<BlockArg> = fields
            .iter()
            .map(|(ty, off)| {
                let flags = super::access_flags(MemFlagsData::trusted(), *ty);
                BlockArg::Value(self.b.ins().load(*ty, flags, exn, *off))
            })
            .collect();
        if with_ref {
            let one = self.b.ins().iconst(types::I32, 1);
            self.b
                .ins()
                .store(MemFlagsData::trusted(), one, exn, abi::EXN_EXPOSED as i32);
            args.push(BlockArg::Value(exn));
        } else {
            self.call_libcall(LibCall::ExnFree, &[exn]);
        }
        let target = self.control[frame].branch_target();
        self.control[frame].dest_reached = true;
        self.b.ins().jump(target, &args);
    }

    /// The identity of tag `t` (its vmctx slot's value; fixed per instance).
    fn tag_identity(&mut self, t: u32) -> Result<Value> {
        if t as usize >= self.m.tags.len() {
            return Err(self.internal("tag index out of range"));
        }
        let off = self.m.layout.tag(t) as i32;
        let vmctx = self.vmctx;
        Ok(self.entry_load(types::I64, vmctx, off))
    }

    /// Type and offset (from the object) of each payload value of tag `t`,
    /// and the payload size: each value at the next offset aligned to its
    /// size, as `abi::VMException` documents.
    fn payload_layout(&self, t: u32) -> Result<(Vec<(ir::Type, i32)>, u32)> {
        let ty = self
            .m
            .tags
            .get(t as usize)
            .and_then(|ty| self.m.types.get(*ty as usize))
            .ok_or_else(|| self.internal("tag index out of range"))?;
        let mut off = 0u32;
        let mut fields = Vec::with_capacity(ty.params().len());
        for p in ty.params() {
            let ty = super::ir_type(*p);
            let size = ty.bytes();
            off = (off + size - 1) & !(size - 1);
            fields.push((ty, (abi::EXN_PAYLOAD + off) as i32));
            off += size;
        }
        Ok((fields, off))
    }
}
