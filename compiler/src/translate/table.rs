//! Tables and references: table.get/set/size inline, the other table
//! operators through libcalls; ref.null, ref.is_null, ref.func. A 64-bit
//! table (table64) takes i64 indices; its length still fits 32 bits (larger
//! limits are rejected), so an index past `u32::MAX` is out of bounds.

use super::translator::FuncTranslator;
use crate::error::Result;
use crate::libcalls::LibCall;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Value};
use wacc_abi::{self as abi, TrapCode};

const VMTABLE_BASE: i32 = core::mem::offset_of!(abi::VMTable, base) as i32;
const VMTABLE_LENGTH: i32 = core::mem::offset_of!(abi::VMTable, length) as i32;

impl FuncTranslator<'_, '_> {
    /// Whether table `table` exists and is indexed by i64.
    fn is_table64(&self, table: u32) -> Result<bool> {
        self.table64
            .get(table as usize)
            .copied()
            .ok_or_else(|| self.internal("table index out of range"))
    }

    /// An index or length operand as i32: an i64 above `u32::MAX` cannot be
    /// in bounds of any table, so it traps with `TableOutOfBounds`.
    fn table_operand32(&mut self, v: Value) -> Value {
        if self.b.func.dfg.value_type(v) == types::I32 {
            return v;
        }
        let big = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThan, v, u32::MAX as i64);
        self.trap_if(big, TrapCode::TableOutOfBounds);
        self.b.ins().ireduce(types::I32, v)
    }

    /// Pointer to table `table`'s `VMTable`.
    fn vmtable(&mut self, table: u32) -> Result<Value> {
        self.is_table64(table)?;
        let vmctx = self.vmctx;
        Ok(match self.m.layout.table_def(table) {
            Some(off) => self.b.ins().iadd_imm_s(vmctx, off as i64),
            None => {
                let slot = self.m.layout.table_ptr(table) as i32;
                self.b
                    .ins()
                    .load(types::I64, Self::invariant_flags(), vmctx, slot)
            }
        })
    }

    /// Address of element `index` (an i32, or i64 for a 64-bit table) of
    /// `table`, trapping with `code` when `index >= length`.
    pub(crate) fn table_element_addr(
        &mut self,
        table: u32,
        index: Value,
        code: TrapCode,
    ) -> Result<Value> {
        let t = self.vmtable(table)?;
        let flags = Self::vm_flags(self.regions.vm_table);
        let mut len = self.b.ins().load(types::I32, flags, t, VMTABLE_LENGTH);
        let wide = self.b.func.dfg.value_type(index) == types::I64;
        if wide {
            len = self.b.ins().uextend(types::I64, len);
        }
        let oob = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.trap_if(oob, code);
        let base = self.b.ins().load(types::I64, flags, t, VMTABLE_BASE);
        let i64_index = if wide {
            index
        } else {
            self.b.ins().uextend(types::I64, index)
        };
        let off = self.b.ins().ishl_imm_u(i64_index, 3);
        Ok(self.b.ins().iadd(base, off))
    }

    pub(crate) fn table_get_op(&mut self, table: u32) -> Result<()> {
        let index = self.pop()?;
        let addr = self.table_element_addr(table, index, TrapCode::TableOutOfBounds)?;
        let flags = Self::vm_flags(self.regions.table_elems);
        let v = self.b.ins().load(types::I64, flags, addr, 0);
        self.push(v);
        Ok(())
    }

    pub(crate) fn table_set_op(&mut self, table: u32) -> Result<()> {
        let (index, val) = self.pop2()?;
        let addr = self.table_element_addr(table, index, TrapCode::TableOutOfBounds)?;
        let flags = Self::vm_flags(self.regions.table_elems);
        self.b.ins().store(flags, val, addr, 0);
        Ok(())
    }

    pub(crate) fn table_size_op(&mut self, table: u32) -> Result<()> {
        let t = self.vmtable(table)?;
        let flags = Self::vm_flags(self.regions.vm_table);
        let mut len = self.b.ins().load(types::I32, flags, t, VMTABLE_LENGTH);
        if self.is_table64(table)? {
            len = self.b.ins().uextend(types::I64, len);
        }
        self.push(len);
        Ok(())
    }

    pub(crate) fn table_grow_op(&mut self, table: u32) -> Result<()> {
        let wide = self.is_table64(table)?;
        let (init, delta) = self.pop2()?;
        let t = self.iconst(types::I32, table as i64);
        if !wide {
            let r = self.call_libcall(LibCall::TableGrow, &[t, init, delta]);
            self.push(r[0]);
            return Ok(());
        }
        // A delta past u32::MAX always fails: grow by u32::MAX instead,
        // which fails the same way (lengths fit 32 bits).
        let max = self.iconst(types::I64, u32::MAX as i64);
        let d = self.b.ins().umin(delta, max);
        let d = self.b.ins().ireduce(types::I32, d);
        let r = self.call_libcall(LibCall::TableGrow, &[t, init, d])[0];
        // u32::MAX (failure) becomes -1, other sizes zero-extend.
        let failed = self.b.ins().icmp_imm_u(IntCC::Equal, r, u32::MAX as i64);
        let r64 = self.b.ins().uextend(types::I64, r);
        let minus1 = self.iconst(types::I64, -1);
        let v = self.b.ins().select(failed, minus1, r64);
        self.push(v);
        Ok(())
    }

    pub(crate) fn table_fill_op(&mut self, table: u32) -> Result<()> {
        self.is_table64(table)?;
        let (d, val, n) = self.pop3()?;
        let d = self.table_operand32(d);
        let n = self.table_operand32(n);
        let t = self.iconst(types::I32, table as i64);
        self.call_libcall(LibCall::TableFill, &[t, d, val, n]);
        Ok(())
    }

    pub(crate) fn table_copy_op(&mut self, dst_table: u32, src_table: u32) -> Result<()> {
        self.is_table64(dst_table)?;
        self.is_table64(src_table)?;
        let (d, s, n) = self.pop3()?;
        let d = self.table_operand32(d);
        let s = self.table_operand32(s);
        let n = self.table_operand32(n);
        let dt = self.iconst(types::I32, dst_table as i64);
        let st = self.iconst(types::I32, src_table as i64);
        self.call_libcall(LibCall::TableCopy, &[dt, st, d, s, n]);
        Ok(())
    }

    pub(crate) fn table_init_op(&mut self, elem_index: u32, table: u32) -> Result<()> {
        self.is_table64(table)?;
        let (d, s, n) = self.pop3()?;
        let d = self.table_operand32(d);
        let t = self.iconst(types::I32, table as i64);
        let e = self.iconst(types::I32, elem_index as i64);
        self.call_libcall(LibCall::TableInit, &[t, e, d, s, n]);
        Ok(())
    }

    pub(crate) fn elem_drop_op(&mut self, elem_index: u32) -> Result<()> {
        let e = self.iconst(types::I32, elem_index as i64);
        self.call_libcall(LibCall::ElemDrop, &[e]);
        Ok(())
    }

    pub(crate) fn ref_null_op(&mut self) {
        let v = self.b.ins().iconst(types::I64, 0);
        self.push(v);
    }

    pub(crate) fn ref_is_null_op(&mut self) -> Result<()> {
        let r = self.pop()?;
        let c = self.b.ins().icmp_imm_u(IntCC::Equal, r, 0);
        let v = self.bool_to_i32(c);
        self.push(v);
        Ok(())
    }

    /// `ref.as_non_null`: traps on null, the reference stays.
    pub(crate) fn ref_as_non_null_op(&mut self) -> Result<()> {
        let r = self.pop()?;
        self.trap_if_null(r, TrapCode::NullReference);
        self.push(r);
        Ok(())
    }

    /// `ref.func f`: the address of `f`'s `VMFuncRef` in this vmctx.
    pub(crate) fn ref_func_op(&mut self, function_index: u32) -> Result<()> {
        if function_index as usize >= self.m.funcs.len() {
            return Err(self.internal("function index out of range"));
        }
        let off = self.m.layout.funcref(function_index) as i64;
        let vmctx = self.vmctx;
        let v = self.b.ins().iadd_imm_s(vmctx, off);
        self.push(v);
        Ok(())
    }
}
