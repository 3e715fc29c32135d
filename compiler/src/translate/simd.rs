//! 128-bit SIMD (the `simd` and `relaxed-simd` proposals).
//!
//! Every v128 on the operand stack, in locals, block parameters, globals and
//! signatures is an `I8X16`. Each operator bitcasts its operands to the lane
//! type it works on and its result back: bitcasts between vector types cost
//! nothing, and one representation keeps control flow and calls unaware of
//! lane types.
//!
//! Relaxed operators take the deterministic choice the proposal allows that
//! matches their strict counterpart (`relaxed_swizzle` is `swizzle`, the
//! relaxed truncations saturate, `relaxed_madd` is an unfused multiply-add),
//! so results are the same on every target.

use super::memory::Ext;
use super::translator::FuncTranslator;
use crate::error::Result;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{
    F32, F32X4, F64, F64X2, I16, I16X8, I32, I32X4, I64, I64X2, I8, I8X16,
};
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Type, Value};
use wasmparser::{MemArg, Operator};

/// Lane-wise binary operator: `$inst` on two `$ty` operands.
macro_rules! vbin {
    ($t:ident, $ty:expr, $inst:ident) => {{
        let (x, y) = $t.pop2_lanes($ty)?;
        let v = $t.b.ins().$inst(x, y);
        $t.push_v128(v);
    }};
}

/// Lane-wise unary operator: `$inst` on a `$ty` operand.
macro_rules! vun {
    ($t:ident, $ty:expr, $inst:ident) => {{
        let x = $t.pop_lanes($ty)?;
        let v = $t.b.ins().$inst(x);
        $t.push_v128(v);
    }};
}

/// Lane-wise integer comparison.
macro_rules! vicmp {
    ($t:ident, $ty:expr, $cc:ident) => {{
        let (x, y) = $t.pop2_lanes($ty)?;
        let v = $t.b.ins().icmp(IntCC::$cc, x, y);
        $t.push_v128(v);
    }};
}

/// Lane-wise float comparison.
macro_rules! vfcmp {
    ($t:ident, $ty:expr, $cc:ident) => {{
        let (x, y) = $t.pop2_lanes($ty)?;
        let v = $t.b.ins().fcmp(FloatCC::$cc, x, y);
        $t.push_v128(v);
    }};
}

/// Lane-wise shift by an i32 amount (Cranelift takes it modulo the lane
/// width, as wasm does).
macro_rules! vshift {
    ($t:ident, $ty:expr, $inst:ident) => {{
        let amount = $t.pop()?;
        let x = $t.pop_lanes($ty)?;
        let v = $t.b.ins().$inst(x, amount);
        $t.push_v128(v);
    }};
}

/// How a vector load fills the vector from the bytes it reads.
#[derive(Clone, Copy)]
enum VLoad {
    /// `v128.load8x8_s` and friends: each narrow lane widened.
    Extend(u8, Ext),
    /// `v128.loadN_splat`: one scalar in every lane.
    Splat(Type),
    /// `v128.load32_zero` / `load64_zero`: lane 0, the rest zero.
    Zero(Type),
}

/// The vector type with lanes of scalar type `lane`.
fn vector_of(lane: Type) -> Type {
    lane.by(128 / lane.bits()).expect("a 128-bit vector type")
}

impl FuncTranslator<'_, '_> {
    /// `v` (any 128-bit vector) as a `ty` vector.
    fn as_lanes(&mut self, ty: Type, v: Value) -> Value {
        if self.b.func.dfg.value_type(v) == ty {
            return v;
        }
        let flags = MemFlagsData::new().with_endianness(Endianness::Little);
        self.b.ins().bitcast(ty, flags, v)
    }

    fn pop_lanes(&mut self, ty: Type) -> Result<Value> {
        let v = self.pop()?;
        Ok(self.as_lanes(ty, v))
    }

    fn pop2_lanes(&mut self, ty: Type) -> Result<(Value, Value)> {
        let (x, y) = self.pop2()?;
        Ok((self.as_lanes(ty, x), self.as_lanes(ty, y)))
    }

    /// Push a vector result in the canonical `I8X16` representation.
    fn push_v128(&mut self, v: Value) {
        let v = self.as_lanes(I8X16, v);
        self.push(v);
    }

    /// An all-zero `ty` vector.
    pub(crate) fn vzero(&mut self, ty: Type) -> Value {
        let c = self.b.func.dfg.constants.insert(vec![0u8; 16].into());
        self.b.ins().vconst(ty, c)
    }

