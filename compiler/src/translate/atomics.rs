//! Atomic memory accesses (the threads proposal): loads, stores,
//! read-modify-write, compare-exchange, fences, `memory.atomic.wait` and
//! `notify`.
//!
//! Every access is bounds-checked like a plain one and must be naturally
//! aligned (checked on the wasm address first, as the spec orders it).
//! Programs are single-threaded here: `notify` wakes no one (0), and `wait`
//! compares and then sleeps out its timeout in the runtime.

use super::translator::FuncTranslator;
use crate::error::Result;
use crate::libcalls::LibCall;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I16, I32, I64, I8};
use cranelift_codegen::ir::{AtomicRmwOp, InstBuilder, Type, Value};
use wacc_abi::TrapCode;
use wasmparser::{MemArg, MemArgTarget, Operator};

impl FuncTranslator<'_, '_> {
    pub(crate) fn translate_atomic(&mut self, op: &Operator<'_>) -> Result<()> {
        use AtomicRmwOp as R;
        use Operator::*;
        let t = self;
        match op {
            AtomicFence { .. } => {
                t.b.ins().fence();
            }
            MemoryAtomicNotify { memarg } => {
                let _count = t.pop()?;
                let addr = t.pop()?;
                let p = t.atomic_addr(memarg, addr, 4)?;
                t.touch(p, I32);
                let woken = t.iconst(I32, 0);
                t.push(woken);
            }
            MemoryAtomicWait32 { memarg } => t.atomic_wait(memarg, I32)?,
            MemoryAtomicWait64 { memarg } => t.atomic_wait(memarg, I64)?,

            I32AtomicLoad { memarg } => t.atomic_load(memarg, I32, I32)?,
            I64AtomicLoad { memarg } => t.atomic_load(memarg, I64, I64)?,
            I32AtomicLoad8U { memarg } => t.atomic_load(memarg, I32, I8)?,
            I32AtomicLoad16U { memarg } => t.atomic_load(memarg, I32, I16)?,
            I64AtomicLoad8U { memarg } => t.atomic_load(memarg, I64, I8)?,
            I64AtomicLoad16U { memarg } => t.atomic_load(memarg, I64, I16)?,
            I64AtomicLoad32U { memarg } => t.atomic_load(memarg, I64, I32)?,
            I32AtomicStore { memarg } | I64AtomicStore { memarg } => {
                t.atomic_store(memarg, None)?
            }
            I32AtomicStore8 { memarg } | I64AtomicStore8 { memarg } => {
                t.atomic_store(memarg, Some(I8))?
            }
            I32AtomicStore16 { memarg } | I64AtomicStore16 { memarg } => {
                t.atomic_store(memarg, Some(I16))?
            }
            I64AtomicStore32 { memarg } => t.atomic_store(memarg, Some(I32))?,

            I32AtomicRmwAdd { memarg } => t.atomic_rmw(memarg, R::Add, I32, I32)?,
            I64AtomicRmwAdd { memarg } => t.atomic_rmw(memarg, R::Add, I64, I64)?,
            I32AtomicRmw8AddU { memarg } => t.atomic_rmw(memarg, R::Add, I32, I8)?,
            I32AtomicRmw16AddU { memarg } => t.atomic_rmw(memarg, R::Add, I32, I16)?,
            I64AtomicRmw8AddU { memarg } => t.atomic_rmw(memarg, R::Add, I64, I8)?,
            I64AtomicRmw16AddU { memarg } => t.atomic_rmw(memarg, R::Add, I64, I16)?,
            I64AtomicRmw32AddU { memarg } => t.atomic_rmw(memarg, R::Add, I64, I32)?,
            I32AtomicRmwSub { memarg } => t.atomic_rmw(memarg, R::Sub, I32, I32)?,
            I64AtomicRmwSub { memarg } => t.atomic_rmw(memarg, R::Sub, I64, I64)?,
            I32AtomicRmw8SubU { memarg } => t.atomic_rmw(memarg, R::Sub, I32, I8)?,
            I32AtomicRmw16SubU { memarg } => t.atomic_rmw(memarg, R::Sub, I32, I16)?,
            I64AtomicRmw8SubU { memarg } => t.atomic_rmw(memarg, R::Sub, I64, I8)?,
            I64AtomicRmw16SubU { memarg } => t.atomic_rmw(memarg, R::Sub, I64, I16)?,
            I64AtomicRmw32SubU { memarg } => t.atomic_rmw(memarg, R::Sub, I64, I32)?,
            I32AtomicRmwAnd { memarg } => t.atomic_rmw(memarg, R::And, I32, I32)?,
            I64AtomicRmwAnd { memarg } => t.atomic_rmw(memarg, R::And, I64, I64)?,
            I32AtomicRmw8AndU { memarg } => t.atomic_rmw(memarg, R::And, I32, I8)?,
            I32AtomicRmw16AndU { memarg } => t.atomic_rmw(memarg, R::And, I32, I16)?,
            I64AtomicRmw8AndU { memarg } => t.atomic_rmw(memarg, R::And, I64, I8)?,
            I64AtomicRmw16AndU { memarg } => t.atomic_rmw(memarg, R::And, I64, I16)?,
            I64AtomicRmw32AndU { memarg } => t.atomic_rmw(memarg, R::And, I64, I32)?,
            I32AtomicRmwOr { memarg } => t.atomic_rmw(memarg, R::Or, I32, I32)?,
            I64AtomicRmwOr { memarg } => t.atomic_rmw(memarg, R::Or, I64, I64)?,
            I32AtomicRmw8OrU { memarg } => t.atomic_rmw(memarg, R::Or, I32, I8)?,
            I32AtomicRmw16OrU { memarg } => t.atomic_rmw(memarg, R::Or, I32, I16)?,
            I64AtomicRmw8OrU { memarg } => t.atomic_rmw(memarg, R::Or, I64, I8)?,
            I64AtomicRmw16OrU { memarg } => t.atomic_rmw(memarg, R::Or, I64, I16)?,
            I64AtomicRmw32OrU { memarg } => t.atomic_rmw(memarg, R::Or, I64, I32)?,
            I32AtomicRmwXor { memarg } => t.atomic_rmw(memarg, R::Xor, I32, I32)?,
            I64AtomicRmwXor { memarg } => t.atomic_rmw(memarg, R::Xor, I64, I64)?,
            I32AtomicRmw8XorU { memarg } => t.atomic_rmw(memarg, R::Xor, I32, I8)?,
            I32AtomicRmw16XorU { memarg } => t.atomic_rmw(memarg, R::Xor, I32, I16)?,
            I64AtomicRmw8XorU { memarg } => t.atomic_rmw(memarg, R::Xor, I64, I8)?,
            I64AtomicRmw16XorU { memarg } => t.atomic_rmw(memarg, R::Xor, I64, I16)?,
            I64AtomicRmw32XorU { memarg } => t.atomic_rmw(memarg, R::Xor, I64, I32)?,
            I32AtomicRmwXchg { memarg } => t.atomic_rmw(memarg, R::Xchg, I32, I32)?,
            I64AtomicRmwXchg { memarg } => t.atomic_rmw(memarg, R::Xchg, I64, I64)?,
            I32AtomicRmw8XchgU { memarg } => t.atomic_rmw(memarg, R::Xchg, I32, I8)?,
            I32AtomicRmw16XchgU { memarg } => t.atomic_rmw(memarg, R::Xchg, I32, I16)?,
            I64AtomicRmw8XchgU { memarg } => t.atomic_rmw(memarg, R::Xchg, I64, I8)?,
            I64AtomicRmw16XchgU { memarg } => t.atomic_rmw(memarg, R::Xchg, I64, I16)?,
            I64AtomicRmw32XchgU { memarg } => t.atomic_rmw(memarg, R::Xchg, I64, I32)?,
            I32AtomicRmwCmpxchg { memarg } => t.atomic_cmpxchg(memarg, I32, I32)?,
            I64AtomicRmwCmpxchg { memarg } => t.atomic_cmpxchg(memarg, I64, I64)?,
            I32AtomicRmw8CmpxchgU { memarg } => t.atomic_cmpxchg(memarg, I32, I8)?,
            I32AtomicRmw16CmpxchgU { memarg } => t.atomic_cmpxchg(memarg, I32, I16)?,
            I64AtomicRmw8CmpxchgU { memarg } => t.atomic_cmpxchg(memarg, I64, I8)?,
            I64AtomicRmw16CmpxchgU { memarg } => t.atomic_cmpxchg(memarg, I64, I16)?,
            I64AtomicRmw32CmpxchgU { memarg } => t.atomic_cmpxchg(memarg, I64, I32)?,
            _ => return Err(t.unsupported(format!("unsupported operator: {op:?}"))),
        }
        Ok(())
    }

