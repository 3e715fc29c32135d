//! Instantiation and teardown of module instances (one vmctx each).

use crate::abi::{
    kind, ModuleDesc, TrapCode, VMFuncRef, VMStore, WaccImport, DESC_FLAG_EXPLICIT_BOUNDS,
    GUARD_RESERVATION, VMCTX_DESC, VMCTX_HEADER_SIZE, VMCTX_STORE,
};
use crate::core::{memory, sigs, state, table, trap, unwind};
use crate::sys;
use crate::vmctx::{self, at};
use core::ffi::c_void;
use core::ptr;

const VMCTX_ALIGN: usize = 16;

fn vmctx_size(d: &ModuleDesc) -> usize {
    (d.vmctx_size as usize).max(VMCTX_HEADER_SIZE as usize)
}

/// Creates an instance of `desc` in `store`: builds its vmctx from the
/// descriptor and `imports` (`imports[i]` answers `desc.imports[i]`; a null
/// entry, or one past `nimports`, means "use the link-time symbol"), then
/// runs `desc.init` under a landing pad. Returns 0 and the vmctx in
/// `*out_vmctx`, or a trap code and null.
///
/// If `init` traps, the spec says there is no instance, but what it already
/// wrote stays written, including element segments in imported tables whose
/// funcrefs point into this vmctx. So the instance is not freed then: the
/// store keeps it until `wacc_rt_store_free` (without `std` it is leaked).
/// Failures before `init` runs free everything at once.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_instantiate(
    store: *mut VMStore,
    desc: *const ModuleDesc,
    imports: *const WaccImport,
    nimports: usize,
    out_vmctx: *mut *mut c_void,
) -> u32 {
    // SAFETY: `store` is live, `desc` null or the module's static descriptor, `imports` points to
    // `nimports` entries and `out_vmctx` is writable (ABI contract); `check_object` validates the
    // pointers and descriptor first.
    unsafe {
        let object = desc.as_ref().map(|d| (d.abi_version, d.isa));
        if let Err(code) = crate::core::cpu::check_object(store, out_vmctx, object) {
            return code as u32;
        }
        let d = &*desc;
        let vmctx = sys::alloc_zeroed(vmctx_size(d), VMCTX_ALIGN).cast::<c_void>();
        if vmctx.is_null() {
            return TrapCode::OutOfMemory as u32;
        }
        *at::<*mut VMStore>(vmctx, VMCTX_STORE) = store;
        *at::<*const ModuleDesc>(vmctx, VMCTX_DESC) = desc;
        let imports: &[WaccImport] = if imports.is_null() {
            &[]
        } else {
            core::slice::from_raw_parts(imports, nimports)
        };
        // Registered for as long as the vmctx exists (`free_instance` undoes
        // it), including an instance whose init traps and which the store keeps.
        unwind::register(d.code);
        if let Err(code) = setup(store, d, imports, vmctx) {
            free_instance(vmctx);
            return code as u32;
        }
        let code = trap::catch(store, run_init, vmctx);
        if code != 0 {
            state::adopt(store, vmctx);
            return code;
        }
        *out_vmctx = vmctx;
        0
    }
}

unsafe extern "C" fn run_init(vmctx: *mut c_void) {
    // SAFETY: `vmctx` is the instance being set up; its descriptor's `init` is the module's init
    // function taking its own vmctx (ABI contract).
    unsafe { (vmctx::desc(vmctx).init)(vmctx) }
}

/// Frees an instance: its vmctx and the memories and tables it defines
/// (imported ones belong to someone else). Call before freeing its store.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_instance_free(vmctx: *mut c_void) {
    // SAFETY: `vmctx` is null or a live instance from wacc_rt_instance_new, not yet freed (caller's
    // contract).
    unsafe {
        if !vmctx.is_null() {
            free_instance(vmctx);
        }
    }
}