    pub(crate) fn translate_simd(&mut self, op: &Operator<'_>) -> Result<()> {
        use Operator::*;
        let t = self;
        match op {
            // ---- memory ----
            V128Load { memarg } => t.load_op(memarg, I8X16, 16, Ext::None)?,
            V128Store { memarg } => t.store_op(memarg, 16)?,
            V128Load8x8S { memarg } => t.vload(memarg, VLoad::Extend(8, Ext::Signed))?,
            V128Load8x8U { memarg } => t.vload(memarg, VLoad::Extend(8, Ext::Unsigned))?,
            V128Load16x4S { memarg } => t.vload(memarg, VLoad::Extend(16, Ext::Signed))?,
            V128Load16x4U { memarg } => t.vload(memarg, VLoad::Extend(16, Ext::Unsigned))?,
            V128Load32x2S { memarg } => t.vload(memarg, VLoad::Extend(32, Ext::Signed))?,
            V128Load32x2U { memarg } => t.vload(memarg, VLoad::Extend(32, Ext::Unsigned))?,
            V128Load8Splat { memarg } => t.vload(memarg, VLoad::Splat(I8))?,
            V128Load16Splat { memarg } => t.vload(memarg, VLoad::Splat(I16))?,
            V128Load32Splat { memarg } => t.vload(memarg, VLoad::Splat(I32))?,
            V128Load64Splat { memarg } => t.vload(memarg, VLoad::Splat(I64))?,
            V128Load32Zero { memarg } => t.vload(memarg, VLoad::Zero(I32))?,
            V128Load64Zero { memarg } => t.vload(memarg, VLoad::Zero(I64))?,
            V128Load8Lane { memarg, lane } => t.load_lane(memarg, I8, *lane)?,
            V128Load16Lane { memarg, lane } => t.load_lane(memarg, I16, *lane)?,
            V128Load32Lane { memarg, lane } => t.load_lane(memarg, I32, *lane)?,
            V128Load64Lane { memarg, lane } => t.load_lane(memarg, I64, *lane)?,
            V128Store8Lane { memarg, lane } => t.store_lane(memarg, I8, *lane)?,
            V128Store16Lane { memarg, lane } => t.store_lane(memarg, I16, *lane)?,
            V128Store32Lane { memarg, lane } => t.store_lane(memarg, I32, *lane)?,
            V128Store64Lane { memarg, lane } => t.store_lane(memarg, I64, *lane)?,

            // ---- constants, shuffles, lanes ----
            V128Const { value } => {
                let c = t.b.func.dfg.constants.insert(value.bytes().to_vec().into());
                let v = t.b.ins().vconst(I8X16, c);
                t.push(v);
            }
            I8x16Shuffle { lanes } => {
                let (x, y) = t.pop2()?;
                let mask = t.b.func.dfg.immediates.push(lanes.to_vec().into());
                let v = t.b.ins().shuffle(x, y, mask);
                t.push(v);
            }
            I8x16Swizzle | I8x16RelaxedSwizzle => vbin!(t, I8X16, swizzle),
            I8x16Splat => t.splat(I8)?,
            I16x8Splat => t.splat(I16)?,
            I32x4Splat => t.splat(I32)?,
            I64x2Splat => t.splat(I64)?,
            F32x4Splat => t.splat(F32)?,
            F64x2Splat => t.splat(F64)?,
            I8x16ExtractLaneS { lane } => t.extract_lane(I8, *lane, Ext::Signed)?,
            I8x16ExtractLaneU { lane } => t.extract_lane(I8, *lane, Ext::Unsigned)?,
            I16x8ExtractLaneS { lane } => t.extract_lane(I16, *lane, Ext::Signed)?,
            I16x8ExtractLaneU { lane } => t.extract_lane(I16, *lane, Ext::Unsigned)?,
            I32x4ExtractLane { lane } => t.extract_lane(I32, *lane, Ext::None)?,
            I64x2ExtractLane { lane } => t.extract_lane(I64, *lane, Ext::None)?,
            F32x4ExtractLane { lane } => t.extract_lane(F32, *lane, Ext::None)?,
            F64x2ExtractLane { lane } => t.extract_lane(F64, *lane, Ext::None)?,
            I8x16ReplaceLane { lane } => t.replace_lane(I8, *lane)?,
            I16x8ReplaceLane { lane } => t.replace_lane(I16, *lane)?,
            I32x4ReplaceLane { lane } => t.replace_lane(I32, *lane)?,
            I64x2ReplaceLane { lane } => t.replace_lane(I64, *lane)?,
            F32x4ReplaceLane { lane } => t.replace_lane(F32, *lane)?,
            F64x2ReplaceLane { lane } => t.replace_lane(F64, *lane)?,

            // ---- comparisons ----
            I8x16Eq => vicmp!(t, I8X16, Equal),
            I8x16Ne => vicmp!(t, I8X16, NotEqual),
            I8x16LtS => vicmp!(t, I8X16, SignedLessThan),
            I8x16LtU => vicmp!(t, I8X16, UnsignedLessThan),
            I8x16GtS => vicmp!(t, I8X16, SignedGreaterThan),
            I8x16GtU => vicmp!(t, I8X16, UnsignedGreaterThan),
            I8x16LeS => vicmp!(t, I8X16, SignedLessThanOrEqual),
            I8x16LeU => vicmp!(t, I8X16, UnsignedLessThanOrEqual),
            I8x16GeS => vicmp!(t, I8X16, SignedGreaterThanOrEqual),
            I8x16GeU => vicmp!(t, I8X16, UnsignedGreaterThanOrEqual),
            I16x8Eq => vicmp!(t, I16X8, Equal),
            I16x8Ne => vicmp!(t, I16X8, NotEqual),
            I16x8LtS => vicmp!(t, I16X8, SignedLessThan),
            I16x8LtU => vicmp!(t, I16X8, UnsignedLessThan),
            I16x8GtS => vicmp!(t, I16X8, SignedGreaterThan),
            I16x8GtU => vicmp!(t, I16X8, UnsignedGreaterThan),
            I16x8LeS => vicmp!(t, I16X8, SignedLessThanOrEqual),
            I16x8LeU => vicmp!(t, I16X8, UnsignedLessThanOrEqual),
            I16x8GeS => vicmp!(t, I16X8, SignedGreaterThanOrEqual),
            I16x8GeU => vicmp!(t, I16X8, UnsignedGreaterThanOrEqual),
            I32x4Eq => vicmp!(t, I32X4, Equal),
            I32x4Ne => vicmp!(t, I32X4, NotEqual),
            I32x4LtS => vicmp!(t, I32X4, SignedLessThan),
            I32x4LtU => vicmp!(t, I32X4, UnsignedLessThan),
            I32x4GtS => vicmp!(t, I32X4, SignedGreaterThan),
            I32x4GtU => vicmp!(t, I32X4, UnsignedGreaterThan),
            I32x4LeS => vicmp!(t, I32X4, SignedLessThanOrEqual),
            I32x4LeU => vicmp!(t, I32X4, UnsignedLessThanOrEqual),
            I32x4GeS => vicmp!(t, I32X4, SignedGreaterThanOrEqual),
            I32x4GeU => vicmp!(t, I32X4, UnsignedGreaterThanOrEqual),
            I64x2Eq => vicmp!(t, I64X2, Equal),
            I64x2Ne => vicmp!(t, I64X2, NotEqual),
            I64x2LtS => vicmp!(t, I64X2, SignedLessThan),
            I64x2GtS => vicmp!(t, I64X2, SignedGreaterThan),
            I64x2LeS => vicmp!(t, I64X2, SignedLessThanOrEqual),
            I64x2GeS => vicmp!(t, I64X2, SignedGreaterThanOrEqual),
            F32x4Eq => vfcmp!(t, F32X4, Equal),
            F32x4Ne => vfcmp!(t, F32X4, NotEqual),
            F32x4Lt => vfcmp!(t, F32X4, LessThan),
            F32x4Gt => vfcmp!(t, F32X4, GreaterThan),
            F32x4Le => vfcmp!(t, F32X4, LessThanOrEqual),
            F32x4Ge => vfcmp!(t, F32X4, GreaterThanOrEqual),
            F64x2Eq => vfcmp!(t, F64X2, Equal),
            F64x2Ne => vfcmp!(t, F64X2, NotEqual),
            F64x2Lt => vfcmp!(t, F64X2, LessThan),
            F64x2Gt => vfcmp!(t, F64X2, GreaterThan),
            F64x2Le => vfcmp!(t, F64X2, LessThanOrEqual),
            F64x2Ge => vfcmp!(t, F64X2, GreaterThanOrEqual),

            // ---- bitwise ----
            V128Not => vun!(t, I8X16, bnot),
            V128And => vbin!(t, I8X16, band),
            V128AndNot => vbin!(t, I8X16, band_not),
            V128Or => vbin!(t, I8X16, bor),
            V128Xor => vbin!(t, I8X16, bxor),
            V128Bitselect
            | I8x16RelaxedLaneselect
            | I16x8RelaxedLaneselect
            | I32x4RelaxedLaneselect
            | I64x2RelaxedLaneselect => {
                let (x, y, c) = t.pop3()?;
                let v = t.b.ins().bitselect(c, x, y);
                t.push(v);
            }
            V128AnyTrue => {
                let x = t.pop()?;
                let c = t.b.ins().vany_true(x);
                let v = t.bool_to_i32(c);
                t.push(v);
            }
            I8x16AllTrue => t.all_true(I8X16)?,
            I16x8AllTrue => t.all_true(I16X8)?,
            I32x4AllTrue => t.all_true(I32X4)?,
            I64x2AllTrue => t.all_true(I64X2)?,
            I8x16Bitmask => t.bitmask(I8X16)?,
            I16x8Bitmask => t.bitmask(I16X8)?,
            I32x4Bitmask => t.bitmask(I32X4)?,
            I64x2Bitmask => t.bitmask(I64X2)?,

            // ---- integer arithmetic ----
            I8x16Abs => vun!(t, I8X16, iabs),
            I16x8Abs => vun!(t, I16X8, iabs),
            I32x4Abs => vun!(t, I32X4, iabs),
            I64x2Abs => vun!(t, I64X2, iabs),
            I8x16Neg => vun!(t, I8X16, ineg),
            I16x8Neg => vun!(t, I16X8, ineg),
            I32x4Neg => vun!(t, I32X4, ineg),
            I64x2Neg => vun!(t, I64X2, ineg),
            I8x16Popcnt => vun!(t, I8X16, popcnt),
            I8x16Add => vbin!(t, I8X16, iadd),
            I16x8Add => vbin!(t, I16X8, iadd),
            I32x4Add => vbin!(t, I32X4, iadd),
            I64x2Add => vbin!(t, I64X2, iadd),
            I8x16Sub => vbin!(t, I8X16, isub),
            I16x8Sub => vbin!(t, I16X8, isub),
            I32x4Sub => vbin!(t, I32X4, isub),
            I64x2Sub => vbin!(t, I64X2, isub),
            I16x8Mul => vbin!(t, I16X8, imul),
            I32x4Mul => vbin!(t, I32X4, imul),
            I64x2Mul => vbin!(t, I64X2, imul),
            I8x16AddSatS => vbin!(t, I8X16, sadd_sat),
            I8x16AddSatU => vbin!(t, I8X16, uadd_sat),
            I16x8AddSatS => vbin!(t, I16X8, sadd_sat),
            I16x8AddSatU => vbin!(t, I16X8, uadd_sat),
            I8x16SubSatS => vbin!(t, I8X16, ssub_sat),
            I8x16SubSatU => vbin!(t, I8X16, usub_sat),
            I16x8SubSatS => vbin!(t, I16X8, ssub_sat),
            I16x8SubSatU => vbin!(t, I16X8, usub_sat),
            I8x16MinS => vbin!(t, I8X16, smin),
            I8x16MinU => vbin!(t, I8X16, umin),
            I8x16MaxS => vbin!(t, I8X16, smax),
            I8x16MaxU => vbin!(t, I8X16, umax),
            I16x8MinS => vbin!(t, I16X8, smin),
            I16x8MinU => vbin!(t, I16X8, umin),
            I16x8MaxS => vbin!(t, I16X8, smax),
            I16x8MaxU => vbin!(t, I16X8, umax),
            I32x4MinS => vbin!(t, I32X4, smin),
            I32x4MinU => vbin!(t, I32X4, umin),
            I32x4MaxS => vbin!(t, I32X4, smax),
            I32x4MaxU => vbin!(t, I32X4, umax),
            I8x16AvgrU => vbin!(t, I8X16, avg_round),
            I16x8AvgrU => vbin!(t, I16X8, avg_round),
            I16x8Q15MulrSatS | I16x8RelaxedQ15mulrS => vbin!(t, I16X8, sqmul_round_sat),
            I8x16Shl => vshift!(t, I8X16, ishl),
            I8x16ShrS => vshift!(t, I8X16, sshr),
            I8x16ShrU => vshift!(t, I8X16, ushr),
            I16x8Shl => vshift!(t, I16X8, ishl),
            I16x8ShrS => vshift!(t, I16X8, sshr),
            I16x8ShrU => vshift!(t, I16X8, ushr),
            I32x4Shl => vshift!(t, I32X4, ishl),
            I32x4ShrS => vshift!(t, I32X4, sshr),
            I32x4ShrU => vshift!(t, I32X4, ushr),
            I64x2Shl => vshift!(t, I64X2, ishl),
            I64x2ShrS => vshift!(t, I64X2, sshr),
            I64x2ShrU => vshift!(t, I64X2, ushr),

            // ---- narrowing, widening ----
            I8x16NarrowI16x8S => vbin!(t, I16X8, snarrow),
            I8x16NarrowI16x8U => vbin!(t, I16X8, unarrow),
            I16x8NarrowI32x4S => vbin!(t, I32X4, snarrow),
            I16x8NarrowI32x4U => vbin!(t, I32X4, unarrow),
            I16x8ExtendLowI8x16S => vun!(t, I8X16, swiden_low),
            I16x8ExtendHighI8x16S => vun!(t, I8X16, swiden_high),
            I16x8ExtendLowI8x16U => vun!(t, I8X16, uwiden_low),
            I16x8ExtendHighI8x16U => vun!(t, I8X16, uwiden_high),
            I32x4ExtendLowI16x8S => vun!(t, I16X8, swiden_low),
            I32x4ExtendHighI16x8S => vun!(t, I16X8, swiden_high),
            I32x4ExtendLowI16x8U => vun!(t, I16X8, uwiden_low),
            I32x4ExtendHighI16x8U => vun!(t, I16X8, uwiden_high),
            I64x2ExtendLowI32x4S => vun!(t, I32X4, swiden_low),
            I64x2ExtendHighI32x4S => vun!(t, I32X4, swiden_high),
            I64x2ExtendLowI32x4U => vun!(t, I32X4, uwiden_low),
            I64x2ExtendHighI32x4U => vun!(t, I32X4, uwiden_high),
            I16x8ExtMulLowI8x16S => t.ext_mul(I8X16, Half::Low, Ext::Signed)?,
            I16x8ExtMulHighI8x16S => t.ext_mul(I8X16, Half::High, Ext::Signed)?,
            I16x8ExtMulLowI8x16U => t.ext_mul(I8X16, Half::Low, Ext::Unsigned)?,
            I16x8ExtMulHighI8x16U => t.ext_mul(I8X16, Half::High, Ext::Unsigned)?,
            I32x4ExtMulLowI16x8S => t.ext_mul(I16X8, Half::Low, Ext::Signed)?,
            I32x4ExtMulHighI16x8S => t.ext_mul(I16X8, Half::High, Ext::Signed)?,
            I32x4ExtMulLowI16x8U => t.ext_mul(I16X8, Half::Low, Ext::Unsigned)?,
            I32x4ExtMulHighI16x8U => t.ext_mul(I16X8, Half::High, Ext::Unsigned)?,
            I64x2ExtMulLowI32x4S => t.ext_mul(I32X4, Half::Low, Ext::Signed)?,
            I64x2ExtMulHighI32x4S => t.ext_mul(I32X4, Half::High, Ext::Signed)?,
            I64x2ExtMulLowI32x4U => t.ext_mul(I32X4, Half::Low, Ext::Unsigned)?,
            I64x2ExtMulHighI32x4U => t.ext_mul(I32X4, Half::High, Ext::Unsigned)?,
            I16x8ExtAddPairwiseI8x16S => t.ext_add_pairwise(I8X16, Ext::Signed)?,
            I16x8ExtAddPairwiseI8x16U => t.ext_add_pairwise(I8X16, Ext::Unsigned)?,
            I32x4ExtAddPairwiseI16x8S => t.ext_add_pairwise(I16X8, Ext::Signed)?,
            I32x4ExtAddPairwiseI16x8U => t.ext_add_pairwise(I16X8, Ext::Unsigned)?,
            I32x4DotI16x8S => {
                let (x, y) = t.pop2_lanes(I16X8)?;
                let v = t.dot(x, y);
                t.push_v128(v);
            }
            I16x8RelaxedDotI8x16I7x16S => {
                let (x, y) = t.pop2_lanes(I8X16)?;
                let v = t.dot(x, y);
                t.push_v128(v);
            }
            I32x4RelaxedDotI8x16I7x16AddS => {
                let acc = t.pop_lanes(I32X4)?;
                let (x, y) = t.pop2_lanes(I8X16)?;
                let d = t.dot(x, y);
                let lo = t.b.ins().swiden_low(d);
                let hi = t.b.ins().swiden_high(d);
                let sums = t.b.ins().iadd_pairwise(lo, hi);
                let v = t.b.ins().iadd(sums, acc);
                t.push_v128(v);
            }

            // ---- floating point ----
            F32x4Ceil => vun!(t, F32X4, ceil),
            F32x4Floor => vun!(t, F32X4, floor),
            F32x4Trunc => vun!(t, F32X4, trunc),
            F32x4Nearest => vun!(t, F32X4, nearest),
            F32x4Abs => vun!(t, F32X4, fabs),
            F32x4Neg => vun!(t, F32X4, fneg),
            F32x4Sqrt => vun!(t, F32X4, sqrt),
            F32x4Add => vbin!(t, F32X4, fadd),
            F32x4Sub => vbin!(t, F32X4, fsub),
            F32x4Mul => vbin!(t, F32X4, fmul),
            F32x4Div => vbin!(t, F32X4, fdiv),
            F32x4Min | F32x4RelaxedMin => vbin!(t, F32X4, fmin),
            F32x4Max | F32x4RelaxedMax => vbin!(t, F32X4, fmax),
            F32x4PMin => t.pseudo_min_max(F32X4, false)?,
            F32x4PMax => t.pseudo_min_max(F32X4, true)?,
            F64x2Ceil => vun!(t, F64X2, ceil),
            F64x2Floor => vun!(t, F64X2, floor),
            F64x2Trunc => vun!(t, F64X2, trunc),
            F64x2Nearest => vun!(t, F64X2, nearest),
            F64x2Abs => vun!(t, F64X2, fabs),
            F64x2Neg => vun!(t, F64X2, fneg),
            F64x2Sqrt => vun!(t, F64X2, sqrt),
            F64x2Add => vbin!(t, F64X2, fadd),
            F64x2Sub => vbin!(t, F64X2, fsub),
            F64x2Mul => vbin!(t, F64X2, fmul),
            F64x2Div => vbin!(t, F64X2, fdiv),
            F64x2Min | F64x2RelaxedMin => vbin!(t, F64X2, fmin),
            F64x2Max | F64x2RelaxedMax => vbin!(t, F64X2, fmax),
            F64x2PMin => t.pseudo_min_max(F64X2, false)?,
            F64x2PMax => t.pseudo_min_max(F64X2, true)?,
            F32x4RelaxedMadd => t.mul_add(F32X4, false)?,
            F32x4RelaxedNmadd => t.mul_add(F32X4, true)?,
            F64x2RelaxedMadd => t.mul_add(F64X2, false)?,
            F64x2RelaxedNmadd => t.mul_add(F64X2, true)?,

            // ---- conversions ----
            I32x4TruncSatF32x4S | I32x4RelaxedTruncF32x4S => {
                let x = t.pop_lanes(F32X4)?;
                let v = t.b.ins().fcvt_to_sint_sat(I32X4, x);
                t.push_v128(v);
            }
            I32x4TruncSatF32x4U | I32x4RelaxedTruncF32x4U => {
                let x = t.pop_lanes(F32X4)?;
                let v = t.b.ins().fcvt_to_uint_sat(I32X4, x);
                t.push_v128(v);
            }
            I32x4TruncSatF64x2SZero | I32x4RelaxedTruncF64x2SZero => {
                let x = t.pop_lanes(F64X2)?;
                let wide = t.b.ins().fcvt_to_sint_sat(I64X2, x);
                let zero = t.vzero(I64X2);
                let v = t.b.ins().snarrow(wide, zero);
                t.push_v128(v);
            }
            I32x4TruncSatF64x2UZero | I32x4RelaxedTruncF64x2UZero => {
                let x = t.pop_lanes(F64X2)?;
                let wide = t.b.ins().fcvt_to_uint_sat(I64X2, x);
                let zero = t.vzero(I64X2);
                let v = t.b.ins().uunarrow(wide, zero);
                t.push_v128(v);
            }
            F32x4ConvertI32x4S => {
                let x = t.pop_lanes(I32X4)?;
                let v = t.b.ins().fcvt_from_sint(F32X4, x);
                t.push_v128(v);
            }
            F32x4ConvertI32x4U => {
                let x = t.pop_lanes(I32X4)?;
                let v = t.b.ins().fcvt_from_uint(F32X4, x);
                t.push_v128(v);
            }
            F64x2ConvertLowI32x4S => {
                let x = t.pop_lanes(I32X4)?;
                let low = t.b.ins().swiden_low(x);
                let v = t.b.ins().fcvt_from_sint(F64X2, low);
                t.push_v128(v);
            }
            F64x2ConvertLowI32x4U => {
                let x = t.pop_lanes(I32X4)?;
                let low = t.b.ins().uwiden_low(x);
                let v = t.b.ins().fcvt_from_uint(F64X2, low);
                t.push_v128(v);
            }
            F32x4DemoteF64x2Zero => vun!(t, F64X2, fvdemote),
            F64x2PromoteLowF32x4 => vun!(t, F32X4, fvpromote_low),

            _ => return Err(t.unsupported(format!("unsupported SIMD operator: {op:?}"))),
        }
        Ok(())
    }

