//! Operator dispatch: one arm per wasm operator, delegating anything longer
//! than a few instructions to the concept's file.

use super::memory::Ext;
use super::numeric::DivOp;
use super::translator::FuncTranslator;
use crate::error::Result;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::types::{F32, F64, I16, I32, I64, I8};
use cranelift_codegen::ir::InstBuilder;
use wacc_abi::TrapCode;
use wasmparser::Operator;

macro_rules! define_is_simd {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        /// Whether `op` belongs to the SIMD proposals.
        fn is_simd(op: &Operator<'_>) -> bool {
            matches!(op, $(Operator::$op { .. })|*)
        }
    };
}
wasmparser::for_each_visit_simd_operator!(define_is_simd);

/// Binary operator mapping directly to one Cranelift instruction.
macro_rules! binop {
    ($t:ident, $inst:ident) => {{
        let (x, y) = $t.pop2()?;
        let v = $t.b.ins().$inst(x, y);
        $t.push(v);
    }};
}

/// Unary operator mapping directly to one Cranelift instruction.
macro_rules! unop {
    ($t:ident, $inst:ident) => {{
        let x = $t.pop()?;
        let v = $t.b.ins().$inst(x);
        $t.push(v);
    }};
    ($t:ident, $inst:ident, $ty:expr) => {{
        let x = $t.pop()?;
        let v = $t.b.ins().$inst($ty, x);
        $t.push(v);
    }};
}

impl FuncTranslator<'_, '_> {
    pub(crate) fn translate_op(&mut self, op: &Operator<'_>) -> Result<()> {
        if !self.reachable {
            return self.translate_unreachable(op);
        }
        self.translate_reachable(op)?;
        self.note_depth();
        Ok(())
    }

