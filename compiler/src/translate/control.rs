//! Structured control flow: block, loop, if/else, end, br, br_if,
//! br_table, return, and the bookkeeping for unreachable code.
//!
//! Every frame has a continuation block `dest` whose parameters are the
//! frame's results; a loop additionally has a `header` whose parameters are
//! the loop's parameters (the target of branches to the loop).

use super::frames::{Frame, FrameKind};
use super::translator::FuncTranslator;
use crate::error::Result;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, JumpTableData, Value};
use std::collections::HashMap;
use wasmparser::{BlockType, BrTable};

fn args(vals: &[Value]) -> Vec<BlockArg> {
    vals.iter().map(|v| BlockArg::Value(*v)).collect()
}

impl FuncTranslator<'_, '_> {
    /// Parameter and result types of a block type.
    fn block_sig(
        &self,
        ty: BlockType,
    ) -> Result<(Vec<wasmparser::ValType>, Vec<wasmparser::ValType>)> {
        let (params, results) = match ty {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![t]),
            BlockType::FuncType(i) => {
                let ft = self
                    .m
                    .types
                    .get(i as usize)
                    .ok_or_else(|| self.internal("block type index out of range"))?;
                (ft.params().to_vec(), ft.results().to_vec())
            }
        };
        Ok((params, results))
    }

    fn new_dest(&mut self, results: &[wasmparser::ValType]) -> Block {
        let dest = self.b.create_block();
        for r in results {
            self.b.append_block_param(dest, super::ir_type(*r));
        }
        dest
    }

    pub(crate) fn frame_index(&self, relative_depth: u32) -> Result<usize> {
        let n = self.control.len();
        (relative_depth as usize)
            .checked_add(1)
            .and_then(|d| n.checked_sub(d))
            .ok_or_else(|| self.internal("branch depth out of range"))
    }

    /// Open a frame in unreachable code (block, loop or if).
    pub(crate) fn push_dead_frame(&mut self) {
        let dest = Block::from_u32(0);
        let height = self.stack.len();
        self.control.push(Frame {
            kind: FrameKind::Dead,
            dest,
            num_params: 0,
            num_results: 0,
            height,
            dest_reached: false,
        });
    }

    pub(crate) fn op_block(&mut self, ty: BlockType) -> Result<()> {
        let (params, results) = self.block_sig(ty)?;
        let dest = self.new_dest(&results);
        let height = self
            .stack
            .len()
            .checked_sub(params.len())
            .ok_or_else(|| self.internal("operand stack underflow"))?;
        self.control.push(Frame {
            kind: FrameKind::Block,
            dest,
            num_params: params.len(),
            num_results: results.len(),
            height,
            dest_reached: false,
        });
        Ok(())
    }

    pub(crate) fn op_loop(&mut self, ty: BlockType) -> Result<()> {
        let (params, results) = self.block_sig(ty)?;
        let dest = self.new_dest(&results);
        let header = self.new_dest(&params);
        let n = params.len();
        let entry_args = args(self.peekn(n)?);
        self.b.ins().jump(header, &entry_args);
        let height = self.stack.len() - n;
        self.stack.truncate(height);
        self.b.switch_to_block(header);
        let hp = self.b.block_params(header).to_vec();
        self.stack.extend(hp);
        self.control.push(Frame {
            kind: FrameKind::Loop { header },
            dest,
            num_params: n,
            num_results: results.len(),
            height,
            dest_reached: false,
        });
        Ok(())
    }

    pub(crate) fn op_if(&mut self, ty: BlockType) -> Result<()> {
        let cond = self.pop()?;
        let (params, results) = self.block_sig(ty)?;
        let dest = self.new_dest(&results);
        let n = params.len();
        let params = self.peekn(n)?.to_vec();
        let then_block = self.b.create_block();
        let else_block = self.b.create_block();
        self.b.ins().brif(cond, then_block, &[], else_block, &[]);
        self.b.seal_block(then_block);
        self.b.seal_block(else_block);
        self.b.switch_to_block(then_block);
        let height = self.stack.len() - n;
        self.control.push(Frame {
            kind: FrameKind::If {
                else_block,
                params,
                else_seen: false,
            },
            dest,
            num_params: n,
            num_results: results.len(),
            height,
            dest_reached: false,
        });
        Ok(())
    }

    /// Jump to the innermost frame's `dest` with its results, if reachable.
    fn fallthrough_to_dest(&mut self) -> Result<()> {
        if !self.reachable {
            return Ok(());
        }
        let frame = self
            .control
            .last()
            .ok_or_else(|| self.internal("no frame"))?;
        let (dest, n) = (frame.dest, frame.num_results);
        let a = args(self.peekn(n)?);
        self.b.ins().jump(dest, &a);
        if let Some(f) = self.control.last_mut() {
            f.dest_reached = true;
        }
        Ok(())
    }

    pub(crate) fn op_else(&mut self) -> Result<()> {
        if matches!(self.control.last().map(|f| &f.kind), Some(FrameKind::Dead)) {
            return Ok(());
        }
        self.fallthrough_to_dest()?;
        let err = self.internal("else outside if");
        let frame = self.control.last_mut().ok_or(err.clone())?;
        let height = frame.height;
        let FrameKind::If {
            else_block,
            params,
            else_seen,
        } = &mut frame.kind
        else {
            return Err(err);
        };
        *else_seen = true;
        let else_block = *else_block;
        let params = std::mem::take(params);
        self.stack.truncate(height);
        self.stack.extend(params);
        self.b.switch_to_block(else_block);
        self.reachable = true;
        Ok(())
    }

    pub(crate) fn op_end(&mut self) -> Result<()> {
        if matches!(self.control.last().map(|f| &f.kind), Some(FrameKind::Dead)) {
            let f = self
                .control
                .pop()
                .ok_or_else(|| self.internal("no frame"))?;
            self.stack.truncate(f.height);
            return Ok(());
        }
        self.fallthrough_to_dest()?;
        let mut frame = self
            .control
            .pop()
            .ok_or_else(|| self.internal("no frame"))?;
        if matches!(frame.kind, FrameKind::TryTable) {
            self.close_try_scope()?;
        }
        match &frame.kind {
            FrameKind::Loop { header } => self.b.seal_block(*header),
            FrameKind::If {
                else_block,
                params,
                else_seen: false,
            } => {
                // No else: the parameters pass through as the results.
                self.b.switch_to_block(*else_block);
                let a = args(params);
                self.b.ins().jump(frame.dest, &a);
                frame.dest_reached = true;
            }
            _ => {}
        }
        self.stack.truncate(frame.height);
        self.b.seal_block(frame.dest);
        if frame.dest_reached {
            self.b.switch_to_block(frame.dest);
            let results = self.b.block_params(frame.dest).to_vec();
            self.stack.extend(results);
            self.reachable = true;
        } else {
            self.reachable = false;
        }
        if self.control.is_empty() && self.reachable {
            // End of the function body.
            let results = std::mem::take(&mut self.stack);
            self.b.ins().return_(&results);
            self.reachable = false;
        }
        Ok(())
    }

    /// Jump to the branch target of the frame `relative_depth` out.
    pub(crate) fn op_br(&mut self, relative_depth: u32) -> Result<()> {
        let i = self.frame_index(relative_depth)?;
        let (target, n) = (
            self.control[i].branch_target(),
            self.control[i].branch_arity(),
        );
        let a = args(self.peekn(n)?);
        self.b.ins().jump(target, &a);
        self.control[i].dest_reached = true;
        self.reachable = false;
        Ok(())
    }

    pub(crate) fn op_br_if(&mut self, relative_depth: u32) -> Result<()> {
        let cond = self.pop()?;
        self.branch_if(cond, relative_depth)
    }

    /// `br_on_null` (`on_null`) / `br_on_non_null`: branch on whether the
    /// reference on top is null. `br_on_null` leaves the reference behind
    /// when it does not branch; `br_on_non_null` carries it to the target
    /// and drops it otherwise.
    pub(crate) fn op_br_on_null(&mut self, relative_depth: u32, on_null: bool) -> Result<()> {
        let r = self.pop()?;
        if on_null {
            let is_null = self.b.ins().icmp_imm_u(IntCC::Equal, r, 0);
            self.branch_if(is_null, relative_depth)?;
            self.push(r);
        } else {
            self.push(r);
            let non_null = self.b.ins().icmp_imm_u(IntCC::NotEqual, r, 0);
            self.branch_if(non_null, relative_depth)?;
            self.pop()?;
        }
        Ok(())
    }

    /// Branch to frame `relative_depth` with its arity's top operands when
    /// `cond` is nonzero; continue in a new block otherwise.
    fn branch_if(&mut self, cond: Value, relative_depth: u32) -> Result<()> {
        let i = self.frame_index(relative_depth)?;
        let (target, n) = (
            self.control[i].branch_target(),
            self.control[i].branch_arity(),
        );
        let a = args(self.peekn(n)?);
        let cont = self.b.create_block();
        self.b.ins().brif(cond, target, &a, cont, &[]);
        self.control[i].dest_reached = true;
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
        Ok(())
    }

    pub(crate) fn op_br_table(&mut self, table: &BrTable<'_>) -> Result<()> {
        let index = self.pop()?;
        let mut depths = Vec::with_capacity(table.len() as usize + 1);
        for t in table.targets() {
            depths.push(t?);
        }
        let default = table.default();
        let di = self.frame_index(default)?;
        let n = self.control[di].branch_arity();
        let a = args(self.peekn(n)?);

        // Block to jump to for each distinct depth: the target itself when
        // no values are carried, else an edge block passing them.
        let mut edge: Vec<(u32, Block)> = Vec::new();
        let mut seen: HashMap<u32, Block> = HashMap::new();
        let mut block_for = |t: &mut Self, depth: u32| -> Result<Block> {
            if let Some(b) = seen.get(&depth) {
                return Ok(*b);
            }
            let i = t.frame_index(depth)?;
            t.control[i].dest_reached = true;
            let target = t.control[i].branch_target();
            let b = if n == 0 { target } else { t.b.create_block() };
            edge.push((depth, b));
            seen.insert(depth, b);
            Ok(b)
        };
        let default_block = block_for(self, default)?;
        let mut calls = Vec::with_capacity(depths.len());
        for d in &depths {
            let b = block_for(self, *d)?;
            calls.push(self.b.func.dfg.block_call(b, &[]));
        }
        let def_call = self.b.func.dfg.block_call(default_block, &[]);
        let jt = self
            .b
            .create_jump_table(JumpTableData::new(def_call, &calls));
        self.b.ins().br_table(index, jt);
        if n > 0 {
            for (depth, b) in edge {
                let i = self.frame_index(depth)?;
                let target = self.control[i].branch_target();
                self.b.switch_to_block(b);
                self.b.seal_block(b);
                self.b.ins().jump(target, &a);
            }
        }
        self.reachable = false;
        Ok(())
    }

    pub(crate) fn op_return(&mut self) -> Result<()> {
        let n = self.control.first().map(|f| f.num_results).unwrap_or(0);
        let results = self.peekn(n)?.to_vec();
        self.b.ins().return_(&results);
        self.reachable = false;
        Ok(())
    }
}
