//! The host's resources: one table per resource type, indexed by the reps
//! handed to the runtime. One per process, like the shared host state
//! (arguments, environment and preopens come from there).

use std::os::fd::{AsRawFd, RawFd};
use std::sync::{Mutex, MutexGuard};

/// A table of resources: a rep is an index; freed slots are reused lowest
/// first.
pub struct Slab<T>(Vec<Option<T>>);

impl<T> Slab<T> {
    pub const fn new() -> Self {
        Slab(Vec::new())
    }

    pub fn insert(&mut self, v: T) -> u32 {
        let i = match self.0.iter().position(|s| s.is_none()) {
            Some(i) => i,
            None => {
                self.0.push(None);
                self.0.len() - 1
            }
        };
        self.0[i] = Some(v);
        i as u32
    }

    pub fn get(&mut self, rep: u32) -> Option<&mut T> {
        self.0.get_mut(rep as usize).and_then(|s| s.as_mut())
    }

    pub fn remove(&mut self, rep: u32) -> Option<T> {
        self.0.get_mut(rep as usize).and_then(|s| s.take())
    }
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// A host file descriptor shared by a `descriptor` and its streams.
pub use crate::wasi::host::Fd;

pub fn raw(fd: &Fd) -> RawFd {
    fd.as_raw_fd()
}

pub enum Input {
    Stdin,
    File { fd: Fd, pos: u64 },
}

pub enum Output {
    /// fd 1 or 2, written unbuffered like preview1's `fd_write`
    Stdio(RawFd),
    File {
        fd: Fd,
        pos: u64,
        append: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pollable {
    Ready,
    /// ready once the monotonic clock reaches this many nanoseconds
    At(u64),
    /// ready when the host fd is readable
    Readable(RawFd),
}

/// `wasi:io/error`: a message and, for file system failures, the
/// `wasi:filesystem/types.error-code`.
pub struct Error {
    pub msg: String,
    pub code: Option<u8>,
}

pub struct Descriptor {
    pub fd: Fd,
    /// `descriptor-type`
    pub kind: u8,
    /// `descriptor-flags`
    pub flags: u8,
}

pub struct DirStream {
    /// (`descriptor-type`, name)
    pub entries: Vec<(u8, String)>,
    pub next: usize,
}

#[derive(Default)]
pub struct State {
    pub inputs: Slab<Input>,
    pub outputs: Slab<Output>,
    pub pollables: Slab<Pollable>,
    pub errors: Slab<Error>,
    pub descriptors: Slab<Descriptor>,
    pub dirs: Slab<DirStream>,
}

static STATE: Mutex<State> = Mutex::new(State {
    inputs: Slab::new(),
    outputs: Slab::new(),
    pollables: Slab::new(),
    errors: Slab::new(),
    descriptors: Slab::new(),
    dirs: Slab::new(),
});

/// The host state. Never hold it across a call that may trap (arena
/// allocation, exit): the lock would stay taken.
pub fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `f` on the host state.
pub fn with<T>(f: impl FnOnce(&mut State) -> T) -> T {
    f(&mut state())
}
