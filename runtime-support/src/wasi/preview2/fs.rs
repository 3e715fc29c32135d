//! `wasi:filesystem/types` and `wasi:filesystem/preopens`.

use crate::wasi::error::{self, last_errno, Error};

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

/// The `error-code` for a host `errno` value.
pub fn code_from_host(e: i32) -> u8 {
    use code::*;
    match e {
        libc::EACCES => ACCESS,
        libc::EAGAIN => WOULD_BLOCK,
        libc::EBADF => BAD_DESCRIPTOR,
        libc::EBUSY => BUSY,
        libc::EEXIST => EXIST,
        libc::EFBIG => FILE_TOO_LARGE,
        libc::EILSEQ => ILLEGAL_BYTE_SEQUENCE,
        libc::EINTR => INTERRUPTED,
        libc::EINVAL | libc::E2BIG | libc::EFAULT => INVALID,
        libc::EISDIR => IS_DIRECTORY,
        libc::ELOOP => LOOP,
        libc::EMLINK => TOO_MANY_LINKS,
        libc::ENAMETOOLONG => NAME_TOO_LONG,
        libc::ENODEV => NO_DEVICE,
        libc::ENOENT => NO_ENTRY,
        libc::ENOMEM | libc::EMFILE | libc::ENFILE => INSUFFICIENT_MEMORY,
        libc::ENOSPC => INSUFFICIENT_SPACE,
        libc::ENOTDIR => NOT_DIRECTORY,
        libc::ENOTEMPTY => NOT_EMPTY,
        libc::ENOSYS | libc::EOPNOTSUPP => UNSUPPORTED,
        libc::ENOTTY => NO_TTY,
        libc::ENXIO => NO_SUCH_DEVICE,
        libc::EOVERFLOW => OVERFLOW,
        libc::EPERM => NOT_PERMITTED,
        libc::EPIPE => PIPE,
        libc::EROFS => READ_ONLY,
        libc::ESPIPE => INVALID_SEEK,
        libc::ETXTBSY => TEXT_FILE_BUSY,
        libc::EXDEV => CROSS_DEVICE,
        _ => IO,
    }
}

/// The `error-code` for an error of the shared layer. Leaving the sandbox
/// is `not-permitted`.
pub fn code_from_error(e: Error) -> u8 {
    match e {
        Error::Os(e) => code_from_host(e),
        Error::NotCapable => code::NOT_PERMITTED,
    }
}

use super::state::{self, raw, Descriptor, DirStream, Fd, Input, Output};
use super::val::{bytes, get, put, put_bytes, put_list};
use crate::wasi::host;
use crate::wasi::sandbox::{resolve, Resolved};
use core::ffi::c_void;
use std::ffi::CString;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;

type FR<T> = Result<T, u8>;

/// `descriptor-type` cases.
pub mod kind {
    pub const UNKNOWN: u8 = 0;
    pub const BLOCK_DEVICE: u8 = 1;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const FIFO: u8 = 4;
    pub const SYMBOLIC_LINK: u8 = 5;
    pub const REGULAR_FILE: u8 = 6;
    pub const SOCKET: u8 = 7;
}

/// `descriptor-flags` bits.
pub mod flags {
    pub const READ: u8 = 1;
    pub const WRITE: u8 = 2;
    pub const FILE_INTEGRITY_SYNC: u8 = 4;
    pub const DATA_INTEGRITY_SYNC: u8 = 8;
    pub const REQUESTED_WRITE_SYNC: u8 = 16;
    pub const MUTATE_DIRECTORY: u8 = 32;
}

const OPEN_CREATE: u8 = 1;
const OPEN_DIRECTORY: u8 = 2;
const OPEN_EXCLUSIVE: u8 = 4;
const OPEN_TRUNCATE: u8 = 8;
const SYMLINK_FOLLOW: u8 = 1;

/// Most bytes one `read` returns.
const READ_MAX: u64 = 1 << 24;

