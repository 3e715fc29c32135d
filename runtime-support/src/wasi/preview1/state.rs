//! The host's state: arguments, environment and the descriptor table. One
//! per process (executables run one instance); set up by [`init`] before
//! the module starts.

use super::errno::{self, BADF, NOTDIR, R};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Mutex, MutexGuard};

/// Every fd right (witx `$rights`, bits 0..=29).
pub const RIGHTS_ALL: u64 = (1 << 30) - 1;
pub const RIGHT_FD_SEEK: u64 = 1 << 2;
pub const RIGHT_FD_TELL: u64 = 1 << 5;

pub enum Host {
    /// stdin/stdout/stderr: shared with the runtime, never closed.
    Stdio(RawFd),
    Owned(OwnedFd),
}

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
        match &self.host {
            Host::Stdio(fd) => *fd,
            Host::Owned(fd) => fd.as_raw_fd(),
        }
    }
}

#[derive(Default)]
pub struct Ctx {
    pub args: Vec<Vec<u8>>,
    pub env: Vec<Vec<u8>>,
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

static CTX: Mutex<Option<Ctx>> = Mutex::new(None);

/// The host state (a default one, with stdio only, if [`init`] was not called).
pub fn ctx() -> MutexGuard<'static, Option<Ctx>> {
    let mut g = CTX.lock().unwrap_or_else(|p| p.into_inner());
    if g.is_none() {
        *g = Some(Ctx {
            fds: stdio(),
            ..Ctx::default()
        });
    }
    g
}

/// Runs `f` on the host state.
pub fn with<T>(f: impl FnOnce(&mut Ctx) -> R<T>) -> R<T> {
    let mut g = ctx();
    f(g.as_mut().unwrap())
}

fn stdio() -> Vec<Option<Entry>> {
    (0..3)
        .map(|fd| {
            // A terminal cannot seek: wasi-libc's `isatty` looks for that.
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

/// What the program gets: preopened directories (`HOST`, guest name) and
/// environment entries (`K=V`, or `K` to copy the host's value).
#[derive(Default, Debug)]
pub struct Config {
    pub dirs: Vec<(Vec<u8>, Vec<u8>)>,
    pub env: Vec<Vec<u8>>,
}

impl Config {
    /// Adds `HOST[::GUEST]`; a directory with the same guest name is replaced.
    pub fn add_dir(&mut self, spec: &[u8]) {
        let (host, guest) = match find(spec, b"::") {
            Some(i) => (&spec[..i], &spec[i + 2..]),
            None => (spec, spec),
        };
        match self.dirs.iter_mut().find(|d| d.1 == guest) {
            Some(d) => d.0 = host.to_vec(),
            None => self.dirs.push((host.to_vec(), guest.to_vec())),
        }
    }

    /// Adds `K=V` or `K`; a later entry for the same key wins.
    pub fn add_env(&mut self, spec: &[u8]) {
        let key = |s: &[u8]| s.split(|&b| b == b'=').next().unwrap_or(&[]).to_vec();
        let k = key(spec);
        self.env.retain(|e| key(e) != k);
        self.env.push(spec.to_vec());
    }

    /// Reads records of a build-time blob: NUL-terminated `dir=SPEC` and `env=SPEC`.
    pub fn add_blob(&mut self, blob: &[u8]) {
        for rec in blob.split(|&b| b == 0) {
            if let Some(s) = rec.strip_prefix(b"dir=") {
                self.add_dir(s);
            } else if let Some(s) = rec.strip_prefix(b"env=") {
                self.add_env(s);
            }
        }
    }
}

fn find(s: &[u8], pat: &[u8]) -> Option<usize> {
    s.windows(pat.len()).position(|w| w == pat)
}

/// Sets up the host state: guest arguments, environment (entries without
/// `=` take the host's value, if it has one) and preopens (fds 3, 4, ...
/// in order). Returns a message if a preopen cannot be opened.
pub fn init(args: Vec<Vec<u8>>, cfg: &Config) -> Result<(), String> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let mut fds = stdio();
    for (host, guest) in &cfg.dirs {
        let path = std::ffi::CString::new(host.clone()).map_err(|e| e.to_string())?;
        let fd = unsafe {
            libc::open(
                path.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(format!(
                "cannot open directory {}: {}",
                String::from_utf8_lossy(host),
                std::io::Error::last_os_error()
            ));
        }
        fds.push(Some(Entry {
            host: Host::Owned(unsafe { OwnedFd::from_raw_fd(fd) }),
            is_dir: true,
            preopen: Some(guest.clone()),
            rights_base: RIGHTS_ALL,
            rights_inheriting: RIGHTS_ALL,
            listing: None,
        }));
    }
    let env = cfg
        .env
        .iter()
        .filter_map(|e| {
            if e.contains(&b'=') {
                return Some(e.clone());
            }
            let v = std::env::var_os(std::ffi::OsStr::from_bytes(e))?;
            let mut kv = e.clone();
            kv.push(b'=');
            kv.extend(v.into_vec());
            Some(kv)
        })
        .collect();
    *CTX.lock().unwrap_or_else(|p| p.into_inner()) = Some(Ctx { args, env, fds });
    Ok(())
}

/// Errno for an unusable descriptor, for callers that only need the check.
pub fn host_fd(fd: i32) -> R<RawFd> {
    with(|c| Ok(c.get(fd)?.raw()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_later_wins() {
        let mut c = Config::default();
        c.add_blob(b"dir=/a::/data\0dir=/b\0env=K=1\0env=H\0");
        c.add_dir(b"/c::/data");
        c.add_env(b"K=2");
        assert_eq!(
            c.dirs,
            vec![
                (b"/c".to_vec(), b"/data".to_vec()),
                (b"/b".to_vec(), b"/b".to_vec())
            ]
        );
        assert_eq!(c.env, vec![b"H".to_vec(), b"K=2".to_vec()]);
    }
}
