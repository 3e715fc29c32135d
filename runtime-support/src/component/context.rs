//! Component contexts (contract: `abi::component`): instantiation from a
//! [`ComponentDesc`], teardown, and the host arena for lifted values.
//!
//! A context is one `sys` block laid out by [`ComponentLayout`]. Its
//! runtime-private state ([`Private`]: resource tables, call scopes, host
//! arena) is created on first use and lives behind
//! `VMComponentContext::private`. Everything is allocated through `sys`, so
//! this works the same with and without `std`.

use crate::abi::component::{
    ComponentDesc, ComponentLayout, InitStep, InterceptDesc, ItemRef, VMComponentContext,
    FLAG_MAY_ENTER, FLAG_MAY_LEAVE, SITE_STATS_SIZE, SOURCE_INSTANCE, SOURCE_TRAMPOLINE, STEP_CALL,
    STEP_CORE_INSTANCE,
};
use crate::abi::{kind, TrapCode, VMFuncRef, VMMemory, VMStore, WaccImport, FUNCREF_SIZE};
use crate::component::handles;
use crate::core::{sigs, trap};
use crate::instance::{free_instance, wacc_rt_instantiate};
use crate::sys;
use crate::vmctx::{self, at};
use core::ffi::c_void;
use core::mem::{align_of, size_of};
use core::ptr;

const CTX_ALIGN: usize = 16;

// ---------------------------------------------------------------------------
// Typed access to a context.

#[inline]
pub(crate) unsafe fn header(ctx: *mut c_void) -> *mut VMComponentContext {
    ctx.cast()
}

#[inline]
pub(crate) unsafe fn store(ctx: *mut c_void) -> *mut VMStore {
    // SAFETY: `ctx` is a live component context (ABI contract) starting with its header.
    unsafe { (*header(ctx)).store }
}

#[inline]
pub(crate) unsafe fn desc(ctx: *mut c_void) -> &'static ComponentDesc {
    // SAFETY: `ctx` is a live context; its header's descriptor is static data of the linked object.
    unsafe { &*(*header(ctx)).desc }
}

#[inline]
unsafe fn layout(ctx: *mut c_void) -> ComponentLayout {
    // SAFETY: `ctx` is a live context with a valid descriptor.
    unsafe { ComponentLayout::of(desc(ctx)) }
}

/// Slot holding core instance `k`'s vmctx (null until it exists).
#[inline]
pub(crate) unsafe fn instance_slot(ctx: *mut c_void, k: u32) -> *mut *mut c_void {
    // SAFETY: `ctx` is live and `k` < the descriptor's core instance count (caller's contract), so
    // the slot lies inside the context.
    unsafe { at(ctx, layout(ctx).instances + 8 * k) }
}

/// The funcref of trampoline `i`.
#[inline]
pub(crate) unsafe fn funcref(ctx: *mut c_void, i: u32) -> *mut VMFuncRef {
    // SAFETY: `ctx` is live and `i` < the descriptor's trampoline count (caller's contract), so the
    // funcref lies inside the context.
    unsafe { at(ctx, layout(ctx).funcrefs + FUNCREF_SIZE * i) }
}

/// Slot of memory `i` (as named by canonical options).
#[inline]
pub(crate) unsafe fn memory_slot(ctx: *mut c_void, i: u32) -> *mut *mut VMMemory {
    // SAFETY: `ctx` is live and `i` < the descriptor's memory count (caller's contract), so the
    // slot lies inside the context.
    unsafe { at(ctx, layout(ctx).memories + 8 * i) }
}

/// Flags of component instance `i`.
#[inline]
pub(crate) unsafe fn flags(ctx: *mut c_void, i: u32) -> *mut u32 {
    // SAFETY: `ctx` is live and `i` < the descriptor's component instance count (caller's
    // contract), so the flags lie inside the context.
    unsafe { at(ctx, layout(ctx).flags + 4 * i) }
}

unsafe fn slice<'a, T>(p: *const T, n: u32) -> &'a [T] {
    // SAFETY: the descriptor pairs each array pointer with its length (ABI contract); null or empty
    // yields an empty slice.
    unsafe {
        if n == 0 || p.is_null() {
            &[]
        } else {
            core::slice::from_raw_parts(p, n as usize)
        }
    }
}

// ---------------------------------------------------------------------------
// Private state.

