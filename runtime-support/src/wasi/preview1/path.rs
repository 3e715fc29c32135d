//! `path_*` functions and the sandbox: every guest path is resolved
//! relative to a directory descriptor, one component at a time with
//! `openat(O_NOFOLLOW)`, never by the host's path lookup. Absolute paths,
//! `..` above the starting directory and symlinks leading out of it are
//! `notcapable`.

use super::errno::{check, ret, ILSEQ, INVAL, LOOP, NOENT, NOTCAPABLE, NOTDIR, R};
use super::fd::{filestat_bytes, timespecs, FILETYPE_DIRECTORY};
use super::mem::Mem;
use super::state::{self, Entry, Host};
use core::ffi::c_void;
use std::collections::VecDeque;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

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
/// Symlinks expanded in one lookup before `loop`.
const MAX_SYMLINKS: u32 = 40;

/// A resolved path: the directory holding the last component, and its name
/// (`.` for the directory itself). Operations use `*at(dir, name)` without
/// following a symlink in `name`.
pub struct Resolved {
    /// directories entered below the starting one (the last is `dir`)
    stack: Vec<OwnedFd>,
    base: RawFd,
    pub name: CString,
    /// the path ended with `/`: the target must be a directory
    pub trailing_slash: bool,
}

impl Resolved {
    pub fn dir(&self) -> RawFd {
        self.stack.last().map_or(self.base, |f| f.as_raw_fd())
    }
}

fn cstr(b: &[u8]) -> R<CString> {
    CString::new(b).map_err(|_| ILSEQ)
}

fn lstat_at(dir: RawFd, name: &CString) -> R<libc::stat> {
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    check(unsafe { libc::fstatat(dir, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) })?;
    Ok(st)
}

fn readlink_at(dir: RawFd, name: &CString) -> R<Vec<u8>> {
    let mut buf = vec![0u8; 4096];
    let n =
        check(unsafe { libc::readlinkat(dir, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) })?;
    buf.truncate(n as usize);
    Ok(buf)
}

/// Resolves `path` below directory `base`. Symlinks in the middle of the
/// path are always followed (inside the sandbox); the last one only with
/// `follow` or a trailing `/`.
pub fn resolve(base: RawFd, path: &[u8], follow: bool) -> R<Resolved> {
    if path.is_empty() {
        return Err(NOENT);
    }
    if path.contains(&0) {
        return Err(ILSEQ);
    }
    let mut r = Resolved {
        stack: Vec::new(),
        base,
        name: CString::from(c"."),
        trailing_slash: path.ends_with(b"/"),
    };
    let mut pending: VecDeque<Vec<u8>> = VecDeque::new();
    push_front(&mut pending, path)?;
    let mut links = 0;
    while let Some(comp) = pending.pop_front() {
        let last = pending.is_empty();
        match &comp[..] {
            b"." => {}
            b".." => {
                if r.stack.pop().is_none() {
                    return Err(NOTCAPABLE);
                }
            }
            _ => {
                let name = cstr(&comp)?;
                if last && !follow && !r.trailing_slash {
                    r.name = name;
                    return Ok(r);
                }
                let st = lstat_at(r.dir(), &name);
                let is_link = matches!(&st, Ok(s) if s.st_mode & libc::S_IFMT == libc::S_IFLNK);
                if is_link {
                    links += 1;
                    if links > MAX_SYMLINKS {
                        return Err(LOOP);
                    }
                    let target = readlink_at(r.dir(), &name)?;
                    push_front(&mut pending, &target)?;
                    continue;
                }
                if last {
                    // Missing is fine here: the operation may create it.
                    r.name = name;
                    return Ok(r);
                }
                st?;
                let fd = check(unsafe {
                    libc::openat(
                        r.dir(),
                        name.as_ptr(),
                        libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                    )
                })?;
                r.stack.push(unsafe { OwnedFd::from_raw_fd(fd) });
            }
        }
    }
    r.name = CString::from(c".");
    Ok(r)
}

/// Queues the components of `path` (a guest path or a symlink target)
/// before the remaining ones. Absolute paths leave the sandbox.
fn push_front(pending: &mut VecDeque<Vec<u8>>, path: &[u8]) -> R<()> {
    if path.starts_with(b"/") {
        return Err(NOTCAPABLE);
    }
    for c in path.split(|&b| b == b'/').filter(|c| !c.is_empty()).rev() {
        pending.push_front(c.to_vec());
    }
    Ok(())
}

