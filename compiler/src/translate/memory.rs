//! Linear memory: loads and stores with bounds checks (explicit compare or
//! guard region), memory.size/grow, and the bulk-memory operators
//! (memory.copy/fill check bounds inline and call C memmove/memset;
//! memory.init and data.drop call the runtime). A 64-bit memory (memory64)
//! takes i64 addresses and is always checked explicitly: no guard region
//! covers a 64-bit address.

use super::translator::FuncTranslator;
use crate::error::Result;
use crate::libcalls::LibCall;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Endianness, InstBuilder, MemFlagsData, Type, Value};
use wacc_abi::{self as abi, TrapCode};
use wasmparser::{MemArg, MemArgTarget};

const VMMEMORY_BASE: i32 = core::mem::offset_of!(abi::VMMemory, base) as i32;
const VMMEMORY_LENGTH: i32 = core::mem::offset_of!(abi::VMMemory, length) as i32;

/// In guard mode, accesses whose static offset plus size exceeds this are
/// checked explicitly: the reservation covers a u32 address plus this much.
const GUARD_STATIC_LIMIT: u64 = abi::GUARD_RESERVATION - (1 << 32);

/// How a load widens the bytes it reads.
#[derive(Clone, Copy)]
pub(crate) enum Ext {
    None,
    Signed,
    Unsigned,
}

impl FuncTranslator<'_, '_> {
    /// Whether memory `mem` exists and is a 64-bit memory.
    fn is_memory64(&self, mem: u32) -> Result<bool> {
        match self.m.memories.get(mem as usize) {
            None => Err(self.internal("memory index out of range")),
            Some(m) => Ok(m.memory64),
        }
    }

    /// An address or length operand as i64 (zero-extended from a 32-bit
    /// memory's i32).
    fn index64(&mut self, v: Value) -> Value {
        if self.b.func.dfg.value_type(v) == types::I64 {
            v
        } else {
            self.b.ins().uextend(types::I64, v)
        }
    }

    /// Where memory `mem`'s `VMMemory` is: (pointer, offset from it).
    fn vmmemory(&mut self, mem: u32) -> (Value, i32) {
        if let Some(off) = self.m.layout.memory_def(mem) {
            return (self.vmctx, off as i32);
        }
        if let Some(p) = self.mem_ptrs.get(&mem) {
            return (*p, 0);
        }
        let slot = self.m.layout.memory_ptr(mem) as i32;
        let p = self.entry_load(types::I64, self.vmctx, slot);
        self.mem_ptrs.insert(mem, p);
        (p, 0)
    }

    /// Base address of memory `mem`. In guard mode it never moves and is
    /// loaded once in the entry block; otherwise reloaded (it may move on
    /// grow when memory is not reserved up front).
    fn memory_base(&mut self, mem: u32) -> Value {
        let (p, off) = self.vmmemory(mem);
        if self.explicit_bounds() {
            let flags = Self::vm_flags(self.regions.vm_memory);
            return self.b.ins().load(types::I64, flags, p, off + VMMEMORY_BASE);
        }
        if let Some(b) = self.mem_bases.get(&mem) {
            return *b;
        }
        let b = self.entry_load(types::I64, p, off + VMMEMORY_BASE);
        self.mem_bases.insert(mem, b);
        b
    }

    /// Current length of memory `mem` in bytes (i64).
    fn memory_length(&mut self, mem: u32) -> Value {
        let (p, off) = self.vmmemory(mem);
        let flags = Self::vm_flags(self.regions.vm_memory);
        self.b
            .ins()
            .load(types::I64, flags, p, off + VMMEMORY_LENGTH)
    }

    pub(crate) fn heap_flags(&self) -> MemFlagsData {
        let f = MemFlagsData::new()
            .with_endianness(Endianness::Little)
            .with_alias_region(Some(self.regions.heap));
        if self.explicit_bounds() {
            // Checked above; the access itself cannot fault.
            f.with_notrap()
        } else {
            // May fault in the guard region: keep it a trapping access so
            // it is neither removed nor moved.
            f
        }
    }

