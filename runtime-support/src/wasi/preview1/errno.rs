//! Preview1 `errno` values (witx `$errno`) and the mapping from host
//! errors (host `errno` values and the shared layer's [`Error`]).

use crate::wasi::error::Error;

pub type Errno = u16;
/// Result of a host function: `Ok` or a preview1 errno.
pub type R<T> = Result<T, Errno>;

pub const SUCCESS: Errno = 0;
pub const TOOBIG: Errno = 1;
pub const ACCES: Errno = 2;
pub const AGAIN: Errno = 6;
pub const BADF: Errno = 8;
pub const BUSY: Errno = 10;
pub const EXIST: Errno = 20;
pub const FAULT: Errno = 21;
pub const FBIG: Errno = 22;
pub const ILSEQ: Errno = 25;
pub const INTR: Errno = 27;
pub const INVAL: Errno = 28;
pub const IO: Errno = 29;
pub const ISDIR: Errno = 31;
pub const LOOP: Errno = 32;
pub const MFILE: Errno = 33;
pub const MLINK: Errno = 34;
pub const NAMETOOLONG: Errno = 37;
pub const NFILE: Errno = 41;
pub const NODEV: Errno = 43;
pub const NOENT: Errno = 44;
pub const NOMEM: Errno = 48;
pub const NOSPC: Errno = 51;
pub const NOSYS: Errno = 52;
pub const NOTDIR: Errno = 54;
pub const NOTEMPTY: Errno = 55;
pub const NOTSOCK: Errno = 57;
pub const NOTSUP: Errno = 58;
pub const NOTTY: Errno = 59;
pub const NXIO: Errno = 60;
pub const OVERFLOW: Errno = 61;
pub const PERM: Errno = 63;
pub const PIPE: Errno = 64;
pub const RANGE: Errno = 68;
pub const ROFS: Errno = 69;
pub const SPIPE: Errno = 70;
pub const TIMEDOUT: Errno = 73;
pub const TXTBSY: Errno = 74;
pub const XDEV: Errno = 75;
pub const NOTCAPABLE: Errno = 76;

/// Preview1 errno for a host `errno` value.
pub fn from_host(e: i32) -> Errno {
    match e {
        libc::E2BIG => TOOBIG,
        libc::EACCES => ACCES,
        libc::EAGAIN => AGAIN,
        libc::EBADF => BADF,
        libc::EBUSY => BUSY,
        libc::EEXIST => EXIST,
        libc::EFAULT => FAULT,
        libc::EFBIG => FBIG,
        libc::EILSEQ => ILSEQ,
        libc::EINTR => INTR,
        libc::EINVAL => INVAL,
        libc::EIO => IO,
        libc::EISDIR => ISDIR,
        libc::ELOOP => LOOP,
        libc::EMFILE => MFILE,
        libc::EMLINK => MLINK,
        libc::ENAMETOOLONG => NAMETOOLONG,
        libc::ENFILE => NFILE,
        libc::ENODEV => NODEV,
        libc::ENOENT => NOENT,
        libc::ENOMEM => NOMEM,
        libc::ENOSPC => NOSPC,
        libc::ENOSYS => NOSYS,
        libc::ENOTDIR => NOTDIR,
        libc::ENOTEMPTY => NOTEMPTY,
        libc::ENOTSOCK => NOTSOCK,
        libc::EOPNOTSUPP => NOTSUP,
        libc::ENOTTY => NOTTY,
        libc::ENXIO => NXIO,
        libc::EOVERFLOW => OVERFLOW,
        libc::EPERM => PERM,
        libc::EPIPE => PIPE,
        libc::ERANGE => RANGE,
        libc::EROFS => ROFS,
        libc::ESPIPE => SPIPE,
        libc::ETIMEDOUT => TIMEDOUT,
        libc::ETXTBSY => TXTBSY,
        libc::EXDEV => XDEV,
        _ => IO,
    }
}

/// Preview1 errno for an error of the shared layer.
pub fn from_error(e: Error) -> Errno {
    match e {
        Error::Os(e) => from_host(e),
        Error::NotCapable => NOTCAPABLE,
    }
}

impl From<Error> for Errno {
    fn from(e: Error) -> Errno {
        from_error(e)
    }
}

/// The preview1 errno for the calling thread's last host error.
pub fn last() -> Errno {
    from_host(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
}

/// `Ok(r)` if a libc call succeeded (`r >= 0`), else the mapped errno.
pub fn check<T: PartialOrd + Default>(r: T) -> R<T> {
    if r < T::default() {
        Err(last())
    } else {
        Ok(r)
    }
}

/// The i32 a host function returns.
pub fn ret(r: R<()>) -> i32 {
    match r {
        Ok(()) => SUCCESS as i32,
        Err(e) => e as i32,
    }
}