    fn vload(&mut self, memarg: &MemArg, kind: VLoad) -> Result<()> {
        let addr = self.pop()?;
        let size = match kind {
            VLoad::Extend(..) => 8,
            VLoad::Splat(ty) | VLoad::Zero(ty) => ty.bytes(),
        };
        let (ea, off) = self.heap_addr(memarg, addr, size)?;
        let flags = self.heap_flags();
        let ins = self.b.ins();
        let v = match kind {
            VLoad::Extend(8, Ext::Signed) => ins.sload8x8(flags, ea, off),
            VLoad::Extend(8, _) => ins.uload8x8(flags, ea, off),
            VLoad::Extend(16, Ext::Signed) => ins.sload16x4(flags, ea, off),
            VLoad::Extend(16, _) => ins.uload16x4(flags, ea, off),
            VLoad::Extend(_, Ext::Signed) => ins.sload32x2(flags, ea, off),
            VLoad::Extend(..) => ins.uload32x2(flags, ea, off),
            VLoad::Splat(ty) => {
                let x = ins.load(ty, flags, ea, off);
                self.b.ins().splat(vector_of(ty), x)
            }
            VLoad::Zero(ty) => {
                let x = ins.load(ty, flags, ea, off);
                self.b.ins().scalar_to_vector(vector_of(ty), x)
            }
        };
        self.push_v128(v);
        Ok(())
    }