pub fn kind_of(mode: libc::mode_t) -> u8 {
    match mode & libc::S_IFMT {
        libc::S_IFREG => kind::REGULAR_FILE,
        libc::S_IFDIR => kind::DIRECTORY,
        libc::S_IFCHR => kind::CHARACTER_DEVICE,
        libc::S_IFBLK => kind::BLOCK_DEVICE,
        libc::S_IFLNK => kind::SYMBOLIC_LINK,
        libc::S_IFIFO => kind::FIFO,
        libc::S_IFSOCK => kind::SOCKET,
        _ => kind::UNKNOWN,
    }
}

/// `Ok(r)` if a libc call succeeded, else the `error-code` of `errno`.
fn host<T: PartialOrd + Default>(r: T) -> FR<T> {
    error::check(r).map_err(code_from_error)
}

/// The descriptor behind a `borrow<descriptor>`.
fn desc(rep: u32) -> FR<(Fd, u8, u8)> {
    state::with(|s| {
        s.descriptors
            .get(rep)
            .map(|d| (d.fd.clone(), d.kind, d.flags))
            .ok_or(code::BAD_DESCRIPTOR)
    })
}

fn fd_of(rep: u32) -> FR<Fd> {
    desc(rep).map(|d| d.0)
}

/// A path below a directory descriptor, through the shared sandbox walk
/// (the descriptor is kept alive with it).
struct At {
    _dir: Fd,
    r: Resolved,
}

impl At {
    fn dir(&self) -> RawFd {
        self.r.dir()
    }
    fn name(&self) -> *const libc::c_char {
        self.r.name.as_ptr()
    }
}

fn at(rep: u32, path: &[u8], follow: bool) -> FR<At> {
    let (fd, k, _) = desc(rep)?;
    if k != kind::DIRECTORY {
        return Err(code::NOT_DIRECTORY);
    }
    let r = resolve(raw(&fd), path, follow).map_err(code_from_error)?;
    Ok(At { _dir: fd, r })
}

fn fstat(fd: RawFd) -> FR<libc::stat> {
    // SAFETY: all-zero is a valid `libc::stat` (plain integers), used as an out-buffer.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: a libc call on a descriptor held meanwhile; its pointers are live locals or C
    // strings.
    host(unsafe { libc::fstat(fd, &mut st) })?;
    Ok(st)
}

fn stat_at(p: &At) -> FR<libc::stat> {
    // SAFETY: all-zero is a valid `libc::stat` (plain integers), used as an out-buffer.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: a libc call on a descriptor held meanwhile; its pointers are live locals or C
    // strings.
    host(unsafe { libc::fstatat(p.dir(), p.name(), &mut st, libc::AT_SYMLINK_NOFOLLOW) })?;
    if p.r.trailing_slash && kind_of(st.st_mode) != kind::DIRECTORY {
        return Err(code::NOT_DIRECTORY);
    }
    Ok(st)
}

fn new_descriptor(fd: OwnedFd, flags: u8) -> FR<u32> {
    let st = fstat(std::os::fd::AsRawFd::as_raw_fd(&fd))?;
    Ok(state::with(|s| {
        s.descriptors.insert(Descriptor {
            fd: Arc::new(fd),
            kind: kind_of(st.st_mode),
            flags,
        })
    }))
}

// ---------------------------------------------------------------------------
// Results. `result<T, error-code>` has its payload at T's alignment.

/// Stores `v` as a `result<T, error-code>` whose payload is at `off`.
unsafe fn ret<T>(r: *mut u8, off: usize, v: FR<T>, ok: impl FnOnce(T)) -> u32 {
    // SAFETY: the caller passes a result area laid out for the function's result type; the offsets
    // written follow it.
    unsafe {
        match v {
            Ok(x) => {
                put(r, 0, 0u8);
                ok(x);
            }
            Err(c) => {
                put(r, 0, 1u8);
                put(r, off, c);
            }
        }
        0
    }
}

unsafe fn ret_unit(r: *mut u8, v: FR<()>) -> u32 {
    // SAFETY: the caller passes a result area laid out for the function's result type; the offsets
    // written follow it.
    unsafe { ret(r, 1, v, |()| {}) }
}

unsafe fn ret_u8(r: *mut u8, v: FR<u8>) -> u32 {
    // SAFETY: the caller passes a result area laid out for the function's result type; the offsets
    // written follow it.
    unsafe { ret(r, 1, v, |x| put(r, 1, x)) }
}