    /// Host address of a `size`-byte atomic access at `addr + offset`:
    /// unaligned traps first, then the bounds check.
    fn atomic_addr(&mut self, memarg: &MemArg, addr: Value, size: u32) -> Result<Value> {
        if size > 1 {
            let wide = self.b.func.dfg.value_type(addr) == I64;
            let a = if wide {
                addr
            } else {
                self.b.ins().uextend(I64, addr)
            };
            // Only the low bits matter, so a wrapping add is exact.
            let ea = self.b.ins().iadd_imm_u(a, memarg.offset as i64);
            let low = self.b.ins().band_imm_u(ea, (size - 1) as i64);
            let unaligned = self.b.ins().icmp_imm_u(IntCC::NotEqual, low, 0);
            self.trap_if(unaligned, TrapCode::UnalignedAtomic);
        }
        let (ea, off) = self.heap_addr(memarg, addr, size)?;
        Ok(if off == 0 {
            ea
        } else {
            self.b.ins().iadd_imm_s(ea, off as i64)
        })
    }

    /// Read `ty` at `p` and drop it: in guard mode the bounds check of an
    /// operator that does not access memory itself (`notify`, or `wait`
    /// before the runtime reads) is a fault in the guard region here.
    fn touch(&mut self, p: Value, ty: Type) {
        if !self.explicit_bounds() {
            let flags = self.heap_flags();
            self.b.ins().load(ty, flags, p, 0);
        }
    }