    /// Operands of `v128.{load,store}N_lane`: the vector as `lane_ty` lanes,
    /// and the bounds-checked address of the lane's bytes.
    fn lane_operands(&mut self, memarg: &MemArg, lane_ty: Type) -> Result<(Value, Value, i32)> {
        let v = self.pop_lanes(vector_of(lane_ty))?;
        let addr = self.pop()?;
        let (ea, off) = self.heap_addr(memarg, addr, lane_ty.bytes())?;
        Ok((v, ea, off))
    }

    /// `v128.loadN_lane`: replace lane `lane` with `N` bits from memory.
    fn load_lane(&mut self, memarg: &MemArg, lane_ty: Type, lane: u8) -> Result<()> {
        let (v, ea, off) = self.lane_operands(memarg, lane_ty)?;
        let flags = self.heap_flags();
        let x = self.b.ins().load(lane_ty, flags, ea, off);
        let r = self.b.ins().insertlane(v, x, lane);
        self.push_v128(r);
        Ok(())
    }

    /// `v128.storeN_lane`: store lane `lane`.
    fn store_lane(&mut self, memarg: &MemArg, lane_ty: Type, lane: u8) -> Result<()> {
        let (v, ea, off) = self.lane_operands(memarg, lane_ty)?;
        let x = self.b.ins().extractlane(v, lane);
        let flags = self.heap_flags();
        self.b.ins().store(flags, x, ea, off);
        Ok(())
    }