    /// In unreachable code only the nesting of control frames matters.
    fn translate_unreachable(&mut self, op: &Operator<'_>) -> Result<()> {
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. } => {
                self.push_dead_frame();
                Ok(())
            }
            Operator::Else => self.op_else(),
            Operator::End => self.op_end(),
            _ => Ok(()),
        }
    }

    fn translate_reachable(&mut self, op: &Operator<'_>) -> Result<()> {
        use Operator::*;
        let t = self;
        match op {
            // ---- control ----
            Unreachable => t.trap_now(TrapCode::Unreachable),
            Nop => {}
            Block { blockty } => t.op_block(*blockty)?,
            Loop { blockty } => t.op_loop(*blockty)?,
            If { blockty } => t.op_if(*blockty)?,
            Else => t.op_else()?,
            End => t.op_end()?,
            Br { relative_depth } => t.op_br(*relative_depth)?,
            BrIf { relative_depth } => t.op_br_if(*relative_depth)?,
            BrTable { targets } => t.op_br_table(targets)?,
            Return => t.op_return()?,
            Call { function_index } => t.call_op(*function_index)?,
            CallIndirect {
                type_index,
                table_index,
            } => t.call_indirect_op(*type_index, *table_index)?,
            BrOnNull { relative_depth } => t.op_br_on_null(*relative_depth, true)?,
            BrOnNonNull { relative_depth } => t.op_br_on_null(*relative_depth, false)?,
            CallRef { type_index } => t.call_ref_op(*type_index)?,
            TryTable { try_table } => t.op_try_table(try_table)?,
            Throw { tag_index } => t.op_throw(*tag_index)?,
            ThrowRef => t.op_throw_ref()?,

            // ---- parametric ----
            Drop => {
                t.pop()?;
            }
            Select => {
                let (x, y, c) = t.pop3()?;
                let v = t.b.ins().select(c, x, y);
                t.push(v);
            }
            TypedSelect { .. } => {
                let (x, y, c) = t.pop3()?;
                let v = t.b.ins().select(c, x, y);
                t.push(v);
            }

            // ---- variables ----
            LocalGet { local_index } => {
                let var = t.local(*local_index)?;
                let v = t.b.use_var(var);
                t.push(v);
            }
            LocalSet { local_index } => {
                let var = t.local(*local_index)?;
                let v = t.pop()?;
                t.b.def_var(var, v);
            }
            LocalTee { local_index } => {
                let var = t.local(*local_index)?;
                let v = *t
                    .peekn(1)?
                    .first()
                    .ok_or_else(|| t.internal("empty stack"))?;
                t.b.def_var(var, v);
            }
            GlobalGet { global_index } => t.global_get_op(*global_index)?,
            GlobalSet { global_index } => t.global_set_op(*global_index)?,

            // ---- memory ----
            I32Load { memarg } => t.load_op(memarg, I32, 4, Ext::None)?,
            I64Load { memarg } => t.load_op(memarg, I64, 8, Ext::None)?,
            F32Load { memarg } => t.load_op(memarg, F32, 4, Ext::None)?,
            F64Load { memarg } => t.load_op(memarg, F64, 8, Ext::None)?,
            I32Load8S { memarg } => t.load_op(memarg, I32, 1, Ext::Signed)?,
            I32Load8U { memarg } => t.load_op(memarg, I32, 1, Ext::Unsigned)?,
            I32Load16S { memarg } => t.load_op(memarg, I32, 2, Ext::Signed)?,
            I32Load16U { memarg } => t.load_op(memarg, I32, 2, Ext::Unsigned)?,
            I64Load8S { memarg } => t.load_op(memarg, I64, 1, Ext::Signed)?,
            I64Load8U { memarg } => t.load_op(memarg, I64, 1, Ext::Unsigned)?,
            I64Load16S { memarg } => t.load_op(memarg, I64, 2, Ext::Signed)?,
            I64Load16U { memarg } => t.load_op(memarg, I64, 2, Ext::Unsigned)?,
            I64Load32S { memarg } => t.load_op(memarg, I64, 4, Ext::Signed)?,
            I64Load32U { memarg } => t.load_op(memarg, I64, 4, Ext::Unsigned)?,
            I32Store { memarg } | F32Store { memarg } => t.store_op(memarg, 4)?,
            I64Store { memarg } | F64Store { memarg } => t.store_op(memarg, 8)?,
            I32Store8 { memarg } | I64Store8 { memarg } => t.store_op(memarg, 1)?,
            I32Store16 { memarg } | I64Store16 { memarg } => t.store_op(memarg, 2)?,
            I64Store32 { memarg } => t.store_op(memarg, 4)?,
            MemorySize { mem } => t.memory_size_op(*mem)?,
            MemoryGrow { mem } => t.memory_grow_op(*mem)?,
            MemoryInit { data_index, mem } => t.memory_init_op(*data_index, *mem)?,
            DataDrop { data_index } => t.data_drop_op(*data_index)?,
            MemoryCopy { dst_mem, src_mem } => t.memory_copy_op(*dst_mem, *src_mem)?,
            MemoryFill { mem } => t.memory_fill_op(*mem)?,

            // ---- tables and references ----
            TableGet { table } => t.table_get_op(*table)?,
            TableSet { table } => t.table_set_op(*table)?,
            TableSize { table } => t.table_size_op(*table)?,
            TableGrow { table } => t.table_grow_op(*table)?,
            TableFill { table } => t.table_fill_op(*table)?,
            TableCopy {
                dst_table,
                src_table,
            } => t.table_copy_op(*dst_table, *src_table)?,
            TableInit { elem_index, table } => t.table_init_op(*elem_index, *table)?,
            ElemDrop { elem_index } => t.elem_drop_op(*elem_index)?,
            RefNull { .. } => t.ref_null_op(),
            RefIsNull => t.ref_is_null_op()?,
            RefAsNonNull => t.ref_as_non_null_op()?,
            RefFunc { function_index } => t.ref_func_op(*function_index)?,

            // ---- constants ----
            I32Const { value } => {
                let v = t.iconst(I32, *value as i64);
                t.push(v);
            }
            I64Const { value } => {
                let v = t.iconst(I64, *value);
                t.push(v);
            }
            F32Const { value } => {
                let v = t.b.ins().f32const(Ieee32::with_bits(value.bits()));
                t.push(v);
            }
            F64Const { value } => {
                let v = t.b.ins().f64const(Ieee64::with_bits(value.bits()));
                t.push(v);
            }

            // ---- integer comparisons ----
            I32Eqz | I64Eqz => t.eqz_op()?,
            I32Eq | I64Eq => t.icmp_op(IntCC::Equal)?,
            I32Ne | I64Ne => t.icmp_op(IntCC::NotEqual)?,
            I32LtS | I64LtS => t.icmp_op(IntCC::SignedLessThan)?,
            I32LtU | I64LtU => t.icmp_op(IntCC::UnsignedLessThan)?,
            I32GtS | I64GtS => t.icmp_op(IntCC::SignedGreaterThan)?,
            I32GtU | I64GtU => t.icmp_op(IntCC::UnsignedGreaterThan)?,
            I32LeS | I64LeS => t.icmp_op(IntCC::SignedLessThanOrEqual)?,
            I32LeU | I64LeU => t.icmp_op(IntCC::UnsignedLessThanOrEqual)?,
            I32GeS | I64GeS => t.icmp_op(IntCC::SignedGreaterThanOrEqual)?,
            I32GeU | I64GeU => t.icmp_op(IntCC::UnsignedGreaterThanOrEqual)?,

            // ---- float comparisons (ordered, except ne) ----
            F32Eq | F64Eq => t.fcmp_op(FloatCC::Equal)?,
            F32Ne | F64Ne => t.fcmp_op(FloatCC::NotEqual)?,
            F32Lt | F64Lt => t.fcmp_op(FloatCC::LessThan)?,
            F32Gt | F64Gt => t.fcmp_op(FloatCC::GreaterThan)?,
            F32Le | F64Le => t.fcmp_op(FloatCC::LessThanOrEqual)?,
            F32Ge | F64Ge => t.fcmp_op(FloatCC::GreaterThanOrEqual)?,

            // ---- integer arithmetic ----
            I32Clz | I64Clz => unop!(t, clz),
            I32Ctz | I64Ctz => unop!(t, ctz),
            I32Popcnt | I64Popcnt => unop!(t, popcnt),
            I32Add | I64Add => binop!(t, iadd),
            I32Sub | I64Sub => binop!(t, isub),
            I32Mul | I64Mul => binop!(t, imul),
            I32DivS => t.div_op(I32, DivOp::DivS)?,
            I32DivU => t.div_op(I32, DivOp::DivU)?,
            I32RemS => t.div_op(I32, DivOp::RemS)?,
            I32RemU => t.div_op(I32, DivOp::RemU)?,
            I64DivS => t.div_op(I64, DivOp::DivS)?,
            I64DivU => t.div_op(I64, DivOp::DivU)?,
            I64RemS => t.div_op(I64, DivOp::RemS)?,
            I64RemU => t.div_op(I64, DivOp::RemU)?,
            I32And | I64And => binop!(t, band),
            I32Or | I64Or => binop!(t, bor),
            I32Xor | I64Xor => binop!(t, bxor),
            // Cranelift masks shift amounts by the type width, as wasm does.
            I32Shl | I64Shl => binop!(t, ishl),
            I32ShrS | I64ShrS => binop!(t, sshr),
            I32ShrU | I64ShrU => binop!(t, ushr),
            I32Rotl | I64Rotl => binop!(t, rotl),
            I32Rotr | I64Rotr => binop!(t, rotr),

            // ---- float arithmetic ----
            F32Abs | F64Abs => unop!(t, fabs),
            F32Neg | F64Neg => unop!(t, fneg),
            F32Ceil | F64Ceil => unop!(t, ceil),
            F32Floor | F64Floor => unop!(t, floor),
            F32Trunc | F64Trunc => unop!(t, trunc),
            F32Nearest | F64Nearest => unop!(t, nearest),
            F32Sqrt | F64Sqrt => unop!(t, sqrt),
            F32Add | F64Add => binop!(t, fadd),
            F32Sub | F64Sub => binop!(t, fsub),
            F32Mul | F64Mul => binop!(t, fmul),
            F32Div | F64Div => binop!(t, fdiv),
            F32Min | F64Min => binop!(t, fmin),
            F32Max | F64Max => binop!(t, fmax),
            F32Copysign | F64Copysign => binop!(t, fcopysign),

            // ---- conversions ----
            I32WrapI64 => unop!(t, ireduce, I32),
            I64ExtendI32S => unop!(t, sextend, I64),
            I64ExtendI32U => unop!(t, uextend, I64),
            I32TruncF32S | I32TruncF64S => t.trunc_op(I32, true)?,
            I32TruncF32U | I32TruncF64U => t.trunc_op(I32, false)?,
            I64TruncF32S | I64TruncF64S => t.trunc_op(I64, true)?,
            I64TruncF32U | I64TruncF64U => t.trunc_op(I64, false)?,
            I32TruncSatF32S | I32TruncSatF64S => t.trunc_sat_op(I32, true)?,
            I32TruncSatF32U | I32TruncSatF64U => t.trunc_sat_op(I32, false)?,
            I64TruncSatF32S | I64TruncSatF64S => t.trunc_sat_op(I64, true)?,
            I64TruncSatF32U | I64TruncSatF64U => t.trunc_sat_op(I64, false)?,
            F32ConvertI32S | F32ConvertI64S => t.convert_op(F32, true)?,
            F32ConvertI32U | F32ConvertI64U => t.convert_op(F32, false)?,
            F64ConvertI32S | F64ConvertI64S => t.convert_op(F64, true)?,
            F64ConvertI32U | F64ConvertI64U => t.convert_op(F64, false)?,
            F32DemoteF64 => unop!(t, fdemote, F32),
            F64PromoteF32 => unop!(t, fpromote, F64),
            I32ReinterpretF32 => t.reinterpret_op(I32)?,
            I64ReinterpretF64 => t.reinterpret_op(I64)?,
            F32ReinterpretI32 => t.reinterpret_op(F32)?,
            F64ReinterpretI64 => t.reinterpret_op(F64)?,

            // ---- sign extension ----
            I32Extend8S => t.extend_s_op(I32, I8)?,
            I32Extend16S => t.extend_s_op(I32, I16)?,
            I64Extend8S => t.extend_s_op(I64, I8)?,
            I64Extend16S => t.extend_s_op(I64, I16)?,
            I64Extend32S => t.extend_s_op(I64, I32)?,

            _ if is_simd(op) && !t.simd => return Err(t.unsupported(super::NO_SIMD)),
            _ if is_simd(op) => t.translate_simd(op)?,
            // the threads proposal, or unsupported
            _ => t.translate_atomic(op)?,
        }
        Ok(())
    }

    fn local(&self, index: u32) -> Result<cranelift_frontend::Variable> {
        self.locals
            .get(index as usize)
            .copied()
            .ok_or_else(|| self.internal("local index out of range"))
    }
}
