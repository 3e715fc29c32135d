//! `fd_*` functions: reading, writing, seeking and describing descriptors.

use super::errno::{self, check, ret, BADF, INVAL, NOTDIR, R};
use super::mem::Mem;
use super::state::{self, DirEntry, Entry};
use core::ffi::c_void;

pub const FILETYPE_UNKNOWN: u8 = 0;
pub const FILETYPE_BLOCK_DEVICE: u8 = 1;
pub const FILETYPE_CHARACTER_DEVICE: u8 = 2;
pub const FILETYPE_DIRECTORY: u8 = 3;
pub const FILETYPE_REGULAR_FILE: u8 = 4;
pub const FILETYPE_SOCKET_STREAM: u8 = 6;
pub const FILETYPE_SYMBOLIC_LINK: u8 = 7;

const FDFLAGS_APPEND: u16 = 1;
const FDFLAGS_DSYNC: u16 = 2;
const FDFLAGS_NONBLOCK: u16 = 4;
const FDFLAGS_RSYNC: u16 = 8;
const FDFLAGS_SYNC: u16 = 16;

pub const FSTFLAGS_ATIM: i32 = 1;
pub const FSTFLAGS_ATIM_NOW: i32 = 2;
pub const FSTFLAGS_MTIM: i32 = 4;
pub const FSTFLAGS_MTIM_NOW: i32 = 8;

pub fn filetype(mode: libc::mode_t) -> u8 {
    match mode & libc::S_IFMT {
        libc::S_IFREG => FILETYPE_REGULAR_FILE,
        libc::S_IFDIR => FILETYPE_DIRECTORY,
        libc::S_IFCHR => FILETYPE_CHARACTER_DEVICE,
        libc::S_IFBLK => FILETYPE_BLOCK_DEVICE,
        libc::S_IFLNK => FILETYPE_SYMBOLIC_LINK,
        libc::S_IFSOCK => FILETYPE_SOCKET_STREAM,
        _ => FILETYPE_UNKNOWN,
    }
}

/// witx `$filestat` (64 bytes).
pub fn filestat_bytes(st: &libc::stat) -> [u8; 64] {
    let ns = |s: i64, n: i64| {
        (s as u64)
            .wrapping_mul(1_000_000_000)
            .wrapping_add(n as u64)
    };
    let mut b = [0u8; 64];
    b[0..8].copy_from_slice(&st.st_dev.to_le_bytes());
    b[8..16].copy_from_slice(&st.st_ino.to_le_bytes());
    b[16] = filetype(st.st_mode);
    // `st_nlink` is 32-bit on some targets.
    #[allow(clippy::unnecessary_cast)]
    let nlink = st.st_nlink as u64;
    b[24..32].copy_from_slice(&nlink.to_le_bytes());
    b[32..40].copy_from_slice(&(st.st_size as u64).to_le_bytes());
    b[40..48].copy_from_slice(&ns(st.st_atime, st.st_atime_nsec).to_le_bytes());
    b[48..56].copy_from_slice(&ns(st.st_mtime, st.st_mtime_nsec).to_le_bytes());
    b[56..64].copy_from_slice(&ns(st.st_ctime, st.st_ctime_nsec).to_le_bytes());
    b
}

pub fn fstat(fd: i32) -> R<libc::stat> {
    // SAFETY: all-zero is a valid `libc::stat` (plain integers), used as an out-buffer.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: a libc call on a descriptor held meanwhile; its pointers are live locals or C
    // strings.
    check(unsafe { libc::fstat(fd, &mut st) })?;
    Ok(st)
}

/// `timespec`s for `futimens`/`utimensat` from preview1 times and `$fstflags`.
pub fn timespecs(atim: i64, mtim: i64, flags: i32) -> R<[libc::timespec; 2]> {
    let one = |t: i64, set: i32, now: i32| -> R<libc::timespec> {
        if flags & set != 0 && flags & now != 0 {
            return Err(INVAL);
        }
        let t = t as u64;
        Ok(if flags & set != 0 {
            libc::timespec {
                tv_sec: (t / 1_000_000_000) as i64,
                tv_nsec: (t % 1_000_000_000) as i64,
            }
        } else if flags & now != 0 {
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_NOW,
            }
        } else {
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            }
        })
    };
    if flags & !0xf != 0 {
        return Err(INVAL);
    }
    Ok([
        one(atim, FSTFLAGS_ATIM, FSTFLAGS_ATIM_NOW)?,
        one(mtim, FSTFLAGS_MTIM, FSTFLAGS_MTIM_NOW)?,
    ])
}

