//! The contract for compiled **components** (see `docs/components.md`).
//!
//! A component compiles to one object holding every core module it
//! contains (each with its own [`ModuleDesc`](super::ModuleDesc)), the
//! canonical-ABI trampolines, and a [`ComponentDesc`]: the static
//! instantiation plan. One *component context* (`ctx`) exists per
//! instantiation of the root component; trampolines receive it as their
//! vmctx argument. Its first word is the store, like a core vmctx, so
//! `wacc_rt_trap(ctx, code)` works from trampolines too.

use crate::Str;
use core::ffi::c_void;

/// Fixed header of a component context; the regions follow at the offsets
/// given by [`ComponentLayout`].
#[repr(C)]
pub struct VMComponentContext {
    /// offset 0 (same place as in a core vmctx)
    pub store: *mut super::VMStore,
    /// offset 8
    pub desc: *const ComponentDesc,
    /// offset 16: runtime-private state (resource tables, host arena,
    /// user data, last error)
    pub private: *mut c_void,
    /// offset 24: 0, or the code of the trap that poisoned the context:
    /// after a trap no guest code runs on it again (entries return
    /// `CannotEnter`; generated code reads it after each host import call)
    pub poisoned: u32,
    pub _pad: u32,
}

pub const CTX_STORE: u32 = 0;
pub const CTX_DESC: u32 = 8;
pub const CTX_POISONED: u32 = 24;
pub const CTX_HEADER_SIZE: u32 = 32;

/// Where each region of a component context lives. Computed the same way by
/// the compiler and the runtime from the counts in the descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ComponentLayout {
    /// `[*mut c_void; num_instances]`: vmctx of each core instance
    pub instances: u32,
    /// `[VMFuncRef; num_trampolines]`: the funcref handed to core instances
    /// for each trampoline (its vmctx is the component context)
    pub funcrefs: u32,
    /// `[*mut VMMemory; num_memories]`: memories named by canonical options
    pub memories: u32,
    /// `[u32; num_component_instances]`: [`FLAG_MAY_LEAVE`] | [`FLAG_MAY_ENTER`]
    pub flags: u32,
    /// `[u32; TASK_CONTEXT_SLOTS]`: the current task's `context.get/set` storage
    pub task_context: u32,
    /// `values_size` bytes (16-aligned): component-level values made during
    /// instantiation (`start` results), each in the native layout
    pub values: u32,
    pub size: u32,
}

impl ComponentLayout {
    pub fn new(
        num_instances: u32,
        num_trampolines: u32,
        num_memories: u32,
        num_component_instances: u32,
        values_size: u32,
    ) -> ComponentLayout {
        let instances = CTX_HEADER_SIZE;
        let funcrefs = instances + 8 * num_instances;
        let memories = funcrefs + super::FUNCREF_SIZE * num_trampolines;
        let flags = memories + 8 * num_memories;
        let task_context = flags + 4 * num_component_instances;
        let values = (task_context + 4 * TASK_CONTEXT_SLOTS + 15) & !15;
        let size = (values + values_size + 15) & !15;
        ComponentLayout {
            instances,
            funcrefs,
            memories,
            flags,
            task_context,
            values,
            size,
        }
    }

    pub fn of(d: &ComponentDesc) -> ComponentLayout {
        Self::new(
            d.num_instances,
            d.num_trampolines,
            d.num_memories,
            d.num_component_instances,
            d.values_size,
        )
    }
}

/// Slots of task-local storage (`context.get` / `context.set`).
pub const TASK_CONTEXT_SLOTS: u32 = 2;

/// Component instance flag: the instance may call out (canonical ABI
/// `may_leave`; cleared while its realloc or post-return runs).
pub const FLAG_MAY_LEAVE: u32 = 1;
/// Component instance flag: the instance may be entered (cleared while a
/// synchronous export of it runs, so reentrance traps).
pub const FLAG_MAY_ENTER: u32 = 2;

/// Where a core import of an instance comes from.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ItemRef {
    /// [`super::kind`]`::*`
    pub kind: u32,
    /// [`SOURCE_INSTANCE`] or [`SOURCE_TRAMPOLINE`]
    pub source: u32,
    /// core instance index (for `SOURCE_INSTANCE`)
    pub instance: u32,
    /// index in that instance's module index space of `kind`
    /// (`SOURCE_INSTANCE`), or trampoline index (`SOURCE_TRAMPOLINE`)
    pub index: u32,
}

/// The item is an entity of an earlier core instance.
pub const SOURCE_INSTANCE: u32 = 0;
/// The item is a trampoline's funcref in the component context.
pub const SOURCE_TRAMPOLINE: u32 = 1;

