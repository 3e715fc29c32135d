//! Resource handle tables and call scopes of a component context, after the
//! canonical ABI's `Table`, `ResourceHandle` and the borrow bookkeeping of
//! tasks (`lift_own`, `lift_borrow`, `lower_own`, `lower_borrow`,
//! `resource.new/drop/rep`).
//!
//! Each component instance has one table, and the host one more (index
//! `num_component_instances`). Index 0 is reserved; freed indices are
//! reused last-in first-out (the free list order is normative). Only
//! synchronous calls exist, so call scopes form a stack: the innermost
//! scope is the call being set up or running; its lenders are released and
//! its borrow count checked by `wacc_rt_call_end`.
//!
//! Misuse traps with `VMStore::trap_detail` = the handle index. State is
//! updated only once every check has passed, and no value with a destructor
//! is live when a trap unwinds (everything here is plain data in `sys`
//! memory), so a context stays consistent after a trap.

use crate::abi::component::FLAG_MAY_ENTER;
use crate::abi::TrapCode;
use crate::component::{self, private};
use crate::core::trap;
use crate::sys;
use core::ffi::c_void;
use core::mem::{align_of, size_of};

use super::handles::*;

impl State {
    unsafe fn table(&mut self, ctx: *mut c_void, i: u32) -> Result<&mut Table, Trap> {
        // SAFETY: `ctx` is a live context; the table array is allocated for
        // `num_component_instances + 1` tables (checked non-null) and `i` is checked against that
        // count.
        unsafe {
            if self.tables.is_null() {
                let n = component::desc(ctx).num_component_instances + 1;
                let t = sys::alloc_zeroed(n as usize * size_of::<Table>(), align_of::<Table>());
                if t.is_null() {
                    return Err((TrapCode::OutOfMemory, 0));
                }
                self.tables = t.cast();
                self.num_tables = n;
            }
            if i >= self.num_tables {
                // Generated code never names a table that does not exist.
                return Err((TrapCode::UnknownHandle, 0));
            }
            Ok(&mut *self.tables.add(i as usize))
        }
    }
}

unsafe fn state(ctx: *mut c_void) -> Result<&'static mut State, Trap> {
    // SAFETY: `ctx` is a live context used by one thread, so the borrow of its private state is
    // unique.
    unsafe {
        match private(ctx) {
            Some(p) => Ok(&mut (*p).resources),
            None => Err((TrapCode::OutOfMemory, 0)),
        }
    }
}

/// Traps with `t`: records the detail and unwinds.
unsafe fn raise(ctx: *mut c_void, (code, detail): Trap) -> ! {
    // SAFETY: `ctx` is a live context; its store is null (checked) or live with a landing pad for
    // the current call.
    unsafe {
        let store = component::store(ctx);
        if !store.is_null() {
            (*store).trap_detail = detail;
        }
        trap::raise(store, code)
    }
}

#[inline]
unsafe fn check<T>(ctx: *mut c_void, r: Result<T, Trap>) -> T {
    // SAFETY: `ctx` is a live context (caller's contract), as `raise` needs.
    unsafe {
        match r {
            Ok(v) => v,
            Err(t) => raise(ctx, t),
        }
    }
}

/// Canonical ABI `may_leave` of a guest instance (the host may always).
unsafe fn check_may_leave(ctx: *mut c_void, cinst: u32) -> Result<(), Trap> {
    // SAFETY: `ctx` is a live context; `cinst` is checked against the instance count before its
    // flags are read.
    unsafe {
        let d = component::desc(ctx);
        if cinst < d.num_component_instances
            && *component::flags(ctx, cinst) & crate::abi::component::FLAG_MAY_LEAVE == 0
        {
            return Err((TrapCode::CannotLeave, 0));
        }
        Ok(())
    }
}

/// Live handle `handle` of `resource` in table `cinst`.
unsafe fn lookup(
    s: &mut State,
    ctx: *mut c_void,
    cinst: u32,
    resource: u32,
    handle: u32,
) -> Result<*mut Entry, Trap> {
    // SAFETY: `get` returned a live entry of the table, valid until the table changes.
    unsafe {
        let e = s.table(ctx, cinst)?.get(handle)?;
        if (*e).resource != resource {
            return Err((TrapCode::WrongResourceType, handle));
        }
        Ok(e)
    }
}

