use super::val::{bytes, get, put};
use super::*;
use std::sync::Once;

fn import_symbol(interface: &str, name: &str) -> String {
    let mut o = String::new();
    crate::abi::symbols::write_import_symbol(&mut o, interface, name).unwrap();
    o
}

#[test]
fn symbols_match_their_names() {
    assert_eq!(
        import_symbol("wasi:cli/environment@0.2", "get-arguments"),
        "wacc_import_32_wasi$3acli$2fenvironment$400$2e2_get$2darguments"
    );
    let mut seen = std::collections::HashSet::new();
    for f in FUNCTIONS.iter() {
        assert!(f.interface.starts_with("wasi:"), "{}", f.interface);
        assert!(f.interface.ends_with("@0.2"), "{}", f.interface);
        assert_eq!(
            f.symbol,
            import_symbol(f.interface, f.name),
            "{}#{}",
            f.interface,
            f.name
        );
        assert!(seen.insert(f.symbol), "{} twice", f.symbol);
    }
}

/// A component context good enough for the host arena.
fn ctx() -> *mut c_void {
    Box::into_raw(Box::new([0usize; 4])).cast()
}

static SETUP: Once = Once::new();

/// Initializes the shared host state once: arguments, environment
/// and a preopen `/sandbox` of a fresh directory, whose path it returns.
fn setup() -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("wacc-wasi2-{}", std::process::id()));
    SETUP.call_once(|| {
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("pre/sub")).unwrap();
        std::fs::create_dir_all(root.join("out")).unwrap();
        std::fs::write(root.join("pre/hello.txt"), b"hello world").unwrap();
        std::os::unix::fs::symlink("../out", root.join("pre/up")).unwrap();
        let mut cfg = crate::wasi::Config::default();
        let mut spec = root.join("pre").into_os_string().into_encoded_bytes();
        spec.extend_from_slice(b"::/sandbox");
        cfg.add_dir(&spec);
        cfg.add_env(b"K=V=W");
        let args = vec![b"prog".to_vec(), b"a".to_vec(), "é".as_bytes().to_vec()];
        crate::wasi::init(args, &cfg).unwrap();
    });
    root
}

/// Calls the host function defined for `interface#name`.
unsafe fn call(interface: &str, name: &str, ctx: *mut c_void, a: *const u8, r: *mut u8) -> u32 {
    // SAFETY: the tests pass a context and argument and result areas laid out for the called
    // function's type.
    unsafe {
        let f = FUNCTIONS
            .iter()
            .find(|f| f.interface == interface && f.name == name)
            .unwrap_or_else(|| panic!("{interface}#{name} not defined"));
        let f: unsafe extern "C" fn(*mut c_void, *const u8, *mut u8) -> u32 =
            core::mem::transmute(f.f);
        f(ctx, a, r)
    }
}

unsafe fn drop_rep(interface: &str, resource: &str, ctx: *mut c_void, rep: u32) {
    // SAFETY: the tests pass a context and a rep the host handed out.
    unsafe {
        let name = format!("[resource-drop]{resource}");
        let f = FUNCTIONS
            .iter()
            .find(|f| f.interface == interface && f.name == name)
            .unwrap();
        let f: unsafe extern "C" fn(*mut c_void, u32) = core::mem::transmute(f.f);
        f(ctx, rep)
    }
}

/// `list<string>` at `off` of `r`.
unsafe fn strings(r: *const u8, off: usize) -> Vec<String> {
    // SAFETY: `r` holds a `list<string>` written by the host at `off`, with its elements in the
    // host arena.
    unsafe {
        let ptr: u64 = get(r, off);
        let n: u64 = get(r, off + 8);
        (0..n as usize)
            .map(|i| String::from_utf8(bytes((ptr as *const u8).add(16 * i), 0).to_vec()).unwrap())
            .collect()
    }
}

/// `{ptr, len}` of a byte slice, as arguments carry it.
fn list(b: &[u8]) -> [u64; 2] {
    [b.as_ptr() as u64, b.len() as u64]
}

#[repr(C, align(8))]
struct Buf([u8; 128]);

