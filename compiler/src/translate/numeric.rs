//! Numeric operators that need more than one Cranelift instruction:
//! comparisons (i8 → i32), division and remainder with explicit trap
//! checks, trapping and saturating float→int truncation, sign extension.

use super::translator::FuncTranslator;
use crate::error::Result;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{types, InstBuilder, InstructionData, Opcode, Type, Value};
use wacc_abi::TrapCode;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum DivOp {
    DivS,
    DivU,
    RemS,
    RemU,
}

impl FuncTranslator<'_, '_> {
    pub(crate) fn icmp_op(&mut self, cc: IntCC) -> Result<()> {
        let (x, y) = self.pop2()?;
        let c = self.b.ins().icmp(cc, x, y);
        let r = self.bool_to_i32(c);
        self.push(r);
        Ok(())
    }

    pub(crate) fn eqz_op(&mut self) -> Result<()> {
        let x = self.pop()?;
        let c = self.b.ins().icmp_imm_u(IntCC::Equal, x, 0);
        let r = self.bool_to_i32(c);
        self.push(r);
        Ok(())
    }

    pub(crate) fn fcmp_op(&mut self, cc: FloatCC) -> Result<()> {
        let (x, y) = self.pop2()?;
        let c = self.b.ins().fcmp(cc, x, y);
        let r = self.bool_to_i32(c);
        self.push(r);
        Ok(())
    }

    /// The value of `v` if it is an integer constant (sign-extended).
    fn const_int(&self, v: Value) -> Option<i64> {
        let dfg = &self.b.func.dfg;
        let inst = dfg.value_def(v).inst()?;
        match dfg.insts[inst] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => Some(match dfg.value_type(v) {
                types::I32 => imm.bits() as i32 as i64,
                _ => imm.bits(),
            }),
            _ => None,
        }
    }

    /// Integer division/remainder. The divisor is checked before the
    /// hardware instruction so it never faults; checks a constant divisor
    /// makes unnecessary are left out.
    pub(crate) fn div_op(&mut self, ty: Type, op: DivOp) -> Result<()> {
        let (x, y) = self.pop2()?;
        let divisor = self.const_int(y);
        if divisor.is_none() || divisor == Some(0) {
            let zero = self.b.ins().icmp_imm_u(IntCC::Equal, y, 0);
            self.trap_if(zero, TrapCode::IntegerDivisionByZero);
        }
        let may_be_minus_one = divisor.is_none() || divisor == Some(-1);
        let min = if ty == types::I32 {
            i32::MIN as i64
        } else {
            i64::MIN
        };
        let r = match op {
            DivOp::DivU => self.b.ins().udiv(x, y),
            DivOp::RemU => self.b.ins().urem(x, y),
            DivOp::DivS => {
                if may_be_minus_one {
                    let x_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, min);
                    let y_m1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                    let ovf = self.b.ins().band(x_min, y_m1);
                    self.trap_if(ovf, TrapCode::IntegerOverflow);
                }
                self.b.ins().sdiv(x, y)
            }
            DivOp::RemS if divisor == Some(-1) => self.iconst(ty, 0),
            DivOp::RemS if may_be_minus_one => {
                // x rem -1 = 0; divide by 1 instead so MIN rem -1 cannot fault.
                let y_m1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let one = self.iconst(ty, 1);
                let d = self.b.ins().select(y_m1, one, y);
                self.b.ins().srem(x, d)
            }
            DivOp::RemS => self.b.ins().srem(x, y),
        };
        self.push(r);
        Ok(())
    }

    fn fconst(&mut self, fty: Type, v: f64) -> Value {
        if fty == types::F32 {
            self.b
                .ins()
                .f32const(Ieee32::with_bits((v as f32).to_bits()))
        } else {
            self.b.ins().f64const(Ieee64::with_bits(v.to_bits()))
        }
    }

    /// Trapping float→int truncation (`iNN.trunc_fMM_s/u`): NaN traps with
    /// BadConversionToInteger, values whose truncation does not fit trap
    /// with IntegerOverflow; the conversion itself is then exact.
    pub(crate) fn trunc_op(&mut self, ity: Type, signed: bool) -> Result<()> {
        let x = self.pop()?;
        let fty = self.b.func.dfg.value_type(x);
        let nan = self.b.ins().fcmp(FloatCC::Unordered, x, x);
        self.trap_if(nan, TrapCode::BadConversionToInteger);

        let bits = ity.bits() as i32;
        // Valid iff lo < x < hi (lo exclusive) or lo <= x < hi (lo inclusive).
        // All bounds used are exactly representable in the float type:
        // MIN - 1 only for i32 from f64; otherwise MIN itself, inclusive.
        let (lo, lo_inclusive, hi) = if signed {
            let hi = 2f64.powi(bits - 1);
            if fty == types::F64 && bits == 32 {
                (-hi - 1.0, false, hi)
            } else {
                (-hi, true, hi)
            }
        } else {
            (-1.0, false, 2f64.powi(bits))
        };
        let lo_v = self.fconst(fty, lo);
        let hi_v = self.fconst(fty, hi);
        let lo_cc = if lo_inclusive {
            FloatCC::LessThan
        } else {
            FloatCC::LessThanOrEqual
        };
        let too_low = self.b.ins().fcmp(lo_cc, x, lo_v);
        let too_high = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, hi_v);
        let out = self.b.ins().bor(too_low, too_high);
        self.trap_if(out, TrapCode::IntegerOverflow);
        self.push(x);
        self.trunc_sat_op(ity, signed)
    }

    /// Saturating float→int truncation (`iNN.trunc_sat_fMM_s/u`); also the
    /// conversion step of the trapping forms once their checks passed.
    pub(crate) fn trunc_sat_op(&mut self, ity: Type, signed: bool) -> Result<()> {
        let x = self.pop()?;
        let r = if signed {
            self.b.ins().fcvt_to_sint_sat(ity, x)
        } else {
            self.b.ins().fcvt_to_uint_sat(ity, x)
        };
        self.push(r);
        Ok(())
    }

    /// `iNN.extendM_s`: sign-extend the low `from` bits in place.
    pub(crate) fn extend_s_op(&mut self, ty: Type, from: Type) -> Result<()> {
        let x = self.pop()?;
        let narrow = self.b.ins().ireduce(from, x);
        let r = self.b.ins().sextend(ty, narrow);
        self.push(r);
        Ok(())
    }

    pub(crate) fn convert_op(&mut self, fty: Type, signed: bool) -> Result<()> {
        let x = self.pop()?;
        let r = if signed {
            self.b.ins().fcvt_from_sint(fty, x)
        } else {
            self.b.ins().fcvt_from_uint(fty, x)
        };
        self.push(r);
        Ok(())
    }

    pub(crate) fn reinterpret_op(&mut self, to: Type) -> Result<()> {
        let x = self.pop()?;
        let r = self
            .b
            .ins()
            .bitcast(to, cranelift_codegen::ir::MemFlagsData::new(), x);
        self.push(r);
        Ok(())
    }
}