unsafe fn new(ctx: *mut c_void, cinst: u32, resource: u32, rep: u32) -> Result<u32, Trap> {
    // SAFETY: `ctx` is a live context (caller's contract); `cinst` is checked by `table`.
    unsafe {
        check_may_leave(ctx, cinst)?;
        state(ctx)?.table(ctx, cinst)?.add(Entry {
            state: OWN,
            resource,
            rep,
            ..EMPTY_ENTRY
        })
    }
}

/// `canon resource.new`: a new own handle to `rep` in `cinst`'s table.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_resource_new(
    ctx: *mut c_void,
    cinst: u32,
    resource: u32,
    rep: u32,
) -> u32 {
    // SAFETY: ctx is a live component context (ABI contract: generated code passes its own
    // context).
    unsafe { check(ctx, new(ctx, cinst, resource, rep)) }
}

unsafe fn rep(ctx: *mut c_void, cinst: u32, resource: u32, handle: u32) -> Result<u32, Trap> {
    // SAFETY: `ctx` is a live context; `lookup` returns a live entry.
    unsafe { Ok((*lookup(state(ctx)?, ctx, cinst, resource, handle)?).rep) }
}

/// `canon resource.rep`: the rep of an own or borrow handle.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_resource_rep(
    ctx: *mut c_void,
    cinst: u32,
    resource: u32,
    handle: u32,
) -> u32 {
    // SAFETY: ctx is a live component context (ABI contract: generated code passes its own
    // context).
    unsafe { check(ctx, rep(ctx, cinst, resource, handle)) }
}

/// Removes the handle; for an own handle returns the destructor call to
/// make (vmctx, function, rep).
unsafe fn drop_handle(
    ctx: *mut c_void,
    cinst: u32,
    resource: u32,
    handle: u32,
) -> Result<Option<(*mut c_void, *const c_void, u32)>, Trap> {
    // SAFETY: `ctx` is a live context; `lookup` returns a live entry, copied before the table
    // changes.
    unsafe {
        check_may_leave(ctx, cinst)?;
        let s = state(ctx)?;
        let e = *lookup(s, ctx, cinst, resource, handle)?;
        if e.lend_count != 0 {
            return Err((TrapCode::OwnBorrowed, handle));
        }
        s.table(ctx, cinst)?.remove(handle);
        if e.state == BORROW {
            if let Some(i) = s.find_scope(e.scope) {
                let sc = s.scopes.at(i);
                (*sc).num_borrows = (*sc).num_borrows.saturating_sub(1);
            }
            return Ok(None);
        }
        let d = component::desc(ctx);
        if resource >= d.num_resources {
            return Ok(None);
        }
        let r = &*d.resources.add(resource as usize);
        if r.dtor.is_null() {
            return Ok(None);
        }
        let vmctx = if r.dtor_instance < d.num_instances {
            *component::instance_slot(ctx, r.dtor_instance)
        } else {
            ctx
        };
        Ok(Some((vmctx, r.dtor, e.rep)))
    }
}

/// `canon resource.drop`: removes a handle; an own handle's resource is
/// destroyed (its destructor, if any, runs with the rep), a borrow handle
/// ends its lend.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_resource_drop(
    ctx: *mut c_void,
    cinst: u32,
    resource: u32,
    handle: u32,
) {
    // SAFETY: ctx is a live component context (ABI contract); the destructor and its vmctx come
    // from the context's descriptor and instances.
    unsafe {
        if let Some((vmctx, dtor, rep)) = check(ctx, drop_handle(ctx, cinst, resource, handle)) {
            // SAFETY: the descriptor's destructors are `fn(vmctx, rep: i32)`.
            let dtor =
                core::mem::transmute::<*const c_void, unsafe extern "C" fn(*mut c_void, i32)>(dtor);
            dtor(vmctx, rep as i32);
        }
    }
}

