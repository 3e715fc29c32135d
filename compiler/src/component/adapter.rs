//! The canonical ABI as generated code: moving one component value from
//! one side of a boundary to the other, specialised on its type at compile
//! time. A side is a guest (a core instance's memory, realloc and string
//! encoding, 32-bit pointers) or the host (native memory, 64-bit
//! pointers, UTF-8, the context's host arena). Values come from flat core
//! values or memory and go to flat core values or memory; lifting and
//! lowering are fused, so nothing is materialised in between.
//!
//! The boundary's memory strategy is `Isolated` (the spec's copying
//! semantics): strings and lists are copied into memory the destination
//! allocates.

use super::front::StringEncoding;
use super::plan::CoreFunc;
use super::types::{CoreType, PtrType, ValType};
use crate::error::{CompileError, Result};
use cranelift_codegen::ir::{
    self, condcodes::FloatCC, condcodes::IntCC, types, Block, FuncRef, InstBuilder, MemFlagsData,
    StackSlotData, StackSlotKind, Value,
};
use cranelift_frontend::{FunctionBuilder, Switch};
use wacc_abi::{component::FLAG_MAY_LEAVE, TrapCode, VMMemory};

pub use crate::libcalls::RtCall;

/// How strings and lists cross one boundary. `Isolated` is the spec's
/// behaviour: the destination allocates with its realloc and the bytes are
/// copied (transcoded for strings). Sharing strategies (zero-copy views,
/// bounded copies) are further variants chosen per boundary by
/// [`Env::strategy`]; [`Gen::string`] and [`Gen::list`] are where they act.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Strategy {
    #[default]
    Isolated,
}

/// Declares runtime function `call` in `module`.
pub fn declare_rt(
    module: &mut cranelift_object::ObjectModule,
    call_conv: cranelift_codegen::isa::CallConv,
    call: RtCall,
) -> Result<cranelift_module::FuncId> {
    use cranelift_module::Module;
    let sig = call.signature(call_conv);
    module
        .declare_function(call.symbol(), cranelift_module::Linkage::Import, &sig)
        .map_err(crate::emit::module_err)
}

/// What the generator needs from the object being written.
pub trait Env {
    fn rt(&mut self, b: &mut FunctionBuilder, call: RtCall) -> FuncRef;
    /// A direct reference to a core function, its vmctx, and its core signature.
    fn core_func(
        &mut self,
        b: &mut FunctionBuilder,
        ctx: Value,
        f: CoreFunc,
    ) -> Result<(FuncRef, Value)>;
    /// Offsets in the component context.
    fn memory_slot(&self, slot: u32) -> i32;
    fn flags_slot(&self, cinst: u32) -> i32;
    /// Table index used for a component instance (the host's for `HOST`).
    fn table_index(&self, cinst: u32) -> u32;
    /// Offsets of the task-local storage slots, if the component uses them.
    fn task_context_slots(&self) -> Option<Vec<i32>>;
    /// The memory strategy of the boundary from `src` to `dst`.
    fn strategy(&self, _src: &Side, _dst: &Side) -> Strategy {
        Strategy::Isolated
    }
}

/// One side of a boundary.
#[derive(Clone, Debug)]
pub struct Side {
    /// memory slot in the context; `None` for the host
    pub memory: Option<u32>,
    pub realloc: Option<CoreFunc>,
    pub encoding: StringEncoding,
    /// component instance (`plan::HOST` for the host)
    pub cinst: u32,
    /// address width of the memory (64-bit for the host and memory64)
    pub ptr: PtrType,
    /// the host relaying an intercepted call between two guests: the
    /// native layout, but the callee's `realloc` results trap as for a
    /// guest caller
    pub relay: bool,
}

impl Side {
    pub fn is_host(&self) -> bool {
        self.memory.is_none()
    }

    pub fn ptr(&self) -> PtrType {
        self.ptr
    }

    /// True if values from this side are the host's own (whose bad
    /// `realloc` results the spec does not define: wacc's `Realloc*` traps).
    pub fn lowers_as_host(&self) -> bool {
        self.is_host() && !self.relay
    }
}

/// An address in a side's memory: a dynamic offset plus a constant.
#[derive(Clone, Copy)]
pub struct MemRef {
    pub off: Value,
    pub k: u32,
}

/// Where a value comes from.
pub enum Src {
    /// flat values with the core type of each slot
    Flat {
        vals: Vec<(Value, CoreType)>,
        pos: usize,
    },
    Mem(MemRef),
}

/// Where a value goes.
pub enum Dst {
    Flat(Vec<(Value, CoreType)>),
    Mem(MemRef),
}