/// Runtime-private state of a context (all-zero is the empty state).
pub(crate) struct Private {
    pub(crate) resources: handles::State,
    /// values lifted for the host by an export call (reset by the next)
    pub(crate) arena: HostArena,
    /// values lifted while a `start` step runs (kept until teardown: they
    /// are the component's values)
    values: HostArena,
    in_start: bool,
    /// export calls and host destructor calls running (nested ones come
    /// from import implementations); the arena is reset only by an
    /// outermost call
    pub(crate) depth: u32,
    /// `wacc_rt_component_set_user_data`
    pub(crate) user_data: *mut c_void,
    /// NUL-terminated text of the last failed call (empty: none yet)
    pub(crate) last_error: handles::Buf<u8>,
    /// the message of the last `wacc_rt_component_host_error` of the
    /// current outermost call, if any
    pub(crate) host_error: handles::Buf<u8>,
    pub(crate) has_host_error: bool,
    /// the name of the unresolved import called in the current outermost
    /// call (static data of the object), if any
    pub(crate) unresolved: (*const u8, usize),
    /// the interception of a component built with a policy, or null
    pub(crate) intercept: *const InterceptDesc,
    /// 1 + the site whose denial or hook refusal trapped in the current
    /// outermost call, or 0
    pub(crate) refused_site: u32,
}

/// The interception descriptor of `ctx`, or null.
pub(crate) unsafe fn intercept_of(ctx: *mut c_void) -> *const InterceptDesc {
    // SAFETY: `ctx` is a live context; its private state is null (checked) or live.
    unsafe {
        let p = (*header(ctx)).private.cast::<Private>();
        if p.is_null() {
            ptr::null()
        } else {
            (*p).intercept
        }
    }
}

/// The context's private state, created on first use (None if out of memory).
pub(crate) unsafe fn private(ctx: *mut c_void) -> Option<*mut Private> {
    // SAFETY: `ctx` is a live context used by one thread; the fresh zeroed block, checked
    // non-null, is a valid empty `Private` (all-zero is the empty state).
    unsafe {
        let h = header(ctx);
        if (*h).private.is_null() {
            let p = sys::alloc_zeroed(size_of::<Private>(), align_of::<Private>());
            if p.is_null() {
                return None;
            }
            (*h).private = p.cast();
        }
        Some((*h).private.cast())
    }
}

unsafe fn free_private(ctx: *mut c_void) {
    // SAFETY: `ctx` is a live context being freed; its private state is null (checked) or was made
    // by `private`, and is dropped and freed once here.
    unsafe {
        let h = header(ctx);
        let p = (*h).private.cast::<Private>();
        if p.is_null() {
            return;
        }
        (*p).arena.release();
        (*p).values.release();
        (*p).resources.release();
        (*p).last_error.release();
        (*p).host_error.release();
        sys::free(p.cast(), size_of::<Private>(), align_of::<Private>());
        (*h).private = ptr::null_mut();
    }
}

// ---------------------------------------------------------------------------
// Instantiation.

/// Instantiates the component described by `desc` in `store`: allocates the
/// context, fills its header, flags and trampoline funcrefs, then runs
/// `desc.steps` in order. Returns 0 and the context in `*out_ctx`, or a trap
/// code and null. On failure every core instance created so far is freed,
/// except one whose own initialisation trapped: `wacc_rt_instantiate` hands
/// that one to the store.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_component_instantiate(
    store: *mut VMStore,
    desc: *const ComponentDesc,
    out_ctx: *mut *mut c_void,
) -> u32 {
    // SAFETY: as for `instantiate` (ABI contract).
    unsafe { instantiate(store, desc, out_ctx, ptr::null()) }
}

/// [`wacc_rt_component_instantiate`] for a component built with a policy:
/// the context also holds the statistics of `intercept`'s sites.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_component_instantiate_intercepted(
    store: *mut VMStore,
    desc: *const ComponentDesc,
    out_ctx: *mut *mut c_void,
    intercept: *const InterceptDesc,
) -> u32 {
    // SAFETY: as for `instantiate` (ABI contract); `intercept` is the object's static descriptor.
    unsafe { instantiate(store, desc, out_ctx, intercept) }
}

/// Bytes of a context: its layout, and the statistics of its sites.
unsafe fn context_size(d: &ComponentDesc, intercept: *const InterceptDesc) -> usize {
    // SAFETY: `intercept` is null or a static descriptor.
    let extra = unsafe { intercept.as_ref() }.map_or(0, |i| SITE_STATS_SIZE * i.num_sites);
    (ComponentLayout::of(d).size + extra) as usize
}