/// True if `resource` is defined by the host and `table` is the host's: the
/// host then deals in its own reps, not in handles of its table.
unsafe fn host_rep(ctx: *mut c_void, table: u32, resource: u32) -> bool {
    // SAFETY: `ctx` is a live context; `resource` is checked against the resource count before the
    // descriptor's array is read.
    unsafe {
        let d = component::desc(ctx);
        table == d.num_component_instances
            && resource < d.num_resources
            && (*d.resources.add(resource as usize)).owner == table
    }
}

unsafe fn transfer_own(
    ctx: *mut c_void,
    from: u32,
    to: u32,
    resource: u32,
    handle: u32,
) -> Result<u32, Trap> {
    // SAFETY: `ctx` is a live context; handles and tables are checked by `lookup`/`table` before
    // use.
    unsafe {
        let s = state(ctx)?;
        if host_rep(ctx, from, resource) {
            // The host hands out one of its own resources: `handle` is the rep.
            return s.table(ctx, to)?.add(Entry {
                state: OWN,
                resource,
                rep: handle,
                ..EMPTY_ENTRY
            });
        }
        let e = *lookup(s, ctx, from, resource, handle)?;
        if e.lend_count != 0 {
            return Err((TrapCode::OwnBorrowed, handle));
        }
        if e.state != OWN {
            return Err((TrapCode::WrongResourceType, handle));
        }
        // Removed first, as in the spec: moving within one table reuses the index.
        s.table(ctx, from)?.remove(handle);
        if host_rep(ctx, to, resource) {
            return Ok(e.rep);
        }
        match s.table(ctx, to)?.add(e) {
            Ok(new) => Ok(new),
            Err(t) => {
                // Out of memory: put it back (the free list returns `handle`).
                let _ = s.table(ctx, from)?.add(e);
                Err(t)
            }
        }
    }
}

/// `lift_own` from `from` + `lower_own` into `to`: moves an own handle
/// (not lent out) between tables; returns its index in `to`.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_resource_transfer_own(
    ctx: *mut c_void,
    from: u32,
    to: u32,
    resource: u32,
    handle: u32,
) -> u32 {
    // SAFETY: ctx is a live component context (ABI contract: generated code passes its own
    // context).
    unsafe { check(ctx, transfer_own(ctx, from, to, resource, handle)) }
}

unsafe fn lend(
    ctx: *mut c_void,
    from: u32,
    to: u32,
    resource: u32,
    handle: u32,
) -> Result<u32, Trap> {
    // SAFETY: `ctx` is a live context; handles and tables are checked by `lookup`/`table` before
    // use.
    unsafe {
        let s = state(ctx)?;
        if host_rep(ctx, from, resource) {
            // A borrow of one of the host's own resources: `handle` is the rep.
            let scope_id = s.innermost().map_or(0, |sc| (*sc).id);
            let new = s.table(ctx, to)?.add(Entry {
                state: BORROW,
                resource,
                rep: handle,
                scope: scope_id,
                ..EMPTY_ENTRY
            })?;
            if let Some(sc) = s.innermost() {
                (*sc).num_borrows += 1;
            }
            return Ok(new);
        }
        let rep = (*lookup(s, ctx, from, resource, handle)?).rep;
        let d = component::desc(ctx);
        let owner = if resource < d.num_resources {
            (*d.resources.add(resource as usize)).owner
        } else {
            u32::MAX
        };
        let scope = s.innermost();
        let new = if to == owner {
            rep
        } else {
            let scope_id = scope.map_or(0, |sc| (*sc).id);
            s.table(ctx, to)?.add(Entry {
                state: BORROW,
                resource,
                rep,
                scope: scope_id,
                ..EMPTY_ENTRY
            })?
        };
        // `lift_borrow`'s `add_lender` (also when the owner gets the bare
        // rep, and for a lending handle that is itself a borrow: it must
        // outlive the call too).
        if let Some(sc) = scope {
            // A borrow lent to the host is remembered: the scope's end
            // removes it.
            let to_host = to != owner && to == component::desc(ctx).num_component_instances;
            // Adding to `to` may have moved `from`'s entries (same table).
            let e = s.table(ctx, from)?.get(handle)?;
            let lender = Lender {
                table: from,
                handle,
            };
            let host_borrow = Lender {
                table: to,
                handle: new,
            };
            // Pushing moves neither scopes nor tables.
            let pushed = if to_host {
                s.host_borrows.reserve_one()
                    && s.lenders.push(lender)
                    && s.host_borrows.push(host_borrow)
            } else {
                s.lenders.push(lender)
            };
            if !pushed {
                if to != owner {
                    s.table(ctx, to)?.remove(new);
                }
                return Err((TrapCode::OutOfMemory, 0));
            }
            (*e).lend_count += 1;
            if to != owner {
                (*sc).num_borrows += 1;
            }
        }
        Ok(new)
    }
}