    /// `splat` of an operand whose lanes are `lane` (i8/i16 lanes come from
    /// an i32 operand).
    fn splat(&mut self, lane: Type) -> Result<()> {
        let mut x = self.pop()?;
        if lane == I8 || lane == I16 {
            x = self.b.ins().ireduce(lane, x);
        }
        let v = self.b.ins().splat(vector_of(lane), x);
        self.push_v128(v);
        Ok(())
    }

    fn extract_lane(&mut self, lane_ty: Type, lane: u8, ext: Ext) -> Result<()> {
        let v = self.pop_lanes(vector_of(lane_ty))?;
        let x = self.b.ins().extractlane(v, lane);
        let x = match ext {
            Ext::Signed => self.b.ins().sextend(I32, x),
            Ext::Unsigned => self.b.ins().uextend(I32, x),
            Ext::None => x,
        };
        self.push(x);
        Ok(())
    }

    fn replace_lane(&mut self, lane_ty: Type, lane: u8) -> Result<()> {
        let mut x = self.pop()?;
        let v = self.pop_lanes(vector_of(lane_ty))?;
        if lane_ty == I8 || lane_ty == I16 {
            x = self.b.ins().ireduce(lane_ty, x);
        }
        let r = self.b.ins().insertlane(v, x, lane);
        self.push_v128(r);
        Ok(())
    }

