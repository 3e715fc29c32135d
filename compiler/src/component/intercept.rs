//! Interception of component boundaries (`--policy`, `crate::policy`): the
//! crossings a policy names (*sites*), their descriptor for runtime-support
//! (`P_intercept`, [`InterceptDesc`]), and the code around each crossing.
//!
//! A crossing no rule names is not a site and compiles exactly as without
//! a policy. A site pays for what it uses:
//! - statistics are counters in the context, updated inline (calls, returns,
//!   bytes moved) with no values materialised; `stats = "time"` adds two
//!   clock reads;
//! - logging and custom hooks need the values in the native layout. Host
//!   boundaries have them there already (the arguments of an import are
//!   lowered into the host arena anyway; an export's come from the host); a
//!   component-to-component crossing is compiled through the host side: the
//!   caller's arguments are lifted into the native layout, the hook sees
//!   them, then they are lowered into the callee, and the result likewise;
//! - a denied call never reaches the callee: it traps `Denied` naming the
//!   rule, or returns the rule's `err(E)`.

use super::adapter::{Gen, RtCall};
use super::emitter::{params_tuple, Emitter};
use super::front::FuncType;
use super::plan::{Plan, Trampoline, HOST};
use super::types::{PtrType, ValType};
use crate::emit::data::{define_data, DataBuf};
use crate::error::{CompileError, Result};
use crate::policy::{Crossing, Decision, Direction, LogTo, Policy, Stats};
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Value};
use cranelift_module::{DataId, Linkage, Module};
use std::collections::HashMap;
use std::mem::{offset_of, size_of};
use wacc_abi::component::{
    InterceptDesc, SiteDesc, DIRECTION_EXPORT, DIRECTION_IMPORT, DIRECTION_INTERNAL,
    DIRECTION_RESOURCE, DIRECTION_START, PHASE_AFTER, PHASE_BEFORE, SITE_DENY, SITE_HOOK, SITE_LOG,
    SITE_STATS, SITE_STATS_SIZE, SITE_TIME, STATS_BYTES, STATS_CALLS, STATS_NANOS, STATS_RETURNS,
};
use wacc_abi::Str;

/// One intercepted crossing.
#[derive(Clone, Debug)]
pub struct Site {
    pub direction: Direction,
    pub caller: String,
    pub callee: String,
    pub function: String,
    pub ty: FuncType,
    pub decision: Decision,
}

/// The sites of a component under a policy (none without one).
#[derive(Default)]
pub struct Sites {
    pub list: Vec<Site>,
    by_trampoline: HashMap<usize, u32>,
    by_export: HashMap<usize, u32>,
    by_start: HashMap<usize, u32>,
    log_to: Option<LogTo>,
    log_max_len: u32,
    hook: Option<String>,
}

/// The name of component instance `cinst` in policies and logs.
pub fn instance_name(cinst: u32) -> String {
    if cinst == HOST {
        "host".into()
    } else {
        format!("c{cinst}")
    }
}

impl Sites {
    /// Every function crossing of `plan` with what `policy` decides for it.
    pub fn all(plan: &Plan, policy: Option<&Policy>) -> Result<Sites> {
        let mut s = Sites::default();
        let Some(policy) = policy else {
            return Ok(s);
        };
        s.log_to = Some(policy.log.to.clone());
        s.log_max_len = policy.log.max_len;
        s.hook = policy.hook.clone();
        for (t, tramp) in plan.trampolines.iter().enumerate() {
            let (direction, caller, callee, function, ty) = match tramp {
                Trampoline::Adapter {
                    caller_cinst,
                    callee,
                    ..
                } => (
                    Direction::Internal,
                    *caller_cinst,
                    callee.cinst,
                    callee
                        .name
                        .borrow()
                        .clone()
                        .unwrap_or_else(|| "<unnamed>".into()),
                    &callee.ty,
                ),
                Trampoline::HostImport {
                    name, ty, cinst, ..
                } => (Direction::Import, *cinst, HOST, name.clone(), ty),
                Trampoline::ResourceNew { resource, cinst }
                | Trampoline::ResourceRep { resource, cinst }
                | Trampoline::ResourceDrop { resource, cinst } => {
                    let (function, ty) = resource_op(plan, tramp, *resource);
                    if let Some(i) =
                        s.add(policy, Direction::Resource, *cinst, *cinst, function, &ty)?
                    {
                        s.by_trampoline.insert(t, i);
                    }
                    continue;
                }
                _ => continue,
            };
            if let Some(i) = s.add(policy, direction, caller, callee, function, ty)? {
                s.by_trampoline.insert(t, i);
            }
        }
        for (i, st) in plan.starts.iter().enumerate() {
            let l = &st.func;
            let name = l.name.borrow().clone().unwrap_or_else(|| "<start>".into());
            if let Some(k) = s.add(policy, Direction::Start, HOST, l.cinst, name, &l.ty)? {
                s.by_start.insert(i, k);
            }
        }
        for (e, (name, l)) in plan.exports.iter().enumerate() {
            if let Some(i) = s.add(
                policy,
                Direction::Export,
                HOST,
                l.cinst,
                name.clone(),
                &l.ty,
            )? {
                s.by_export.insert(e, i);
            }
        }
        Ok(s)
    }