/// `lift_borrow` from `from` + `lower_borrow` into `to` for the innermost
/// call scope: the rep if `to` defines the resource, else a new borrow
/// handle in `to`. The lender handle stays lent until that scope ends.
/// Outside any scope nothing is recorded.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_resource_lend(
    ctx: *mut c_void,
    from: u32,
    to: u32,
    resource: u32,
    handle: u32,
) -> u32 {
    // SAFETY: ctx is a live component context (ABI contract: generated code passes its own
    // context).
    unsafe { check(ctx, lend(ctx, from, to, resource, handle)) }
}

unsafe fn call_begin(ctx: *mut c_void) -> Result<u32, Trap> {
    // SAFETY: `ctx` is a live context used by one thread; scopes are indexed below their length.
    unsafe {
        let s = state(ctx)?;
        let id = match s.last_scope.wrapping_add(1) {
            0 => 1,
            n => n,
        };
        let sc = Scope {
            id,
            num_borrows: 0,
            lenders_start: s.lenders.len,
            host_borrows_start: s.host_borrows.len,
        };
        if !s.scopes.push(sc) {
            return Err((TrapCode::OutOfMemory, 0));
        }
        s.last_scope = id;
        Ok(id)
    }
}

/// Begins a call into component instance `callee`; returns the scope token
/// for [`wacc_rt_call_end`]. Lends made until then belong to this call.
/// (`callee` is not needed: each lend names its target table.)
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_call_begin(ctx: *mut c_void, _callee: u32) -> u32 {
    // SAFETY: ctx is a live component context (ABI contract: generated code passes its own
    // context).
    unsafe { check(ctx, call_begin(ctx)) }
}

unsafe fn call_end(ctx: *mut c_void, scope: u32) -> Result<(), Trap> {
    // SAFETY: `ctx` is a live context used by one thread; `pos` comes from `find_scope`, so it is
    // below the scope count.
    unsafe {
        let s = state(ctx)?;
        let Some(pos) = s.find_scope(scope) else {
            return Ok(());
        };
        let sc = *s.scopes.at(pos);
        // Borrow handles lent to the host for this scope (or for inner
        // scopes still open, left by a trap) go now; the host cannot drop
        // them, and may have dropped some.
        let ending = |s: &State, e: *mut Entry| {
            (*e).state == BORROW && s.find_scope((*e).scope).is_some_and(|i| i >= pos)
        };
        let mut host_held = 0;
        for i in sc.host_borrows_start..s.host_borrows.len {
            let l = *s.host_borrows.at(i);
            if let Ok(e) = s.table(ctx, l.table).and_then(|t| t.get(l.handle)) {
                if (*e).state == BORROW && (*e).scope == sc.id {
                    host_held += 1;
                }
            }
        }
        if sc.num_borrows != host_held {
            return Err((TrapCode::BorrowsRemain, 0));
        }
        for i in sc.host_borrows_start..s.host_borrows.len {
            let l = *s.host_borrows.at(i);
            let Ok(e) = s.table(ctx, l.table).and_then(|t| t.get(l.handle)) else {
                continue;
            };
            if ending(s, e) {
                s.table(ctx, l.table)?.remove(l.handle);
            }
        }
        s.host_borrows.len = sc.host_borrows_start;
        // Inner scopes still open (left by a trap) end with this one.
        for i in sc.lenders_start..s.lenders.len {
            let l = *s.lenders.at(i);
            if let Ok(e) = s.table(ctx, l.table).and_then(|t| t.get(l.handle)) {
                (*e).lend_count = (*e).lend_count.saturating_sub(1);
            }
        }
        s.lenders.len = sc.lenders_start;
        s.scopes.len = pos;
        Ok(())
    }
}

