//! Instances of the script's components: `P_instantiate`, calls of root
//! exports through `P_call` with arguments and the result in native layout
//! (see `cvalue`), and `wacc_rt_component_free` when the run ends.

use super::build::CompiledComponent;
use super::ctypes::ExportFunc;
use super::cvalue::{as_bytes_mut, lift, lower_args, Arena, CVal};
use super::dylib::Library;
use super::instance::InstantiateError;
use std::ffi::c_void;
use std::rc::Rc;
use wacc_abi::VMStore;

type InstantiateFn = unsafe extern "C" fn(store: *mut VMStore, out_ctx: *mut *mut c_void) -> u32;
type CallFn =
    unsafe extern "C" fn(ctx: *mut c_void, export: u32, args: *const u8, results: *mut u8) -> u32;
type FreeFn = unsafe extern "C" fn(ctx: *mut c_void);

/// A trap of a call: the code and `VMStore::trap_detail`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trap {
    pub code: u32,
    pub detail: u32,
}

struct Instance {
    ctx: *mut c_void,
    call: CallFn,
    exports: Rc<Vec<ExportFunc>>,
}

/// The component instances of a script. Contexts are freed on drop.
pub struct Components<'l> {
    lib: &'l Library,
    vmstore: *mut VMStore,
    instances: Vec<Instance>,
}

/// Index into the script's component instances.
pub type CompId = usize;

impl<'l> Components<'l> {
    pub fn new(lib: &'l Library, vmstore: *mut VMStore) -> Components<'l> {
        Components {
            lib,
            vmstore,
            instances: vec![],
        }
    }

    fn symbol<T: Copy>(&self, name: &str) -> Result<T, String> {
        let p = self.lib.symbol(name)?;
        // SAFETY: T is the function pointer type of `name` (README, "Components").
        Ok(unsafe { std::mem::transmute_copy::<*mut c_void, T>(&p) })
    }

    pub fn instantiate(&mut self, c: &CompiledComponent) -> Result<CompId, InstantiateError> {
        let inst: InstantiateFn = self
            .symbol(&format!("{}_instantiate", c.prefix))
            .map_err(InstantiateError::Other)?;
        let call: CallFn = self
            .symbol(&format!("{}_call", c.prefix))
            .map_err(InstantiateError::Other)?;
        let mut ctx: *mut c_void = std::ptr::null_mut();
        // SAFETY: the entry point of a compiled component, with a live store.
        let code = unsafe { inst(self.vmstore, &mut ctx) };
        if code != 0 {
            return Err(InstantiateError::Trap(code));
        }
        if ctx.is_null() {
            return Err(InstantiateError::Other(format!(
                "{}_instantiate succeeded but returned no context",
                c.prefix
            )));
        }
        self.instances.push(Instance {
            ctx,
            call,
            exports: Rc::new(c.exports.clone()),
        });
        Ok(self.instances.len() - 1)
    }

    /// Call root export `name` of instance `id`. `Ok(Err(trap))` is a trap.
    pub fn invoke(
        &self,
        id: CompId,
        name: &str,
        args: &[CVal],
    ) -> Result<Result<Option<CVal>, Trap>, String> {
        let inst = &self.instances[id];
        let (index, f) = inst
            .exports
            .iter()
            .enumerate()
            .find(|(_, e)| e.name == name)
            .ok_or_else(|| format!("no exported function `{name}`"))?;
        let params: Vec<_> = f.params.iter().map(|(_, t)| t.clone()).collect();
        let mut arena = Arena::default();
        let args = lower_args(&params, args, &mut arena).map_err(|e| format!("`{name}`: {e}"))?;
        let size = f.result.as_ref().map_or(0, crate::ctypes::size_of);
        let mut results = Arena::buffer(size);
        // SAFETY: args holds the parameters in native layout (pointers into
        // `arena`, alive until after the call); results has room for the
        // result.
        let code = unsafe {
            (inst.call)(
                inst.ctx,
                index as u32,
                args.as_ptr() as *const u8,
                as_bytes_mut(&mut results).as_mut_ptr(),
            )
        };
        if code != 0 {
            // SAFETY: the store is live; the trap recorded its detail.
            let detail = unsafe { (*self.vmstore).trap_detail };
            return Ok(Err(Trap { code, detail }));
        }
        drop(arena);
        match &f.result {
            None => Ok(Ok(None)),
            // SAFETY: the call wrote the result in native layout; its
            // pointers stay valid until the next call on this instance.
            Some(t) => unsafe { lift(t, results.as_ptr() as *const u8) }
                .map(|v| Ok(Some(v)))
                .map_err(|e| format!("`{name}` returned a bad value: {e}")),
        }
    }
}

impl Drop for Components<'_> {
    fn drop(&mut self) {
        if self.instances.is_empty() {
            return;
        }
        let Ok(free) = self.symbol::<FreeFn>("wacc_rt_component_free") else {
            return;
        };
        for i in self.instances.drain(..).rev() {
            // SAFETY: a context P_instantiate returned, freed once.
            unsafe { free(i.ctx) };
        }
    }
}
