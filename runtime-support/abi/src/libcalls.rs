//! The one list of runtime functions that generated code calls.
//!
//! [`foreach_libcall!`](crate::foreach_libcall) hands a group of entries to
//! a macro of the caller's. The compiler builds its declarations from it
//! (enum, symbol, Cranelift signature), and runtime-support checks at
//! compile time that each function it defines has exactly the listed type.
//! So the two sides cannot drift apart.
//!
//! An entry reads
//! `origin Name = symbol[ctx](param: Type, ...) -> (Ret);`:
//! - `origin` says who defines it: `rt` runtime-support, `os` its OS
//!   layer (the `std` feature), `asm` runtime-support in assembly, `libc`
//!   the C library. The last two are not checked.
//! - `[ctx]`, if present, is a first parameter `*mut c_void` that generated
//!   code passes implicitly: the caller's vmctx (core) or the component
//!   context (component).
//! - `Ret` is empty, `!` (does not return) or a type.
//!
//! All pointer-sized values are 64-bit on every supported target.
//!
//! Groups:
//! - `core`: declared by every core module object, in this order.
//! - `component`: declared on use by component trampolines.
//! - `entry`: called by generated entry points (`P_instantiate`,
//!   `P_export_*`, `main`).

use core::ffi::c_void;

/// An array-call trampoline: `fn(vmctx, values)`, the arguments and results
/// in 16-byte [`ValRaw`](crate::ValRaw) slots.
pub type ArrayCall = unsafe extern "C" fn(vmctx: *mut c_void, values: *mut crate::ValRaw);

/// A component's `realloc` as called through its core function:
/// `fn(vmctx, old_ptr, old_size, align, new_size) -> ptr`.
pub type Realloc = unsafe extern "C" fn(*mut c_void, i32, i32, i32, i32) -> i32;

/// A component's `P_instantiate`: `fn(store, out_ctx) -> trap code`.
pub type ComponentInstantiate = unsafe extern "C" fn(*mut crate::VMStore, *mut *mut c_void) -> u32;