/// Ends call scope `scope`: traps with `BorrowsRemain` if the callee still
/// holds borrow handles lent for it, else returns the lends to their lenders.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_call_end(ctx: *mut c_void, scope: u32) {
    // SAFETY: ctx is a live component context (ABI contract: generated code passes its own
    // context).
    unsafe { check(ctx, call_end(ctx, scope)) }
}

// ---------------------------------------------------------------------------
// The host's own handles: dropping them, and what a context still owns when
// it is freed.

struct DtorCall {
    dtor: unsafe extern "C" fn(*mut c_void, i32),
    vmctx: *mut c_void,
    rep: u32,
}

unsafe extern "C" fn run_dtor(data: *mut c_void) {
    // SAFETY: `data` is the `DtorCall` built by `call_dtor` on its stack, alive for this call.
    unsafe {
        let c = &*(data as *const DtorCall);
        (c.dtor)(c.vmctx, c.rep as i32)
    }
}

/// Runs destructor `dtor(vmctx, rep)` under a landing pad; its trap code.
/// While it runs, guest instance `owner` (if it is one) cannot be entered
/// again, as during an export call.
unsafe fn call_dtor(
    ctx: *mut c_void,
    owner: u32,
    dtor: *const c_void,
    vmctx: *mut c_void,
    rep: u32,
) -> u32 {
    // SAFETY: `ctx` is a live context and `dtor` a destructor of its descriptor, `fn(vmctx, rep:
    // i32)`; `owner`'s flags are read only if it is a guest instance.
    unsafe {
        let guest = owner < component::desc(ctx).num_component_instances;
        if guest {
            *component::flags(ctx, owner) &= !FLAG_MAY_ENTER;
        }
        let mut call = DtorCall {
            dtor: core::mem::transmute::<*const c_void, unsafe extern "C" fn(*mut c_void, i32)>(
                dtor,
            ),
            vmctx,
            rep,
        };
        let code = component::enter(ctx, false, |ctx| {
            trap::catch(
                component::store(ctx),
                run_dtor,
                (&mut call as *mut DtorCall).cast(),
            )
        });
        if guest {
            *component::flags(ctx, owner) |= FLAG_MAY_ENTER;
        }
        code
    }
}

/// Removes handle `handle` of `resource` from the host's table; for an own
/// handle whose resource has a destructor, returns the call to make
/// (owner, destructor, vmctx, rep).
unsafe fn host_drop(
    ctx: *mut c_void,
    resource: u32,
    handle: u32,
) -> Result<Option<(u32, *const c_void, *mut c_void, u32)>, Trap> {
    // SAFETY: `ctx` is a live context and `resource` below the resource count (checked by the
    // caller); `lookup` returns a live entry, copied before the table changes.
    unsafe {
        let d = component::desc(ctx);
        let host = d.num_component_instances;
        let s = state(ctx)?;
        let e = *lookup(s, ctx, host, resource, handle)?;
        if e.lend_count != 0 {
            return Err((TrapCode::OwnBorrowed, handle));
        }
        let r = &*d.resources.add(resource as usize);
        let dtor = e.state == OWN && !r.dtor.is_null();
        // The destructor's instance must not be running (reentrance).
        if dtor && r.owner < host && *component::flags(ctx, r.owner) & FLAG_MAY_ENTER == 0 {
            return Err((TrapCode::CannotEnter, 0));
        }
        s.table(ctx, host)?.remove(handle);
        if e.state == BORROW {
            if let Some(i) = s.find_scope(e.scope) {
                let sc = s.scopes.at(i);
                (*sc).num_borrows = (*sc).num_borrows.saturating_sub(1);
            }
            return Ok(None);
        }
        if !dtor {
            return Ok(None);
        }
        let vmctx = if r.dtor_instance < d.num_instances {
            *component::instance_slot(ctx, r.dtor_instance)
        } else {
            ctx
        };
        Ok(Some((r.owner, r.dtor, vmctx, e.rep)))
    }
}