/// Also handles a partially set-up vmctx: regions not yet created are zero.
pub(crate) unsafe fn free_instance(vmctx: *mut c_void) {
    // SAFETY: `vmctx` is a (possibly partially set-up) instance owned by the caller; regions not
    // created yet are zero, which every free step skips.
    unsafe {
        let d = vmctx::desc(vmctx);
        state::unregister_owner(vmctx::store(vmctx), vmctx as usize);
        unwind::unregister(d.code);
        for i in 0..d.num_memories - d.num_imported_memories {
            memory::destroy(vmctx::defined_memory(vmctx, i));
        }
        for i in 0..d.num_tables - d.num_imported_tables {
            table::destroy(vmctx::defined_table(vmctx, i));
        }
        sys::free(vmctx.cast(), vmctx_size(d), VMCTX_ALIGN);
    }
}

/// Fills every region of a fresh vmctx except what `init` computes.
///
/// `vmctx` is a fresh zeroed vmctx laid out for `d`, and `d` is a module
/// descriptor whose arrays hold as many entries as its counts say.
unsafe fn setup(
    store: *mut VMStore,
    d: &ModuleDesc,
    imports: &[WaccImport],
    vmctx: *mut c_void,
) -> Result<(), TrapCode> {
    let guard = d.flags & DESC_FLAG_EXPLICIT_BOUNDS == 0;

    // SAFETY: `t` < `d.num_types`, the length of `d.types` and of the vmctx's type ids.
    unsafe {
        for t in 0..d.num_types {
            let s = &*d.types.add(t as usize);
            *vmctx::type_id(vmctx, t) = sigs::id(s.params.as_bytes(), s.results.as_bytes());
        }
    }
    // SAFETY: only called with function indices of `d` (< `d.num_funcs`, the length of
    // `d.func_types`), whose type indices are below `d.num_types`.
    let func_type_id = |f: u32| unsafe { *vmctx::type_id(vmctx, *d.func_types.add(f as usize)) };

    for k in 0..d.num_imports as usize {
        // SAFETY: `k` < `d.num_imports`, the length of `d.imports`.
        let imp = unsafe { &*d.imports.add(k) };
        let given = imports.get(k).copied();
        let link = imp.link_symbol;
        // Pointer supplied by the host, else the link-time symbol (may be null).
        let pick = |p: *mut c_void| if p.is_null() { link.cast_mut() } else { p };
        // SAFETY: `imp.index` is an index of its kind in `d`, so its slot lies in the vmctx; a
        // host-supplied funcref or memory is live (ABI contract of wacc_rt_instantiate).
        unsafe {
            match imp.kind {
                kind::FUNC => {
                    let ty = func_type_id(imp.index);
                    let f = given.map_or(ptr::null(), |g| g.func);
                    let fr = if !f.is_null() {
                        if (*f).type_id != ty || (*f).func.is_null() {
                            return Err(TrapCode::InstantiationFailed);
                        }
                        *f
                    } else if !link.is_null() {
                        VMFuncRef {
                            func: link,
                            type_id: ty,
                            vmctx,
                            array_call: ptr::null(),
                        }
                    } else {
                        return Err(TrapCode::UnresolvedImport);
                    };
                    *vmctx::funcref(vmctx, imp.index) = fr;
                }
                kind::MEMORY => {
                    let m = pick(given.map_or(ptr::null_mut(), |g| g.memory.cast()));
                    let m = m.cast::<crate::abi::VMMemory>();
                    // Guard-mode code relies on the whole reservation existing.
                    if !m.is_null() && guard && (*m).reserved < GUARD_RESERVATION {
                        return Err(TrapCode::InstantiationFailed);
                    }
                    *vmctx::memory_slot(vmctx, imp.index) = m;
                }
                kind::TABLE => {
                    let t = pick(given.map_or(ptr::null_mut(), |g| g.table.cast()));
                    *vmctx::table_slot(vmctx, imp.index) = t.cast();
                }
                kind::GLOBAL => {
                    let g = pick(given.map_or(ptr::null_mut(), |g| g.global.cast()));
                    *vmctx::global_slot(vmctx, imp.index) = g.cast();
                }
                kind::TAG => {
                    let t = pick(given.map_or(ptr::null_mut(), |g| g.tag.cast_mut()));
                    *vmctx::tag_slot(vmctx, imp.index) = t;
                }
                _ => return Err(TrapCode::InstantiationFailed),
            }
        }
    }
    // Every imported entity must have been supplied.
    // SAFETY: each range is below the count of imported entities of its kind, all slots of the
    // vmctx, which start zeroed.
    let missing = unsafe {
        (0..d.num_imported_funcs).any(|i| (*vmctx::funcref(vmctx, i)).func.is_null())
            || (0..d.num_imported_memories).any(|i| vmctx::memory(vmctx, i).is_null())
            || (0..d.num_imported_tables).any(|i| vmctx::table(vmctx, i).is_null())
            || (0..d.num_imported_globals).any(|i| vmctx::global(vmctx, i).is_null())
            || (0..d.num_imported_tags).any(|i| (*vmctx::tag_slot(vmctx, i)).is_null())
    };
    if missing {
        return Err(TrapCode::UnresolvedImport);
    }

    // SAFETY: `f` < `d.num_funcs`, the length of `d.func_ptrs`, of `d.array_calls` (when not
    // null) and of the vmctx's funcrefs.
    unsafe {
        for f in d.num_imported_funcs..d.num_funcs {
            let array_call = if d.array_calls.is_null() {
                ptr::null()
            } else {
                *d.array_calls.add(f as usize)
            };
            *vmctx::funcref(vmctx, f) = VMFuncRef {
                func: *d.func_ptrs.add(f as usize),
                type_id: func_type_id(f),
                vmctx,
                array_call,
            };
        }
    }

    // SAFETY: `i` indexes the defined memories (`d.memories` and the vmctx's inline memories);
    // each is created before its slot points to it, and every memory slot is filled (imports
    // checked above) when the reservations are registered.
    unsafe {
        for i in 0..d.num_memories - d.num_imported_memories {
            let md = &*d.memories.add(i as usize);
            let m = vmctx::defined_memory(vmctx, i);
            memory::create(m, md.min_pages, md.max_pages, guard)?;
            *vmctx::memory_slot(vmctx, d.num_imported_memories + i) = m;
        }
        if guard && d.num_memories > 0 {
            #[cfg(feature = "std")]
            if !trap::install_fault_handler() {
                return Err(TrapCode::InstantiationFailed);
            }
            for i in 0..d.num_memories {
                let m = vmctx::memory(vmctx, i);
                if !state::register(store, (*m).base, (*m).reserved, vmctx as usize) {
                    return Err(TrapCode::OutOfMemory);
                }
            }
        }
    }

    // SAFETY: `i` indexes the defined tables (`d.tables` and the vmctx's inline tables); each is
    // created before its slot points to it.
    unsafe {
        for i in 0..d.num_tables - d.num_imported_tables {
            let td = &*d.tables.add(i as usize);
            let t = vmctx::defined_table(vmctx, i);
            table::create(t, td.min, td.max, td.elem_kind)?;
            *vmctx::table_slot(vmctx, d.num_imported_tables + i) = t;
        }
    }

    // SAFETY: `i` indexes the defined globals, whose cells and slots lie in the vmctx.
    unsafe {
        for i in 0..d.num_globals - d.num_imported_globals {
            *vmctx::global_slot(vmctx, d.num_imported_globals + i) =
                vmctx::defined_global(vmctx, i);
        }
    }

    // A defined tag is its own slot: an identity unique to this instance.
    // SAFETY: `i` < `d.num_tags`, so the slot lies in the vmctx.
    unsafe {
        for i in d.num_imported_tags..d.num_tags {
            let slot = vmctx::tag_slot(vmctx, i);
            *slot = slot.cast_const().cast();
        }
    }
    Ok(())
}
