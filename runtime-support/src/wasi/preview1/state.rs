//! The preview1 descriptor table: guest fds over the shared host objects
//! ([`crate::wasi::host`]): stdio, then the preopens (fds 3, 4, ... in
//! order), then what the guest opens. Built from the host state on first
//! use and again after each `init`.

use super::errno::{self, BADF, NOTDIR, R};
use crate::wasi::host;
use std::os::fd::RawFd;
use std::sync::{Mutex, MutexGuard};

pub use crate::wasi::host::Handle as Host;

/// Every fd right (witx `$rights`, bits 0..=29).
pub const RIGHTS_ALL: u64 = (1 << 30) - 1;
pub const RIGHT_FD_SEEK: u64 = 1 << 2;
pub const RIGHT_FD_TELL: u64 = 1 << 5;

/// One entry of a directory listing, `fd_readdir` order.
pub struct DirEntry {
    pub ino: u64,
    pub filetype: u8,
    pub name: Vec<u8>,
}

pub struct Entry {
    pub host: Host,
    pub is_dir: bool,
    /// guest name of a preopened directory
    pub preopen: Option<Vec<u8>>,
    pub rights_base: u64,
    pub rights_inheriting: u64,
    /// listing read at cookie 0 and served to later `fd_readdir` calls
    pub listing: Option<Vec<DirEntry>>,
}

impl Entry {
    pub fn raw(&self) -> RawFd {
        self.host.raw()
    }
}

#[derive(Default)]
pub struct Ctx {
    pub fds: Vec<Option<Entry>>,
}

impl Ctx {
    pub fn get(&mut self, fd: i32) -> R<&mut Entry> {
        self.fds
            .get_mut(usize::try_from(fd).map_err(|_| BADF)?)
            .and_then(|e| e.as_mut())
            .ok_or(BADF)
    }

    pub fn dir(&mut self, fd: i32) -> R<RawFd> {
        let e = self.get(fd)?;
        if !e.is_dir {
            return Err(NOTDIR);
        }
        Ok(e.raw())
    }

    /// Puts `e` in the lowest free slot.
    pub fn insert(&mut self, e: Entry) -> R<i32> {
        let i = match self.fds.iter().position(|s| s.is_none()) {
            Some(i) => i,
            None => {
                self.fds.push(None);
                self.fds.len() - 1
            }
        };
        self.fds[i] = Some(e);
        i32::try_from(i).map_err(|_| errno::NFILE)
    }
}

/// The table and the host-state generation it was built from.
static CTX: Mutex<Option<(u64, Ctx)>> = Mutex::new(None);

/// The descriptor table (stdio only if `init` was not called).
fn ctx() -> MutexGuard<'static, Option<(u64, Ctx)>> {
    let mut g = CTX.lock().unwrap_or_else(|p| p.into_inner());
    let gen = host::generation();
    if g.as_ref().is_none_or(|(built, _)| *built != gen) {
        let mut fds = stdio();
        fds.extend(host::preopens().into_iter().map(|p| {
            Some(Entry {
                host: Host::Owned(p.fd),
                is_dir: true,
                preopen: Some(p.guest),
                rights_base: RIGHTS_ALL,
                rights_inheriting: RIGHTS_ALL,
                listing: None,
            })
        }));
        *g = Some((gen, Ctx { fds }));
    }
    g
}

/// Runs `f` on the descriptor table.
pub fn with<T>(f: impl FnOnce(&mut Ctx) -> R<T>) -> R<T> {
    let mut g = ctx();
    f(&mut g.as_mut().unwrap().1)
}

fn stdio() -> Vec<Option<Entry>> {
    (0..3)
        .map(|fd| {
            // A terminal cannot seek: wasi-libc's `isatty` looks for that.
            // SAFETY: `isatty` only inspects the descriptor number.
            let tty = unsafe { libc::isatty(fd) } == 1;
            let rights = if tty {
                RIGHTS_ALL & !(RIGHT_FD_SEEK | RIGHT_FD_TELL)
            } else {
                RIGHTS_ALL
            };
            Some(Entry {
                host: Host::Stdio(fd),
                is_dir: false,
                preopen: None,
                rights_base: rights,
                rights_inheriting: rights,
                listing: None,
            })
        })
        .collect()
}

/// Errno for an unusable descriptor, for callers that only need the check.
pub fn host_fd(fd: i32) -> R<RawFd> {
    with(|c| Ok(c.get(fd)?.raw()))
}