/// One core instance of the plan.
#[repr(C)]
pub struct CoreInstanceDesc {
    pub module: *const super::ModuleDesc,
    /// one per import of the module, in its import order
    pub imports: *const ItemRef,
    pub num_imports: u32,
    pub _pad: u32,
}

/// A generated trampoline, handed to core instances as a funcref.
#[repr(C)]
pub struct TrampolineDesc {
    /// `fn(ctx, params...) -> results` (wasm calling convention)
    pub func: *const c_void,
    /// core signature (`valtype` codes) for the funcref's type id
    pub params: Str,
    pub results: Str,
}

/// A resource type of the plan (one per defining component instance).
#[repr(C)]
pub struct ResourceDesc {
    /// component instance that defined it (its handles carry reps)
    pub owner: u32,
    /// core instance whose vmctx the destructor gets, or `u32::MAX` if none
    pub dtor_instance: u32,
    /// `fn(vmctx, rep: i32)` (wasm calling convention), or null
    pub dtor: *const c_void,
}

/// Bits of the `needs` argument of `wacc_rt_component_call`: the entry
/// reads `args` (its parameters take bytes in the native layout).
pub const NEEDS_ARGS: u32 = 1;
/// The entry writes `result` (its result takes bytes).
pub const NEEDS_RESULT: u32 = 2;

/// A step of instantiation, run in order.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct InitStep {
    /// [`STEP_CORE_INSTANCE`] or [`STEP_CALL`]
    pub kind: u32,
    /// core instance index, or index into `calls`
    pub index: u32,
}

/// Instantiate core instance `index` (its start function runs).
pub const STEP_CORE_INSTANCE: u32 = 0;
/// Call generated function `calls[index]` as `fn(ctx)` (component-level
/// `start` functions). What it lifts into the host's native layout (the
/// start's result value) lives as long as the context.
pub const STEP_CALL: u32 = 1;

/// The static instantiation plan of a compiled component (symbol
/// `<prefix>_cdesc`).
#[repr(C)]
pub struct ComponentDesc {
    pub abi_version: u32,
    /// CPU features the code requires (bits of `abi::isa`)
    pub isa: u32,
    pub num_instances: u32,
    /// bytes of the context's `values` region
    pub values_size: u32,
    pub instances: *const CoreInstanceDesc,
    pub num_trampolines: u32,
    pub num_memories: u32,
    pub trampolines: *const TrampolineDesc,
    /// what each memory slot of the context holds (kind MEMORY)
    pub memories: *const ItemRef,
    /// component instances (flags and one resource table each); the host
    /// has one more table, index `num_component_instances`
    pub num_component_instances: u32,
    pub num_resources: u32,
    pub resources: *const ResourceDesc,
    pub num_steps: u32,
    pub num_calls: u32,
    pub steps: *const InitStep,
    /// `[unsafe extern "C" fn(ctx); num_calls]`
    pub calls: *const *const c_void,
}

// Entry points (runtime-support, `component` module):
//
//   wacc_rt_component_instantiate(store, desc, out_ctx: *mut *mut c_void) -> u32
//       (trap code; runs every step under a landing pad; on failure *out_ctx
//        is null and what was created is released or kept by the store)
//   wacc_rt_component_call(ctx, entry, args, result, needs: u32) -> u32
//       (what every `P_export_*` / `P_call` entry calls: checks the context
//        and the pointers `needs` says are read or written
//        ([`NEEDS_ARGS`], [`NEEDS_RESULT`]) and refuses a poisoned
//        context, resets the host arena on an outermost call, runs
//        `entry(ctx, [args, result])` under a landing pad; a trap poisons
//        the context and records the last error)
//   wacc_rt_component_free(ctx)
//   wacc_rt_host_alloc(ctx, size: u32, align: u32) -> *mut u8
//       (memory for values lifted into the host's native layout; valid until
//        the next outermost export call on `ctx`; during instantiation,
//        valid as long as the context)
//   wacc_rt_host_reset(ctx)
//
// Resource libcalls called by trampolines (all trap through `wacc_rt_trap`
// semantics on misuse, with `VMStore::trap_detail` = the handle index):
//
//   wacc_rt_resource_new(ctx, cinst: u32, resource: u32, rep: u32) -> u32
//       (new and drop trap CannotLeave if `cinst`'s FLAG_MAY_LEAVE is clear)
//   wacc_rt_resource_rep(ctx, cinst, resource, handle: u32) -> u32
//   wacc_rt_resource_drop(ctx, cinst, resource, handle)
//       (own: runs the destructor when the resource has one; borrow: ends
//        the lend)
//   wacc_rt_resource_transfer_own(ctx, from: u32, to: u32, resource, handle) -> u32
//       (removes an own handle from `from`'s table and adds it to `to`'s)
//   wacc_rt_resource_lend(ctx, from, to, resource, handle) -> u32
//       (lifts a borrow: if `to` owns the resource, the rep; else a new
//        borrow handle in `to`'s table, released by `wacc_rt_call_end`; in
//        both cases the lending handle stays lent, so it cannot be dropped
//        or transferred, until the innermost call scope ends)
//   wacc_rt_call_begin(ctx, callee: u32) -> u32     (call scope token)
//   wacc_rt_call_end(ctx, scope: u32)
//       (ends the lends made for the call and removes the borrow handles
//        lent to the host for it (the host cannot drop them); traps if a
//        guest callee still holds borrow handles it received)
//   wacc_rt_unresolved_import(ctx, name: *const u8, len: usize) -> !
//       (a host import whose weak symbol is unresolved was called: traps
//        with UnresolvedImport, the name goes into the last error)

