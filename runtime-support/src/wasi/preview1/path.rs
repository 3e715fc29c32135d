//! `path_*` functions. Guest paths go through the shared sandbox walk
//! ([`crate::wasi::sandbox`]); leaving the sandbox is `notcapable`.

use super::errno::{check, ret, INVAL, NOTCAPABLE, NOTDIR, R};
use super::fd::{filestat_bytes, timespecs, FILETYPE_DIRECTORY};
use super::mem::Mem;
use super::state::{self, Entry, Host};
use crate::wasi::sandbox::{cstr, lstat_at, readlink_at, resolve, Resolved};
use core::ffi::c_void;
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::Arc;

const LOOKUP_SYMLINK_FOLLOW: i32 = 1;
const OFLAGS_CREAT: i32 = 1;
const OFLAGS_DIRECTORY: i32 = 2;
const OFLAGS_EXCL: i32 = 4;
const OFLAGS_TRUNC: i32 = 8;
const FDFLAGS_APPEND: i32 = 1;
const FDFLAGS_DSYNC: i32 = 2;
const FDFLAGS_NONBLOCK: i32 = 4;
const FDFLAGS_RSYNC: i32 = 8;
const FDFLAGS_SYNC: i32 = 16;
const RIGHT_FD_DATASYNC: u64 = 1 << 0;
const RIGHT_FD_READ: u64 = 1 << 1;
const RIGHT_FD_WRITE: u64 = 1 << 6;
const RIGHT_FD_ALLOCATE: u64 = 1 << 8;
const RIGHT_FD_READDIR: u64 = 1 << 14;
const RIGHT_FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
/// Resolves a guest path (`ptr`, `len`) below directory descriptor `fd`.
unsafe fn guest_path(vmctx: *mut c_void, fd: i32, ptr: i32, len: i32, follow: bool) -> R<Resolved> {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        let m = Mem::of(vmctx)?;
        let path = m.bytes(ptr as u32, len as u32)?;
        let base = state::with(|c| c.dir(fd))?;
        Ok(resolve(base, &path, follow)?)
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_path_open(
    vmctx: *mut c_void,
    fd: i32,
    dirflags: i32,
    path: i32,
    path_len: i32,
    oflags: i32,
    rights_base: i64,
    rights_inheriting: i64,
    fdflags: i32,
    opened: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let m = Mem::of(vmctx)?;
            let r = guest_path(
                vmctx,
                fd,
                path,
                path_len,
                dirflags & LOOKUP_SYMLINK_FOLLOW != 0,
            )?;
            let base = rights_base as u64;
            let read = base & (RIGHT_FD_READ | RIGHT_FD_READDIR) != 0;
            let write = base
                & (RIGHT_FD_DATASYNC
                    | RIGHT_FD_WRITE
                    | RIGHT_FD_ALLOCATE
                    | RIGHT_FD_FILESTAT_SET_SIZE)
                != 0;
            let mut flags = libc::O_NOFOLLOW | libc::O_CLOEXEC;
            flags |= match (read, write) {
                (_, false) => libc::O_RDONLY,
                (false, true) => libc::O_WRONLY,
                (true, true) => libc::O_RDWR,
            };
            if oflags & OFLAGS_DIRECTORY != 0 || r.trailing_slash {
                if write {
                    return Err(super::errno::ISDIR);
                }
                flags |= libc::O_DIRECTORY;
            }
            if oflags & OFLAGS_CREAT != 0 {
                flags |= libc::O_CREAT;
            }
            if oflags & OFLAGS_EXCL != 0 {
                flags |= libc::O_EXCL;
            }
            if oflags & OFLAGS_TRUNC != 0 {
                flags |= libc::O_TRUNC;
            }
            if oflags & !0xf != 0 || fdflags & !0x1f != 0 {
                return Err(INVAL);
            }
            if fdflags & FDFLAGS_APPEND != 0 {
                flags |= libc::O_APPEND;
            }
            if fdflags & FDFLAGS_NONBLOCK != 0 {
                flags |= libc::O_NONBLOCK;
            }
            if fdflags & (FDFLAGS_SYNC | FDFLAGS_RSYNC) != 0 {
                flags |= libc::O_SYNC;
            } else if fdflags & FDFLAGS_DSYNC != 0 {
                flags |= libc::O_DSYNC;
            }
            let h = check(libc::openat(
                r.dir(),
                r.name.as_ptr(),
                flags,
                0o666 as libc::c_uint,
            ))?;
            let owned = OwnedFd::from_raw_fd(h);
            let st = super::fd::fstat(h)?;
            let is_dir = super::fd::filetype(st.st_mode) == FILETYPE_DIRECTORY;
            let new = state::with(|c| {
                let parent = c.get(fd)?;
                let inh = parent.rights_inheriting;
                c.insert(Entry {
                    host: Host::Owned(Arc::new(owned)),
                    is_dir,
                    preopen: None,
                    rights_base: base & inh,
                    rights_inheriting: rights_inheriting as u64 & inh,
                    listing: None,
                })
            })?;
            m.put_u32(opened as u32, new as u32)
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_path_create_directory(
    vmctx: *mut c_void,
    fd: i32,
    path: i32,
    path_len: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let r = guest_path(vmctx, fd, path, path_len, false)?;
            check(libc::mkdirat(r.dir(), r.name.as_ptr(), 0o777)).map(drop)
        })())
    }
}