    fn add(
        &mut self,
        policy: &Policy,
        direction: Direction,
        caller: u32,
        callee: u32,
        function: String,
        ty: &FuncType,
    ) -> Result<Option<u32>> {
        let (caller, callee) = (instance_name(caller), instance_name(callee));
        let decision = policy.decide(&Crossing {
            direction,
            caller: &caller,
            callee: &callee,
            function: &function,
        });
        if decision.is_plain() {
            return Ok(None);
        }
        if let Some(e) = decision.deny.as_ref().and_then(|d| d.error.as_ref()) {
            error_value(ty, e).map_err(|m| {
                CompileError::new(format!(
                    "policy: the error value {e:?} for {function} ({caller} -> {callee}): {m}"
                ))
            })?;
        }
        self.list.push(Site {
            direction,
            caller,
            callee,
            function,
            ty: ty.clone(),
            decision,
        });
        Ok(Some(self.list.len() as u32 - 1))
    }

    pub fn of_trampoline(&self, t: usize) -> Option<(u32, &Site)> {
        let i = *self.by_trampoline.get(&t)?;
        Some((i, &self.list[i as usize]))
    }

    pub fn of_export(&self, e: usize) -> Option<(u32, &Site)> {
        let i = *self.by_export.get(&e)?;
        Some((i, &self.list[i as usize]))
    }

    pub fn of_start(&self, i: usize) -> Option<(u32, &Site)> {
        let k = *self.by_start.get(&i)?;
        Some((k, &self.list[k as usize]))
    }

    /// Bytes of statistics the context holds past its layout.
    pub fn stats_size(&self) -> u32 {
        SITE_STATS_SIZE * self.list.len() as u32
    }

