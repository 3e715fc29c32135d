//! `wasi:sockets/*`: no network access. The network resource exists, but
//! creating a socket or resolving a name answers `not-supported`, so no
//! socket resource is ever handed out (their methods are not defined).

use super::val::put;
use core::ffi::c_void;

/// `wasi:sockets/network.error-code` case `not-supported`.
pub const NOT_SUPPORTED: u8 = 2;

/// `instance-network() -> network`: the one (powerless) network, rep 0.
pub unsafe fn instance_network(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, 0u32);
        0
    }
}

/// `network-error-code(err: borrow<error>) -> option<error-code>`: none
/// (no error comes from a socket).
pub unsafe fn network_error_code(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, 0u8);
        0
    }
}

/// `err(not-supported)` as a `result<own<T>, error-code>` (payload at 4).
pub unsafe fn not_supported(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, 1u8);
        put(r, 4, NOT_SUPPORTED);
        0
    }
}