unsafe fn ret_u32(r: *mut u8, v: FR<u32>) -> u32 {
    // SAFETY: the caller passes a result area laid out for the function's result type; the offsets
    // written follow it.
    unsafe { ret(r, 4, v, |x| put(r, 4, x)) }
}

unsafe fn ret_u64(r: *mut u8, v: FR<u64>) -> u32 {
    // SAFETY: the caller passes a result area laid out for the function's result type; the offsets
    // written follow it.
    unsafe { ret(r, 8, v, |x| put(r, 8, x)) }
}

/// `option<datetime>` at `off` (some).
unsafe fn put_time(r: *mut u8, off: usize, s: i64, ns: i64) {
    // SAFETY: the caller passes a result area laid out for the function's result type; the offsets
    // written follow it.
    unsafe {
        put(r, off, 1u8);
        put(r, off + 8, s as u64);
        put(r, off + 16, ns as u32);
    }
}

/// `descriptor-stat` (96 bytes) at `off`.
unsafe fn put_stat(r: *mut u8, off: usize, st: &libc::stat) {
    // SAFETY: the caller passes a result area laid out for the function's result type; the offsets
    // written follow it.
    unsafe {
        put(r, off, kind_of(st.st_mode));
        // `st_nlink` is 32-bit on some targets.
        #[allow(clippy::unnecessary_cast)]
        put(r, off + 8, st.st_nlink as u64);
        put(r, off + 16, st.st_size as u64);
        put_time(r, off + 24, st.st_atime, st.st_atime_nsec);
        put_time(r, off + 48, st.st_mtime, st.st_mtime_nsec);
        put_time(r, off + 72, st.st_ctime, st.st_ctime_nsec);
    }
}

/// `metadata-hash-value` of a file: its device and inode, mixed.
fn hash(st: &libc::stat) -> [u64; 2] {
    let mix = |x: u64| {
        let x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    };
    #[allow(clippy::unnecessary_cast)]
    let (dev, ino) = (st.st_dev as u64, st.st_ino as u64);
    [
        mix(ino ^ mix(dev)),
        mix(dev.wrapping_add(0x9e37_79b9_7f4a_7c15) ^ ino),
    ]
}

// ---------------------------------------------------------------------------
// Descriptor methods. Arguments: `self` (u32) at 0, then per method.

/// `read-via-stream(offset)`: offset at 8 -> `result<input-stream, error-code>`.
pub unsafe fn read_via_stream(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let off: u64 = get(a, 8);
        let v = desc(get(a, 0)).and_then(|(fd, k, _)| {
            if k == kind::DIRECTORY {
                return Err(code::IS_DIRECTORY);
            }
            Ok(state::with(|s| {
                s.inputs.insert(Input::File { fd, pos: off })
            }))
        });
        ret_u32(r, v)
    }
}

/// The descriptor of a write: it must have been opened for writing
/// (`bad-descriptor` otherwise, before anything is written).
fn writable(rep: u32) -> FR<(Fd, u8)> {
    let (fd, k, f) = desc(rep)?;
    if f & flags::WRITE == 0 {
        return Err(code::BAD_DESCRIPTOR);
    }
    Ok((fd, k))
}

unsafe fn output(a: *const u8, r: *mut u8, pos: u64, append: bool) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let v = writable(get(a, 0)).and_then(|(fd, k)| {
            if k == kind::DIRECTORY {
                return Err(code::IS_DIRECTORY);
            }
            Ok(state::with(|s| {
                s.outputs.insert(Output::File { fd, pos, append })
            }))
        });
        ret_u32(r, v)
    }
}

/// `write-via-stream(offset)`: offset at 8.
pub unsafe fn write_via_stream(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { output(a, r, get(a, 8), false) }
}

pub unsafe fn append_via_stream(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { output(a, r, 0, true) }
}

/// `advise(offset, length, advice)`: a hint, accepted and ignored.
pub unsafe fn advise(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { ret_unit(r, fd_of(get(a, 0)).map(drop)) }
}

pub unsafe fn sync_data(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        ret_unit(
            r,
            fd_of(get(a, 0)).and_then(|fd| host(libc::fdatasync(raw(&fd))).map(drop)),
        )
    }
}