unsafe fn unlink(vmctx: *mut c_void, fd: i32, path: i32, len: i32, flags: i32) -> R<()> {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        let r = guest_path(vmctx, fd, path, len, false)?;
        if flags == 0 && r.trailing_slash {
            return Err(NOTDIR);
        }
        check(libc::unlinkat(r.dir(), r.name.as_ptr(), flags)).map(drop)
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_path_remove_directory(
    vmctx: *mut c_void,
    fd: i32,
    path: i32,
    path_len: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe { ret(unlink(vmctx, fd, path, path_len, libc::AT_REMOVEDIR)) }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_path_unlink_file(
    vmctx: *mut c_void,
    fd: i32,
    path: i32,
    path_len: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe { ret(unlink(vmctx, fd, path, path_len, 0)) }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_path_rename(
    vmctx: *mut c_void,
    fd: i32,
    old_path: i32,
    old_len: i32,
    new_fd: i32,
    new_path: i32,
    new_len: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let a = guest_path(vmctx, fd, old_path, old_len, false)?;
            let b = guest_path(vmctx, new_fd, new_path, new_len, false)?;
            check(libc::renameat(
                a.dir(),
                a.name.as_ptr(),
                b.dir(),
                b.name.as_ptr(),
            ))
            .map(drop)
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_path_link(
    vmctx: *mut c_void,
    old_fd: i32,
    old_flags: i32,
    old_path: i32,
    old_len: i32,
    new_fd: i32,
    new_path: i32,
    new_len: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let follow = old_flags & LOOKUP_SYMLINK_FOLLOW != 0;
            let a = guest_path(vmctx, old_fd, old_path, old_len, follow)?;
            let b = guest_path(vmctx, new_fd, new_path, new_len, false)?;
            check(libc::linkat(
                a.dir(),
                a.name.as_ptr(),
                b.dir(),
                b.name.as_ptr(),
                0,
            ))
            .map(drop)
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_path_symlink(
    vmctx: *mut c_void,
    old_path: i32,
    old_len: i32,
    fd: i32,
    new_path: i32,
    new_len: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let m = Mem::of(vmctx)?;
            let target = m.bytes(old_path as u32, old_len as u32)?;
            // An absolute target could never be followed inside the sandbox.
            if target.starts_with(b"/") {
                return Err(NOTCAPABLE);
            }
            let target = cstr(&target)?;
            let r = guest_path(vmctx, fd, new_path, new_len, false)?;
            check(libc::symlinkat(target.as_ptr(), r.dir(), r.name.as_ptr())).map(drop)
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_path_readlink(
    vmctx: *mut c_void,
    fd: i32,
    path: i32,
    path_len: i32,
    buf: i32,
    buf_len: i32,
    bufused: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let m = Mem::of(vmctx)?;
            let r = guest_path(vmctx, fd, path, path_len, false)?;
            let target = readlink_at(r.dir(), &r.name)?;
            let n = target.len().min(buf_len as u32 as usize);
            m.write(buf as u32, &target[..n])?;
            m.put_u32(bufused as u32, n as u32)
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_path_filestat_get(
    vmctx: *mut c_void,
    fd: i32,
    flags: i32,
    path: i32,
    path_len: i32,
    out: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let m = Mem::of(vmctx)?;
            let r = guest_path(
                vmctx,
                fd,
                path,
                path_len,
                flags & LOOKUP_SYMLINK_FOLLOW != 0,
            )?;
            let st = lstat_at(r.dir(), &r.name)?;
            if r.trailing_slash && super::fd::filetype(st.st_mode) != FILETYPE_DIRECTORY {
                return Err(NOTDIR);
            }
            m.write(out as u32, &filestat_bytes(&st))
        })())
    }
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_path_filestat_set_times(
    vmctx: *mut c_void,
    fd: i32,
    flags: i32,
    path: i32,
    path_len: i32,
    atim: i64,
    mtim: i64,
    fst_flags: i32,
) -> i32 {
    // SAFETY: `vmctx` is the calling instance (the import contract in `abi`); guest memory is
    // reached only through `Mem`, which bounds-checks every access.
    unsafe {
        ret((|| {
            let ts = timespecs(atim, mtim, fst_flags)?;
            let r = guest_path(
                vmctx,
                fd,
                path,
                path_len,
                flags & LOOKUP_SYMLINK_FOLLOW != 0,
            )?;
            check(libc::utimensat(
                r.dir(),
                r.name.as_ptr(),
                ts.as_ptr(),
                libc::AT_SYMLINK_NOFOLLOW,
            ))
            .map(drop)
        })())
    }
}
