//! The sandbox walk both fronts resolve guest paths with: every path is
//! resolved below a directory descriptor (a preopen or one opened from it),
//! one component at a time with `openat(O_NOFOLLOW)`, never by the host's
//! path lookup; symlinks are expanded here, inside the sandbox. Absolute
//! paths, `..` above the starting directory and symlinks leading out of it
//! are [`Error::NotCapable`].

use super::error::{check, Error, Result};
use std::collections::VecDeque;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

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

/// `b` as a C string (`EILSEQ` if it holds a NUL).
pub fn cstr(b: &[u8]) -> Result<CString> {
    CString::new(b).map_err(|_| Error::Os(libc::EILSEQ))
}

/// `fstatat` without following a symlink in `name`.
pub fn lstat_at(dir: RawFd, name: &CString) -> Result<libc::stat> {
    // SAFETY: all-zero is a valid `libc::stat` (plain integers), used as an out-buffer.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: a libc call on a descriptor held meanwhile; its pointers are live locals or C
    // strings.
    check(unsafe { libc::fstatat(dir, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) })?;
    Ok(st)
}

/// The target of symlink `name` in `dir`.
pub fn readlink_at(dir: RawFd, name: &CString) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; 4096];
    let n =
        // SAFETY: the buffer pointer and length come from one live slice.
        check(unsafe { libc::readlinkat(dir, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) })?;
    buf.truncate(n as usize);
    Ok(buf)
}

/// Resolves `path` below directory `base`. Symlinks in the middle of the
/// path are always followed (inside the sandbox); the last one only with
/// `follow` or a trailing `/`.
pub fn resolve(base: RawFd, path: &[u8], follow: bool) -> Result<Resolved> {
    if path.is_empty() {
        return Err(Error::Os(libc::ENOENT));
    }
    if path.contains(&0) {
        return Err(Error::Os(libc::EILSEQ));
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
                    return Err(Error::NotCapable);
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
                        return Err(Error::Os(libc::ELOOP));
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
                // SAFETY: a libc call on a descriptor held meanwhile; its pointers are live locals
                // or C strings.
                let fd = check(unsafe {
                    libc::openat(
                        r.dir(),
                        name.as_ptr(),
                        libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                    )
                })?;
                // SAFETY: `fd` was just opened here and nothing else owns it.
                r.stack.push(unsafe { OwnedFd::from_raw_fd(fd) });
            }
        }
    }
    r.name = CString::from(c".");
    Ok(r)
}

/// Queues the components of `path` (a guest path or a symlink target)
/// before the remaining ones. Absolute paths leave the sandbox.
fn push_front(pending: &mut VecDeque<Vec<u8>>, path: &[u8]) -> Result<()> {
    if path.starts_with(b"/") {
        return Err(Error::NotCapable);
    }
    for c in path.split(|&b| b == b'/').filter(|c| !c.is_empty()).rev() {
        pending.push_front(c.to_vec());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn open_dir(p: &std::path::Path) -> OwnedFd {
        let c = CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `fd` was just opened here and nothing else owns it.
        let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY) };
        assert!(fd >= 0);
        // SAFETY: `fd` was just opened here and nothing else owns it.
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
        assert_eq!(ok(b"up", true).err(), Some(Error::NotCapable));
        assert_eq!(ok(b"up/x", false).err(), Some(Error::NotCapable));
        assert_eq!(ok(b"abs/x", false).err(), Some(Error::NotCapable));
        assert_eq!(ok(b"..", false).err(), Some(Error::NotCapable));
        assert_eq!(ok(b"a/../../out", false).err(), Some(Error::NotCapable));
        assert_eq!(ok(b"/etc/passwd", false).err(), Some(Error::NotCapable));
        assert_eq!(ok(b"", false).err(), Some(Error::Os(libc::ENOENT)));
        assert_eq!(ok(b"loop", true).err(), Some(Error::Os(libc::ELOOP)));
        assert_eq!(ok(b"missing/x", false).err(), Some(Error::Os(libc::ENOENT)));
        assert!(resolve(base, b"a/", false).unwrap().trailing_slash);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