pub unsafe fn sync(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        ret_unit(
            r,
            fd_of(get(a, 0)).and_then(|fd| host(libc::fsync(raw(&fd))).map(drop)),
        )
    }
}

pub unsafe fn get_flags(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { ret_u8(r, desc(get(a, 0)).map(|d| d.2)) }
}

pub unsafe fn get_type(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { ret_u8(r, desc(get(a, 0)).map(|d| d.1)) }
}

/// `set-size(size)`: size at 8.
pub unsafe fn set_size(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let size: u64 = get(a, 8);
        let v = fd_of(get(a, 0)).and_then(|fd| {
            let size = i64::try_from(size).map_err(|_| code::FILE_TOO_LARGE)?;
            host(libc::ftruncate(raw(&fd), size)).map(drop)
        });
        ret_unit(r, v)
    }
}

/// `new-timestamp` (24 bytes) at `off` as a `timespec` for `utimensat`.
unsafe fn timespec(a: *const u8, off: usize) -> libc::timespec {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        match get::<u8>(a, off) {
            0 => libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            },
            1 => libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_NOW,
            },
            _ => libc::timespec {
                tv_sec: get::<u64>(a, off + 8) as i64,
                tv_nsec: get::<u32>(a, off + 16) as i64,
            },
        }
    }
}

/// `set-times(atime, mtime)`: new-timestamps at 8 and 32.
pub unsafe fn set_times(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let ts = [timespec(a, 8), timespec(a, 32)];
        let v =
            fd_of(get(a, 0)).and_then(|fd| host(libc::futimens(raw(&fd), ts.as_ptr())).map(drop));
        ret_unit(r, v)
    }
}

/// `set-times-at(path-flags, path, atime, mtime)`: flags at 4, path at 8,
/// new-timestamps at 24 and 48.
pub unsafe fn set_times_at(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let ts = [timespec(a, 24), timespec(a, 48)];
        let follow = get::<u8>(a, 4) & SYMLINK_FOLLOW != 0;
        let v = at(get(a, 0), bytes(a, 8), follow).and_then(|p| {
            host(libc::utimensat(
                p.dir(),
                p.name(),
                ts.as_ptr(),
                libc::AT_SYMLINK_NOFOLLOW,
            ))
            .map(drop)
        });
        ret_unit(r, v)
    }
}

/// `read(length, offset)`: length at 8, offset at 16 ->
/// `result<tuple<list<u8>, bool>, error-code>` (payload at 8: list, then
/// the end-of-file flag at 24).
pub unsafe fn read(ctx: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let (len, off): (u64, u64) = (get(a, 8), get(a, 16));
        let v = fd_of(get(a, 0)).and_then(|fd| {
            let want = len.min(READ_MAX) as usize;
            let mut b = vec![0u8; want];
            let off = i64::try_from(off).map_err(|_| code::INVALID)?;
            let n = host(libc::pread(raw(&fd), b.as_mut_ptr().cast(), want, off))? as usize;
            b.truncate(n);
            Ok((b, n < want || want == 0 && len > 0))
        });
        ret(r, 8, v, |(b, eof)| {
            put_bytes(ctx, r, 8, &b);
            put(r, 24, eof as u8);
        })
    }
}

/// `write(buffer, offset)`: list at 8, offset at 24 -> `result<filesize, error-code>`.
pub unsafe fn write(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let (b, off): (&[u8], u64) = (bytes(a, 8), get(a, 24));
        let v = writable(get(a, 0)).and_then(|(fd, _)| {
            let off = i64::try_from(off).map_err(|_| code::INVALID)?;
            host(libc::pwrite(raw(&fd), b.as_ptr().cast(), b.len(), off)).map(|n| n as u64)
        });
        ret_u64(r, v)
    }
}