// ---------------------------------------------------------------------------
// Interception (a component built with a policy; `compiler/src/policy.rs`).

/// The intercepted crossings of a component (symbol `<prefix>_intercept`),
/// handed to `wacc_rt_component_instantiate_intercepted`. Only crossings the
/// policy names are sites; others compile as without a policy.
#[repr(C)]
pub struct InterceptDesc {
    pub num_sites: u32,
    /// offset in the context of `[SiteStats; num_sites]`, just past the
    /// [`ComponentLayout`]'s size: the context is that much larger
    pub stats: u32,
    pub sites: *const SiteDesc,
    /// the custom hook (`[hook] symbol`), or null
    pub hook: Option<HookFn>,
    /// where log lines go: empty for stderr, else a file path (appended)
    pub log_path: crate::Str,
    /// strings and lists longer than this are cut in log lines
    pub log_max_len: u32,
    pub _pad: u32,
}

/// `hook(ctx, site, phase, args, result)`: called before ([`PHASE_BEFORE`])
/// and after ([`PHASE_AFTER`]) the callee with the argument record and the
/// result in the native layout; it may rewrite them. Nonzero refuses the
/// call (before) or fails it (after): a `HookRefused` trap with that code.
pub type HookFn = unsafe extern "C" fn(
    ctx: *mut c_void,
    site: *const SiteDesc,
    phase: u32,
    args: *mut c_void,
    result: *mut c_void,
) -> u32;

pub const PHASE_BEFORE: u32 = 0;
pub const PHASE_AFTER: u32 = 1;

/// One intercepted crossing.
#[repr(C)]
pub struct SiteDesc {
    /// index in [`InterceptDesc::sites`] (and of its statistics)
    pub index: u32,
    /// `SITE_*` bits
    pub flags: u32,
    /// `DIRECTION_*`
    pub direction: u32,
    pub _pad: u32,
    /// instance names: `host`, or `cN`
    pub caller: crate::Str,
    pub callee: crate::Str,
    /// `interface#function` (or `function`)
    pub function: crate::Str,
    /// the argument record's type (`typecode`), and the result's (empty
    /// if none)
    pub params: crate::Str,
    pub result: crate::Str,
    /// the firewall rule that denies the call (empty if allowed)
    pub rule: crate::Str,
}

pub const SITE_LOG: u32 = 1;
pub const SITE_HOOK: u32 = 2;
pub const SITE_STATS: u32 = 4;
pub const SITE_TIME: u32 = 8;
pub const SITE_DENY: u32 = 16;

pub const DIRECTION_EXPORT: u32 = 0;
pub const DIRECTION_IMPORT: u32 = 1;
pub const DIRECTION_INTERNAL: u32 = 2;
pub const DIRECTION_START: u32 = 3;
pub const DIRECTION_RESOURCE: u32 = 4;

/// Statistics of one site, in the context, updated by generated code.
/// Calls that trapped are `calls - returns` (a trap ends the context's
/// use, so no call is in progress when they are read).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SiteStats {
    pub calls: u64,
    pub returns: u64,
    /// string and list bytes moved (in the destination's encoding) plus
    /// the flat size of arguments and results
    pub bytes: u64,
    /// time in the callee, for sites with `SITE_TIME`
    pub nanos: u64,
}

pub const SITE_STATS_SIZE: u32 = 32;
pub const STATS_CALLS: u32 = 0;
pub const STATS_RETURNS: u32 = 8;
pub const STATS_BYTES: u32 = 16;
pub const STATS_NANOS: u32 = 24;
