//! Runtime functions that generated code calls (defined in
//! runtime-support's `libcalls`; see `abi.rs` for their contract).
//!
//! In CLIF, a call to a libcall uses `UserExternalName { namespace:
//! NS_LIBCALL, index: LibCall as u32 }`; a direct call to wasm function `f`
//! uses `UserExternalName { namespace: NS_FUNC, index: f }`. The object
//! writer maps both to symbols.

use cranelift_codegen::ir::{types, AbiParam, Signature};
use cranelift_codegen::isa::CallConv;

pub const NS_FUNC: u32 = 0;
pub const NS_LIBCALL: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum LibCall {
    Trap = 0,
    MemoryGrow,
    MemoryFill,
    MemoryCopy,
    MemoryInit,
    DataDrop,
    TableGrow,
    TableFill,
    TableCopy,
    TableInit,
    ElemDrop,
    /// C `memmove`: memory.copy after its inline bounds check.
    Memmove,
    /// C `memset`: memory.fill after its inline bounds check.
    Memset,
    /// A new exception object (`throw`).
    ExnNew,
    /// Release a caught exception nothing refers to.
    ExnFree,
    /// Unwind to the nearest handler in a calling frame.
    Throw,
    /// `memory.atomic.wait32/64` after the inline checks.
    AtomicWait,
}

impl LibCall {
    pub const ALL: [LibCall; 17] = [
        LibCall::Trap,
        LibCall::MemoryGrow,
        LibCall::MemoryFill,
        LibCall::MemoryCopy,
        LibCall::MemoryInit,
        LibCall::DataDrop,
        LibCall::TableGrow,
        LibCall::TableFill,
        LibCall::TableCopy,
        LibCall::TableInit,
        LibCall::ElemDrop,
        LibCall::Memmove,
        LibCall::Memset,
        LibCall::ExnNew,
        LibCall::ExnFree,
        LibCall::Throw,
        LibCall::AtomicWait,
    ];

    pub fn from_index(i: u32) -> Option<LibCall> {
        Self::ALL.get(i as usize).copied()
    }

    pub fn symbol(self) -> &'static str {
        match self {
            LibCall::Trap => "wacc_rt_trap",
            LibCall::MemoryGrow => "wacc_rt_memory_grow",
            LibCall::MemoryFill => "wacc_rt_memory_fill",
            LibCall::MemoryCopy => "wacc_rt_memory_copy",
            LibCall::MemoryInit => "wacc_rt_memory_init",
            LibCall::DataDrop => "wacc_rt_data_drop",
            LibCall::TableGrow => "wacc_rt_table_grow",
            LibCall::TableFill => "wacc_rt_table_fill",
            LibCall::TableCopy => "wacc_rt_table_copy",
            LibCall::TableInit => "wacc_rt_table_init",
            LibCall::ElemDrop => "wacc_rt_elem_drop",
            LibCall::Memmove => "memmove",
            LibCall::Memset => "memset",
            LibCall::ExnNew => "wacc_rt_exn_new",
            LibCall::ExnFree => "wacc_rt_exn_free",
            LibCall::Throw => "wacc_rt_throw",
            LibCall::AtomicWait => "wacc_rt_atomic_wait",
        }
    }

    /// Whether the first parameter is the caller's vmctx (every runtime
    /// function; not the C library's).
    pub fn takes_vmctx(self) -> bool {
        !matches!(self, LibCall::Memmove | LibCall::Memset)
    }

    /// The C signature (with the vmctx parameter where it takes one).
    pub fn signature(self, call_conv: CallConv) -> Signature {
        use types::{I32, I64};
        let (params, returns): (&[_], &[_]) = match self {
            LibCall::Trap => (&[I32], &[]),
            LibCall::MemoryGrow => (&[I32, I64], &[I64]),
            LibCall::MemoryFill => (&[I32, I64, I32, I64], &[]),
            LibCall::MemoryCopy => (&[I32, I32, I64, I64, I64], &[]),
            LibCall::MemoryInit => (&[I32, I32, I64, I32, I32], &[]),
            LibCall::DataDrop => (&[I32], &[]),
            LibCall::TableGrow => (&[I32, I64, I32], &[I32]),
            LibCall::TableFill => (&[I32, I32, I64, I32], &[]),
            LibCall::TableCopy => (&[I32, I32, I32, I32, I32], &[]),
            LibCall::TableInit => (&[I32, I32, I32, I32, I32], &[]),
            LibCall::ElemDrop => (&[I32], &[]),
            LibCall::Memmove => (&[I64, I64, I64], &[I64]),
            LibCall::Memset => (&[I64, I32, I64], &[I64]),
            LibCall::ExnNew => (&[I64, I32], &[I64]),
            LibCall::ExnFree => (&[I64], &[]),
            LibCall::Throw => (&[I64], &[]),
            LibCall::AtomicWait => (&[I64, I64, I64, I32], &[I32]),
        };
        let mut sig = Signature::new(call_conv);
        if self.takes_vmctx() {
            sig.params.push(AbiParam::new(I64));
        }
        sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
        sig.returns
            .extend(returns.iter().map(|t| AbiParam::new(*t)));
        sig
    }
}