/// Drops handle `handle` of resource `resource` (an index of the
/// descriptor's resources) held by the host: an own handle's resource is
/// destroyed, its destructor running as an export call does (a trap in it
/// poisons the context); a borrow handle (one an import implementation
/// received) ends its lend. Returns 0 or a trap code: `InvalidArgument`
/// for a null context or an unknown resource, `CannotEnter` on a poisoned
/// context or when the destructor's instance is running, the handle traps
/// (`UnknownHandle`, `WrongResourceType`, `OwnBorrowed`) with the handle
/// in `VMStore::trap_detail`. Only a trap in the destructor poisons.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_component_resource_drop(
    ctx: *mut c_void,
    resource: u32,
    handle: u32,
) -> u32 {
    // SAFETY: `ctx` is null (checked) or a live context (caller's contract); `resource` is checked
    // against the descriptor before use.
    unsafe {
        if ctx.is_null() {
            return TrapCode::InvalidArgument as u32;
        }
        if component::poisoned(ctx) {
            return TrapCode::CannotEnter as u32;
        }
        if resource >= component::desc(ctx).num_resources {
            return component::refuse(ctx, (TrapCode::InvalidArgument, 0));
        }
        match host_drop(ctx, resource, handle) {
            Err(t) => component::refuse(ctx, t),
            Ok(None) => 0,
            Ok(Some((owner, dtor, vmctx, rep))) => {
                let code = call_dtor(ctx, owner, dtor, vmctx, rep);
                if code != 0 {
                    component::trapped(ctx, code);
                }
                code
            }
        }
    }
}

/// What a context still owns when it is freed: the destructors of the own
/// handles in the host's table run (guest code: not on a poisoned context,
/// and no more after one of them traps), then the host is told of the own
/// handles of its resources still in guest tables (`[resource-drop]`).
pub(crate) unsafe fn release_at_free(ctx: *mut c_void) {
    // SAFETY: `ctx` is a live, fully instantiated context; the state is fetched anew and entries
    // are re-read by index after each destructor (which may change the tables), and removed
    // before their destructor runs.
    unsafe {
        let d = component::desc(ctx);
        let host = d.num_component_instances;
        // The entry at `i` of table `t`, if it exists.
        let entry = |t: u32, i: u32| -> Option<Entry> {
            let s = state(ctx).ok()?;
            if s.tables.is_null() {
                return None;
            }
            let t = s.table(ctx, t).ok()?;
            (i < t.entries.len).then(|| *t.entries.at(i))
        };
        let mut i = 1;
        while !component::poisoned(ctx) {
            let Some(e) = entry(host, i) else { break };
            if e.state == OWN && e.resource < d.num_resources {
                if let Ok(Some((owner, dtor, vmctx, rep))) = host_drop(ctx, e.resource, i) {
                    let code = call_dtor(ctx, owner, dtor, vmctx, rep);
                    if code != 0 {
                        component::trapped(ctx, code);
                    }
                }
            }
            i += 1;
        }
        for cinst in 0..host {
            let mut i = 1;
            while let Some(e) = entry(cinst, i) {
                if e.state == OWN && e.resource < d.num_resources {
                    let r = &*d.resources.add(e.resource as usize);
                    if r.owner == host && !r.dtor.is_null() {
                        if let Ok(t) = state(ctx).and_then(|s| s.table(ctx, cinst)) {
                            t.remove(i);
                            // Host code: it may trap (through `wacc_rt_trap`).
                            let _ = call_dtor(ctx, host, r.dtor, ctx, e.rep);
                        }
                    }
                }
                i += 1;
            }
        }
    }
}