fn buf() -> Buf {
    Buf([0xaa; 128])
}

const ENV: &str = "wasi:cli/environment@0.2";
const STREAMS: &str = "wasi:io/streams@0.2";

#[test]
fn environment_and_arguments() {
    setup();
    let c = ctx();
    let mut r = buf();
    // SAFETY: the areas are sized and laid out for the called function's type.
    unsafe {
        assert_eq!(
            call(ENV, "get-arguments", c, [0u8; 0].as_ptr(), r.0.as_mut_ptr()),
            0
        );
        assert_eq!(strings(r.0.as_ptr(), 0), ["prog", "a", "é"]);
        assert_eq!(
            call(
                ENV,
                "get-environment",
                c,
                core::ptr::null(),
                r.0.as_mut_ptr()
            ),
            0
        );
        let ptr: u64 = get(r.0.as_ptr(), 0);
        assert_eq!(get::<u64>(r.0.as_ptr(), 8), 1);
        let kv = ptr as *const u8;
        assert_eq!(bytes(kv, 0), b"K");
        assert_eq!(bytes(kv, 16), b"V=W");
        assert_eq!(
            call(ENV, "initial-cwd", c, core::ptr::null(), r.0.as_mut_ptr()),
            0
        );
        assert_eq!(r.0[0], 0);
        for t in ["stdin", "stdout", "stderr"] {
            let i = format!("wasi:cli/terminal-{t}@0.2");
            r.0[0] = 9;
            assert_eq!(
                call(
                    &i,
                    &format!("get-terminal-{t}"),
                    c,
                    core::ptr::null(),
                    r.0.as_mut_ptr()
                ),
                0
            );
            assert_eq!(r.0[0], 0);
        }
    }
}