    fn atomic_load(&mut self, memarg: &MemArg, ty: Type, access: Type) -> Result<()> {
        let addr = self.pop()?;
        let p = self.atomic_addr(memarg, addr, access.bytes())?;
        let flags = self.heap_flags();
        let mut v = self.b.ins().atomic_load(access, flags, p);
        if access != ty {
            v = self.b.ins().uextend(ty, v);
        }
        self.push(v);
        Ok(())
    }

    /// Store the value on top, or its low bits as `narrow`.
    fn atomic_store(&mut self, memarg: &MemArg, narrow: Option<Type>) -> Result<()> {
        let (addr, mut v) = self.pop2()?;
        if let Some(n) = narrow {
            v = self.b.ins().ireduce(n, v);
        }
        let size = self.b.func.dfg.value_type(v).bytes();
        let p = self.atomic_addr(memarg, addr, size)?;
        let flags = self.heap_flags();
        self.b.ins().atomic_store(flags, v, p);
        Ok(())
    }

    /// The operand `v` (of the operator's type) as an `access`-wide value.
    fn narrow(&mut self, v: Value, access: Type) -> Value {
        if self.b.func.dfg.value_type(v) == access {
            v
        } else {
            self.b.ins().ireduce(access, v)
        }
    }

    /// The old value `v` (`access` wide) as the operator's `ty`, zero-extended.
    fn widen_old(&mut self, v: Value, ty: Type) -> Value {
        if self.b.func.dfg.value_type(v) == ty {
            v
        } else {
            self.b.ins().uextend(ty, v)
        }
    }

    fn atomic_rmw(
        &mut self,
        memarg: &MemArg,
        op: AtomicRmwOp,
        ty: Type,
        access: Type,
    ) -> Result<()> {
        let (addr, v) = self.pop2()?;
        let p = self.atomic_addr(memarg, addr, access.bytes())?;
        let v = self.narrow(v, access);
        let flags = self.heap_flags();
        let old = self.b.ins().atomic_rmw(access, flags, op, p, v);
        let old = self.widen_old(old, ty);
        self.push(old);
        Ok(())
    }

    fn atomic_cmpxchg(&mut self, memarg: &MemArg, ty: Type, access: Type) -> Result<()> {
        let (addr, expected, replacement) = self.pop3()?;
        let p = self.atomic_addr(memarg, addr, access.bytes())?;
        let expected = self.narrow(expected, access);
        let replacement = self.narrow(replacement, access);
        let flags = self.heap_flags();
        let old = self.b.ins().atomic_cas(flags, p, expected, replacement);
        let old = self.widen_old(old, ty);
        self.push(old);
        Ok(())
    }

    /// `memory.atomic.wait32/64`: checked here (bounds, alignment, a shared
    /// memory), compared and timed out in the runtime.
    fn atomic_wait(&mut self, memarg: &MemArg, ty: Type) -> Result<()> {
        let (addr, expected, timeout) = self.pop3()?;
        let p = self.atomic_addr(memarg, addr, ty.bytes())?;
        self.touch(p, ty);
        let shared = match memarg.target {
            MemArgTarget::Memory(m) => self.m.memories.get(m as usize).is_some_and(|m| m.shared),
            MemArgTarget::Array(_) => false,
        };
        if !shared {
            self.trap_now(TrapCode::ExpectedSharedMemory);
            return Ok(());
        }
        let expected = if ty == I32 {
            self.b.ins().uextend(I64, expected)
        } else {
            expected
        };
        let wide = self.iconst(I32, (ty == I64) as i64);
        let r = self.call_libcall(LibCall::AtomicWait, &[p, expected, timeout, wide])[0];
        self.push(r);
        Ok(())
    }
}