    fn all_true(&mut self, ty: Type) -> Result<()> {
        let x = self.pop_lanes(ty)?;
        let c = self.b.ins().vall_true(x);
        let v = self.bool_to_i32(c);
        self.push(v);
        Ok(())
    }

    fn bitmask(&mut self, ty: Type) -> Result<()> {
        let x = self.pop_lanes(ty)?;
        let v = self.b.ins().vhigh_bits(I32, x);
        self.push(v);
        Ok(())
    }

    /// `x` with its low or high half of lanes widened to twice the width.
    fn widen(&mut self, x: Value, half: Half, ext: Ext) -> Value {
        let ins = self.b.ins();
        match (half, ext) {
            (Half::Low, Ext::Signed) => ins.swiden_low(x),
            (Half::High, Ext::Signed) => ins.swiden_high(x),
            (Half::Low, _) => ins.uwiden_low(x),
            (Half::High, _) => ins.uwiden_high(x),
        }
    }

    /// `extmul_{low,high}`: widen half of each operand's lanes, multiply.
    fn ext_mul(&mut self, narrow: Type, half: Half, ext: Ext) -> Result<()> {
        let (x, y) = self.pop2_lanes(narrow)?;
        let x = self.widen(x, half, ext);
        let y = self.widen(y, half, ext);
        let v = self.b.ins().imul(x, y);
        self.push_v128(v);
        Ok(())
    }