    /// Address of a `size`-byte access at `addr + memarg.offset`, after
    /// the bounds check; returns (address, static offset for the access).
    pub(crate) fn heap_addr(
        &mut self,
        memarg: &MemArg,
        addr: Value,
        size: u32,
    ) -> Result<(Value, i32)> {
        let mem = match memarg.target {
            MemArgTarget::Memory(m) => m,
            MemArgTarget::Array(_) => {
                return Err(self.unsupported("GC arrays are not supported yet"))
            }
        };
        let offset = memarg.offset;
        if self.is_memory64(mem)? {
            // addr + offset + size may wrap: an overflow is out of bounds.
            let end = offset.checked_add(size as u64);
            let Some(end) = end.filter(|e| *e <= i64::MAX as u64) else {
                // Always out of bounds; the access after it is dead code.
                let yes = self.b.ins().iconst(types::I8, 1);
                self.trap_if(yes, TrapCode::MemoryOutOfBounds);
                return Ok((addr, 0));
            };
            let len = self.memory_length(mem);
            let endv = self.b.ins().iconst(types::I64, end as i64);
            let (last, carry) = self.b.ins().uadd_overflow(addr, endv);
            let past = self.b.ins().icmp(IntCC::UnsignedGreaterThan, last, len);
            let oob = self.b.ins().bor(carry, past);
            self.trap_if(oob, TrapCode::MemoryOutOfBounds);
            let base = self.memory_base(mem);
            let ea = self.b.ins().iadd(base, addr);
            return Ok(match i32::try_from(offset) {
                Ok(off) => (ea, off),
                Err(_) => (self.b.ins().iadd_imm_u(ea, offset as i64), 0),
            });
        }
        if offset > u32::MAX as u64 {
            return Err(self.internal("memory offset exceeds 32 bits"));
        }
        let a64 = self.b.ins().uextend(types::I64, addr);
        let end = offset + size as u64;
        if self.explicit_bounds() || end > GUARD_STATIC_LIMIT {
            let len = self.memory_length(mem);
            // At most 2^32 - 1 + 2^32 - 1 + 8: no i64 overflow.
            let last = self.b.ins().iadd_imm_u(a64, end as i64);
            let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThan, last, len);
            self.trap_if(oob, TrapCode::MemoryOutOfBounds);
        }
        let base = self.memory_base(mem);
        let ea = self.b.ins().iadd(base, a64);
        if offset <= i32::MAX as u64 {
            Ok((ea, offset as i32))
        } else {
            Ok((self.b.ins().iadd_imm_u(ea, offset as i64), 0))
        }
    }

    /// Load `size` bytes, producing a `ty` value.
    pub(crate) fn load_op(&mut self, memarg: &MemArg, ty: Type, size: u32, ext: Ext) -> Result<()> {
        let addr = self.pop()?;
        let (ea, off) = self.heap_addr(memarg, addr, size)?;
        let flags = self.heap_flags();
        let ins = self.b.ins();
        let v = match (size, ext) {
            (1, Ext::Signed) => ins.sload8(ty, flags, ea, off),
            (1, _) => ins.uload8(ty, flags, ea, off),
            (2, Ext::Signed) => ins.sload16(ty, flags, ea, off),
            (2, _) => ins.uload16(ty, flags, ea, off),
            (4, Ext::Signed) if ty == types::I64 => ins.sload32(flags, ea, off),
            (4, Ext::Unsigned) if ty == types::I64 => ins.uload32(flags, ea, off),
            _ => ins.load(ty, flags, ea, off),
        };
        self.push(v);
        Ok(())
    }

    /// Store the low `size` bytes of the value on top of the stack.
    pub(crate) fn store_op(&mut self, memarg: &MemArg, size: u32) -> Result<()> {
        let (addr, val) = self.pop2()?;
        let (ea, off) = self.heap_addr(memarg, addr, size)?;
        let flags = self.heap_flags();
        let full = self.b.func.dfg.value_type(val).bytes() == size;
        let ins = self.b.ins();
        match size {
            _ if full => ins.store(flags, val, ea, off),
            1 => ins.istore8(flags, val, ea, off),
            2 => ins.istore16(flags, val, ea, off),
            _ => ins.istore32(flags, val, ea, off),
        };
        Ok(())
    }

    pub(crate) fn memory_size_op(&mut self, mem: u32) -> Result<()> {
        let is64 = self.is_memory64(mem)?;
        let len = self.memory_length(mem);
        let pages = self.b.ins().ushr_imm_u(len, 16);
        let r = if is64 {
            pages
        } else {
            self.b.ins().ireduce(types::I32, pages)
        };
        self.push(r);
        Ok(())
    }

    pub(crate) fn memory_grow_op(&mut self, mem: u32) -> Result<()> {
        let is64 = self.is_memory64(mem)?;
        let delta = self.pop()?;
        let delta = self.index64(delta);
        let m = self.iconst(types::I32, mem as i64);
        // u64::MAX on failure is -1 (truncated for a 32-bit memory).
        let old = self.call_libcall(LibCall::MemoryGrow, &[m, delta])[0];
        let r = if is64 {
            old
        } else {
            self.b.ins().ireduce(types::I32, old)
        };
        self.push(r);
        Ok(())
    }

    /// Traps unless `[start, start + len)` (i64 values) lies in memory `mem`;
    /// returns the host address of `start`. The whole range is checked
    /// before any byte is written, as the spec requires. Only a 64-bit
    /// memory's operands can wrap around (that is out of bounds too).
    fn heap_range(&mut self, mem: u32, start: Value, len: Value) -> Result<Value> {
        let wide = self.is_memory64(mem)?;
        let size = self.memory_length(mem);
        let oob = if wide {
            let (end, carry) = self.b.ins().uadd_overflow(start, len);
            let past = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, size);
            self.b.ins().bor(carry, past)
        } else {
            let end = self.b.ins().iadd(start, len);
            self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, size)
        };
        self.trap_if(oob, TrapCode::MemoryOutOfBounds);
        let base = self.memory_base(mem);
        Ok(self.b.ins().iadd(base, start))
    }

    /// memory.fill: inline bounds check, then C `memset` (a runtime call
    /// would cost more than the fill for the small sizes compilers emit).
    pub(crate) fn memory_fill_op(&mut self, mem: u32) -> Result<()> {
        let (d, val, n) = self.pop3()?;
        let d = self.index64(d);
        let n = self.index64(n);
        let p = self.heap_range(mem, d, n)?;
        self.call_libcall(LibCall::Memset, &[p, val, n]);
        Ok(())
    }

    /// memory.copy: both ranges checked inline, then C `memmove`.
    pub(crate) fn memory_copy_op(&mut self, dst_mem: u32, src_mem: u32) -> Result<()> {
        let (d, s, n) = self.pop3()?;
        let d = self.index64(d);
        let s = self.index64(s);
        let n = self.index64(n);
        let dp = self.heap_range(dst_mem, d, n)?;
        let sp = self.heap_range(src_mem, s, n)?;
        self.call_libcall(LibCall::Memmove, &[dp, sp, n]);
        Ok(())
    }

    pub(crate) fn memory_init_op(&mut self, data_index: u32, mem: u32) -> Result<()> {
        self.is_memory64(mem)?;
        let (d, s, n) = self.pop3()?;
        let m = self.iconst(types::I32, mem as i64);
        let seg = self.iconst(types::I32, data_index as i64);
        let d = self.index64(d);
        self.call_libcall(LibCall::MemoryInit, &[m, seg, d, s, n]);
        Ok(())
    }

    pub(crate) fn data_drop_op(&mut self, data_index: u32) -> Result<()> {
        let seg = self.iconst(types::I32, data_index as i64);
        self.call_libcall(LibCall::DataDrop, &[seg]);
        Ok(())
    }
}