pub fn ir_type(t: CoreType) -> ir::Type {
    match t {
        CoreType::I32 => types::I32,
        CoreType::I64 => types::I64,
        CoreType::F32 => types::F32,
        CoreType::F64 => types::F64,
    }
}

fn align_to(x: u32, a: u32) -> u32 {
    x.div_ceil(a) * a
}

fn unsupported(what: &str) -> CompileError {
    CompileError::new(format!("{what} is not supported in component functions"))
}

/// Cases of a variant-like type (variant, enum, option, result).
pub fn variant_cases(ty: &ValType) -> Option<Vec<Option<&ValType>>> {
    Some(match ty {
        ValType::Variant(cs) => cs.iter().map(|(_, t)| t.as_ref()).collect(),
        ValType::Enum(ls) => vec![None; ls.len()],
        ValType::Option(t) => vec![None, Some(&**t)],
        ValType::Result { ok, err } => vec![ok.as_deref(), err.as_deref()],
        _ => return None,
    })
}

/// Field types of a record-like type (record, tuple, fixed-length list).
pub fn record_fields(ty: &ValType) -> Option<Vec<&ValType>> {
    Some(match ty {
        ValType::Record(fs) => fs.iter().map(|(_, t)| t).collect(),
        ValType::Tuple(ts) => ts.iter().collect(),
        ValType::List(t, Some(n)) => (0..*n).map(|_| &**t).collect(),
        _ => return None,
    })
}

/// Offsets of the fields of a record-like layout.
pub fn field_offsets(fields: &[&ValType], ptr: PtrType) -> Vec<u32> {
    let mut off = 0;
    fields
        .iter()
        .map(|t| {
            off = align_to(off, t.alignment(ptr));
            let at = off;
            off += t.elem_size(ptr);
            at
        })
        .collect()
}

fn discriminant_size(n: usize) -> u32 {
    if n <= 1 << 8 {
        1
    } else if n <= 1 << 16 {
        2
    } else {
        4
    }
}

/// Offset of a variant's payload.
pub fn payload_offset(ty: &ValType, ptr: PtrType) -> u32 {
    let cases = variant_cases(ty).unwrap_or_default();
    let max_align = cases
        .iter()
        .flatten()
        .map(|t| t.alignment(ptr))
        .max()
        .unwrap_or(1);
    align_to(discriminant_size(cases.len()), max_align)
}

/// True if the type's memory layout is the same at both pointer widths and
/// a value can be copied byte for byte (no normalisation or validation).
fn plain(ty: &ValType) -> bool {
    match ty {
        ValType::U8
        | ValType::S8
        | ValType::U16
        | ValType::S16
        | ValType::U32
        | ValType::S32
        | ValType::U64
        | ValType::S64 => true,
        ValType::Record(_) | ValType::Tuple(_) | ValType::List(_, Some(_)) => {
            record_fields(ty).unwrap().into_iter().all(plain)
        }
        _ => false,
    }
}

pub struct Gen<'a, 'b, E: Env> {
    pub b: &'a mut FunctionBuilder<'b>,
    pub env: &'a mut E,
    pub ctx: Value,
    traps: Vec<(TrapCode, Block)>,
    /// context offset of a counter the string and list bytes moved are
    /// added to (an intercepted site's statistics), if any
    pub count_bytes: Option<i32>,
}

fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

impl<'a, 'b, E: Env> Gen<'a, 'b, E> {
    pub fn new(b: &'a mut FunctionBuilder<'b>, env: &'a mut E, ctx: Value) -> Self {
        Gen {
            b,
            env,
            ctx,
            traps: vec![],
            count_bytes: None,
        }
    }

    /// Fill the trap blocks; call once the body is complete.
    pub fn finish(mut self) {
        for (code, block) in std::mem::take(&mut self.traps) {
            self.b.switch_to_block(block);
            let c = self.b.ins().iconst(types::I32, code as u32 as i64);
            self.rt(RtCall::Trap, &[c]);
            self.b.ins().trap(ir::TrapCode::unwrap_user(1));
        }
    }

    /// Adds `n` (i64) to the u64 counter at context offset `off`.
    fn add_count(&mut self, off: i32, n: Value) {
        let v = self.b.ins().load(types::I64, trusted(), self.ctx, off);
        let v = self.b.ins().iadd(v, n);
        self.b.ins().store(trusted(), v, self.ctx, off);
    }