/// Retries a syscall interrupted by a signal.
fn retry(mut f: impl FnMut() -> isize) -> R<usize> {
    loop {
        let r = f();
        if r >= 0 {
            return Ok(r as usize);
        }
        let e = errno::last();
        if e != errno::INTR {
            return Err(e);
        }
    }
}

unsafe fn rw(
    vmctx: *mut c_void,
    fd: i32,
    iovs: i32,
    n: i32,
    out: i32,
    op: impl Fn(i32, &[libc::iovec]) -> isize,
) -> R<()> {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        let m = Mem::of(vmctx)?;
        let v = m.iovecs(iovs as u32, n as u32)?;
        let host = state::with(|c| {
            let e = c.get(fd)?;
            if e.is_dir {
                return Err(errno::ISDIR);
            }
            Ok(e.raw())
        })?;
        let n = if v.is_empty() {
            0
        } else {
            retry(|| op(host, &v))?
        };
        m.put_u32(out as u32, n as u32)
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_write(
    vmctx: *mut c_void,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nwritten: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret(rw(vmctx, fd, iovs, iovs_len, nwritten, |h, v| {
            libc::writev(h, v.as_ptr(), v.len().min(1024) as i32)
        }))
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_read(
    vmctx: *mut c_void,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nread: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret(rw(vmctx, fd, iovs, iovs_len, nread, |h, v| {
            libc::readv(h, v.as_ptr(), v.len().min(1024) as i32)
        }))
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_pwrite(
    vmctx: *mut c_void,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    offset: i64,
    nwritten: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        if offset < 0 {
            return INVAL as i32;
        }
        ret(rw(vmctx, fd, iovs, iovs_len, nwritten, |h, v| {
            libc::pwritev(h, v.as_ptr(), v.len().min(1024) as i32, offset)
        }))
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_pread(
    vmctx: *mut c_void,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    offset: i64,
    nread: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        if offset < 0 {
            return INVAL as i32;
        }
        ret(rw(vmctx, fd, iovs, iovs_len, nread, |h, v| {
            libc::preadv(h, v.as_ptr(), v.len().min(1024) as i32, offset)
        }))
    }
}

fn seek(fd: i32, offset: i64, whence: i32) -> R<u64> {
    let whence = match whence {
        0 => libc::SEEK_SET,
        1 => libc::SEEK_CUR,
        2 => libc::SEEK_END,
        _ => return Err(INVAL),
    };
    let host = state::with(|c| {
        let e = c.get(fd)?;
        if e.is_dir {
            return Err(BADF);
        }
        Ok(e.raw())
    })?;
    // SAFETY: a libc call on a descriptor held meanwhile; its pointers are live locals or C
    // strings.
    Ok(check(unsafe { libc::lseek(host, offset, whence) })? as u64)
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_seek(
    vmctx: *mut c_void,
    fd: i32,
    offset: i64,
    whence: i32,
    newoffset: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let m = Mem::of(vmctx)?;
            let pos = seek(fd, offset, whence)?;
            m.put_u64(newoffset as u32, pos)
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_tell(
    vmctx: *mut c_void,
    fd: i32,
    offset: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let m = Mem::of(vmctx)?;
            let pos = seek(fd, 0, 1)?;
            m.put_u64(offset as u32, pos)
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_close(
    _vmctx: *mut c_void,
    fd: i32,
) -> i32 {
    // Dropping the entry closes an owned host descriptor.
    ret(state::with(|c| {
        c.get(fd)?;
        c.fds[fd as usize] = None;
        Ok(())
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_renumber(
    _vmctx: *mut c_void,
    from: i32,
    to: i32,
) -> i32 {
    ret(state::with(|c| {
        c.get(from)?;
        c.get(to)?;
        if from != to {
            let e = c.fds[from as usize].take();
            c.fds[to as usize] = e;
        }
        Ok(())
    }))
}

fn sync(fd: i32, data_only: bool) -> R<()> {
    let h = state::host_fd(fd)?;
    // SAFETY: a libc call on a descriptor held meanwhile; its pointers are live locals or C
    // strings.
    check(unsafe {
        if data_only {
            libc::fdatasync(h)
        } else {
            libc::fsync(h)
        }
    })
    .map(drop)
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_sync(
    _vmctx: *mut c_void,
    fd: i32,
) -> i32 {
    ret(sync(fd, false))
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_datasync(
    _vmctx: *mut c_void,
    fd: i32,
) -> i32 {
    ret(sync(fd, true))
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_fdstat_get(
    vmctx: *mut c_void,
    fd: i32,
    out: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let m = Mem::of(vmctx)?;
            let (h, base, inh) = state::with(|c| {
                let e = c.get(fd)?;
                Ok((e.raw(), e.rights_base, e.rights_inheriting))
            })?;
            let st = fstat(h)?;
            let fl = check(libc::fcntl(h, libc::F_GETFL))?;
            let mut flags = 0u16;
            if fl & libc::O_APPEND != 0 {
                flags |= FDFLAGS_APPEND;
            }
            if fl & libc::O_NONBLOCK != 0 {
                flags |= FDFLAGS_NONBLOCK;
            }
            if fl & libc::O_SYNC == libc::O_SYNC {
                flags |= FDFLAGS_SYNC | FDFLAGS_RSYNC;
            } else if fl & libc::O_DSYNC != 0 {
                flags |= FDFLAGS_DSYNC;
            }
            let mut b = [0u8; 24];
            b[0] = filetype(st.st_mode);
            b[2..4].copy_from_slice(&flags.to_le_bytes());
            b[8..16].copy_from_slice(&base.to_le_bytes());
            b[16..24].copy_from_slice(&inh.to_le_bytes());
            m.write(out as u32, &b)
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_fdstat_set_flags(
    _vmctx: *mut c_void,
    fd: i32,
    flags: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let h = state::host_fd(fd)?;
            if flags & !0x1f != 0 {
                return Err(INVAL);
            }
            let mut fl = check(libc::fcntl(h, libc::F_GETFL))?;
            fl &= !(libc::O_APPEND | libc::O_NONBLOCK);
            if flags as u16 & FDFLAGS_APPEND != 0 {
                fl |= libc::O_APPEND;
            }
            if flags as u16 & FDFLAGS_NONBLOCK != 0 {
                fl |= libc::O_NONBLOCK;
            }
            check(libc::fcntl(h, libc::F_SETFL, fl)).map(drop)
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_fdstat_set_rights(
    _vmctx: *mut c_void,
    fd: i32,
    base: i64,
    inheriting: i64,
) -> i32 {
    // Rights may only shrink.
    ret(state::with(|c| {
        let e = c.get(fd)?;
        let (b, i) = (base as u64, inheriting as u64);
        if b & !e.rights_base != 0 || i & !e.rights_inheriting != 0 {
            return Err(errno::NOTCAPABLE);
        }
        e.rights_base = b;
        e.rights_inheriting = i;
        Ok(())
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_filestat_get(
    vmctx: *mut c_void,
    fd: i32,
    out: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let m = Mem::of(vmctx)?;
            let st = fstat(state::host_fd(fd)?)?;
            m.write(out as u32, &filestat_bytes(&st))
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_filestat_set_size(
    _vmctx: *mut c_void,
    fd: i32,
    size: i64,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let h = state::host_fd(fd)?;
            check(libc::ftruncate(h, size)).map(drop)
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_filestat_set_times(
    _vmctx: *mut c_void,
    fd: i32,
    atim: i64,
    mtim: i64,
    fst_flags: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let h = state::host_fd(fd)?;
            let ts = timespecs(atim, mtim, fst_flags)?;
            check(libc::futimens(h, ts.as_ptr())).map(drop)
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_advise(
    _vmctx: *mut c_void,
    fd: i32,
    offset: i64,
    len: i64,
    advice: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let h = state::host_fd(fd)?;
            let a = match advice {
                0 => libc::POSIX_FADV_NORMAL,
                1 => libc::POSIX_FADV_SEQUENTIAL,
                2 => libc::POSIX_FADV_RANDOM,
                3 => libc::POSIX_FADV_WILLNEED,
                4 => libc::POSIX_FADV_DONTNEED,
                5 => libc::POSIX_FADV_NOREUSE,
                _ => return Err(INVAL),
            };
            match libc::posix_fadvise(h, offset, len, a) {
                0 => Ok(()),
                e => Err(errno::from_host(e)),
            }
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_allocate(
    _vmctx: *mut c_void,
    fd: i32,
    offset: i64,
    len: i64,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let h = state::host_fd(fd)?;
            match libc::posix_fallocate(h, offset, len) {
                0 => Ok(()),
                e => Err(errno::from_host(e)),
            }
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_prestat_get(
    vmctx: *mut c_void,
    fd: i32,
    out: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let m = Mem::of(vmctx)?;
            let len = state::with(|c| c.get(fd)?.preopen.as_ref().map(|n| n.len()).ok_or(BADF))?;
            let mut b = [0u8; 8];
            b[4..8].copy_from_slice(&(len as u32).to_le_bytes());
            m.write(out as u32, &b)
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_prestat_dir_name(
    vmctx: *mut c_void,
    fd: i32,
    path: i32,
    path_len: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let m = Mem::of(vmctx)?;
            let name = state::with(|c| c.get(fd)?.preopen.clone().ok_or(BADF))?;
            if (path_len as u32 as usize) < name.len() {
                return Err(errno::NAMETOOLONG);
            }
            m.write(path as u32, &name)
        })())
    }
}

/// Reads the whole listing of directory `h` (a fresh descriptor, so the
/// stream position of `h` does not matter).
fn list_dir(h: i32) -> R<Vec<DirEntry>> {
    // SAFETY: a libc call on a descriptor held meanwhile; its pointers are live locals or C
    // strings.
    let fd = check(unsafe {
        libc::openat(
            h,
            c".".as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    })?;
    // SAFETY: the stream or descriptor is ours and is not used again.
    let dir = unsafe { libc::fdopendir(fd) };
    if dir.is_null() {
        let e = errno::last();
        // SAFETY: the stream or descriptor is ours and is not used again.
        unsafe { libc::close(fd) };
        return Err(e);
    }
    let mut out = Vec::new();
    loop {
        // SAFETY: `dir` is an open directory stream owned by this function.
        let d = unsafe { libc::readdir(dir) };
        if d.is_null() {
            break;
        }
        // SAFETY: `readdir` returned a non-null entry, valid until the next `readdir` on this
        // stream.
        let d = unsafe { &*d };
        // SAFETY: `readdir` returned a non-null entry, valid until the next `readdir` on this
        // stream.
        let name = unsafe { core::ffi::CStr::from_ptr(d.d_name.as_ptr()) };
        let filetype = match d.d_type {
            libc::DT_REG => FILETYPE_REGULAR_FILE,
            libc::DT_DIR => FILETYPE_DIRECTORY,
            libc::DT_LNK => FILETYPE_SYMBOLIC_LINK,
            libc::DT_CHR => FILETYPE_CHARACTER_DEVICE,
            libc::DT_BLK => FILETYPE_BLOCK_DEVICE,
            libc::DT_SOCK => FILETYPE_SOCKET_STREAM,
            _ => {
                // SAFETY: all-zero is a valid `libc::stat` (plain integers), used as an out-buffer.
                let mut st: libc::stat = unsafe { core::mem::zeroed() };
                let r =
                    // SAFETY: a libc call on a descriptor held meanwhile; its pointers are live
                    // locals or C strings.
                    unsafe { libc::fstatat(h, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) };
                if r == 0 {
                    filetype(st.st_mode)
                } else {
                    FILETYPE_UNKNOWN
                }
            }
        };
        out.push(DirEntry {
            ino: d.d_ino,
            filetype,
            name: name.to_bytes().to_vec(),
        });
    }
    // SAFETY: the stream or descriptor is ours and is not used again.
    unsafe { libc::closedir(dir) };
    Ok(out)
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_fd_readdir(
    vmctx: *mut c_void,
    fd: i32,
    buf: i32,
    buf_len: i32,
    cookie: i64,
    bufused: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let m = Mem::of(vmctx)?;
            let out = m.slice(buf as u32, buf_len as u32)?;
            let used = state::with(|c| {
                let e: &mut Entry = c.get(fd)?;
                if !e.is_dir {
                    return Err(NOTDIR);
                }
                if cookie == 0 || e.listing.is_none() {
                    e.listing = Some(list_dir(e.raw())?);
                }
                let list = e.listing.as_ref().unwrap();
                let mut used = 0usize;
                for (i, d) in list.iter().enumerate().skip(cookie as u64 as usize) {
                    let mut rec = Vec::with_capacity(24 + d.name.len());
                    rec.extend_from_slice(&(i as u64 + 1).to_le_bytes());
                    rec.extend_from_slice(&d.ino.to_le_bytes());
                    rec.extend_from_slice(&(d.name.len() as u32).to_le_bytes());
                    rec.extend_from_slice(&[d.filetype, 0, 0, 0]);
                    rec.extend_from_slice(&d.name);
                    // A record that does not fit is cut: the guest sees a full
                    // buffer and asks again with a larger one.
                    let n = rec.len().min(out.len() - used);
                    out[used..used + n].copy_from_slice(&rec[..n]);
                    used += n;
                    if used == out.len() {
                        break;
                    }
                }
                Ok(used)
            })?;
            m.put_u32(bufused as u32, used as u32)
        })())
    }
}
