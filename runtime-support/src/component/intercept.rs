//! Interception at run time (components built with a policy; the compiler
//! side is `compiler/src/component/intercept.rs`). Generated code counts
//! calls, returns and bytes itself; it calls here only for what needs the
//! runtime: the custom hook, log lines, the clock and denials. Also the C
//! API over the sites and their statistics.

use super::context::{header, intercept_of, private, store};
use crate::abi::component::{
    InterceptDesc, SiteDesc, SiteStats, DIRECTION_EXPORT, DIRECTION_IMPORT, DIRECTION_INTERNAL,
    DIRECTION_RESOURCE, PHASE_AFTER, PHASE_BEFORE, SITE_HOOK, SITE_LOG, SITE_STATS_SIZE,
};
use crate::abi::TrapCode;
use crate::core::trap;
use core::ffi::c_void;
use core::fmt::Write;

/// Site `i` of `ctx`'s descriptor, if it has one.
unsafe fn site(ctx: *mut c_void, i: u32) -> Option<(&'static InterceptDesc, &'static SiteDesc)> {
    // SAFETY: `ctx` is a live context; its descriptor and sites are static data of its object.
    unsafe {
        let d = intercept_of(ctx).as_ref()?;
        (i < d.num_sites).then(|| (d, &*d.sites.add(i as usize)))
    }
}

fn direction(s: &SiteDesc) -> &'static str {
    match s.direction {
        DIRECTION_EXPORT => "export",
        DIRECTION_IMPORT => "import",
        DIRECTION_INTERNAL => "internal",
        DIRECTION_RESOURCE => "resource",
        _ => "start",
    }
}

fn text(s: &crate::abi::Str) -> &'static str {
    // SAFETY: the compiler writes UTF-8 names into static data.
    core::str::from_utf8(unsafe { s.as_bytes() }).unwrap_or("?")
}

/// `import c0 -> host iface#func`
pub(crate) fn write_site(w: &mut dyn Write, s: &SiteDesc) -> core::fmt::Result {
    write!(
        w,
        "{} {} -> {} {}",
        direction(s),
        text(&s.caller),
        text(&s.callee),
        text(&s.function)
    )
}

/// Why a call at `site` (1-based, from `Private::refused_site`) trapped.
pub(crate) unsafe fn describe(
    ctx: *mut c_void,
    code: u32,
    detail: u32,
    site_plus_one: u32,
    w: &mut dyn Write,
) -> core::fmt::Result {
    // SAFETY: `ctx` is a live context.
    let Some((_, s)) = (unsafe { site(ctx, site_plus_one.wrapping_sub(1)) }) else {
        return Ok(());
    };
    if code == TrapCode::Denied as u32 {
        write_site(w, s)?;
        write!(w, ": denied by {}", text(&s.rule))
    } else {
        write!(w, "refused by the hook (code {detail}): ")?;
        write_site(w, s)
    }
}

unsafe fn refuse(ctx: *mut c_void, site: u32, code: TrapCode, detail: u32) -> ! {
    // SAFETY: `ctx` is a live context whose store is live.
    unsafe {
        if let Some(p) = private(ctx) {
            (*p).refused_site = site + 1;
        }
        let st = store(ctx);
        (*st).trap_detail = detail;
        trap::raise(st, code)
    }
}

/// Called by an intercepted crossing before and after its callee (see the
/// libcall's contract).
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_intercept(
    ctx: *mut c_void,
    site_index: u32,
    phase: u32,
    args: *mut u8,
    result: *mut u8,
    elapsed: u64,
) {
    // SAFETY: `ctx` is a live context (ABI contract); `args`/`result` hold the site's values in the
    // native layout as the site's type codes say.
    unsafe {
        let Some((d, s)) = site(ctx, site_index) else {
            return;
        };
        if s.flags & SITE_HOOK != 0 {
            if let Some(hook) = d.hook {
                let code = hook(ctx, s, phase, args.cast(), result.cast());
                if code != 0 {
                    refuse(ctx, site_index, TrapCode::HookRefused, code);
                }
            }
        }
        if phase == PHASE_AFTER && s.flags & SITE_LOG != 0 {
            log::call(d, s, args, result, elapsed);
        }
        let _ = PHASE_BEFORE;
    }
}