    pub fn rt(&mut self, call: RtCall, args: &[Value]) -> Vec<Value> {
        let f = self.env.rt(self.b, call);
        let mut all = Vec::with_capacity(args.len() + 1);
        if call.takes_vmctx() {
            all.push(self.ctx);
        }
        all.extend_from_slice(args);
        let inst = self.b.ins().call(f, &all);
        self.b.inst_results(inst).to_vec()
    }

    fn trap_block(&mut self, code: TrapCode) -> Block {
        if let Some((_, b)) = self.traps.iter().find(|(c, _)| *c == code) {
            return *b;
        }
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        self.traps.push((code, block));
        block
    }

    pub fn trap_if(&mut self, cond: Value, code: TrapCode) {
        let trap = self.trap_block(code);
        let cont = self.b.create_block();
        self.b.ins().brif(cond, trap, &[], cont, &[]);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
    }

    pub fn trap_now(&mut self, code: TrapCode) {
        let trap = self.trap_block(code);
        self.b.ins().jump(trap, &[]);
        let dead = self.b.create_block();
        self.b.switch_to_block(dead);
        self.b.seal_block(dead);
    }

    pub fn iconst32(&mut self, v: u32) -> Value {
        self.b.ins().iconst(types::I32, v as i64)
    }

    pub fn iconst64(&mut self, v: i64) -> Value {
        self.b.ins().iconst(types::I64, v)
    }

    // ---- instance flags -----------------------------------------------------

    pub fn flags_addr(&self, cinst: u32) -> i32 {
        self.env.flags_slot(cinst)
    }

    /// Trap with `code` unless `flag` is set for `cinst`.
    pub fn check_flag(&mut self, cinst: u32, flag: u32, code: TrapCode) {
        let off = self.flags_addr(cinst);
        let v = self.b.ins().load(types::I32, trusted(), self.ctx, off);
        let f = self.b.ins().band_imm_u(v, flag as i64);
        let clear = self.b.ins().icmp_imm_u(IntCC::Equal, f, 0);
        self.trap_if(clear, code);
    }

    pub fn set_flag(&mut self, cinst: u32, flag: u32, on: bool) {
        let off = self.flags_addr(cinst);
        let v = self.b.ins().load(types::I32, trusted(), self.ctx, off);
        let v = if on {
            self.b.ins().bor_imm_u(v, flag as i64)
        } else {
            self.b.ins().band_imm_s(v, !(flag as i64))
        };
        self.b.ins().store(trusted(), v, self.ctx, off);
    }

    // ---- memories -----------------------------------------------------------

    fn vmmemory(&mut self, side: &Side) -> Option<Value> {
        side.memory.map(|slot| {
            let off = self.env.memory_slot(slot);
            self.b.ins().load(types::I64, trusted(), self.ctx, off)
        })
    }

    /// Native address of offset `off` in the side's memory.
    fn native(&mut self, side: &Side, m: MemRef) -> Value {
        let base = match self.vmmemory(side) {
            Some(vm) => self.b.ins().load(
                types::I64,
                trusted(),
                vm,
                std::mem::offset_of!(VMMemory, base) as i32,
            ),
            None => self.iconst64(0),
        };
        let a = self.b.ins().iadd(base, m.off);
        if m.k == 0 {
            a
        } else {
            self.b.ins().iadd_imm_s(a, m.k as i64)
        }
    }

    fn mem_len(&mut self, side: &Side) -> Option<Value> {
        let vm = self.vmmemory(side)?;
        Some(self.b.ins().load(
            types::I64,
            trusted(),
            vm,
            std::mem::offset_of!(VMMemory, length) as i32,
        ))
    }

    /// Traps unless `[off, off + size)` lies in the side's memory and `off`
    /// is aligned (pointers handed over by the other side). `size` is i64.
    pub fn check_range(&mut self, side: &Side, off: Value, size: Value, align: u32, oob: TrapCode) {
        if side.is_host() {
            return;
        }
        if align > 1 {
            let low = self.b.ins().band_imm_u(off, (align - 1) as i64);
            self.trap_if(low, TrapCode::UnalignedPointer);
        }
        let end = self.b.ins().iadd(off, size);
        let len = self.mem_len(side).unwrap();
        let past = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
        self.trap_if(past, oob);
    }

    /// Traps with `InvalidArgument` if the host (only: guests' pointers are
    /// offsets, and 0 is a valid one) hands over a null pointer with a
    /// nonzero length. Both are i64.
    fn check_host_ptr(&mut self, side: &Side, ptr: Value, len: Value) {
        if !side.is_host() {
            return;
        }
        let null = self.b.ins().icmp_imm_u(IntCC::Equal, ptr, 0);
        let some = self.b.ins().icmp_imm_u(IntCC::NotEqual, len, 0);
        let bad = self.b.ins().band(null, some);
        self.trap_if(bad, TrapCode::InvalidArgument);
    }