unsafe fn instantiate(
    store: *mut VMStore,
    desc: *const ComponentDesc,
    out_ctx: *mut *mut c_void,
    intercept: *const InterceptDesc,
) -> u32 {
    // SAFETY: `store` is live, `desc` null or the component's static descriptor and `out_ctx`
    // writable (ABI contract); `check_object` validates them first.
    unsafe {
        let object = desc.as_ref().map(|d| (d.abi_version, d.isa));
        if let Err(code) = crate::core::cpu::check_object(store, out_ctx, object) {
            return code as u32;
        }
        let d = &*desc;
        let size = context_size(d, intercept);
        let ctx = sys::alloc_zeroed(size, CTX_ALIGN).cast::<c_void>();
        if ctx.is_null() {
            return TrapCode::OutOfMemory as u32;
        }
        let h = header(ctx);
        (*h).store = store;
        (*h).desc = desc;
        if !intercept.is_null() {
            let Some(p) = private(ctx) else {
                sys::free(ctx.cast(), size, CTX_ALIGN);
                return TrapCode::OutOfMemory as u32;
            };
            (*p).intercept = intercept;
        }
        for i in 0..d.num_component_instances {
            *flags(ctx, i) = FLAG_MAY_LEAVE | FLAG_MAY_ENTER;
        }
        for (i, t) in slice(d.trampolines, d.num_trampolines).iter().enumerate() {
            *funcref(ctx, i as u32) = VMFuncRef {
                func: t.func,
                type_id: sigs::id(t.params.as_bytes(), t.results.as_bytes()),
                vmctx: ctx,
                array_call: ptr::null(),
            };
        }
        for step in slice(d.steps, d.num_steps) {
            let code = run_step(ctx, d, *step);
            if code != 0 {
                free_context(ctx);
                return code;
            }
        }
        *out_ctx = ctx;
        0
    }
}

unsafe fn run_step(ctx: *mut c_void, d: &ComponentDesc, step: InitStep) -> u32 {
    // SAFETY: `ctx` is the context being set up for `d`, and `step` comes from `d`'s step list,
    // whose indices are below the counts in `d` (ABI contract).
    unsafe {
        match step.kind {
            STEP_CORE_INSTANCE => {
                let k = step.index;
                if k >= d.num_instances || !(*instance_slot(ctx, k)).is_null() {
                    return TrapCode::InstantiationFailed as u32;
                }
                let code = instantiate_core(ctx, d, k);
                if code == 0 {
                    fill_memories(ctx, d);
                }
                code
            }
            STEP_CALL => {
                let f = if step.index < d.num_calls {
                    *d.calls.add(step.index as usize)
                } else {
                    ptr::null()
                };
                if f.is_null() {
                    return TrapCode::InstantiationFailed as u32;
                }
                let Some(p) = private(ctx) else {
                    return TrapCode::OutOfMemory as u32;
                };
                let mut call = StepCall {
                    // SAFETY: `calls` holds `fn(ctx)` entries (see the contract).
                    f: core::mem::transmute::<*const c_void, unsafe extern "C" fn(*mut c_void)>(f),
                    ctx,
                };
                (*p).in_start = true;
                let code = trap::catch(store(ctx), run_call, (&mut call as *mut StepCall).cast());
                (*p).in_start = false;
                code
            }
            _ => TrapCode::InstantiationFailed as u32,
        }
    }
}

struct StepCall {
    f: unsafe extern "C" fn(*mut c_void),
    ctx: *mut c_void,
}

unsafe extern "C" fn run_call(data: *mut c_void) {
    // SAFETY: `data` is the `StepCall` built by `run_step` on its stack, alive for this call.
    unsafe {
        let c = &*(data as *const StepCall);
        (c.f)(c.ctx)
    }
}

/// The import an [`ItemRef`] denotes, or None if it names something that
/// does not exist (yet).
unsafe fn resolve(ctx: *mut c_void, d: &ComponentDesc, r: &ItemRef) -> Option<WaccImport> {
    // SAFETY: `ctx` is a live context for `d`; every index of `r` is checked against the counts of
    // `d` or of the instance it names before its slot is read.
    unsafe {
        match r.source {
            SOURCE_TRAMPOLINE => {
                (r.kind == kind::FUNC && r.index < d.num_trampolines).then(|| WaccImport {
                    func: funcref(ctx, r.index),
                })
            }
            SOURCE_INSTANCE => {
                if r.instance >= d.num_instances {
                    return None;
                }
                let inst = *instance_slot(ctx, r.instance);
                if inst.is_null() {
                    return None;
                }
                let m = vmctx::desc(inst);
                Some(match r.kind {
                    kind::FUNC if r.index < m.num_funcs => WaccImport {
                        func: vmctx::funcref(inst, r.index),
                    },
                    kind::MEMORY if r.index < m.num_memories => WaccImport {
                        memory: vmctx::memory(inst, r.index),
                    },
                    kind::TABLE if r.index < m.num_tables => WaccImport {
                        table: vmctx::table(inst, r.index),
                    },
                    kind::GLOBAL if r.index < m.num_globals => WaccImport {
                        global: vmctx::global(inst, r.index),
                    },
                    kind::TAG if r.index < m.num_tags => WaccImport {
                        tag: *vmctx::tag_slot(inst, r.index),
                    },
                    _ => return None,
                })
            }
            _ => None,
        }
    }
}