    /// `extadd_pairwise`: sums of adjacent lanes, widened.
    fn ext_add_pairwise(&mut self, narrow: Type, ext: Ext) -> Result<()> {
        let x = self.pop_lanes(narrow)?;
        let lo = self.widen(x, Half::Low, ext);
        let hi = self.widen(x, Half::High, ext);
        let v = self.b.ins().iadd_pairwise(lo, hi);
        self.push_v128(v);
        Ok(())
    }

    /// Signed dot product of adjacent lane pairs into lanes twice as wide.
    fn dot(&mut self, x: Value, y: Value) -> Value {
        let (xl, yl) = (self.b.ins().swiden_low(x), self.b.ins().swiden_low(y));
        let lo = self.b.ins().imul(xl, yl);
        let (xh, yh) = (self.b.ins().swiden_high(x), self.b.ins().swiden_high(y));
        let hi = self.b.ins().imul(xh, yh);
        self.b.ins().iadd_pairwise(lo, hi)
    }

    /// `pmin(a, b) = b < a ? b : a`, `pmax(a, b) = a < b ? b : a`, lane-wise
    /// (no NaN or signed-zero rules, unlike `min`/`max`).
    fn pseudo_min_max(&mut self, ty: Type, max: bool) -> Result<()> {
        let (a, b) = self.pop2_lanes(ty)?;
        let (l, r) = if max { (a, b) } else { (b, a) };
        let mask = self.b.ins().fcmp(FloatCC::LessThan, l, r);
        let mask = self.as_lanes(ty, mask);
        let v = self.b.ins().bitselect(mask, b, a);
        self.push_v128(v);
        Ok(())
    }

    /// `relaxed_madd(a, b, c) = a * b + c` and `relaxed_nmadd = -(a * b) + c`,
    /// unfused (the targets' baselines need not have FMA).
    fn mul_add(&mut self, ty: Type, negate: bool) -> Result<()> {
        let c = self.pop_lanes(ty)?;
        let (a, b) = self.pop2_lanes(ty)?;
        let p = self.b.ins().fmul(a, b);
        let v = if negate {
            self.b.ins().fsub(c, p)
        } else {
            self.b.ins().fadd(p, c)
        };
        self.push_v128(v);
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Half {
    Low,
    High,
}