#[test]
fn output_stream_write_then_flush() {
    let root = setup();
    let c = ctx();
    let path = root.join("stream-out");
    let file = std::fs::File::create(&path).unwrap();
    let fd = std::sync::Arc::new(std::os::fd::OwnedFd::from(file));
    let rep = state::with(|s| {
        s.outputs.insert(state::Output::File {
            fd,
            pos: 0,
            append: false,
        })
    });
    // SAFETY: the areas are sized and laid out for the called function's type.
    unsafe {
        // check-write(self) -> result<u64, stream-error>
        let mut r = buf();
        assert_eq!(
            call(
                STREAMS,
                "[method]output-stream.check-write",
                c,
                [rep].as_ptr().cast(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(r.0[0], 0);
        assert!(get::<u64>(r.0.as_ptr(), 8) > 0);
        // write(self, contents: list<u8>): self at 0, list at 8
        let mut a = buf();
        put(a.0.as_mut_ptr(), 0, rep);
        let l = list(b"abc");
        put(a.0.as_mut_ptr(), 8, l);
        assert_eq!(
            call(
                STREAMS,
                "[method]output-stream.write",
                c,
                a.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(r.0[0], 0);
        put(a.0.as_mut_ptr(), 8, list(b"def"));
        assert_eq!(
            call(
                STREAMS,
                "[method]output-stream.blocking-write-and-flush",
                c,
                a.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(r.0[0], 0);
        assert_eq!(
            call(
                STREAMS,
                "[method]output-stream.blocking-flush",
                c,
                a.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(r.0[0], 0);
        assert_eq!(std::fs::read(&path).unwrap(), b"abcdef");
        drop_rep(STREAMS, "output-stream", c, rep);
        // A dropped stream is gone: closed.
        assert_eq!(
            call(
                STREAMS,
                "[method]output-stream.blocking-flush",
                c,
                a.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!((r.0[0], r.0[4]), (1, 1));
    }
}

#[test]
fn input_stream_reads_to_closed() {
    let root = setup();
    let c = ctx();
    let file = std::fs::File::open(root.join("pre/hello.txt")).unwrap();
    let fd = std::sync::Arc::new(std::os::fd::OwnedFd::from(file));
    let rep = state::with(|s| s.inputs.insert(state::Input::File { fd, pos: 6 }));
    // SAFETY: the areas are sized and laid out for the called function's type.
    unsafe {
        let mut a = buf();
        let mut r = buf();
        put(a.0.as_mut_ptr(), 0, rep);
        put(a.0.as_mut_ptr(), 8, 3u64);
        assert_eq!(
            call(
                STREAMS,
                "[method]input-stream.blocking-read",
                c,
                a.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!((r.0[0], bytes(r.0.as_ptr(), 8)), (0, &b"wor"[..]));
        assert_eq!(
            call(
                STREAMS,
                "[method]input-stream.skip",
                c,
                a.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!((r.0[0], get::<u64>(r.0.as_ptr(), 8)), (0, 2));
        assert_eq!(
            call(
                STREAMS,
                "[method]input-stream.read",
                c,
                a.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!((r.0[0], r.0[8]), (1, 1), "closed at the end");
        // subscribe, then poll([p]) -> [0]
        assert_eq!(
            call(
                STREAMS,
                "[method]input-stream.subscribe",
                c,
                a.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        let p: u32 = get(r.0.as_ptr(), 0);
        let reps = [p];
        put(a.0.as_mut_ptr(), 0, [reps.as_ptr() as u64, 1u64]);
        assert_eq!(
            call(
                "wasi:io/poll@0.2",
                "poll",
                c,
                a.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        let ptr: u64 = get(r.0.as_ptr(), 0);
        assert_eq!(get::<u64>(r.0.as_ptr(), 8), 1);
        assert_eq!(*(ptr as *const u32), 0);
        drop_rep("wasi:io/poll@0.2", "pollable", c, p);
        drop_rep(STREAMS, "input-stream", c, rep);
    }
}

#[test]
fn stream_error_carries_an_error() {
    let e = io::new_error("boom".into(), Some(fs::code::IO));
    let c = ctx();
    let mut r = buf();
    // SAFETY: the areas are sized and laid out for the called function's type.
    unsafe {
        assert_eq!(
            call(
                "wasi:io/error@0.2",
                "[method]error.to-debug-string",
                c,
                [e].as_ptr().cast(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(bytes(r.0.as_ptr(), 0), b"boom");
        drop_rep("wasi:io/error@0.2", "error", c, e);
    }
}

#[test]
fn clocks_and_random() {
    assert_eq!(core::mem::size_of::<clocks::Datetime>(), 16);
    assert_eq!(core::mem::align_of::<clocks::Datetime>(), 8);
    let c = ctx();
    let mut r = buf();
    // SAFETY: the areas are sized and laid out for the called function's type.
    unsafe {
        let len = 33u64;
        assert_eq!(
            call(
                "wasi:random/random@0.2",
                "get-random-bytes",
                c,
                [len].as_ptr().cast(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(bytes(r.0.as_ptr(), 0).len(), 33);
        assert_eq!(
            call(
                "wasi:random/insecure-seed@0.2",
                "insecure-seed",
                c,
                core::ptr::null(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(
            call(
                "wasi:clocks/wall-clock@0.2",
                "now",
                c,
                core::ptr::null(),
                r.0.as_mut_ptr()
            ),
            0
        );
        let now: clocks::Datetime = get(r.0.as_ptr(), 0);
        assert!(now.seconds > 1_600_000_000 && now.nanoseconds < 1_000_000_000);
        const MONO: &str = "wasi:clocks/monotonic-clock@0.2";
        assert_eq!(call(MONO, "now", c, core::ptr::null(), r.0.as_mut_ptr()), 0);
        let t0: u64 = get(r.0.as_ptr(), 0);
        let d = 2_000_000u64;
        assert_eq!(
            call(
                MONO,
                "subscribe-duration",
                c,
                [d].as_ptr().cast(),
                r.0.as_mut_ptr()
            ),
            0
        );
        let p: u32 = get(r.0.as_ptr(), 0);
        assert_eq!(
            call(
                "wasi:io/poll@0.2",
                "[method]pollable.block",
                c,
                [p].as_ptr().cast(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(call(MONO, "now", c, core::ptr::null(), r.0.as_mut_ptr()), 0);
        assert!(get::<u64>(r.0.as_ptr(), 0) >= t0 + d);
        assert_eq!(
            call(
                "wasi:io/poll@0.2",
                "[method]pollable.ready",
                c,
                [p].as_ptr().cast(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(r.0[0], 1);
        drop_rep("wasi:io/poll@0.2", "pollable", c, p);
    }
}

const TYPES: &str = "wasi:filesystem/types@0.2";

/// Arguments `(self, path-flags, path: string, ...)`: self at 0, flags at
/// 4, path at 8.
fn path_args(dir: u32, pflags: u8, path: &[u8]) -> Buf {
    let mut a = buf();
    // SAFETY: the areas are sized and laid out for the called function's type.
    unsafe {
        put(a.0.as_mut_ptr(), 0, dir);
        put(a.0.as_mut_ptr(), 4, pflags);
        put(a.0.as_mut_ptr(), 8, list(path));
    }
    a
}

#[test]
fn filesystem_in_the_sandbox() {
    setup();
    let c = ctx();
    let mut r = buf();
    // SAFETY: the areas are sized and laid out for the called function's type.
    unsafe {
        assert_eq!(
            call(
                "wasi:filesystem/preopens@0.2",
                "get-directories",
                c,
                core::ptr::null(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(get::<u64>(r.0.as_ptr(), 8), 1);
        let e = get::<u64>(r.0.as_ptr(), 0) as *const u8;
        let dir: u32 = get(e, 0);
        assert_eq!(bytes(e, 8), b"/sandbox");

        // get-type -> result<descriptor-type, error-code>
        assert_eq!(
            call(
                TYPES,
                "[method]descriptor.get-type",
                c,
                [dir].as_ptr().cast(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!((r.0[0], r.0[1]), (0, fs::kind::DIRECTORY));

        // open-at(path-flags, path, open-flags at 24, descriptor-flags at 25)
        let mut a = path_args(dir, 0, b"sub/../hello.txt");
        a.0[24] = 0;
        a.0[25] = fs::flags::READ;
        assert_eq!(
            call(
                TYPES,
                "[method]descriptor.open-at",
                c,
                a.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(r.0[0], 0);
        let file: u32 = get(r.0.as_ptr(), 4);

        // stat -> descriptor-stat at 8: type, link count at 16, size at 24
        assert_eq!(
            call(
                TYPES,
                "[method]descriptor.stat",
                c,
                [file].as_ptr().cast(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!((r.0[0], r.0[8]), (0, fs::kind::REGULAR_FILE));
        assert_eq!(get::<u64>(r.0.as_ptr(), 24), 11);
        assert_eq!(r.0[8 + 48], 1, "mtime is some");

        // read(length at 8, offset at 16)
        let mut ra = buf();
        put(ra.0.as_mut_ptr(), 0, file);
        put(ra.0.as_mut_ptr(), 8, 100u64);
        put(ra.0.as_mut_ptr(), 16, 6u64);
        assert_eq!(
            call(
                TYPES,
                "[method]descriptor.read",
                c,
                ra.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(
            (r.0[0], bytes(r.0.as_ptr(), 8), r.0[24]),
            (0, &b"world"[..], 1)
        );

        // read-via-stream(0), then blocking-read
        put(ra.0.as_mut_ptr(), 8, 0u64);
        assert_eq!(
            call(
                TYPES,
                "[method]descriptor.read-via-stream",
                c,
                ra.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(r.0[0], 0);
        let s: u32 = get(r.0.as_ptr(), 4);
        let mut sa = buf();
        put(sa.0.as_mut_ptr(), 0, s);
        put(sa.0.as_mut_ptr(), 8, 5u64);
        assert_eq!(
            call(
                STREAMS,
                "[method]input-stream.blocking-read",
                c,
                sa.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!((r.0[0], bytes(r.0.as_ptr(), 8)), (0, &b"hello"[..]));
        drop_rep(STREAMS, "input-stream", c, s);
        drop_rep(TYPES, "descriptor", c, file);

        // Leaving the sandbox: not-permitted.
        for p in [&b"../x"[..], b"/etc/passwd", b"up/x", b"sub/../../x"] {
            let a = path_args(dir, 1, p);
            assert_eq!(
                call(
                    TYPES,
                    "[method]descriptor.stat-at",
                    c,
                    a.0.as_ptr(),
                    r.0.as_mut_ptr()
                ),
                0
            );
            assert_eq!(
                (r.0[0], r.0[8]),
                (1, fs::code::NOT_PERMITTED),
                "{}",
                String::from_utf8_lossy(p)
            );
        }
        let a = path_args(dir, 0, b"missing");
        assert_eq!(
            call(
                TYPES,
                "[method]descriptor.stat-at",
                c,
                a.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!((r.0[0], r.0[8]), (1, fs::code::NO_ENTRY));

        // create-directory-at(path at 8), then list, then remove.
        let a = path_args(dir, 0, b"made");
        assert_eq!(
            call(
                TYPES,
                "[method]descriptor.create-directory-at",
                c,
                a.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(r.0[0], 0);
        assert_eq!(
            call(
                TYPES,
                "[method]descriptor.read-directory",
                c,
                [dir].as_ptr().cast(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(r.0[0], 0);
        let ds: u32 = get(r.0.as_ptr(), 4);
        let mut names = Vec::new();
        loop {
            assert_eq!(
                call(
                    TYPES,
                    "[method]directory-entry-stream.read-directory-entry",
                    c,
                    [ds].as_ptr().cast(),
                    r.0.as_mut_ptr()
                ),
                0
            );
            assert_eq!(r.0[0], 0);
            if r.0[8] == 0 {
                break;
            }
            names.push((
                r.0[16],
                String::from_utf8(bytes(r.0.as_ptr(), 24).to_vec()).unwrap(),
            ));
        }
        names.sort();
        assert_eq!(
            names,
            [
                (fs::kind::DIRECTORY, "made".to_string()),
                (fs::kind::DIRECTORY, "sub".to_string()),
                (fs::kind::SYMBOLIC_LINK, "up".to_string()),
                (fs::kind::REGULAR_FILE, "hello.txt".to_string()),
            ]
        );
        drop_rep(TYPES, "directory-entry-stream", c, ds);
        assert_eq!(
            call(
                TYPES,
                "[method]descriptor.remove-directory-at",
                c,
                a.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!(r.0[0], 0);
        assert_eq!(
            call(
                TYPES,
                "[method]descriptor.unlink-file-at",
                c,
                a.0.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!((r.0[0], r.0[1]), (1, fs::code::NO_ENTRY));
        drop_rep(TYPES, "descriptor", c, dir);
    }
}

#[test]
fn sockets_are_not_supported() {
    let c = ctx();
    let mut r = buf();
    // SAFETY: the areas are sized and laid out for the called function's type.
    unsafe {
        let family = [0u8; 8];
        assert_eq!(
            call(
                "wasi:sockets/tcp-create-socket@0.2",
                "create-tcp-socket",
                c,
                family.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
        assert_eq!((r.0[0], r.0[4]), (1, sockets::NOT_SUPPORTED));
        assert_eq!(
            call(
                "wasi:sockets/instance-network@0.2",
                "instance-network",
                c,
                family.as_ptr(),
                r.0.as_mut_ptr()
            ),
            0
        );
    }
}

/// Each front maps host errors directly; the 0.2 codes must stay those the
/// former composition host errno -> preview1 errno -> `error-code` gave.
mod error_codes {
    use super::super::fs::{code, code_from_error, code_from_host};
    use crate::wasi::error::Error;
    use crate::wasi::preview1::errno::{self, from_host, Errno};

    /// The mapping before the fronts were split: a preview1 errno to an
    /// `error-code`, applied after `errno::from_host`.
    fn via_preview1(e: Errno) -> u8 {
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

    #[test]
    fn same_as_through_preview1() {
        for e in 0..4096 {
            assert_eq!(code_from_host(e), via_preview1(from_host(e)), "errno {e}");
        }
        assert_eq!(
            code_from_error(Error::NotCapable),
            via_preview1(errno::from_error(Error::NotCapable))
        );
    }
}
