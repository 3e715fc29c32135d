//! The call structure of trampolines and host entries: where a lowered
//! function's arguments come from and its result goes, calling a lifted
//! function (lower the arguments into the callee, call it, lift the result
//! back, post-return, instance flags and borrow scopes), and calling a host
//! import. Value movement itself is `adapter::Gen::transfer`.

use super::adapter::{Dst, Env, Gen, MemRef, RtCall, Side, Src};
use super::emitter::{has_borrow, host_side, params_tuple, side_of, Emitter};
use super::front::FuncType;
use super::intercept::{self, Site};
use super::plan::{Lifted, Trampoline, HOST};
use super::types::{CoreType, PtrType};
use crate::error::Result;
use cranelift_codegen::ir::{condcodes::IntCC, types, InstBuilder, MemFlagsData, Value};
use wacc_abi::component::{CTX_POISONED, FLAG_MAY_ENTER, FLAG_MAY_LEAVE};
use wacc_abi::TrapCode;

/// How arguments reach a lifted function and where its result goes.
pub(super) enum Args {
    /// flat core values of the caller
    Flat(Vec<(Value, CoreType)>),
    /// a tuple in the caller's memory
    Mem(Value),
}

pub(super) enum Results {
    /// return flat core values to the caller
    Flat,
    /// store into the caller's memory at this offset
    Mem(Value),
}

/// The function type a lowering trampoline lowers.
pub(super) fn lowered_type(t: &Trampoline) -> Option<&FuncType> {
    match t {
        Trampoline::Adapter { callee, .. } => Some(&callee.ty),
        Trampoline::HostImport { ty, .. } => Some(ty),
        _ => None,
    }
}

pub(super) fn zeros<E: Env>(g: &mut Gen<'_, '_, E>, types: &[CoreType]) -> Vec<Value> {
    types
        .iter()
        .map(|t| match t {
            CoreType::I32 => g.iconst32(0),
            CoreType::I64 => g.iconst64(0),
            CoreType::F32 => g.b.ins().f32const(0.0),
            CoreType::F64 => g.b.ins().f64const(0.0),
        })
        .collect()
}

/// Where a lowered function's arguments come from and its result goes,
/// from the caller's core parameters.
pub(super) fn lowered_io<E: Env>(
    g: &mut Gen<'_, '_, E>,
    ty: &FuncType,
    caller: &Side,
    mut flat: Vec<(Value, CoreType)>,
) -> Result<(Args, Results)> {
    let tuple = params_tuple(ty);
    let n_params = tuple.flatten(PtrType::I32).len();
    let n_results = ty
        .result
        .as_ref()
        .map_or(0, |t| t.flatten(PtrType::I32).len());
    let results = if n_results > super::types::MAX_FLAT_RESULTS {
        let (p, _) = flat.pop().unwrap();
        let p = g.b.ins().uextend(types::I64, p);
        let t = ty.result.as_ref().unwrap();
        let size = g.iconst64(t.elem_size(PtrType::I32) as i64);
        g.check_range(
            caller,
            p,
            size,
            t.alignment(PtrType::I32),
            TrapCode::MemoryOutOfBounds,
        );
        Results::Mem(p)
    } else {
        Results::Flat
    };
    let args = if n_params > super::types::MAX_FLAT_PARAMS {
        let p = g.b.ins().uextend(types::I64, flat[0].0);
        let size = g.iconst64(tuple.elem_size(PtrType::I32) as i64);
        g.check_range(
            caller,
            p,
            size,
            tuple.alignment(PtrType::I32),
            TrapCode::MemoryOutOfBounds,
        );
        Args::Mem(p)
    } else {
        Args::Flat(flat)
    };
    Ok((args, results))
}

fn args_src(args: Args) -> Src {
    match args {
        Args::Flat(vals) => Src::Flat { vals, pos: 0 },
        Args::Mem(p) => Src::Mem(MemRef { off: p, k: 0 }),
    }
}