    /// `P_intercept`: the [`InterceptDesc`] of the sites, or None if there
    /// are none (the component then instantiates as without a policy).
    pub(super) fn emit_desc(&self, e: &mut Emitter<'_>) -> Result<Option<DataId>> {
        if self.list.is_empty() {
            return Ok(None);
        }
        let mut blob: Vec<u8> = vec![];
        let mut add = |bytes: &[u8]| {
            let at = blob.len();
            blob.extend_from_slice(bytes);
            (at, bytes.len())
        };
        let mut strs = vec![];
        for s in &self.list {
            let mut params = vec![];
            wacc_abi::typecode::encode_params(&s.ty.params, &mut params);
            let mut result = vec![];
            if let Some(r) = &s.ty.result {
                wacc_abi::typecode::encode(r, &mut result);
            }
            let rule = s.decision.deny.as_ref().map_or("", |d| d.rule.as_str());
            strs.push([
                add(s.caller.as_bytes()),
                add(s.callee.as_bytes()),
                add(s.function.as_bytes()),
                add(&params),
                add(&result),
                add(rule.as_bytes()),
            ]);
        }
        let log_path = match &self.log_to {
            Some(LogTo::File(p)) => add(p.as_bytes()),
            _ => (0, 0),
        };
        let blob_id = {
            let mut b = DataBuf::zeroed(blob.len().max(1), 1);
            b.bytes[..blob.len()].copy_from_slice(&blob);
            define_data(&mut e.module, b, None)?
        };
        let put_str = |buf: &mut DataBuf, at: usize, (off, len): (usize, usize)| {
            buf.put_data(at + offset_of!(Str, ptr), blob_id, off);
            buf.put_u64(at + offset_of!(Str, len), len as u64);
        };
        let ssz = size_of::<SiteDesc>();
        let mut sb = DataBuf::zeroed(ssz * self.list.len(), 8);
        for (i, s) in self.list.iter().enumerate() {
            let at = i * ssz;
            sb.put_u32(at + offset_of!(SiteDesc, index), i as u32);
            sb.put_u32(at + offset_of!(SiteDesc, flags), site_flags(&s.decision));
            sb.put_u32(
                at + offset_of!(SiteDesc, direction),
                match s.direction {
                    Direction::Export => DIRECTION_EXPORT,
                    Direction::Import => DIRECTION_IMPORT,
                    Direction::Internal => DIRECTION_INTERNAL,
                    Direction::Start => DIRECTION_START,
                    Direction::Resource => DIRECTION_RESOURCE,
                },
            );
            let [caller, callee, function, params, result, rule] = strs[i];
            put_str(&mut sb, at + offset_of!(SiteDesc, caller), caller);
            put_str(&mut sb, at + offset_of!(SiteDesc, callee), callee);
            put_str(&mut sb, at + offset_of!(SiteDesc, function), function);
            put_str(&mut sb, at + offset_of!(SiteDesc, params), params);
            put_str(&mut sb, at + offset_of!(SiteDesc, result), result);
            put_str(&mut sb, at + offset_of!(SiteDesc, rule), rule);
        }
        let sites = define_data(&mut e.module, sb, None)?;
        let mut d = DataBuf::zeroed(size_of::<InterceptDesc>(), 8);
        d.put_u32(offset_of!(InterceptDesc, num_sites), self.list.len() as u32);
        d.put_u32(offset_of!(InterceptDesc, stats), e.layout.size);
        d.put_data(offset_of!(InterceptDesc, sites), sites, 0);
        if let Some(sym) = &self.hook {
            let sig = hook_signature(e.call_conv);
            let f = e
                .module
                .declare_function(sym, Linkage::Import, &sig)
                .map_err(crate::emit::module_err)?;
            d.put_func(offset_of!(InterceptDesc, hook), f);
        }
        put_str(&mut d, offset_of!(InterceptDesc, log_path), log_path);
        d.put_u32(offset_of!(InterceptDesc, log_max_len), self.log_max_len);
        let name = format!("{}_intercept", e.prefix);
        Ok(Some(define_data(&mut e.module, d, Some(&name))?))
    }
}

/// The C view of a site in the header: its argument struct and result type.
pub struct SiteTypes {
    pub args: Option<String>,
    pub result: Option<String>,
}

