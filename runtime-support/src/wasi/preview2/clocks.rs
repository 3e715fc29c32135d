//! `wasi:clocks/monotonic-clock`, `wasi:clocks/wall-clock` and
//! `wasi:random/*` (all randomness from the host's `getrandom`).

use super::io::new_pollable;
use super::state::Pollable;
use super::val::{get, put, put_bytes};
use crate::wasi::clocks::{self, Clock};
use crate::wasi::random::fill_random;
use core::ffi::c_void;

use Clock::{Monotonic as MONOTONIC, Realtime as REALTIME};

/// Resolution of `clock` in nanoseconds, at least 1.
fn resolution(clock: Clock) -> u64 {
    clocks::resolution(clock).unwrap_or(0).max(1)
}

fn now(clock: Clock) -> Option<u64> {
    clocks::now(clock).ok()
}

/// `now() -> instant` (u64 nanoseconds).
pub unsafe fn monotonic_now(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, now(MONOTONIC).unwrap_or(0));
        0
    }
}

pub unsafe fn monotonic_resolution(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, resolution(MONOTONIC));
        0
    }
}

/// `subscribe-instant(when: instant) -> pollable`.
pub unsafe fn subscribe_instant(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, new_pollable(Pollable::At(get(a, 0))));
        0
    }
}

/// `subscribe-duration(when: duration) -> pollable`.
pub unsafe fn subscribe_duration(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let d: u64 = get(a, 0);
        let at = now(MONOTONIC).unwrap_or(0).saturating_add(d);
        put(r, 0, new_pollable(Pollable::At(at)));
        0
    }
}

/// `datetime { seconds: u64, nanoseconds: u32 }` (16 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Datetime {
    pub seconds: u64,
    pub nanoseconds: u32,
}

fn datetime(ns: u64) -> Datetime {
    Datetime {
        seconds: ns / 1_000_000_000,
        nanoseconds: (ns % 1_000_000_000) as u32,
    }
}

/// `now() -> datetime`.
pub unsafe fn wall_now(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, datetime(now(REALTIME).unwrap_or(0)));
        0
    }
}

pub unsafe fn wall_resolution(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, datetime(resolution(REALTIME)));
        0
    }
}

/// Most bytes one `get-random-bytes` call returns (the guest asked for too
/// many to hold if more).
const RANDOM_MAX: u64 = 1 << 30;

/// `get-random-bytes(len: u64) -> list<u8>` (and the insecure one).
pub unsafe fn random_bytes(ctx: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let len: u64 = get(a, 0);
        if len > RANDOM_MAX {
            return crate::abi::TrapCode::LengthOverflow as u32;
        }
        let mut b = vec![0u8; len as usize];
        if fill_random(&mut b).is_err() {
            return crate::abi::TrapCode::Unreachable as u32;
        }
        put_bytes(ctx, r, 0, &b);
        0
    }
}

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    let _ = fill_random(&mut b);
    u64::from_le_bytes(b)
}

/// `get-random-u64() -> u64` (and the insecure one).
pub unsafe fn random_u64_fn(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, random_u64());
        0
    }
}

/// `insecure-seed() -> tuple<u64, u64>`.
pub unsafe fn insecure_seed(_: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        put(r, 0, [random_u64(), random_u64()]);
        0
    }
}