/// `foreach_libcall!(group, m, args...)` invokes `m! { args... entries }`
/// with the entries of group `core`, `component` or `entry` (see the
/// module documentation for the entry syntax).
#[macro_export]
macro_rules! foreach_libcall {
    (core, $m:ident $(, $arg:tt)*) => {
        $m! {
            $($arg)*
            /// Raise trap `code`.
            rt Trap = wacc_rt_trap[vmctx](code: u32) -> (!);
            /// `memory.grow`: the old size in pages, or `u64::MAX`.
            rt MemoryGrow = wacc_rt_memory_grow[vmctx](mem: u32, delta_pages: u64) -> (u64);
            /// `memory.fill`; traps when out of bounds.
            rt MemoryFill = wacc_rt_memory_fill[vmctx](mem: u32, dst: u64, val: u32, len: u64) -> ();
            /// `memory.copy`, between any two memories of the instance.
            rt MemoryCopy = wacc_rt_memory_copy[vmctx](dst_mem: u32, src_mem: u32, dst: u64, src: u64, len: u64) -> ();
            /// `memory.init`.
            rt MemoryInit = wacc_rt_memory_init[vmctx](mem: u32, data: u32, dst: u64, src: u32, len: u32) -> ();
            /// `data.drop`.
            rt DataDrop = wacc_rt_data_drop[vmctx](data: u32) -> ();
            /// `table.grow`: the old size, or `u32::MAX`.
            rt TableGrow = wacc_rt_table_grow[vmctx](table: u32, init: usize, delta: u32) -> (u32);
            /// `table.fill`.
            rt TableFill = wacc_rt_table_fill[vmctx](table: u32, dst: u32, val: usize, len: u32) -> ();
            /// `table.copy`.
            rt TableCopy = wacc_rt_table_copy[vmctx](dst_table: u32, src_table: u32, dst: u32, src: u32, len: u32) -> ();
            /// `table.init`.
            rt TableInit = wacc_rt_table_init[vmctx](table: u32, elem: u32, dst: u32, src: u32, len: u32) -> ();
            /// `elem.drop`.
            rt ElemDrop = wacc_rt_elem_drop[vmctx](elem: u32) -> ();
            /// `memory.copy` after its inline bounds check.
            libc Memmove = memmove(dst: *mut c_void, src: *const c_void, n: usize) -> (*mut c_void);
            /// `memory.fill` after its inline bounds check.
            libc Memset = memset(dst: *mut c_void, c: i32, n: usize) -> (*mut c_void);
            /// A new exception object with a zeroed payload (`throw`); traps
            /// `OutOfMemory`.
            rt ExnNew = wacc_rt_exn_new[vmctx](tag: *const c_void, size: u32) -> (*mut $crate::VMException);
            /// Release a caught exception nothing refers to (kept if exposed).
            rt ExnFree = wacc_rt_exn_free[vmctx](exn: *mut $crate::VMException) -> ();
            /// Unwind to the nearest handler in a calling frame (see
            /// `CodeDesc`); past registered code it raises `UncaughtException`.
            asm Throw = wacc_rt_throw[vmctx](exn: *mut $crate::VMException) -> (!);
            /// `memory.atomic.wait32/64` after the inline bounds, alignment and
            /// shared checks: 1 not equal, 2 timed out; a negative timeout
            /// traps `WaitForever` (no other thread can notify).
            rt AtomicWait = wacc_rt_atomic_wait[vmctx](addr: *const u8, expected: u64, timeout_ns: i64, wide: u32) -> (u32);
        }
    };
    (component, $m:ident $(, $arg:tt)*) => {
        $m! {
            $($arg)*
            /// Raise trap `code` (a canonical-ABI trap).
            rt Trap = wacc_rt_trap[ctx](code: u32) -> (!);
            /// Memory for a value lifted to the host, from the context's arena.
            rt HostAlloc = wacc_rt_host_alloc[ctx](size: u32, align: u32) -> (*mut u8);
            /// Move a string between sides, transcoding; null memories mean the
            /// host. Writes (ptr, len) to `out`.
            rt StringTransfer = wacc_rt_string_transfer[ctx](src_mem: *mut $crate::VMMemory, src_enc: u32, src_ptr: u64, src_len: u64, dst_mem: *mut $crate::VMMemory, dst_enc: u32, realloc: Option<$crate::libcalls::Realloc>, realloc_vmctx: *mut c_void, dst_flags: *mut u32, out: *mut u64) -> ();
            /// `resource.new`: a handle for `rep`.
            rt ResourceNew = wacc_rt_resource_new[ctx](cinst: u32, resource: u32, rep: u32) -> (u32);
            /// `resource.rep`.
            rt ResourceRep = wacc_rt_resource_rep[ctx](cinst: u32, resource: u32, handle: u32) -> (u32);
            /// `resource.drop` (runs the destructor of an owned handle).
            rt ResourceDrop = wacc_rt_resource_drop[ctx](cinst: u32, resource: u32, handle: u32) -> ();
            /// Lift and lower an `own` from one instance's table to another's.
            rt TransferOwn = wacc_rt_resource_transfer_own[ctx](from: u32, to: u32, resource: u32, handle: u32) -> (u32);
            /// Lend a `borrow` for the current call.
            rt Lend = wacc_rt_resource_lend[ctx](from: u32, to: u32, resource: u32, handle: u32) -> (u32);
            /// Open the borrow scope of a cross-component call.
            rt CallBegin = wacc_rt_call_begin[ctx](callee: u32) -> (u32);
            /// Close it: every borrow lent in it must be gone.
            rt CallEnd = wacc_rt_call_end[ctx](scope: u32) -> ();
            /// A host import whose symbol is unresolved was called: trap
            /// `UnresolvedImport`, naming it (`name`, UTF-8) in the last error.
            rt UnresolvedImport = wacc_rt_unresolved_import[ctx](name: *const u8, len: usize) -> (!);
            /// Copy `len` bytes (ranges already checked).
            rt Memcpy = wacc_rt_memcpy(dst: *mut u8, src: *const u8, len: usize) -> ();
            /// An intercepted crossing (`component::InterceptDesc`), before
            /// (`phase` 0) or after (1) the callee runs: logs it and runs the
            /// custom hook on the values in the native layout; a hook's
            /// refusal traps `HookRefused`. `elapsed` is the callee's time in
            /// ns (after, for sites that read the clock).
            rt Intercept = wacc_rt_intercept[ctx](site: u32, phase: u32, args: *mut u8, result: *mut u8, elapsed: u64) -> ();
            /// A monotonic clock in ns, for intercepted sites that time calls.
            rt InterceptClock = wacc_rt_intercept_clock[ctx]() -> (u64);
            /// A call the policy's firewall denies: trap `Denied`, naming the rule.
            rt InterceptDenied = wacc_rt_intercept_denied[ctx](site: u32) -> (!);
        }
    };
    (entry, $m:ident $(, $arg:tt)*) => {
        $m! {
            $($arg)*
            /// Run an array-call trampoline under a landing pad: a trap code.
            rt Invoke = wacc_rt_invoke(vmctx: *mut c_void, array_call: Option<$crate::libcalls::ArrayCall>, values: *mut $crate::ValRaw) -> (u32);
            /// Instantiate a core module: a trap code.
            rt Instantiate = wacc_rt_instantiate(store: *mut $crate::VMStore, desc: *const $crate::ModuleDesc, imports: *const $crate::WaccImport, nimports: usize, out_vmctx: *mut *mut c_void) -> (u32);
            /// Run a component export entry `fn(ctx, [args, result])` for the
            /// host (`P_export_*`, `P_call`): checks the pointers, refuses a
            /// poisoned context, runs it under a landing pad; a trap code.
            rt ComponentCall = wacc_rt_component_call(ctx: *mut c_void, entry: Option<$crate::libcalls::ArrayCall>, args: *const u8, result: *mut u8, needs: u32) -> (u32);
            /// Run a component's instantiation plan: a trap code.
            rt ComponentInstantiate = wacc_rt_component_instantiate(store: *mut $crate::VMStore, desc: *const $crate::component::ComponentDesc, out_ctx: *mut *mut c_void) -> (u32);
            /// The same for a component built with a policy: the context has
            /// room for the sites' statistics and knows their descriptor.
            rt ComponentInstantiateIntercepted = wacc_rt_component_instantiate_intercepted(store: *mut $crate::VMStore, desc: *const $crate::component::ComponentDesc, out_ctx: *mut *mut c_void, intercept: *const $crate::component::InterceptDesc) -> (u32);
            /// `main` of an executable built from a core module without WASI.
            os Main = wacc_rt_main(desc: *const $crate::ModuleDesc, argc: core::ffi::c_int, argv: *const *const core::ffi::c_char) -> (core::ffi::c_int);
        }
    };
}