/// A monotonic clock in ns (0 where the platform has none).
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_intercept_clock(_ctx: *mut c_void) -> u64 {
    crate::platform::monotonic_ns()
}

/// A denied call: traps `Denied`; the last error names the rule.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_intercept_denied(ctx: *mut c_void, site_index: u32) -> ! {
    // SAFETY: `ctx` is a live context (ABI contract).
    unsafe {
        if let Some((d, s)) = site(ctx, site_index) {
            if s.flags & SITE_LOG != 0 {
                log::denied(d, s);
            }
        }
        refuse(ctx, site_index, TrapCode::Denied, 0)
    }
}

/// A hook that lets every call through unchanged: for policies that only
/// need the hook path (testing, measuring its cost).
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_hook_identity(
    _ctx: *mut c_void,
    _site: *const SiteDesc,
    _phase: u32,
    _args: *mut c_void,
    _result: *mut c_void,
) -> u32 {
    0
}

// ---------------------------------------------------------------------------
// C API.

/// The number of intercepted sites of `ctx` (0 without a policy or for null).
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_component_sites(ctx: *mut c_void) -> u32 {
    if ctx.is_null() {
        return 0;
    }
    // SAFETY: `ctx` is a live context (caller's contract).
    unsafe { intercept_of(ctx).as_ref().map_or(0, |d| d.num_sites) }
}

/// Site `i` of `ctx` (its names, direction and flags), or null.
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_component_site(ctx: *mut c_void, i: u32) -> *const SiteDesc {
    if ctx.is_null() {
        return core::ptr::null();
    }
    // SAFETY: `ctx` is a live context (caller's contract).
    unsafe { site(ctx, i).map_or(core::ptr::null(), |(_, s)| s) }
}

/// Copies the statistics of site `i` of `ctx` to `out`: 0, or
/// `InvalidArgument` (null pointers, no such site).
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_component_site_stats(
    ctx: *mut c_void,
    i: u32,
    out: *mut SiteStats,
) -> u32 {
    if ctx.is_null() || out.is_null() {
        return TrapCode::InvalidArgument as u32;
    }
    // SAFETY: `ctx` is a live context whose statistics follow its layout (`InterceptDesc::stats`).
    unsafe {
        let Some((d, _)) = site(ctx, i) else {
            return TrapCode::InvalidArgument as u32;
        };
        let at = header(ctx)
            .cast::<u8>()
            .add((d.stats + SITE_STATS_SIZE * i) as usize);
        *out = at.cast::<SiteStats>().read();
        0
    }
}

/// Writes every statistics site's counters of `ctx` as a table to `w`.
pub unsafe fn write_stats(ctx: *mut c_void, w: &mut dyn Write) -> core::fmt::Result {
    // SAFETY: `ctx` is a live context.
    unsafe {
        let n = wacc_rt_component_sites(ctx);
        let mut any = false;
        for i in 0..n {
            let Some((_, s)) = site(ctx, i) else { break };
            if s.flags & crate::abi::component::SITE_STATS == 0 {
                continue;
            }
            if !any {
                writeln!(
                    w,
                    "{:>10} {:>10} {:>6} {:>12} {:>12}  crossing",
                    "calls", "returns", "traps", "bytes", "time (ns)"
                )?;
                any = true;
            }
            let mut st = SiteStats::default();
            wacc_rt_component_site_stats(ctx, i, &mut st);
            let timed = s.flags & crate::abi::component::SITE_TIME != 0;
            write!(
                w,
                "{:>10} {:>10} {:>6} {:>12} {:>12}  ",
                st.calls,
                st.returns,
                st.calls - st.returns,
                st.bytes,
                Nanos(timed.then_some(st.nanos))
            )?;
            write_site(w, s)?;
            writeln!(w)?;
        }
        Ok(())
    }
}

