//! The two hosts of calls.wat: wacc's compiled component (typed entries over
//! the native layout, linked in by build.rs) and wasmtime's typed component
//! functions. Both instantiate the component once; a call is one typed call.

use std::ffi::c_void;
use std::path::Path;

/// A string or list in the native layout.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct NativeStr {
    pub ptr: *const u8,
    pub len: u64,
}

type Instantiate = unsafe extern "C" fn(store: *mut c_void, ctx: *mut *mut c_void) -> u32;
type Entry = unsafe extern "C" fn(ctx: *mut c_void, args: *const c_void, result: *mut c_void) -> u32;

/// Declares the entries of calls.wat compiled with prefix `$p`.
macro_rules! entries {
    ($m:ident, $p:literal) => {
        mod $m {
            use std::ffi::c_void;
            extern "C" {
                #[link_name = concat!($p, "_instantiate")]
                pub fn instantiate(store: *mut c_void, ctx: *mut *mut c_void) -> u32;
                #[link_name = concat!($p, "_export_add$2done")]
                pub fn add_one(ctx: *mut c_void, args: *const c_void, result: *mut c_void) -> u32;
                #[link_name = concat!($p, "_export_echo")]
                pub fn echo(ctx: *mut c_void, args: *const c_void, result: *mut c_void) -> u32;
            }
        }
    };
}
entries!(plain, "calls");
entries!(stats, "calls_stats");
entries!(time, "calls_time");
entries!(hook, "calls_hook");

/// Which build of calls.wat: without a policy, or under one of
/// policies/ (statistics counters, statistics with time, the custom-hook
/// path with a pass-through hook).
#[derive(Clone, Copy, Debug)]
pub enum Variant {
    Plain,
    Stats,
    Time,
    Hook,
}

impl Variant {
    fn entries(self) -> (Instantiate, Entry, Entry) {
        match self {
            Variant::Plain => (plain::instantiate, plain::add_one, plain::echo),
            Variant::Stats => (stats::instantiate, stats::add_one, stats::echo),
            Variant::Time => (time::instantiate, time::add_one, time::echo),
            Variant::Hook => (hook::instantiate, hook::add_one, hook::echo),
        }
    }
}

extern "C" {
    fn wacc_rt_store_new() -> *mut c_void;
    fn wacc_rt_store_free(store: *mut c_void);
    fn wacc_rt_component_free(ctx: *mut c_void);
    fn wacc_rt_trap_message(code: u32) -> *const std::ffi::c_char;
}

#[cold]
#[inline(never)]
fn trap(what: &str, code: u32) -> ! {
    let msg = unsafe { std::ffi::CStr::from_ptr(wacc_rt_trap_message(code)) };
    panic!("{what}: trap {code} ({})", msg.to_string_lossy());
}

/// The component compiled by wacc: one store, one instance.
pub struct Wacc {
    store: *mut c_void,
    ctx: *mut c_void,
    add_one: Entry,
    echo: Entry,
}

impl Wacc {
    pub fn new() -> Wacc {
        Wacc::of(Variant::Plain)
    }

    pub fn of(v: Variant) -> Wacc {
        let (instantiate, add_one, echo) = v.entries();
        unsafe {
            let store = wacc_rt_store_new();
            assert!(!store.is_null(), "wacc_rt_store_new failed");
            let mut ctx = std::ptr::null_mut();
            let code = instantiate(store, &mut ctx);
            if code != 0 {
                trap("instantiate", code);
            }
            Wacc {
                store,
                ctx,
                add_one,
                echo,
            }
        }
    }

    #[inline]
    pub fn add_one(&mut self, x: u32) -> u32 {
        let mut r = 0u32;
        let code = unsafe {
            (self.add_one)(
                self.ctx,
                &x as *const u32 as *const c_void,
                &mut r as *mut u32 as *mut c_void,
            )
        };
        if code != 0 {
            trap("add-one", code);
        }
        r
    }

    /// The result borrows the instance's host arena: valid until the next call.
    #[inline]
    pub fn echo(&mut self, s: &str) -> &[u8] {
        let args = NativeStr {
            ptr: s.as_ptr(),
            len: s.len() as u64,
        };
        let mut r = NativeStr {
            ptr: std::ptr::null(),
            len: 0,
        };
        let code = unsafe {
            (self.echo)(
                self.ctx,
                &args as *const NativeStr as *const c_void,
                &mut r as *mut NativeStr as *mut c_void,
            )
        };
        if code != 0 {
            trap("echo", code);
        }
        unsafe { std::slice::from_raw_parts(r.ptr, r.len as usize) }
    }
}

impl Default for Wacc {
    fn default() -> Self {
        Wacc::new()
    }
}

impl Drop for Wacc {
    fn drop(&mut self) {
        unsafe {
            wacc_rt_component_free(self.ctx);
            wacc_rt_store_free(self.store);
        }
    }
}

use wasmtime::component::{Component, Linker, TypedFunc, WasmStr};
use wasmtime::{Engine, Store};

/// The same component in wasmtime: default engine configuration, an empty
/// linker, one store, one instance.
pub struct Wasmtime {
    pub store: Store<()>,
    pub add_one: TypedFunc<(u32,), (u32,)>,
    pub echo: TypedFunc<(&'static str,), (String,)>,
    /// `echo` lifting its result as a borrowed `WasmStr` (no copy to the host)
    pub echo_borrowed: TypedFunc<(&'static str,), (WasmStr,)>,
}

impl Wasmtime {
    pub fn new(wat: &Path) -> wasmtime::Result<Wasmtime> {
        Wasmtime::with_call_hook(wat, false)
    }

    /// With `hook`, the store has a `call_hook` that does nothing (it sees
    /// each crossing, not its values).
    pub fn with_call_hook(wat: &Path, hook: bool) -> wasmtime::Result<Wasmtime> {
        let engine = Engine::default();
        let component = Component::from_file(&engine, wat)?;
        let linker = Linker::<()>::new(&engine);
        let mut store = Store::new(&engine, ());
        if hook {
            store.call_hook(|_, _| Ok(()));
        }
        let instance = linker.instantiate(&mut store, &component)?;
        let add_one = instance.get_typed_func::<(u32,), (u32,)>(&mut store, "add-one")?;
        let echo = instance.get_typed_func::<(&str,), (String,)>(&mut store, "echo")?;
        let echo_borrowed = instance.get_typed_func::<(&str,), (WasmStr,)>(&mut store, "echo")?;
        Ok(Wasmtime {
            store,
            add_one,
            echo,
            echo_borrowed,
        })
    }

    #[inline]
    pub fn add_one(&mut self, x: u32) -> u32 {
        self.add_one.call(&mut self.store, (x,)).unwrap().0
    }

    #[inline]
    pub fn echo(&mut self, s: &'static str) -> String {
        self.echo.call(&mut self.store, (s,)).unwrap().0
    }

    /// Calls `echo` and passes the result, still in the guest's memory, to `f`.
    #[inline]
    pub fn echo_borrowed<R>(&mut self, s: &'static str, f: impl FnOnce(&str) -> R) -> R {
        let (r,) = self.echo_borrowed.call(&mut self.store, (s,)).unwrap();
        f(&r.to_str(&self.store).unwrap())
    }
}

/// calls.wat of this crate.
pub fn wat_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("calls.wat")
}