    /// Allocates `size` (i64) bytes aligned to `align` on the side: its
    /// realloc (result checked) or the host arena. Returns the offset (i64).
    /// A bad realloc result traps with `oob` / unaligned-pointer between
    /// guests, and with the realloc traps when the host is lowering.
    pub fn alloc(
        &mut self,
        side: &Side,
        size: Value,
        align: u32,
        from_host: bool,
        oob: TrapCode,
    ) -> Result<Value> {
        if side.is_host() {
            let size32 = self.b.ins().ireduce(types::I32, size);
            let a = self.iconst32(align);
            return Ok(self.rt(RtCall::HostAlloc, &[size32, a])[0]);
        }
        let realloc = side
            .realloc
            .ok_or_else(|| CompileError::new("a `realloc` option is required here"))?;
        let big = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThan, size, u32::MAX as i64);
        self.trap_if(big, TrapCode::LengthOverflow);
        let (f, vmctx) = self.env.core_func(self.b, self.ctx, realloc)?;
        let zero = self.iconst32(0);
        let a = self.iconst32(align);
        let size32 = self.b.ins().ireduce(types::I32, size);
        self.set_flag(side.cinst, FLAG_MAY_LEAVE, false);
        let call = self.b.ins().call(f, &[vmctx, zero, zero, a, size32]);
        self.set_flag(side.cinst, FLAG_MAY_LEAVE, true);
        let p = self.b.inst_results(call)[0];
        let p = self.b.ins().uextend(types::I64, p);
        let (unaligned, oob) = if from_host {
            (TrapCode::ReallocUnaligned, TrapCode::ReallocOutOfBounds)
        } else {
            (TrapCode::UnalignedPointer, oob)
        };
        if align > 1 {
            let low = self.b.ins().band_imm_u(p, (align - 1) as i64);
            self.trap_if(low, unaligned);
        }
        let end = self.b.ins().iadd(p, size);
        let len = self.mem_len(side).unwrap();
        let past = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
        self.trap_if(past, oob);
        Ok(p)
    }

    // ---- flat values --------------------------------------------------------

    fn read_flat(&mut self, src: &mut Src, want: CoreType) -> Value {
        let Src::Flat { vals, pos } = src else {
            unreachable!("flat read from memory")
        };
        let (v, have) = vals[*pos];
        *pos += 1;
        self.coerce(v, have, want)
    }

    /// Reinterpret a joined flat slot as the case's own type (or back).
    fn coerce(&mut self, v: Value, have: CoreType, want: CoreType) -> Value {
        use CoreType::*;
        let ins = self.b.ins();
        match (have, want) {
            (a, b) if a == b => v,
            (I32, F32) => ins.bitcast(types::F32, MemFlagsData::new(), v),
            (F32, I32) => ins.bitcast(types::I32, MemFlagsData::new(), v),
            (I64, I32) => ins.ireduce(types::I32, v),
            (I32, I64) => ins.uextend(types::I64, v),
            (I64, F64) => ins.bitcast(types::F64, MemFlagsData::new(), v),
            (F64, I64) => ins.bitcast(types::I64, MemFlagsData::new(), v),
            (I64, F32) => {
                let i = ins.ireduce(types::I32, v);
                self.b.ins().bitcast(types::F32, MemFlagsData::new(), i)
            }
            (F32, I64) => {
                let i = ins.bitcast(types::I32, MemFlagsData::new(), v);
                self.b.ins().uextend(types::I64, i)
            }
            _ => v,
        }
    }

    fn zero(&mut self, t: CoreType) -> Value {
        match t {
            CoreType::I32 => self.iconst32(0),
            CoreType::I64 => self.iconst64(0),
            CoreType::F32 => self.b.ins().f32const(0.0),
            CoreType::F64 => self.b.ins().f64const(0.0),
        }
    }

    // ---- scalars ------------------------------------------------------------

    /// Reads a scalar, normalised as the spec's lift does: i32 for small
    /// integers, bool, char; i64; f32/f64 with NaN canonicalised.
    fn read_scalar(&mut self, ty: &ValType, src: &mut Src, side: &Side) -> Result<Value> {
        let flat = ty.flatten(side.ptr())[0];
        let raw = match src {
            Src::Flat { .. } => self.read_flat(src, flat),
            Src::Mem(m) => {
                let m = *m;
                let a = self.native(side, m);
                let f = trusted();
                let ins = self.b.ins();
                match ty {
                    ValType::Bool | ValType::U8 => ins.uload8(types::I32, f, a, 0),
                    ValType::S8 => ins.sload8(types::I32, f, a, 0),
                    ValType::U16 => ins.uload16(types::I32, f, a, 0),
                    ValType::S16 => ins.sload16(types::I32, f, a, 0),
                    _ => ins.load(ir_type(flat), f, a, 0),
                }
            }
        };
        let ins = self.b.ins();
        Ok(match ty {
            ValType::Bool => {
                let nz = ins.icmp_imm_u(IntCC::NotEqual, raw, 0);
                self.b.ins().uextend(types::I32, nz)
            }
            ValType::U8 => ins.band_imm_u(raw, 0xff),
            ValType::U16 => ins.band_imm_u(raw, 0xffff),
            ValType::S8 => {
                let n = ins.ireduce(types::I8, raw);
                self.b.ins().sextend(types::I32, n)
            }
            ValType::S16 => {
                let n = ins.ireduce(types::I16, raw);
                self.b.ins().sextend(types::I32, n)
            }
            ValType::Char => {
                let big = ins.icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, raw, 0x110000);
                let s = self.b.ins().iadd_imm_s(raw, -0xD800);
                let sur = self.b.ins().icmp_imm_u(IntCC::UnsignedLessThan, s, 0x800);
                let bad = self.b.ins().bor(big, sur);
                self.trap_if(bad, TrapCode::InvalidChar);
                raw
            }
            ValType::F32 => {
                let nan = ins.fcmp(FloatCC::Unordered, raw, raw);
                let c = self.b.ins().f32const(f32::from_bits(0x7fc0_0000));
                self.b.ins().select(nan, c, raw)
            }
            ValType::F64 => {
                let nan = ins.fcmp(FloatCC::Unordered, raw, raw);
                let c = self.b.ins().f64const(f64::from_bits(0x7ff8_0000_0000_0000));
                self.b.ins().select(nan, c, raw)
            }
            _ => raw,
        })
    }

    fn write_scalar(&mut self, ty: &ValType, v: Value, dst: &mut Dst, side: &Side) {
        let flat = ty.flatten(side.ptr())[0];
        match dst {
            Dst::Flat(out) => out.push((v, flat)),
            Dst::Mem(m) => {
                let m = *m;
                let a = self.native(side, m);
                let f = trusted();
                let ins = self.b.ins();
                match ty.elem_size(side.ptr()) {
                    1 => ins.istore8(f, v, a, 0),
                    2 => ins.istore16(f, v, a, 0),
                    _ => ins.store(f, v, a, 0),
                };
            }
        }
    }

    /// Reads a pointer-sized value as i64.
    fn read_ptr(&mut self, src: &mut Src, side: &Side, k: u32) -> Value {
        let pt = side.ptr();
        let v = match src {
            Src::Flat { .. } => self.read_flat(src, pt.core()),
            Src::Mem(m) => {
                let m = MemRef {
                    off: m.off,
                    k: m.k + k,
                };
                let a = self.native(side, m);
                self.b.ins().load(ir_type(pt.core()), trusted(), a, 0)
            }
        };
        match pt {
            PtrType::I32 => self.b.ins().uextend(types::I64, v),
            PtrType::I64 => v,
        }
    }

    fn write_ptr(&mut self, v: Value, dst: &mut Dst, side: &Side, k: u32) {
        let pt = side.ptr();
        let v = match pt {
            PtrType::I32 => self.b.ins().ireduce(types::I32, v),
            PtrType::I64 => v,
        };
        match dst {
            Dst::Flat(out) => out.push((v, pt.core())),
            Dst::Mem(m) => {
                let m = MemRef {
                    off: m.off,
                    k: m.k + k,
                };
                let a = self.native(side, m);
                self.b.ins().store(trusted(), v, a, 0);
            }
        }
    }

    // ---- the transfer -------------------------------------------------------

    /// Moves a value of type `ty` from `src` on side `ss` to `dst` on side `ds`.
    pub fn transfer(
        &mut self,
        ty: &ValType,
        src: &mut Src,
        ss: &Side,
        dst: &mut Dst,
        ds: &Side,
    ) -> Result<()> {
        match ty {
            ValType::Bool
            | ValType::S8
            | ValType::U8
            | ValType::S16
            | ValType::U16
            | ValType::S32
            | ValType::U32
            | ValType::S64
            | ValType::U64
            | ValType::F32
            | ValType::F64
            | ValType::Char => {
                let v = self.read_scalar(ty, src, ss)?;
                self.write_scalar(ty, v, dst, ds);
            }
            ValType::String => self.string(src, ss, dst, ds)?,
            ValType::List(elem, None) => self.list(elem, src, ss, dst, ds)?,
            ValType::Record(_) | ValType::Tuple(_) | ValType::List(_, Some(_)) => {
                let fields = record_fields(ty).unwrap();
                let so = field_offsets(&fields, ss.ptr());
                let dof = field_offsets(&fields, ds.ptr());
                for (i, f) in fields.iter().enumerate() {
                    let mut s = match src {
                        Src::Mem(m) => Some(Src::Mem(MemRef {
                            off: m.off,
                            k: m.k + so[i],
                        })),
                        Src::Flat { .. } => None,
                    };
                    let mut d = match dst {
                        Dst::Mem(m) => Some(Dst::Mem(MemRef {
                            off: m.off,
                            k: m.k + dof[i],
                        })),
                        Dst::Flat(_) => None,
                    };
                    let sr = s.as_mut().unwrap_or(src);
                    match d.as_mut() {
                        Some(d) => self.transfer(f, sr, ss, d, ds)?,
                        None => self.transfer(f, sr, ss, dst, ds)?,
                    }
                }
            }
            ValType::Variant(_)
            | ValType::Enum(_)
            | ValType::Option(_)
            | ValType::Result { .. } => self.variant(ty, src, ss, dst, ds)?,
            ValType::Flags(names) => {
                let n = names.len();
                if n == 0 {
                    return Ok(());
                }
                match (src, dst) {
                    (Src::Flat { .. }, _) | (_, Dst::Flat(_)) if n > 32 => {
                        return Err(unsupported("flags with more than 32 members"))
                    }
                    (src, dst) => {
                        let size = ty.elem_size(ss.ptr());
                        if size > 4 {
                            return Err(unsupported("flags with more than 32 members"));
                        }
                        let as_int = match size {
                            1 => ValType::U8,
                            2 => ValType::U16,
                            _ => ValType::U32,
                        };
                        let v = self.read_scalar(&as_int, src, ss)?;
                        let mask = if n >= 32 { u32::MAX } else { (1u32 << n) - 1 };
                        let v = self.b.ins().band_imm_u(v, mask as i64);
                        self.write_scalar(&as_int, v, dst, ds);
                    }
                }
            }
            ValType::Own(r) | ValType::Borrow(r) => {
                let h = self.read_scalar(&ValType::U32, src, ss)?;
                let from = self.iconst32(self.env.table_index(ss.cinst));
                let to = self.iconst32(self.env.table_index(ds.cinst));
                let res = self.iconst32(*r);
                let call = if matches!(ty, ValType::Own(_)) {
                    RtCall::TransferOwn
                } else {
                    RtCall::Lend
                };
                let h2 = self.rt(call, &[from, to, res, h])[0];
                self.write_scalar(&ValType::U32, h2, dst, ds);
            }
            ValType::ErrorContext => return Err(unsupported("error-context")),
            ValType::Stream | ValType::Future => return Err(unsupported("streams and futures")),
            ValType::Map(k, v) => {
                let entry = ValType::Tuple(vec![(**k).clone(), (**v).clone()]);
                self.list(&entry, src, ss, dst, ds)?
            }
        }
        Ok(())
    }

    fn string(&mut self, src: &mut Src, ss: &Side, dst: &mut Dst, ds: &Side) -> Result<()> {
        match self.env.strategy(ss, ds) {
            Strategy::Isolated => self.copy_string(src, ss, dst, ds),
        }
    }

    /// Validates, transcodes and copies a string into memory the
    /// destination allocates.
    fn copy_string(&mut self, src: &mut Src, ss: &Side, dst: &mut Dst, ds: &Side) -> Result<()> {
        let ptr = self.read_ptr(src, ss, 0);
        let len = self.read_ptr(src, ss, ss.ptr().size());
        self.check_host_ptr(ss, ptr, len);
        // Encoding code, plus WIDE64 for 64-bit memories (the utf16 tag of
        // latin1+utf16 lengths is their top bit).
        let enc = |s: &Side| {
            let e = match (s.is_host(), s.encoding) {
                (true, _) | (_, StringEncoding::Utf8) => 0,
                (_, StringEncoding::Utf16) => 1,
                (_, StringEncoding::Latin1Utf16) => 2,
            };
            e | if s.ptr() == PtrType::I64 { 0x10 } else { 0 }
        };
        let src_mem = self.vmmemory(ss).unwrap_or_else(|| self.iconst64(0));
        let dst_mem = self.vmmemory(ds).unwrap_or_else(|| self.iconst64(0));
        let (realloc, realloc_vmctx) = match (ds.is_host(), ds.realloc) {
            (false, Some(f)) => {
                let (fref, vmctx) = self.env.core_func(self.b, self.ctx, f)?;
                (self.b.ins().func_addr(types::I64, fref), vmctx)
            }
            (false, None) => return Err(CompileError::new("a `realloc` option is required here")),
            (true, _) => (self.iconst64(0), self.iconst64(0)),
        };
        let flags = if ds.is_host() {
            self.iconst64(0)
        } else {
            let off = self.flags_addr(ds.cinst);
            self.b.ins().iadd_imm_s(self.ctx, off as i64)
        };
        let slot =
            self.b
                .create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 3));
        let out = self.b.ins().stack_addr(types::I64, slot, 0);
        let se = self.iconst32(enc(ss));
        let de = self.iconst32(enc(ds));
        self.rt(
            RtCall::StringTransfer,
            &[
                src_mem,
                se,
                ptr,
                len,
                dst_mem,
                de,
                realloc,
                realloc_vmctx,
                flags,
                out,
            ],
        );
        let p = self.b.ins().load(types::I64, trusted(), out, 0);
        let l = self.b.ins().load(types::I64, trusted(), out, 8);
        if let Some(off) = self.count_bytes {
            // Destination code units: bytes for UTF-8, halves for UTF-16.
            let n = match (ds.is_host(), ds.encoding) {
                (false, StringEncoding::Utf16) => self.b.ins().ishl_imm_u(l, 1),
                (false, StringEncoding::Latin1Utf16) => self.b.ins().band_imm_u(l, 0x7fff_ffff),
                _ => l,
            };
            self.add_count(off, n);
        }
        self.write_ptr(p, dst, ds, 0);
        self.write_ptr(l, dst, ds, ds.ptr().size());
        Ok(())
    }

    fn list(
        &mut self,
        elem: &ValType,
        src: &mut Src,
        ss: &Side,
        dst: &mut Dst,
        ds: &Side,
    ) -> Result<()> {
        match self.env.strategy(ss, ds) {
            Strategy::Isolated => self.copy_list(elem, src, ss, dst, ds),
        }
    }

    /// Checks the source range, allocates in the destination, and copies
    /// (byte for byte when the layouts agree, element by element otherwise).
    fn copy_list(
        &mut self,
        elem: &ValType,
        src: &mut Src,
        ss: &Side,
        dst: &mut Dst,
        ds: &Side,
    ) -> Result<()> {
        let ptr = self.read_ptr(src, ss, 0);
        let len = self.read_ptr(src, ss, ss.ptr().size());
        let s_size = elem.elem_size(ss.ptr());
        let d_size = elem.elem_size(ds.ptr());
        if s_size > 0 {
            self.check_host_ptr(ss, ptr, len);
        }
        let s_bytes = self.b.ins().imul_imm_u(len, s_size as i64);
        self.check_range(
            ss,
            ptr,
            s_bytes,
            elem.alignment(ss.ptr()),
            TrapCode::ListOutOfBounds,
        );
        let d_bytes = self.b.ins().imul_imm_u(len, d_size as i64);
        if let Some(off) = self.count_bytes {
            self.add_count(off, d_bytes);
        }
        let dptr = self.alloc(
            ds,
            d_bytes,
            elem.alignment(ds.ptr()),
            ss.lowers_as_host(),
            TrapCode::ListOutOfBounds,
        )?;
        if plain(elem) && s_size == d_size {
            let from = self.native(ss, MemRef { off: ptr, k: 0 });
            let to = self.native(ds, MemRef { off: dptr, k: 0 });
            self.rt(RtCall::Memcpy, &[to, from, d_bytes]);
        } else if s_size > 0 || d_size > 0 {
            // for i in 0..len: transfer element i
            let head = self.b.create_block();
            let body = self.b.create_block();
            let exit = self.b.create_block();
            self.b.append_block_param(head, types::I64);
            let zero = self.iconst64(0);
            self.b.ins().jump(head, &[zero.into()]);
            self.b.switch_to_block(head);
            let i = self.b.block_params(head)[0];
            let done = self.b.ins().icmp(IntCC::Equal, i, len);
            self.b.ins().brif(done, exit, &[], body, &[]);
            self.b.switch_to_block(body);
            self.b.seal_block(body);
            let so = self.b.ins().imul_imm_u(i, s_size as i64);
            let so = self.b.ins().iadd(ptr, so);
            let dof = self.b.ins().imul_imm_u(i, d_size as i64);
            let dof = self.b.ins().iadd(dptr, dof);
            self.transfer(
                elem,
                &mut Src::Mem(MemRef { off: so, k: 0 }),
                ss,
                &mut Dst::Mem(MemRef { off: dof, k: 0 }),
                ds,
            )?;
            let next = self.b.ins().iadd_imm_s(i, 1);
            self.b.ins().jump(head, &[next.into()]);
            self.b.seal_block(head);
            self.b.switch_to_block(exit);
            self.b.seal_block(exit);
        }
        self.write_ptr(dptr, dst, ds, 0);
        self.write_ptr(len, dst, ds, ds.ptr().size());
        Ok(())
    }

    fn variant(
        &mut self,
        ty: &ValType,
        src: &mut Src,
        ss: &Side,
        dst: &mut Dst,
        ds: &Side,
    ) -> Result<()> {
        let cases = variant_cases(ty).unwrap();
        let n = cases.len();
        let disc_ty = match discriminant_size(n) {
            1 => ValType::U8,
            2 => ValType::U16,
            _ => ValType::U32,
        };
        // Discriminant and the payload's source.
        let (disc, payload_src): (Value, Src) = match src {
            Src::Flat { .. } => {
                let d = self.read_flat(src, CoreType::I32);
                let joined = ty.flatten(ss.ptr())[1..].to_vec();
                let Src::Flat { vals, pos } = src else {
                    unreachable!()
                };
                let slots = vals[*pos..*pos + joined.len()].to_vec();
                *pos += joined.len();
                (
                    d,
                    Src::Flat {
                        vals: slots,
                        pos: 0,
                    },
                )
            }
            Src::Mem(m) => {
                let m = *m;
                let d = self.read_scalar(&disc_ty, &mut Src::Mem(m), ss)?;
                let p = MemRef {
                    off: m.off,
                    k: m.k + payload_offset(ty, ss.ptr()),
                };
                (d, Src::Mem(p))
            }
        };
        let bad = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, disc, n as i64);
        self.trap_if(bad, TrapCode::InvalidDiscriminant);

        let dst_joined: Vec<CoreType> = ty.flatten(ds.ptr())[1..].to_vec();
        let join = self.b.create_block();
        if matches!(dst, Dst::Flat(_)) {
            self.b.append_block_param(join, types::I32);
            for t in &dst_joined {
                self.b.append_block_param(join, ir_type(*t));
            }
        }
        let case_blocks: Vec<Block> = (0..n).map(|_| self.b.create_block()).collect();
        let mut switch = Switch::new();
        for (i, blk) in case_blocks.iter().enumerate() {
            switch.set_entry(i as u128, *blk);
        }
        let fallback = self.trap_block(TrapCode::InvalidDiscriminant);
        switch.emit(self.b, disc, fallback);

        for (i, blk) in case_blocks.iter().enumerate() {
            self.b.switch_to_block(*blk);
            self.b.seal_block(*blk);
            let mut s = match &payload_src {
                Src::Flat { vals, .. } => Src::Flat {
                    vals: vals.clone(),
                    pos: 0,
                },
                Src::Mem(m) => Src::Mem(*m),
            };
            match dst {
                Dst::Flat(_) => {
                    let mut out = Dst::Flat(vec![]);
                    if let Some(t) = cases[i] {
                        self.transfer(t, &mut s, ss, &mut out, ds)?;
                    }
                    let Dst::Flat(vals) = out else { unreachable!() };
                    let mut args = vec![self.iconst32(i as u32).into()];
                    for (j, t) in dst_joined.iter().enumerate() {
                        let v = match vals.get(j) {
                            Some((v, have)) => self.coerce(*v, *have, *t),
                            None => self.zero(*t),
                        };
                        args.push(v.into());
                    }
                    self.b.ins().jump(join, &args);
                }
                Dst::Mem(m) => {
                    let m = *m;
                    let c = self.iconst32(i as u32);
                    self.write_scalar(&disc_ty, c, &mut Dst::Mem(m), ds);
                    if let Some(t) = cases[i] {
                        let p = MemRef {
                            off: m.off,
                            k: m.k + payload_offset(ty, ds.ptr()),
                        };
                        self.transfer(t, &mut s, ss, &mut Dst::Mem(p), ds)?;
                    }
                    self.b.ins().jump(join, &[]);
                }
            }
        }
        self.b.switch_to_block(join);
        self.b.seal_block(join);
        if let Dst::Flat(out) = dst {
            let params = self.b.block_params(join).to_vec();
            out.push((params[0], CoreType::I32));
            for (v, t) in params[1..].iter().zip(&dst_joined) {
                out.push((*v, *t));
            }
        }
        Ok(())
    }
}