fn dirent_kind(dir: RawFd, d_type: u8, name: &CString) -> u8 {
    match d_type {
        libc::DT_DIR => kind::DIRECTORY,
        libc::DT_REG => kind::REGULAR_FILE,
        libc::DT_LNK => kind::SYMBOLIC_LINK,
        libc::DT_CHR => kind::CHARACTER_DEVICE,
        libc::DT_BLK => kind::BLOCK_DEVICE,
        libc::DT_FIFO => kind::FIFO,
        libc::DT_SOCK => kind::SOCKET,
        _ => {
            // SAFETY: all-zero is a valid `libc::stat` (plain integers), used as an out-buffer.
            let mut st: libc::stat = unsafe { core::mem::zeroed() };
            let r =
                // SAFETY: a libc call on a descriptor held meanwhile; its pointers are live locals
                // or C strings.
                unsafe { libc::fstatat(dir, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) };
            if r < 0 {
                kind::UNKNOWN
            } else {
                kind_of(st.st_mode)
            }
        }
    }
}

/// The entries of directory `fd` except `.` and `..`.
fn list_dir(fd: RawFd) -> FR<Vec<(u8, String)>> {
    // SAFETY: a libc call on a descriptor held meanwhile; its pointers are live locals or C
    // strings.
    let h = host(unsafe {
        libc::openat(
            fd,
            c".".as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    })?;
    // SAFETY: the stream or descriptor is ours and is not used again.
    let d = unsafe { libc::fdopendir(h) };
    if d.is_null() {
        let e = last_errno();
        // SAFETY: the stream or descriptor is ours and is not used again.
        unsafe { libc::close(h) };
        return Err(code_from_host(e));
    }
    let mut out = Vec::new();
    loop {
        // SAFETY: `dir` is an open directory stream owned by this function.
        let e = unsafe { libc::readdir(d) };
        if e.is_null() {
            break;
        }
        // SAFETY: `readdir` returned a non-null entry, valid until the next `readdir` on this
        // stream.
        let name = unsafe { core::ffi::CStr::from_ptr((*e).d_name.as_ptr()) };
        let b = name.to_bytes();
        if b == b"." || b == b".." {
            continue;
        }
        // SAFETY: `readdir` returned a non-null entry, valid until the next `readdir` on this
        // stream.
        let k = dirent_kind(h, unsafe { (*e).d_type }, &name.to_owned());
        out.push((k, String::from_utf8_lossy(b).into_owned()));
    }
    // SAFETY: the stream or descriptor is ours and is not used again.
    unsafe { libc::closedir(d) };
    Ok(out)
}

pub unsafe fn read_directory(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let v = desc(get(a, 0)).and_then(|(fd, k, _)| {
            if k != kind::DIRECTORY {
                return Err(code::NOT_DIRECTORY);
            }
            let entries = list_dir(raw(&fd))?;
            Ok(state::with(|s| {
                s.dirs.insert(DirStream { entries, next: 0 })
            }))
        });
        ret_u32(r, v)
    }
}

/// `read-directory-entry() -> result<option<directory-entry>, error-code>`:
/// option at 8, entry at 16 (type at 16, name at 24).
pub unsafe fn read_directory_entry(ctx: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let rep: u32 = get(a, 0);
        let v = state::with(|s| {
            let d = s.dirs.get(rep).ok_or(code::BAD_DESCRIPTOR)?;
            let e = d.entries.get(d.next).cloned();
            d.next += e.is_some() as usize;
            Ok(e)
        });
        ret(r, 8, v, |e| match e {
            None => put(r, 8, 0u8),
            Some((k, name)) => {
                put(r, 8, 1u8);
                put(r, 16, k);
                put_bytes(ctx, r, 24, name.as_bytes());
            }
        })
    }
}

/// `create-directory-at(path)`: path at 8.
pub unsafe fn create_directory_at(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let v = at(get(a, 0), bytes(a, 8), false)
            .and_then(|p| host(libc::mkdirat(p.dir(), p.name(), 0o777)).map(drop));
        ret_unit(r, v)
    }
}

pub unsafe fn stat(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let v = fd_of(get(a, 0)).and_then(|fd| fstat(raw(&fd)));
        ret(r, 8, v, |st| put_stat(r, 8, &st))
    }
}

/// `stat-at(path-flags, path)`: flags at 4, path at 8.
pub unsafe fn stat_at_fn(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let follow = get::<u8>(a, 4) & SYMLINK_FOLLOW != 0;
        let v = at(get(a, 0), bytes(a, 8), follow).and_then(|p| stat_at(&p));
        ret(r, 8, v, |st| put_stat(r, 8, &st))
    }
}

