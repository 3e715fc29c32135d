//! Signature ids. Short signatures have an exact id (`abi::sig_id`); longer
//! ones are interned in a global append-only table and get
//! `1 << 63 | index`. With `std` the table copies the bytes and is
//! unbounded; without it, it keeps pointers to the caller's bytes (which
//! must be static, as descriptor data is) in a fixed-size array.

use crate::abi::sig_id;

pub const INTERNED: u64 = 1 << 63;

/// Id of the signature `params -> results`: exact if possible, else interned.
pub fn id(params: &'static [u8], results: &'static [u8]) -> u64 {
    match sig_id(params, results) {
        Some(id) => id,
        None => INTERNED | intern(params, results),
    }
}

/// Canonical id of a signature (same value as the compiler's exact ids for
/// short signatures).
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_intern_sig(
    params: *const u8,
    np: usize,
    results: *const u8,
    nr: usize,
) -> u64 {
    /// `p` points to `n` readable bytes unless `n` is 0.
    unsafe fn bytes(p: *const u8, n: usize) -> &'static [u8] {
        if n == 0 {
            &[]
        } else {
            // SAFETY: `n` is non-zero, so `p` points to `n` readable bytes (caller's contract).
            unsafe { core::slice::from_raw_parts(p, n) }
        }
    }
    // SAFETY: the caller passes `params`/`results` pointing to `np`/`nr` readable bytes (ABI
    // contract).
    unsafe { id(bytes(params, np), bytes(results, nr)) }
}

#[cfg(feature = "std")]
fn intern(params: &[u8], results: &[u8]) -> u64 {
    use std::sync::Mutex;
    use std::vec::Vec;
    static TABLE: Mutex<Vec<(Vec<u8>, Vec<u8>)>> = Mutex::new(Vec::new());
    let mut t = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(i) = t.iter().position(|(p, r)| p == params && r == results) {
        return i as u64;
    }
    t.push((params.to_vec(), results.to_vec()));
    (t.len() - 1) as u64
}

#[cfg(not(feature = "std"))]
fn intern(params: &'static [u8], results: &'static [u8]) -> u64 {
    use core::cell::UnsafeCell;
    use core::sync::atomic::{AtomicBool, Ordering};
    const CAP: usize = 256;
    type Entry = (&'static [u8], &'static [u8]);
    struct Table {
        lock: AtomicBool,
        len: UnsafeCell<usize>,
        entries: UnsafeCell<[Entry; CAP]>,
    }
    // SAFETY: fields behind `lock`.
    unsafe impl Sync for Table {}
    static TABLE: Table = Table {
        lock: AtomicBool::new(false),
        len: UnsafeCell::new(0),
        entries: UnsafeCell::new([(&[], &[]); CAP]),
    };
    while TABLE
        .lock
        .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        core::hint::spin_loop();
    }
    // SAFETY: we hold the lock.
    let (len, entries) = unsafe { (&mut *TABLE.len.get(), &mut *TABLE.entries.get()) };
    let id = match entries[..*len].iter().position(|e| *e == (params, results)) {
        Some(i) => i,
        None if *len < CAP => {
            entries[*len] = (params, results);
            *len += 1;
            *len - 1
        }
        // Full: a fresh id that matches nothing else (indirect calls through
        // it trap rather than pass wrongly).
        None => {
            *len += 1;
            *len - 1
        }
    };
    TABLE.lock.store(false, Ordering::Release);
    id as u64
}
