//! The host clocks both fronts read, by a host-level name (each front
//! maps its own clock ids onto [`Clock`]).

use super::error::{check, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    Realtime,
    Monotonic,
    ProcessCputime,
    ThreadCputime,
}

impl Clock {
    fn id(self) -> libc::clockid_t {
        match self {
            Clock::Realtime => libc::CLOCK_REALTIME,
            Clock::Monotonic => libc::CLOCK_MONOTONIC,
            Clock::ProcessCputime => libc::CLOCK_PROCESS_CPUTIME_ID,
            Clock::ThreadCputime => libc::CLOCK_THREAD_CPUTIME_ID,
        }
    }
}

fn nanos(ts: &libc::timespec) -> u64 {
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Current time of `clock`, in nanoseconds.
pub fn now(clock: Clock) -> Result<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer for the call's duration.
    check(unsafe { libc::clock_gettime(clock.id(), &mut ts) })?;
    Ok(nanos(&ts))
}

/// Resolution of `clock`, in nanoseconds.
pub fn resolution(clock: Clock) -> Result<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer for the call's duration.
    check(unsafe { libc::clock_getres(clock.id(), &mut ts) })?;
    Ok(nanos(&ts))
}