/// `link-at(old-path-flags, old-path, new-descriptor, new-path)`: flags at
/// 4, old path at 8, descriptor at 24, new path at 32.
pub unsafe fn link_at(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let follow = get::<u8>(a, 4) & SYMLINK_FOLLOW != 0;
        let v = (|| {
            let old = at(get(a, 0), bytes(a, 8), follow)?;
            let new = at(get(a, 24), bytes(a, 32), false)?;
            host(libc::linkat(
                old.dir(),
                old.name(),
                new.dir(),
                new.name(),
                0,
            ))
            .map(drop)
        })();
        ret_unit(r, v)
    }
}

/// `open-at(path-flags, path, open-flags, descriptor-flags)`: path flags at
/// 4, path at 8, open flags at 24, descriptor flags at 25 ->
/// `result<descriptor, error-code>`.
pub unsafe fn open_at(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let (pflags, oflags, dflags): (u8, u8, u8) = (get(a, 4), get(a, 24), get(a, 25));
        let v = (|| {
            let (_, _, parent) = desc(get(a, 0))?;
            let p = at(get(a, 0), bytes(a, 8), pflags & SYMLINK_FOLLOW != 0)?;
            let read = dflags & flags::READ != 0;
            let write = dflags & flags::WRITE != 0;
            let mut f = libc::O_NOFOLLOW | libc::O_CLOEXEC;
            f |= match (read, write) {
                (_, false) => libc::O_RDONLY,
                (false, true) => libc::O_WRONLY,
                (true, true) => libc::O_RDWR,
            };
            if oflags & OPEN_DIRECTORY != 0 || p.r.trailing_slash {
                if write {
                    return Err(code::IS_DIRECTORY);
                }
                f |= libc::O_DIRECTORY;
            }
            if oflags & OPEN_CREATE != 0 {
                f |= libc::O_CREAT;
            }
            if oflags & OPEN_EXCLUSIVE != 0 {
                f |= libc::O_EXCL;
            }
            if oflags & OPEN_TRUNCATE != 0 {
                f |= libc::O_TRUNC;
            }
            if dflags & flags::FILE_INTEGRITY_SYNC != 0 {
                f |= libc::O_SYNC;
            } else if dflags & flags::DATA_INTEGRITY_SYNC != 0 {
                f |= libc::O_DSYNC;
            }
            let h = host(libc::openat(p.dir(), p.name(), f, 0o666 as libc::c_uint))?;
            let fd = OwnedFd::from_raw_fd(h);
            // A child may mutate directories only if its parent may.
            let keep = !flags::MUTATE_DIRECTORY | (parent & flags::MUTATE_DIRECTORY);
            new_descriptor(fd, dflags & keep)
        })();
        ret_u32(r, v)
    }
}

/// `readlink-at(path)`: path at 8 -> `result<string, error-code>`.
pub unsafe fn readlink_at(ctx: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let v = at(get(a, 0), bytes(a, 8), false).and_then(|p| {
            let mut buf = vec![0u8; 4096];
            let n = host(libc::readlinkat(
                p.dir(),
                p.name(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            ))?;
            buf.truncate(n as usize);
            Ok(String::from_utf8_lossy(&buf).into_owned())
        });
        ret(r, 8, v, |s| put_bytes(ctx, r, 8, s.as_bytes()))
    }
}

unsafe fn unlink(a: *const u8, flag: i32) -> FR<()> {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let p = at(get(a, 0), bytes(a, 8), false)?;
        if flag == 0 && p.r.trailing_slash {
            return Err(code::NOT_DIRECTORY);
        }
        host(libc::unlinkat(p.dir(), p.name(), flag)).map(drop)
    }
}

/// `remove-directory-at(path)`: path at 8.
pub unsafe fn remove_directory_at(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { ret_unit(r, unlink(a, libc::AT_REMOVEDIR)) }
}

/// `unlink-file-at(path)`: path at 8.
pub unsafe fn unlink_file_at(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe { ret_unit(r, unlink(a, 0)) }
}

