//! The process-wide host state both fronts read: arguments, environment
//! and the preopened directories (host descriptors, with their guest
//! names). One per process (executables run one program); set up by
//! [`init`] before the program starts, or for a program `wacc_rt_main`
//! runs, when it is first read (see [`ensure_init`]). Each front keeps its
//! own table of guest handles on top (preview1 fds, 0.2 resources).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};

pub use crate::program::EXIT_STATUS;

/// A host file descriptor shared by the guest handles that refer to it
/// (closed with the last).
pub type Fd = Arc<OwnedFd>;

/// A host object behind a guest handle.
pub enum Handle {
    /// stdin/stdout/stderr: shared with the runtime, never closed.
    Stdio(RawFd),
    Owned(Fd),
}

impl Handle {
    pub fn raw(&self) -> RawFd {
        match self {
            Handle::Stdio(fd) => *fd,
            Handle::Owned(fd) => fd.as_raw_fd(),
        }
    }
}

/// A preopened directory: the host descriptor and its guest name.
#[derive(Clone)]
pub struct Preopen {
    pub fd: Fd,
    pub guest: Vec<u8>,
}

struct Process {
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    preopens: Vec<Preopen>,
}

static PROCESS: Mutex<Process> = Mutex::new(Process {
    args: Vec::new(),
    env: Vec::new(),
    preopens: Vec::new(),
});

/// Bumped by every [`init`]: fronts rebuild their handle tables from the
/// new state.
static GENERATION: AtomicU64 = AtomicU64::new(0);

fn process() -> std::sync::MutexGuard<'static, Process> {
    PROCESS.lock().unwrap_or_else(|p| p.into_inner())
}

/// Sets the host up for a program that `wacc_rt_main` runs, which does
/// not refer to WASI (so that programs without WASI imports do not link
/// this host), from the command line it recorded: once, before the state
/// is first read, unless [`init`] ran.
fn ensure_init() {
    static PROGRAM: Once = Once::new();
    if GENERATION.load(Ordering::SeqCst) == 0 {
        PROGRAM.call_once(crate::wasi::main_entry::setup_from_program);
    }
}

/// The guest's arguments.
pub fn args() -> Vec<Vec<u8>> {
    ensure_init();
    process().args.clone()
}

/// The guest's environment (`K=V` entries).
pub fn env() -> Vec<Vec<u8>> {
    ensure_init();
    process().env.clone()
}

/// The preopened directories, in order.
pub fn preopens() -> Vec<Preopen> {
    ensure_init();
    process().preopens.clone()
}

/// How many times [`init`] has run.
pub fn generation() -> u64 {
    ensure_init();
    GENERATION.load(Ordering::SeqCst)
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
/// `=` take the host's value, if it has one) and preopens (in order).
/// Returns a message if a preopen cannot be opened.
pub fn init(args: Vec<Vec<u8>>, cfg: &Config) -> Result<(), String> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let mut preopens = Vec::new();
    for (host, guest) in &cfg.dirs {
        let path = std::ffi::CString::new(host.clone()).map_err(|e| e.to_string())?;
        // SAFETY: `path` is a NUL-terminated string alive for the call.
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
        preopens.push(Preopen {
            // SAFETY: `fd` was just opened and is owned by nothing else.
            fd: Arc::new(unsafe { OwnedFd::from_raw_fd(fd) }),
            guest: guest.clone(),
        });
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
    *process() = Process {
        args,
        env,
        preopens,
    };
    GENERATION.fetch_add(1, Ordering::SeqCst);
    Ok(())
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
