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

/// One build of calls.wat: its entries (direct calls, one type per build).
pub trait Build {
    /// # Safety
    /// The entry contract of a compiled component (`wacc.h`).
    unsafe fn instantiate(store: *mut c_void, ctx: *mut *mut c_void) -> u32;
    /// # Safety
    /// As above.
    unsafe fn add_one(ctx: *mut c_void, args: *const c_void, result: *mut c_void) -> u32;
    /// # Safety
    /// As above.
    unsafe fn echo(ctx: *mut c_void, args: *const c_void, result: *mut c_void) -> u32;
}

/// Declares build `$t` of calls.wat, compiled with prefix `$p`.
macro_rules! build {
    ($t:ident, $m:ident, $p:literal, $doc:literal) => {
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
        #[doc = $doc]
        pub struct $t;
        impl Build for $t {
            #[inline(always)]
            unsafe fn instantiate(store: *mut c_void, ctx: *mut *mut c_void) -> u32 {
                unsafe { $m::instantiate(store, ctx) }
            }
            #[inline(always)]
            unsafe fn add_one(ctx: *mut c_void, args: *const c_void, result: *mut c_void) -> u32 {
                unsafe { $m::add_one(ctx, args, result) }
            }
            #[inline(always)]
            unsafe fn echo(ctx: *mut c_void, args: *const c_void, result: *mut c_void) -> u32 {
                unsafe { $m::echo(ctx, args, result) }
            }
        }
    };
}
build!(Plain, plain, "calls", "calls.wat without a policy.");
build!(Stats, stats, "calls_stats", "Under policies/stats.toml: statistics counters.");
build!(Time, time, "calls_time", "Under policies/time.toml: statistics with time spent.");
build!(Hook, hook, "calls_hook", "Under policies/hook.toml: the custom-hook path, a pass-through hook.");

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

/// The component compiled by wacc (build `B`): one store, one instance.
pub struct Wacc<B: Build = Plain> {
    store: *mut c_void,
    ctx: *mut c_void,
    build: std::marker::PhantomData<B>,
}

impl Wacc<Plain> {
    pub fn new() -> Wacc<Plain> {
        Wacc::of()
    }
}

impl<B: Build> Wacc<B> {
    pub fn of() -> Wacc<B> {
        unsafe {
            let store = wacc_rt_store_new();
            assert!(!store.is_null(), "wacc_rt_store_new failed");
            let mut ctx = std::ptr::null_mut();
            let code = B::instantiate(store, &mut ctx);
            if code != 0 {
                trap("instantiate", code);
            }
            Wacc {
                store,
                ctx,
                build: std::marker::PhantomData,
            }
        }
    }

    #[inline]
    pub fn add_one(&mut self, x: u32) -> u32 {
        let mut r = 0u32;
        let code = unsafe {
            B::add_one(
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
            B::echo(
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

impl Default for Wacc<Plain> {
    fn default() -> Self {
        Wacc::new()
    }
}

impl<B: Build> Drop for Wacc<B> {
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
