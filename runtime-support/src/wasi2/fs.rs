//! `wasi:filesystem/types` and `wasi:filesystem/preopens`.

use crate::wasi::errno::{self, Errno};

/// `error-code` cases.
pub mod code {
    pub const ACCESS: u8 = 0;
    pub const WOULD_BLOCK: u8 = 1;
    pub const BAD_DESCRIPTOR: u8 = 3;
    pub const BUSY: u8 = 4;
    pub const EXIST: u8 = 7;
    pub const FILE_TOO_LARGE: u8 = 8;
    pub const ILLEGAL_BYTE_SEQUENCE: u8 = 9;
    pub const INTERRUPTED: u8 = 11;
    pub const INVALID: u8 = 12;
    pub const IO: u8 = 13;
    pub const IS_DIRECTORY: u8 = 14;
    pub const LOOP: u8 = 15;
    pub const TOO_MANY_LINKS: u8 = 16;
    pub const NAME_TOO_LONG: u8 = 18;
    pub const NO_DEVICE: u8 = 19;
    pub const NO_ENTRY: u8 = 20;
    pub const INSUFFICIENT_MEMORY: u8 = 22;
    pub const INSUFFICIENT_SPACE: u8 = 23;
    pub const NOT_DIRECTORY: u8 = 24;
    pub const NOT_EMPTY: u8 = 25;
    pub const UNSUPPORTED: u8 = 27;
    pub const NO_TTY: u8 = 28;
    pub const NO_SUCH_DEVICE: u8 = 29;
    pub const OVERFLOW: u8 = 30;
    pub const NOT_PERMITTED: u8 = 31;
    pub const PIPE: u8 = 32;
    pub const READ_ONLY: u8 = 33;
    pub const INVALID_SEEK: u8 = 34;
    pub const TEXT_FILE_BUSY: u8 = 35;
    pub const CROSS_DEVICE: u8 = 36;
}

/// The `error-code` for a preview1 errno (what the shared sandbox walk
/// and `errno::check` report). Leaving the sandbox is `not-permitted`.
pub fn code_from_errno(e: Errno) -> u8 {
    use code::*;
    match e {
        errno::ACCES => ACCESS,
        errno::AGAIN => WOULD_BLOCK,
        errno::BADF => BAD_DESCRIPTOR,
        errno::BUSY => BUSY,
        errno::EXIST => EXIST,
        errno::FBIG => FILE_TOO_LARGE,
        errno::ILSEQ => ILLEGAL_BYTE_SEQUENCE,
        errno::INTR => INTERRUPTED,
        errno::INVAL | errno::TOOBIG | errno::FAULT => INVALID,
        errno::ISDIR => IS_DIRECTORY,
        errno::LOOP => LOOP,
        errno::MLINK => TOO_MANY_LINKS,
        errno::NAMETOOLONG => NAME_TOO_LONG,
        errno::NODEV => NO_DEVICE,
        errno::NOENT => NO_ENTRY,
        errno::NOMEM | errno::MFILE | errno::NFILE => INSUFFICIENT_MEMORY,
        errno::NOSPC => INSUFFICIENT_SPACE,
        errno::NOTDIR => NOT_DIRECTORY,
        errno::NOTEMPTY => NOT_EMPTY,
        errno::NOSYS | errno::NOTSUP => UNSUPPORTED,
        errno::NOTTY => NO_TTY,
        errno::NXIO => NO_SUCH_DEVICE,
        errno::OVERFLOW => OVERFLOW,
        errno::PERM | errno::NOTCAPABLE => NOT_PERMITTED,
        errno::PIPE => PIPE,
        errno::ROFS => READ_ONLY,
        errno::SPIPE => INVALID_SEEK,
        errno::TXTBSY => TEXT_FILE_BUSY,
        errno::XDEV => CROSS_DEVICE,
        _ => IO,
    }
}

/// The `error-code` for a host `errno` value.
pub fn code_from_host(e: i32) -> u8 {
    code_from_errno(errno::from_host(e))
}
