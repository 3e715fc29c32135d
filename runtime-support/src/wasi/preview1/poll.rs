//! `poll_oneoff`: clock subscriptions (relative or absolute) and readiness
//! of descriptors, through the host's `poll`.

use super::errno::{self, ret, BADF, INVAL, R};
use super::mem::Mem;
use super::proc::now;
use super::state;
use core::ffi::c_void;

const EVENTTYPE_CLOCK: u8 = 0;
const EVENTTYPE_FD_READ: u8 = 1;
const EVENTTYPE_FD_WRITE: u8 = 2;
const SUBCLOCKFLAGS_ABSTIME: u16 = 1;
const EVENTRWFLAGS_HANGUP: u16 = 1;

/// One `$event` (32 bytes).
fn event(userdata: u64, error: u16, ty: u8, nbytes: u64, flags: u16) -> [u8; 32] {
    let mut b = [0u8; 32];
    b[0..8].copy_from_slice(&userdata.to_le_bytes());
    b[8..10].copy_from_slice(&error.to_le_bytes());
    b[10] = ty;
    b[16..24].copy_from_slice(&nbytes.to_le_bytes());
    b[24..26].copy_from_slice(&flags.to_le_bytes());
    b
}

enum Sub {
    /// deadline on the monotonic clock, in nanoseconds
    Clock {
        deadline: u64,
    },
    Fd {
        host: i32,
        write: bool,
    },
    /// answered at once with this errno
    Error(u16),
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_poll_oneoff(
    vmctx: *mut c_void,
    in_: i32,
    out: i32,
    nsubscriptions: i32,
    nevents: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret(poll(
            vmctx,
            in_ as u32,
            out as u32,
            nsubscriptions as u32,
            nevents as u32,
        ))
    }
}

unsafe fn poll(vmctx: *mut c_void, in_: u32, out: u32, n: u32, nevents: u32) -> R<()> {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        let m = Mem::of(vmctx)?;
        if n == 0 {
            return Err(INVAL);
        }
        m.slice(in_, n.checked_mul(48).ok_or(errno::FAULT)?)?;
        m.slice(out, n.checked_mul(32).ok_or(errno::FAULT)?)?;
        let mut subs = Vec::with_capacity(n as usize);
        for i in 0..n {
            let s = in_ + 48 * i;
            let userdata = m.u64(s)?;
            let ty = m.u8(s + 8)?;
            let sub = match ty {
                EVENTTYPE_CLOCK => {
                    let id = m.u32(s + 16)? as i32;
                    let timeout = m.u64(s + 24)?;
                    let flags = m.u16(s + 40)?;
                    match (now(id), now(1)) {
                        (Ok(t), Ok(mono)) => {
                            // Convert to a monotonic deadline: time left, then from now.
                            let left = if flags & SUBCLOCKFLAGS_ABSTIME != 0 {
                                timeout.saturating_sub(t)
                            } else {
                                timeout
                            };
                            Sub::Clock {
                                deadline: mono.saturating_add(left),
                            }
                        }
                        (Err(e), _) | (_, Err(e)) => Sub::Error(e),
                    }
                }
                EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE => {
                    let fd = m.u32(s + 16)? as i32;
                    match state::host_fd(fd) {
                        Ok(host) => Sub::Fd {
                            host,
                            write: ty == EVENTTYPE_FD_WRITE,
                        },
                        Err(_) => Sub::Error(BADF),
                    }
                }
                _ => return Err(INVAL),
            };
            subs.push((userdata, ty, sub));
        }
        let mut pfds: Vec<libc::pollfd> = subs
            .iter()
            .filter_map(|(_, _, s)| match s {
                Sub::Fd { host, write } => Some(libc::pollfd {
                    fd: *host,
                    events: if *write { libc::POLLOUT } else { libc::POLLIN },
                    revents: 0,
                }),
                _ => None,
            })
            .collect();
        let immediate = subs.iter().any(|(_, _, s)| matches!(s, Sub::Error(_)));
        let deadline = subs
            .iter()
            .filter_map(|(_, _, s)| match s {
                Sub::Clock { deadline } => Some(*deadline),
                _ => None,
            })
            .min();
        loop {
            let timeout_ms = if immediate {
                0
            } else {
                match deadline {
                    None => -1,
                    Some(d) => {
                        let left = d.saturating_sub(now(1)?);
                        left.div_ceil(1_000_000).min(i32::MAX as u64) as i32
                    }
                }
            };
            let r = if pfds.is_empty() {
                if timeout_ms > 0 {
                    sleep_until(deadline.unwrap_or(0));
                }
                0
            } else {
                libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout_ms)
            };
            if r < 0 {
                let e = errno::last();
                if e == errno::INTR {
                    continue;
                }
                return Err(e);
            }
            let t = now(1)?;
            let mut events = Vec::new();
            let mut p = pfds.iter();
            for (userdata, ty, s) in &subs {
                match s {
                    Sub::Error(e) => events.push(event(*userdata, *e, *ty, 0, 0)),
                    Sub::Clock { deadline } => {
                        if t >= *deadline {
                            events.push(event(*userdata, 0, *ty, 0, 0));
                        }
                    }
                    Sub::Fd { host, write } => {
                        let pf = p.next().unwrap();
                        if pf.revents == 0 {
                            continue;
                        }
                        if pf.revents & libc::POLLNVAL != 0 {
                            events.push(event(*userdata, BADF, *ty, 0, 0));
                            continue;
                        }
                        let hup = if pf.revents & libc::POLLHUP != 0 {
                            EVENTRWFLAGS_HANGUP
                        } else {
                            0
                        };
                        let mut nbytes: libc::c_int = 0;
                        if !*write && libc::ioctl(*host, libc::FIONREAD, &mut nbytes) < 0 {
                            nbytes = 1;
                        }
                        let nbytes = if *write { 1 } else { nbytes.max(0) as u64 };
                        events.push(event(*userdata, 0, *ty, nbytes, hup));
                    }
                }
            }
            if events.is_empty() {
                continue;
            }
            for (i, e) in events.iter().enumerate() {
                m.write(out + 32 * i as u32, e)?;
            }
            return m.put_u32(nevents, events.len() as u32);
        }
    }
}

/// Sleeps until the monotonic clock reaches `deadline` (nanoseconds).
fn sleep_until(deadline: u64) {
    let ts = libc::timespec {
        tv_sec: (deadline / 1_000_000_000) as i64,
        tv_nsec: (deadline % 1_000_000_000) as i64,
    };
    // SAFETY: `ts` is a live timespec; no remainder is asked for.
    while unsafe {
        libc::clock_nanosleep(
            libc::CLOCK_MONOTONIC,
            libc::TIMER_ABSTIME,
            &ts,
            core::ptr::null_mut(),
        )
    } == libc::EINTR
    {}
}
