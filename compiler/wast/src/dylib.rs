//! The linked library of a script, loaded with `dlopen`, and the runtime
//! entry points inside it (the copy of runtime-support in that library, not
//! the one this executable is linked with).

use std::ffi::{c_void, CStr, CString};
use std::path::Path;
use wacc_abi::{ModuleDesc, VMStore, ValRaw, WaccImport};

pub type StoreNewFn = unsafe extern "C" fn() -> *mut VMStore;
pub type InstantiateFn = unsafe extern "C" fn(
    store: *mut VMStore,
    desc: *const ModuleDesc,
    imports: *const WaccImport,
    nimports: usize,
    out_vmctx: *mut *mut c_void,
) -> u32;
pub type InvokeFn =
    unsafe extern "C" fn(vmctx: *mut c_void, array_call: *const c_void, values: *mut ValRaw) -> u32;

/// A loaded library. It stays loaded until the process exits: code in it
/// may be referenced by any instance.
pub struct Library {
    handle: *mut c_void,
    pub store_new: StoreNewFn,
    pub instantiate: InstantiateFn,
    pub invoke: InvokeFn,
}

fn dlerror() -> String {
    // SAFETY: dlerror returns null or a NUL-terminated thread-local string.
    unsafe {
        let e = libc::dlerror();
        if e.is_null() {
            "unknown dlerror".to_string()
        } else {
            CStr::from_ptr(e).to_string_lossy().into_owned()
        }
    }
}

impl Library {
    pub fn open(path: &Path) -> Result<Library, String> {
        let c = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| "library path contains NUL".to_string())?;
        // SAFETY: loading a library we just linked; its initialisers are
        // runtime-support's.
        let handle = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            return Err(format!("dlopen {}: {}", path.display(), dlerror()));
        }
        let lib = |name: &str| symbol(handle, name);
        // SAFETY: the symbols have the signatures documented in abi.rs.
        unsafe {
            Ok(Library {
                handle,
                store_new: std::mem::transmute::<*mut c_void, StoreNewFn>(lib(
                    "wacc_rt_store_new",
                )?),
                instantiate: std::mem::transmute::<*mut c_void, InstantiateFn>(lib(
                    "wacc_rt_instantiate",
                )?),
                invoke: std::mem::transmute::<*mut c_void, InvokeFn>(lib("wacc_rt_invoke")?),
            })
        }
    }

    /// Address of `name`, an error if the library does not define it.
    pub fn symbol(&self, name: &str) -> Result<*mut c_void, String> {
        symbol(self.handle, name)
    }
}

fn symbol(handle: *mut c_void, name: &str) -> Result<*mut c_void, String> {
    let c = CString::new(name).map_err(|_| "symbol name contains NUL".to_string())?;
    // SAFETY: handle is a live dlopen handle.
    let p = unsafe { libc::dlsym(handle, c.as_ptr()) };
    if p.is_null() {
        Err(format!(
            "symbol `{name}` not found in the library: {}",
            dlerror()
        ))
    } else {
        Ok(p)
    }
}