/// Calls lifted function `l` from `caller` (a guest's lowered import or
/// the host): lowers the arguments into the callee, calls its core
/// function directly, lifts the result back, runs post-return. Returns the
/// flat values for `Results::Flat`.
pub(super) fn call_lifted<E: Env>(
    g: &mut Gen<'_, '_, E>,
    l: &Lifted,
    caller: &Side,
    args: Args,
    results: Results,
) -> Result<Vec<Value>> {
    let callee = side_of(&l.opts, l.cinst);
    g.check_flag(l.cinst, FLAG_MAY_ENTER, TrapCode::CannotEnter);
    g.set_flag(l.cinst, FLAG_MAY_ENTER, false);
    // A new task: fresh task-local storage, the caller's restored after.
    let saved = g.env.task_context_slots().map(|offs| {
        let f = MemFlagsData::trusted();
        offs.iter()
            .map(|off| {
                let v = g.b.ins().load(types::I32, f, g.ctx, *off);
                let z = g.iconst32(0);
                g.b.ins().store(f, z, g.ctx, *off);
                (v, *off)
            })
            .collect::<Vec<_>>()
    });
    let tuple = params_tuple(&l.ty);
    let scope = if has_borrow(&tuple) {
        let c = g.iconst32(g.env.table_index(l.cinst));
        Some(g.rt(RtCall::CallBegin, &[c])[0])
    } else {
        None
    };

    // Arguments into the callee.
    let mut src = args_src(args);
    let core_args: Vec<Value> =
        if tuple.flatten(PtrType::I32).len() <= super::types::MAX_FLAT_PARAMS {
            let mut dst = Dst::Flat(vec![]);
            g.transfer(&tuple, &mut src, caller, &mut dst, &callee)?;
            let Dst::Flat(v) = dst else { unreachable!() };
            v.into_iter().map(|(v, _)| v).collect()
        } else {
            let size = g.iconst64(tuple.elem_size(PtrType::I32) as i64);
            let p = g.alloc(
                &callee,
                size,
                tuple.alignment(PtrType::I32),
                caller.lowers_as_host(),
                TrapCode::MemoryOutOfBounds,
            )?;
            g.transfer(
                &tuple,
                &mut src,
                caller,
                &mut Dst::Mem(MemRef { off: p, k: 0 }),
                &callee,
            )?;
            vec![g.b.ins().ireduce(types::I32, p)]
        };

    let (f, vmctx) = g.env.core_func(g.b, g.ctx, l.core)?;
    let mut all = vec![vmctx];
    all.extend(core_args);
    let call = g.b.ins().call(f, &all);
    let core_results = g.b.inst_results(call).to_vec();

    // The result back to the caller.
    let mut out = vec![];
    if let Some(rt) = &l.ty.result {
        let flat_types = rt.flatten(PtrType::I32);
        let mut rsrc = if flat_types.len() <= super::types::MAX_FLAT_RESULTS {
            Src::Flat {
                vals: core_results.iter().copied().zip(flat_types).collect(),
                pos: 0,
            }
        } else {
            let p = g.b.ins().uextend(types::I64, core_results[0]);
            let size = g.iconst64(rt.elem_size(PtrType::I32) as i64);
            g.check_range(
                &callee,
                p,
                size,
                rt.alignment(PtrType::I32),
                TrapCode::MemoryOutOfBounds,
            );
            Src::Mem(MemRef { off: p, k: 0 })
        };
        out = return_result(g, rt, &mut rsrc, &callee, results, caller)?;
    }

    if let Some(pr) = l.opts.post_return {
        let (f, vmctx) = g.env.core_func(g.b, g.ctx, pr)?;
        let mut all = vec![vmctx];
        all.extend(core_results);
        g.set_flag(l.cinst, FLAG_MAY_LEAVE, false);
        g.b.ins().call(f, &all);
        g.set_flag(l.cinst, FLAG_MAY_LEAVE, true);
    }
    g.set_flag(l.cinst, FLAG_MAY_ENTER, true);
    for (v, off) in saved.into_iter().flatten() {
        g.b.ins().store(MemFlagsData::trusted(), v, g.ctx, off);
    }
    if let Some(s) = scope {
        g.rt(RtCall::CallEnd, &[s]);
    }
    Ok(out)
}

/// Calls root import `name` (a host function over native layouts). Its
/// borrow parameters are lent for the call only: a scope is open around
/// it, and borrow handles the host received are removed when it ends. An
/// import implementation returning 0 on a context that a call nested in it
/// poisoned traps with `CannotEnter`: no guest code runs after a trap.
pub(super) fn call_host(
    g: &mut Gen<'_, '_, Emitter<'_>>,
    name: &str,
    ty: &FuncType,
    caller: &Side,
    args: Args,
    results: Results,
    site: Option<(u32, &Site)>,
) -> Result<Vec<Value>> {
    let mut active = site.map(|(i, s)| intercept::begin(g, i, s));
    let (a, r, scope) = lower_to_host(g, ty, caller, args)?;
    if let Some(act) = active.as_mut() {
        intercept::before(g, act, a, r);
    }
    match site {
        Some((_, s)) if s.decision.deny.is_some() => intercept::write_error(g, s, r)?,
        _ => run_host_import(g, name, a, r)?,
    }
    if let Some(act) = active {
        intercept::after(g, &act, a, r);
    }
    if let Some(s) = scope {
        g.rt(RtCall::CallEnd, &[s]);
    }
    let mut out = vec![];
    if let Some(rt) = &ty.result {
        let mut rsrc = Src::Mem(MemRef { off: r, k: 0 });
        out = return_result(g, rt, &mut rsrc, &host_side(), results, caller)?;
    }
    intercept::done(g);
    Ok(out)
}