struct Nanos(Option<u64>);

impl core::fmt::Display for Nanos {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(n) => core::fmt::Display::fmt(&n, f),
            None => f.pad("-"),
        }
    }
}

#[cfg(feature = "std")]
pub use log::print_stats;

/// Log lines (the `std` layer; without it logging is off).
mod log {
    use super::*;

    #[cfg(feature = "std")]
    fn emit(d: &InterceptDesc, line: &str) {
        use std::io::Write as _;
        use std::sync::Mutex;
        static FILE: Mutex<Option<std::fs::File>> = Mutex::new(None);
        let path = text(&d.log_path);
        if path.is_empty() {
            let _ = std::io::stderr().write_all(line.as_bytes());
            return;
        }
        static FAILED: std::sync::Once = std::sync::Once::new();
        let mut f = FILE.lock().unwrap_or_else(|e| e.into_inner());
        if f.is_none() {
            match std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                Ok(file) => *f = Some(file),
                Err(e) => FAILED.call_once(|| {
                    eprintln!("[wacc] cannot open the policy's log {path}: {e}; logging to stderr")
                }),
            }
        }
        match f.as_mut() {
            Some(f) => {
                let _ = f.write_all(line.as_bytes());
            }
            None => {
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
        }
    }

    #[cfg(feature = "std")]
    pub(super) unsafe fn call(
        d: &InterceptDesc,
        s: &SiteDesc,
        args: *mut u8,
        result: *mut u8,
        elapsed: u64,
    ) {
        let max = d.log_max_len as usize;
        let mut line = String::from("[wacc] ");
        let _ = write_site(&mut line, s);
        // SAFETY: `args`/`result` hold the site's values (caller's contract).
        unsafe {
            let _ = crate::component::wave::write_args(&mut line, text_bytes(&s.params), args, max);
            if s.result.len > 0 {
                line.push_str(" -> ");
                let _ = crate::component::wave::write_value(
                    &mut line,
                    text_bytes(&s.result),
                    result,
                    max,
                );
            }
        }
        let _ = writeln!(line, " ({})", Duration(elapsed));
        emit(d, &line);
    }

    #[cfg(feature = "std")]
    pub(super) fn denied(d: &InterceptDesc, s: &SiteDesc) {
        let mut line = String::from("[wacc] ");
        let _ = write_site(&mut line, s);
        let _ = writeln!(line, " denied by {}", text(&s.rule));
        emit(d, &line);
    }

    #[cfg(feature = "std")]
    fn text_bytes(s: &crate::abi::Str) -> &'static [u8] {
        // SAFETY: static data of the object.
        unsafe { s.as_bytes() }
    }

    /// Prints the statistics of `ctx` to stderr (what executables do at exit).
    #[cfg(feature = "std")]
    pub unsafe fn print_stats(ctx: *mut c_void) {
        let mut out = String::new();
        // SAFETY: `ctx` is a live context (caller's contract).
        let _ = unsafe { write_stats(ctx, &mut out) };
        if !out.is_empty() {
            eprint!("[wacc] statistics\n{out}");
        }
    }

    #[cfg(feature = "std")]
    struct Duration(u64);

    #[cfg(feature = "std")]
    impl core::fmt::Display for Duration {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            let n = self.0;
            if n < 10_000 {
                write!(f, "{n} ns")
            } else if n < 10_000_000 {
                write!(f, "{} us", n / 1000)
            } else {
                write!(f, "{} ms", n / 1_000_000)
            }
        }
    }

    #[cfg(not(feature = "std"))]
    pub(super) unsafe fn call(_: &InterceptDesc, _: &SiteDesc, _: *mut u8, _: *mut u8, _: u64) {}

    #[cfg(not(feature = "std"))]
    pub(super) fn denied(_: &InterceptDesc, _: &SiteDesc) {}
}