/// Resolves a guest path (`ptr`, `len`) below directory descriptor `fd`.
unsafe fn guest_path(vmctx: *mut c_void, fd: i32, ptr: i32, len: i32, follow: bool) -> R<Resolved> {
    let m = Mem::of(vmctx)?;
    let path = m.bytes(ptr as u32, len as u32)?;
    let base = state::with(|c| c.dir(fd))?;
    resolve(base, &path, follow)
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
            & (RIGHT_FD_DATASYNC | RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FD_FILESTAT_SET_SIZE)
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
                host: Host::Owned(owned),
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

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_path_create_directory(
    vmctx: *mut c_void,
    fd: i32,
    path: i32,
    path_len: i32,
) -> i32 {
    ret((|| {
        let r = guest_path(vmctx, fd, path, path_len, false)?;
        check(libc::mkdirat(r.dir(), r.name.as_ptr(), 0o777)).map(drop)
    })())
}

unsafe fn unlink(vmctx: *mut c_void, fd: i32, path: i32, len: i32, flags: i32) -> R<()> {
    let r = guest_path(vmctx, fd, path, len, false)?;
    if flags == 0 && r.trailing_slash {
        return Err(NOTDIR);
    }
    check(libc::unlinkat(r.dir(), r.name.as_ptr(), flags)).map(drop)
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_path_remove_directory(
    vmctx: *mut c_void,
    fd: i32,
    path: i32,
    path_len: i32,
) -> i32 {
    ret(unlink(vmctx, fd, path, path_len, libc::AT_REMOVEDIR))
}

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_path_unlink_file(
    vmctx: *mut c_void,
    fd: i32,
    path: i32,
    path_len: i32,
) -> i32 {
    ret(unlink(vmctx, fd, path, path_len, 0))
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

#[no_mangle]
pub unsafe extern "C" fn wacc_import_22_wasi_snapshot_preview1_path_symlink(
    vmctx: *mut c_void,
    old_path: i32,
    old_len: i32,
    fd: i32,
    new_path: i32,
    new_len: i32,
) -> i32 {
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
    ret((|| {
        let m = Mem::of(vmctx)?;
        let r = guest_path(vmctx, fd, path, path_len, false)?;
        let target = readlink_at(r.dir(), &r.name)?;
        let n = target.len().min(buf_len as u32 as usize);
        m.write(buf as u32, &target[..n])?;
        m.put_u32(bufused as u32, n as u32)
    })())
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn open_dir(p: &std::path::Path) -> OwnedFd {
        let c = CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY) };
        assert!(fd >= 0);
        unsafe { OwnedFd::from_raw_fd(fd) }
    }

    #[test]
    fn resolution_stays_inside() {
        let root = std::env::temp_dir().join(format!("wacc-wasi-path-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("pre/a/b")).unwrap();
        std::fs::create_dir_all(root.join("out")).unwrap();
        symlink("a/b", root.join("pre/ab")).unwrap();
        symlink("../out", root.join("pre/up")).unwrap();
        symlink("/tmp", root.join("pre/abs")).unwrap();
        symlink("loop", root.join("pre/loop")).unwrap();
        let pre = open_dir(&root.join("pre"));
        let base = pre.as_raw_fd();
        let ok = |p: &[u8], follow| resolve(base, p, follow).map(|r| r.name.into_bytes());
        assert_eq!(ok(b"a/b/c", false), Ok(b"c".to_vec()));
        assert_eq!(ok(b"a/../a/./b", false), Ok(b"b".to_vec()));
        assert_eq!(ok(b"a/..", false), Ok(b".".to_vec()));
        assert_eq!(ok(b"ab/x", false), Ok(b"x".to_vec()));
        assert_eq!(ok(b"up", false), Ok(b"up".to_vec()));
        assert_eq!(ok(b"up", true).err(), Some(NOTCAPABLE));
        assert_eq!(ok(b"up/x", false).err(), Some(NOTCAPABLE));
        assert_eq!(ok(b"abs/x", false).err(), Some(NOTCAPABLE));
        assert_eq!(ok(b"..", false).err(), Some(NOTCAPABLE));
        assert_eq!(ok(b"a/../../out", false).err(), Some(NOTCAPABLE));
        assert_eq!(ok(b"/etc/passwd", false).err(), Some(NOTCAPABLE));
        assert_eq!(ok(b"", false).err(), Some(NOENT));
        assert_eq!(ok(b"loop", true).err(), Some(LOOP));
        assert_eq!(ok(b"missing/x", false).err(), Some(NOENT));
        assert!(resolve(base, b"a/", false).unwrap().trailing_slash);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