impl Sites {
    /// Defines, with the header's other types, one argument struct per
    /// hooked site (`P_site_N_args_t`: the parameters in order, the native
    /// layout a hook's `args` points to) and names its result's C type.
    pub(super) fn header_types(&self, types: &mut super::boundary::CTypes) -> Vec<SiteTypes> {
        use std::fmt::Write;
        self.list
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if !s.decision.hook {
                    return SiteTypes {
                        args: None,
                        result: None,
                    };
                }
                let params: Vec<(String, String)> = s
                    .ty
                    .params
                    .iter()
                    .map(|(n, t)| (super::boundary::param(n), types.c(t)))
                    .collect();
                let result = s.ty.result.as_ref().map(|t| types.c(t));
                let args = (!params.is_empty()).then(|| {
                    let a = types
                        .namer
                        .pick(&[format!("{}_site{i}_args_t", types.prefix)]);
                    let mut d = format!(
                        "/* the arguments of site {i} ({} {} -> {} {}) as a hook sees them */\ntypedef struct {a} {{\n",
                        s.direction.name(),
                        s.caller,
                        s.callee,
                        s.function
                    );
                    for (n, t) in &params {
                        let _ = writeln!(d, "    {t} {n};");
                    }
                    let _ = writeln!(d, "}} {a};");
                    super::boundary::layout_assert(&mut d, &a, &params_tuple(&s.ty));
                    types.out.push_str(&d);
                    types.out.push('\n');
                    a
                });
                SiteTypes { args, result }
            })
            .collect()
    }

    /// The header's section on the sites: one `P_SITE_*` constant per site
    /// (its index, as in `WaccSite::index`), with the C types a hook sees,
    /// and the hook's prototype.
    pub(super) fn header_section(&self, prefix: &str, types: &[SiteTypes], h: &mut String) {
        use std::fmt::Write;
        if self.list.is_empty() {
            return;
        }
        h.push_str("/* ---- intercepted sites (the build's policy) ---- */\n\n");
        let upper = prefix.to_uppercase();
        let mut seen = std::collections::HashSet::new();
        for (i, s) in self.list.iter().enumerate() {
            let base: String = format!("{}_{}_{}", s.direction.name(), s.caller, s.function)
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            let mut name = format!("{upper}_SITE_{base}");
            if !seen.insert(name.clone()) {
                name = format!("{name}_{i}");
                seen.insert(name.clone());
            }
            let mut view = String::new();
            if let Some(t) = types.get(i) {
                if let Some(a) = &t.args {
                    let _ = write!(view, "; args: {a} *");
                }
                if let Some(r) = &t.result {
                    let _ = write!(view, "; result: {r} *");
                }
            }
            let _ = writeln!(
                h,
                "/* {} {} -> {} {}{view} */\n#define {name} {i}",
                s.direction.name(),
                s.caller,
                s.callee,
                s.function
            );
        }
        if let Some(sym) = &self.hook {
            let _ = writeln!(
                h,
                "\n/* The policy's custom hook (see WaccHook in wacc.h). */\n\
                 uint32_t {sym}(void *ctx, const WaccSite *site, uint32_t phase, void *args, void *result);"
            );
        }
        h.push('\n');
    }
}

/// The name and type of a resource built-in (`[resource-drop]R`, with R's
/// interface) as a crossing: `(rep) -> handle`, `(handle) -> rep`, `(handle)`.
fn resource_op(plan: &Plan, t: &Trampoline, resource: u32) -> (String, FuncType) {
    let (op, param, result) = match t {
        Trampoline::ResourceNew { .. } => ("new", "rep", Some(ValType::U32)),
        Trampoline::ResourceRep { .. } => ("rep", "handle", Some(ValType::U32)),
        _ => ("drop", "handle", None),
    };
    let r = plan.resources[resource as usize].display_name(resource);
    let function = match r.rsplit_once('#') {
        Some((iface, n)) => format!("{iface}#[resource-{op}]{n}"),
        None => format!("[resource-{op}]{r}"),
    };
    let ty = FuncType {
        params: vec![(param.into(), ValType::U32)],
        result,
    };
    (function, ty)
}