/// Creates core instance `k` into its slot.
unsafe fn instantiate_core(ctx: *mut c_void, d: &ComponentDesc, k: u32) -> u32 {
    // SAFETY: `k` < `d.num_instances` (checked by the caller), so `d.instances.add(k)` is in the
    // descriptor's array; the import array is allocated for `n` entries and freed here.
    unsafe {
        let ci = &*d.instances.add(k as usize);
        let refs = slice(ci.imports, ci.num_imports);
        let n = refs.len();
        let bytes = n * size_of::<WaccImport>();
        let imports = if n == 0 {
            ptr::null_mut()
        } else {
            sys::alloc_zeroed(bytes, align_of::<WaccImport>()).cast::<WaccImport>()
        };
        if n != 0 && imports.is_null() {
            return TrapCode::OutOfMemory as u32;
        }
        for (i, r) in refs.iter().enumerate() {
            match resolve(ctx, d, r) {
                Some(v) => imports.add(i).write(v),
                None => {
                    sys::free(imports.cast(), bytes, align_of::<WaccImport>());
                    return TrapCode::InstantiationFailed as u32;
                }
            }
        }
        let code = wacc_rt_instantiate(store(ctx), ci.module, imports, n, instance_slot(ctx, k));
        sys::free(imports.cast(), bytes, align_of::<WaccImport>());
        code
    }
}

/// Fills every memory slot whose instance exists.
unsafe fn fill_memories(ctx: *mut c_void, d: &ComponentDesc) {
    // SAFETY: `ctx` is a live context for `d`; memory slots are indexed within `d.num_memories`.
    unsafe {
        for (i, r) in slice(d.memories, d.num_memories).iter().enumerate() {
            if r.source == SOURCE_INSTANCE && r.kind == kind::MEMORY {
                if let Some(v) = resolve(ctx, d, r) {
                    *memory_slot(ctx, i as u32) = v.memory;
                }
            }
        }
    }
}

/// Frees a context and what it owns. First the resources it still holds
/// are released: the destructors of the own handles in the host's table
/// run (unless the context is poisoned: no guest code runs then; a trap in
/// one poisons it and ends this part), and the host's `[resource-drop]`
/// of each own handle of a host resource still in a guest table is called
/// (also on a poisoned context). Then its core instances are freed (in
/// reverse order of creation: later ones import from earlier ones), its
/// resource tables and host arena. Call before freeing its store; NULL is
/// a no-op.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_component_free(ctx: *mut c_void) {
    // SAFETY: `ctx` is null or a live context from wacc_rt_component_instantiate, not yet freed (caller's
    // contract).
    unsafe {
        if !ctx.is_null() {
            crate::component::resource::release_at_free(ctx);
            free_context(ctx);
        }
    }
}

unsafe fn free_context(ctx: *mut c_void) {
    // SAFETY: `ctx` is a live context being freed; each slot is indexed within the descriptor's
    // counts and freed once.
    unsafe {
        let d = desc(ctx);
        for step in slice(d.steps, d.num_steps).iter().rev() {
            if step.kind == STEP_CORE_INSTANCE && step.index < d.num_instances {
                let slot = instance_slot(ctx, step.index);
                if !(*slot).is_null() {
                    free_instance(*slot);
                    *slot = ptr::null_mut();
                }
            }
        }
        let size = context_size(desc(ctx), intercept_of(ctx));
        free_private(ctx);
        sys::free(ctx.cast(), size, CTX_ALIGN);
    }
}

// ---------------------------------------------------------------------------
// Host arena: memory for values lifted into the host's native layout.

/// A chunk of the arena: this header, then the bytes handed out.
#[repr(C, align(16))]
struct Chunk {
    /// the chunk allocated before this one
    prev: *mut Chunk,
    /// bytes of the whole block, header included
    size: usize,
}

