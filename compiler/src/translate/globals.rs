//! global.get / global.set: defined globals live inline in the vmctx,
//! imported ones behind a pointer slot (see `VmctxLayout::global`).

use super::translator::FuncTranslator;
use crate::environ::GlobalLoc;
use crate::error::Result;
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Type, Value};

impl FuncTranslator<'_, '_> {
    /// (pointer, offset, type, mutable) of global `index`'s value cell.
    fn global_cell(&mut self, index: u32) -> Result<(Value, i32, Type, bool)> {
        let g = self
            .m
            .globals
            .get(index as usize)
            .ok_or_else(|| self.internal("global index out of range"))?;
        let (ty, mutable) = (super::ir_type(g.ty), g.mutable);
        let vmctx = self.vmctx;
        Ok(match self.m.layout.global(index) {
            GlobalLoc::Inline(off) => (vmctx, off as i32, ty, mutable),
            GlobalLoc::Pointer(slot) => {
                let p = self
                    .b
                    .ins()
                    .load(types::I64, Self::invariant_flags(), vmctx, slot as i32);
                (p, 0, ty, mutable)
            }
        })
    }

    pub(crate) fn global_get_op(&mut self, index: u32) -> Result<()> {
        let (p, off, ty, mutable) = self.global_cell(index)?;
        let flags = if mutable {
            Self::vm_flags(self.regions.globals)
        } else {
            // Immutable globals are set before any wasm code runs.
            MemFlagsData::trusted().with_readonly().with_can_move()
        };
        let v = self
            .b
            .ins()
            .load(ty, super::access_flags(flags, ty), p, off);
        self.push(v);
        Ok(())
    }

    pub(crate) fn global_set_op(&mut self, index: u32) -> Result<()> {
        let val = self.pop()?;
        let (p, off, ty, _) = self.global_cell(index)?;
        let flags = super::access_flags(Self::vm_flags(self.regions.globals), ty);
        self.b.ins().store(flags, val, p, off);
        Ok(())
    }
}