fn hook_signature(cc: cranelift_codegen::isa::CallConv) -> cranelift_codegen::ir::Signature {
    use cranelift_codegen::ir::AbiParam;
    let mut sig = cranelift_codegen::ir::Signature::new(cc);
    for t in [types::I64, types::I64, types::I32, types::I64, types::I64] {
        sig.params.push(AbiParam::new(t));
    }
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

fn site_flags(d: &Decision) -> u32 {
    let mut f = 0;
    if d.log {
        f |= SITE_LOG;
    }
    if d.hook {
        f |= SITE_HOOK;
    }
    match d.stats {
        Stats::Off => {}
        Stats::Counts => f |= SITE_STATS,
        Stats::Time => f |= SITE_STATS | SITE_TIME,
    }
    if d.deny.is_some() {
        f |= SITE_DENY;
    }
    f
}

/// The error case a denial returns instead of trapping: the function's
/// result is `result<_, E>` and `text` is a value of `E` (an enum case or
/// variant case without payload, an integer, a bool or a string).
#[derive(Clone, Debug, PartialEq)]
enum ErrorValue {
    Int(i64, u32),
    Str(String),
}

fn error_value(ty: &FuncType, text: &str) -> std::result::Result<ErrorValue, String> {
    let Some(ValType::Result { err: Some(e), .. }) = &ty.result else {
        return Err("the function does not return result<_, E>".into());
    };
    let size = e.elem_size(PtrType::I64);
    let text = text.trim();
    match &**e {
        ValType::Enum(cases) => cases
            .iter()
            .position(|c| c == text)
            .map(|i| ErrorValue::Int(i as i64, size))
            .ok_or_else(|| format!("not a case of enum {{{}}}", cases.join(", "))),
        ValType::Variant(cases) => cases
            .iter()
            .position(|(c, t)| c == text && t.is_none())
            .map(|i| ErrorValue::Int(i as i64, wacc_abi::values::discriminant_size(cases.len())))
            .ok_or_else(|| "not a case without payload of the error variant".to_string()),
        ValType::String => {
            let s = text
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .ok_or("a string error is written in quotes")?;
            Ok(ErrorValue::Str(s.to_string()))
        }
        ValType::Bool => match text {
            "true" => Ok(ErrorValue::Int(1, 1)),
            "false" => Ok(ErrorValue::Int(0, 1)),
            _ => Err("expected true or false".into()),
        },
        ValType::U8
        | ValType::S8
        | ValType::U16
        | ValType::S16
        | ValType::U32
        | ValType::S32
        | ValType::U64
        | ValType::S64 => text
            .parse::<i64>()
            .map(|v| ErrorValue::Int(v, size))
            .map_err(|_| "expected an integer".into()),
        _ => Err(
            "only enum, payload-free variant case, integer, bool and string errors are supported"
                .into(),
        ),
    }
}

/// What a site does around its callee: [`begin`], [`before`], [`after`].
pub(super) struct Active {
    site: u32,
    flags: u32,
    t0: Option<Value>,
    /// context offset of the site's statistics
    stats: i32,
}

fn stats_offset(g: &Gen<'_, '_, Emitter<'_>>, site: u32) -> i32 {
    (g.env.layout.size + SITE_STATS_SIZE * site) as i32
}

fn bump(g: &mut Gen<'_, '_, Emitter<'_>>, off: i32, by: Value) {
    let f = MemFlagsData::trusted();
    let v = g.b.ins().load(types::I64, f, g.ctx, off);
    let v = g.b.ins().iadd(v, by);
    g.b.ins().store(f, v, g.ctx, off);
}

fn bump_imm(g: &mut Gen<'_, '_, Emitter<'_>>, off: i32, by: i64) {
    let by = g.iconst64(by);
    bump(g, off, by);
}

/// A site with `deny` and no error value: the call traps `Denied` here.
pub(super) fn denies(site: &Site) -> bool {
    site.decision
        .deny
        .as_ref()
        .is_some_and(|d| d.error.is_none())
}

/// The call is denied: traps `Denied`, naming the rule.
pub(super) fn deny_now(g: &mut Gen<'_, '_, Emitter<'_>>, site: u32) {
    let s = g.iconst32(site);
    g.rt(RtCall::InterceptDenied, &[s]);
    g.b.ins()
        .trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
    let dead = g.b.create_block();
    g.b.switch_to_block(dead);
    g.b.seal_block(dead);
}

/// At the start of a crossing: counts the call and its flat bytes, and
/// switches byte counting on for the transfers that follow.
pub(super) fn begin(g: &mut Gen<'_, '_, Emitter<'_>>, site: u32, s: &Site) -> Active {
    let flags = site_flags(&s.decision);
    let stats = stats_offset(g, site);
    if flags & SITE_STATS != 0 {
        bump_imm(g, stats + STATS_CALLS as i32, 1);
        let flat = flat_bytes(&s.ty);
        if flat > 0 {
            bump_imm(g, stats + STATS_BYTES as i32, flat as i64);
        }
        g.count_bytes = Some(stats + STATS_BYTES as i32);
    }
    Active {
        site,
        flags,
        t0: None,
        stats,
    }
}

/// Right before the callee, with the argument record and the result in the
/// native layout (`args`, `result`; any value where the site needs none):
/// runs the hook and reads the clock.
pub(super) fn before(g: &mut Gen<'_, '_, Emitter<'_>>, a: &mut Active, args: Value, result: Value) {
    if a.flags & SITE_HOOK != 0 {
        let (site_v, phase) = (g.iconst32(a.site), g.iconst32(PHASE_BEFORE));
        let zero = g.iconst64(0);
        g.rt(RtCall::Intercept, &[site_v, phase, args, result, zero]);
    }
    if a.flags & (SITE_TIME | SITE_LOG) != 0 {
        a.t0 = Some(g.rt(RtCall::InterceptClock, &[])[0]);
    }
}

/// Right after the callee (before the result reaches the caller): time,
/// log and hook, the return counted.
pub(super) fn after(g: &mut Gen<'_, '_, Emitter<'_>>, a: &Active, args: Value, result: Value) {
    let mut elapsed = None;
    if let Some(t0) = a.t0 {
        let t1 = g.rt(RtCall::InterceptClock, &[])[0];
        let d = g.b.ins().isub(t1, t0);
        if a.flags & SITE_TIME != 0 {
            bump(g, a.stats + STATS_NANOS as i32, d);
        }
        elapsed = Some(d);
    }
    if a.flags & (SITE_HOOK | SITE_LOG) != 0 {
        let (site_v, phase) = (g.iconst32(a.site), g.iconst32(PHASE_AFTER));
        let el = elapsed.unwrap_or_else(|| g.iconst64(0));
        g.rt(RtCall::Intercept, &[site_v, phase, args, result, el]);
    }
    if a.flags & SITE_STATS != 0 {
        bump_imm(g, a.stats + STATS_RETURNS as i32, 1);
    }
}

/// True if the site needs the values in the native layout.
pub(super) fn needs_values(s: &Site) -> bool {
    s.decision.needs_values() || s.decision.deny.is_some()
}

/// Stops counting bytes (after the result has reached the caller).
pub(super) fn done(g: &mut Gen<'_, '_, Emitter<'_>>) {
    g.count_bytes = None;
}

/// The flat size of a call's arguments and result in the guest layout.
fn flat_bytes(ty: &FuncType) -> u32 {
    let p = params_tuple(ty).elem_size(PtrType::I32);
    p + ty.result.as_ref().map_or(0, |r| r.elem_size(PtrType::I32))
}

/// For a denial with an error value: writes `err(E)` into the result in
/// the native layout at `result`.
pub(super) fn write_error(g: &mut Gen<'_, '_, Emitter<'_>>, s: &Site, result: Value) -> Result<()> {
    let Some(text) = s.decision.deny.as_ref().and_then(|d| d.error.as_ref()) else {
        return Ok(());
    };
    let v = error_value(&s.ty, text).map_err(CompileError::new)?;
    let rt = s.ty.result.as_ref().expect("checked by error_value");
    let f = MemFlagsData::trusted();
    let disc = g.b.ins().iconst(types::I8, 1);
    g.b.ins().store(f, disc, result, 0);
    let at = super::adapter::payload_offset(rt, PtrType::I64) as i32;
    match v {
        ErrorValue::Int(v, size) => {
            let ty = match size {
                1 => types::I8,
                2 => types::I16,
                4 => types::I32,
                _ => types::I64,
            };
            let c = g.b.ins().iconst(ty, v);
            g.b.ins().store(f, c, result, at);
        }
        ErrorValue::Str(s) => {
            let mut buf = DataBuf::zeroed(s.len().max(1), 1);
            buf.bytes[..s.len()].copy_from_slice(s.as_bytes());
            let id = define_data(&mut g.env.module, buf, None)?;
            let gv = g.env.module.declare_data_in_func(id, g.b.func);
            let p = g.b.ins().symbol_value(types::I64, gv);
            let len = g.iconst64(s.len() as i64);
            g.b.ins().store(f, p, result, at);
            g.b.ins().store(f, len, result, at + 8);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn returning(err: ValType) -> FuncType {
        FuncType {
            params: vec![],
            result: Some(ValType::Result {
                ok: None,
                err: Some(Box::new(err)),
            }),
        }
    }

    #[test]
    fn error_values() {
        let e = ValType::Enum(vec!["access".into(), "busy".into()]);
        assert_eq!(
            error_value(&returning(e.clone()), "busy"),
            Ok(ErrorValue::Int(1, 1))
        );
        assert!(error_value(&returning(e), "nope").is_err());
        assert_eq!(
            error_value(&returning(ValType::String), "\"no\""),
            Ok(ErrorValue::Str("no".into()))
        );
        assert_eq!(
            error_value(&returning(ValType::U32), "7"),
            Ok(ErrorValue::Int(7, 4))
        );
        let plain = FuncType {
            params: vec![],
            result: Some(ValType::U32),
        };
        assert!(error_value(&plain, "1").is_err());
    }
}