const CHUNK_HEADER: usize = size_of::<Chunk>();
const MIN_CHUNK: usize = 4096;

/// Bump allocation in `sys` chunks; the newest chunk is the largest (each
/// is at least twice the previous one), and a reset keeps only it.
pub(crate) struct HostArena {
    newest: *mut Chunk,
    /// next free byte and end of the newest chunk
    cur: usize,
    end: usize,
}

impl HostArena {
    unsafe fn alloc(&mut self, size: usize, align: usize) -> *mut u8 {
        // SAFETY: the arena owns its chunks; new chunks come from `sys::alloc_zeroed` checked
        // non-null and every returned range lies inside one chunk.
        unsafe {
            let align = align.max(1).next_power_of_two();
            if size == 0 {
                // Any aligned non-null address will do: nothing is accessed.
                return align as *mut u8;
            }
            if let Some(p) = self.bump(size, align) {
                return p;
            }
            let last = if self.newest.is_null() {
                0
            } else {
                (*self.newest).size
            };
            let Some(need) = size
                .checked_add(align)
                .and_then(|n| n.checked_add(CHUNK_HEADER))
            else {
                return ptr::null_mut();
            };
            let chunk_size = need.max(last.saturating_mul(2)).max(MIN_CHUNK);
            let c = sys::alloc_zeroed(chunk_size, align_of::<Chunk>()).cast::<Chunk>();
            if c.is_null() {
                return ptr::null_mut();
            }
            c.write(Chunk {
                prev: self.newest,
                size: chunk_size,
            });
            self.newest = c;
            self.cur = c as usize + CHUNK_HEADER;
            self.end = c as usize + chunk_size;
            self.bump(size, align).unwrap_or(ptr::null_mut())
        }
    }

    fn bump(&mut self, size: usize, align: usize) -> Option<*mut u8> {
        if self.cur == 0 {
            return None;
        }
        let p = self.cur.checked_add(align - 1)? & !(align - 1);
        let e = p.checked_add(size)?;
        if e > self.end {
            return None;
        }
        self.cur = e;
        Some(p as *mut u8)
    }

    /// Frees every chunk but the newest, which is reused from its start.
    pub(crate) unsafe fn reset(&mut self) {
        // SAFETY: the chunk list holds only chunks allocated by `alloc`, each freed once with its
        // recorded size.
        unsafe {
            if self.newest.is_null() {
                return;
            }
            let mut c = (*self.newest).prev;
            (*self.newest).prev = ptr::null_mut();
            while !c.is_null() {
                let prev = (*c).prev;
                sys::free(c.cast(), (*c).size, align_of::<Chunk>());
                c = prev;
            }
            self.cur = self.newest as usize + CHUNK_HEADER;
        }
    }

    unsafe fn release(&mut self) {
        // SAFETY: after `reset` only the newest chunk remains, freed once with its recorded size.
        unsafe {
            self.reset();
            if !self.newest.is_null() {
                sys::free(self.newest.cast(), (*self.newest).size, align_of::<Chunk>());
            }
            self.newest = ptr::null_mut();
            self.cur = 0;
            self.end = 0;
        }
    }
}

/// `size` bytes aligned to `align` (a power of two; others are rounded up
/// to one), valid until the next [`wacc_rt_host_reset`] of `ctx`, which
/// every outermost export call does (while a
/// `start` step runs: until the context is freed). Never null: a zero size
/// gets an aligned dangling pointer, and running out of memory traps with
/// `OutOfMemory`.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_host_alloc(ctx: *mut c_void, size: u32, align: u32) -> *mut u8 {
    // SAFETY: `ctx` is a live context (ABI contract); its private state is checked to exist before
    // the arena is used.
    unsafe {
        let p = match private(ctx) {
            Some(p) if (*p).in_start => (*p).values.alloc(size as usize, align as usize),
            Some(p) => (*p).arena.alloc(size as usize, align as usize),
            None => ptr::null_mut(),
        };
        if p.is_null() {
            trap::raise(store(ctx), TrapCode::OutOfMemory);
        }
        p
    }
}

/// Ends the lifetime of everything [`wacc_rt_host_alloc`] returned for
/// `ctx` (outside a `start` step's values). Export calls do it themselves
/// when they are not nested in another call on `ctx`.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_host_reset(ctx: *mut c_void) {
    // SAFETY: `ctx` is a live context (ABI contract); its private state is null (checked) or live.
    unsafe {
        let p = (*header(ctx)).private.cast::<Private>();
        if !p.is_null() {
            (*p).arena.reset();
        }
    }
}