/// Lowers a call's arguments from `caller` into a record in the host arena
/// and makes room there for the result: (args, result, the borrow scope
/// open for the call if it lends any).
fn lower_to_host<E: Env>(
    g: &mut Gen<'_, '_, E>,
    ty: &FuncType,
    caller: &Side,
    args: Args,
) -> Result<(Value, Value, Option<Value>)> {
    let host = host_side();
    let tuple = params_tuple(ty);
    let scope = if has_borrow(&tuple) {
        let c = g.iconst32(g.env.table_index(HOST));
        Some(g.rt(RtCall::CallBegin, &[c])[0])
    } else {
        None
    };
    let size = g.iconst64(tuple.elem_size(PtrType::I64) as i64);
    let a = g.alloc(
        &host,
        size,
        tuple.alignment(PtrType::I64),
        false,
        TrapCode::OutOfMemory,
    )?;
    let mut src = args_src(args);
    g.transfer(
        &tuple,
        &mut src,
        caller,
        &mut Dst::Mem(MemRef { off: a, k: 0 }),
        &host,
    )?;
    let (rsize, ralign) = ty.result.as_ref().map_or((0, 1), |t| {
        (t.elem_size(PtrType::I64), t.alignment(PtrType::I64))
    });
    let rs = g.iconst64(rsize as i64);
    let r = g.alloc(&host, rs, ralign, false, TrapCode::OutOfMemory)?;
    Ok((a, r, scope))
}

/// Calls the host's implementation of import `name` on the native-layout
/// arguments `a` and result `r`; traps if it is unresolved, failed, or the
/// context was poisoned meanwhile.
fn run_host_import(g: &mut Gen<'_, '_, Emitter<'_>>, name: &str, a: Value, r: Value) -> Result<()> {
    let f = g.env.host_func(g.b, name)?;
    let addr = g.b.ins().func_addr(types::I64, f);
    let missing = g.b.ins().icmp_imm_u(IntCC::Equal, addr, 0);
    let unresolved = g.b.create_block();
    g.b.set_cold_block(unresolved);
    let resolved = g.b.create_block();
    g.b.ins().brif(missing, unresolved, &[], resolved, &[]);
    g.b.switch_to_block(unresolved);
    g.b.seal_block(unresolved);
    let (p, len) = g.env.import_name(g.b, name)?;
    g.rt(RtCall::UnresolvedImport, &[p, len]);
    g.b.ins()
        .trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
    g.b.switch_to_block(resolved);
    g.b.seal_block(resolved);
    let call = g.b.ins().call(f, &[g.ctx, a, r]);
    let code = g.b.inst_results(call)[0];
    let failed = g.b.create_block();
    g.b.set_cold_block(failed);
    let ok = g.b.create_block();
    g.b.ins().brif(code, failed, &[], ok, &[]);
    g.b.switch_to_block(failed);
    g.b.seal_block(failed);
    g.rt(RtCall::Trap, &[code]);
    g.b.ins()
        .trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
    g.b.switch_to_block(ok);
    g.b.seal_block(ok);
    let poisoned = g.b.ins().load(
        types::I32,
        MemFlagsData::trusted(),
        g.ctx,
        CTX_POISONED as i32,
    );
    g.trap_if(poisoned, TrapCode::CannotEnter);
    Ok(())
}

/// An intercepted component-to-component call whose site needs the values:
/// through the host side. The caller's arguments are lifted into the
/// native layout (as for a host import), the site sees them, they are
/// lowered into the callee (as from a host export call), and the result
/// comes back the same way.
pub(super) fn call_through_host(
    g: &mut Gen<'_, '_, Emitter<'_>>,
    l: &Lifted,
    caller: &Side,
    args: Args,
    results: Results,
    (i, site): (u32, &Site),
) -> Result<Vec<Value>> {
    let mut active = intercept::begin(g, i, site);
    let (a, r, scope) = lower_to_host(g, &l.ty, caller, args)?;
    intercept::before(g, &mut active, a, r);
    if site.decision.deny.is_some() {
        intercept::write_error(g, site, r)?;
    } else {
        let relay = Side {
            relay: true,
            ..host_side()
        };
        call_lifted(g, l, &relay, Args::Mem(a), Results::Mem(r))?;
    }
    intercept::after(g, &active, a, r);
    if let Some(s) = scope {
        g.rt(RtCall::CallEnd, &[s]);
    }
    let mut out = vec![];
    if let Some(rt) = &l.ty.result {
        let mut rsrc = Src::Mem(MemRef { off: r, k: 0 });
        out = return_result(g, rt, &mut rsrc, &host_side(), results, caller)?;
    }
    intercept::done(g);
    Ok(out)
}

/// Moves a call's result from `src` on side `from` to where the caller
/// wants it; returns the flat values for `Results::Flat`.
fn return_result<E: Env>(
    g: &mut Gen<'_, '_, E>,
    ty: &super::types::ValType,
    src: &mut Src,
    from: &Side,
    results: Results,
    caller: &Side,
) -> Result<Vec<Value>> {
    match results {
        Results::Flat => {
            let mut dst = Dst::Flat(vec![]);
            g.transfer(ty, src, from, &mut dst, caller)?;
            let Dst::Flat(v) = dst else { unreachable!() };
            Ok(v.into_iter().map(|(v, _)| v).collect())
        }
        Results::Mem(p) => {
            let mut dst = Dst::Mem(MemRef { off: p, k: 0 });
            g.transfer(ty, src, from, &mut dst, caller)?;
            Ok(vec![])
        }
    }
}