/// `rename-at(old-path, new-descriptor, new-path)`: old path at 8,
/// descriptor at 24, new path at 32.
pub unsafe fn rename_at(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let v = (|| {
            let old = at(get(a, 0), bytes(a, 8), false)?;
            let new = at(get(a, 24), bytes(a, 32), false)?;
            host(libc::renameat(old.dir(), old.name(), new.dir(), new.name())).map(drop)
        })();
        ret_unit(r, v)
    }
}

/// `symlink-at(old-path, new-path)`: target at 8, path at 24. An absolute
/// target could never be followed inside the sandbox.
pub unsafe fn symlink_at(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let v = (|| {
            let target = bytes(a, 8);
            if target.starts_with(b"/") {
                return Err(code::NOT_PERMITTED);
            }
            let target = CString::new(target).map_err(|_| code::ILLEGAL_BYTE_SEQUENCE)?;
            let p = at(get(a, 0), bytes(a, 24), false)?;
            host(libc::symlinkat(target.as_ptr(), p.dir(), p.name())).map(drop)
        })();
        ret_unit(r, v)
    }
}

/// `is-same-object(other)`: other at 4 -> bool.
pub unsafe fn is_same_object(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let same = (|| {
            let x = fstat(raw(&fd_of(get(a, 0))?))?;
            let y = fstat(raw(&fd_of(get(a, 4))?))?;
            Ok::<_, u8>(x.st_dev == y.st_dev && x.st_ino == y.st_ino)
        })();
        put(r, 0, same.unwrap_or(false) as u8);
        0
    }
}

/// `-> result<metadata-hash-value, error-code>` (payload at 8).
pub unsafe fn metadata_hash(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let v = fd_of(get(a, 0)).and_then(|fd| fstat(raw(&fd)));
        ret(r, 8, v, |st| put(r, 8, hash(&st)))
    }
}

/// `metadata-hash-at(path-flags, path)`: flags at 4, path at 8.
pub unsafe fn metadata_hash_at(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let follow = get::<u8>(a, 4) & SYMLINK_FOLLOW != 0;
        let v = at(get(a, 0), bytes(a, 8), follow).and_then(|p| stat_at(&p));
        ret(r, 8, v, |st| put(r, 8, hash(&st)))
    }
}

pub unsafe fn drop_descriptor(_: *mut c_void, rep: u32) {
    state::with(|s| s.descriptors.remove(rep));
}

pub unsafe fn drop_dir_stream(_: *mut c_void, rep: u32) {
    state::with(|s| s.dirs.remove(rep));
}

/// `filesystem-error-code(err: borrow<error>) -> option<error-code>`.
pub unsafe fn filesystem_error_code(_: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let rep: u32 = get(a, 0);
        match state::with(|s| s.errors.get(rep).and_then(|e| e.code)) {
            Some(c) => {
                put(r, 0, 1u8);
                put(r, 1, c);
            }
            None => put(r, 0, 0u8),
        }
        0
    }
}

/// `get-directories() -> list<tuple<descriptor, string>>` (elements of 24
/// bytes: handle at 0, name at 8): the host's preopens, each a new
/// descriptor on a duplicate of its fd.
pub unsafe fn get_directories(ctx: *mut c_void, _a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: `ctx` is the calling component context and `a`/`r` are the argument and result areas
    // of this function's WIT type (the host-call contract in `abi::component`); the offsets used
    // follow that layout.
    unsafe {
        let mut dirs = Vec::new();
        for host::Preopen { fd, guest: name } in host::preopens() {
            let h = libc::fcntl(raw(&fd), libc::F_DUPFD_CLOEXEC, 3);
            if h < 0 {
                continue;
            }
            let f = flags::READ | flags::MUTATE_DIRECTORY;
            if let Ok(rep) = new_descriptor(OwnedFd::from_raw_fd(h), f) {
                dirs.push((rep, String::from_utf8_lossy(&name).into_owned()));
            }
        }
        put_list(ctx, r, 0, dirs.len(), 24, 8, |e, i| {
            put(e, 0, dirs[i].0);
            put_bytes(ctx, e, 8, dirs[i].1.as_bytes());
        });
        0
    }
}
