//! Files in the preopened directory `/sandbox`: write, read, seek,
//! metadata, readdir, rename, remove; then escape attempts, which must all
//! fail. The test prepares `inner/file.txt`, symlinks `good_link -> inner`,
//! `abs_escape -> /abs/path/outside`, `rel_escape -> ../outside`,
//! `deep_escape -> inner/../../outside`, and `../outside/secret.txt`.
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    fn path_open(
        fd: u32,
        dirflags: u32,
        path: *const u8,
        path_len: usize,
        oflags: u16,
        base: u64,
        inheriting: u64,
        fdflags: u16,
        opened: *mut u32,
    ) -> u16;
    fn path_filestat_get(fd: u32, flags: u32, path: *const u8, len: usize, out: *mut u8) -> u16;
    fn path_symlink(old: *const u8, old_len: usize, fd: u32, new: *const u8, new_len: usize)
        -> u16;
    fn fd_prestat_get(fd: u32, out: *mut u32) -> u16;
    fn fd_write(fd: u32, iovs: *const u32, n: usize, written: *mut u32) -> u16;
}

fn show<T: std::fmt::Debug>(what: &str, r: std::io::Result<T>) {
    match r {
        Ok(v) => println!("{what}: ok {v:?}"),
        Err(e) => println!("{what}: error {:?}", e.raw_os_error()),
    }
}

/// path_open on the preopen (fd 3) with a raw path, for paths the libc
/// would never pass through.
fn raw_open(path: &str, follow: bool) -> u16 {
    let mut fd = 0;
    unsafe {
        path_open(
            3,
            follow as u32,
            path.as_ptr(),
            path.len(),
            0,
            0x3fff_ffff,
            0x3fff_ffff,
            0,
            &mut fd,
        )
    }
}

fn names(dir: &str) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            let kind = if t.is_symlink() {
                "link"
            } else if t.is_dir() {
                "dir"
            } else {
                "file"
            };
            format!("{}:{kind}", e.file_name().to_string_lossy())
        })
        .collect();
    v.sort();
    v
}

fn main() {
    let mut pre = [0u32; 2];
    println!(
        "prestat fd 3: errno {} name_len {}",
        unsafe { fd_prestat_get(3, pre.as_mut_ptr()) },
        pre[1]
    );
    println!("prestat fd 9: errno {}", unsafe {
        fd_prestat_get(9, pre.as_mut_ptr())
    });

    show("mkdir", fs::create_dir_all("/sandbox/work/sub"));
    show("write", fs::write("/sandbox/work/a.txt", "alpha\nbeta\n"));
    show("read", fs::read_to_string("/sandbox/work/a.txt"));
    {
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open("/sandbox/work/a.txt")
            .unwrap();
        show("append", f.write_all(b"gamma\n"));
    }
    let md = fs::metadata("/sandbox/work/a.txt").unwrap();
    println!(
        "metadata: len {} file {} dir {}",
        md.len(),
        md.is_file(),
        md.is_dir()
    );
    println!(
        "modified after 2024: {}",
        md.modified().unwrap()
            > std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_704_067_200)
    );
    {
        let mut f = fs::File::open("/sandbox/work/a.txt").unwrap();
        show("seek", f.seek(SeekFrom::Start(6)));
        let mut buf = [0u8; 4];
        f.read_exact(&mut buf).unwrap();
        println!("read at 6: {:?}", String::from_utf8_lossy(&buf));
        show("tell", f.stream_position());
        show("write to read-only", f.write(b"x"));
    }
    {
        let f = fs::OpenOptions::new()
            .write(true)
            .open("/sandbox/work/a.txt")
            .unwrap();
        show("set_len", f.set_len(5));
        show("sync", f.sync_all());
    }
    show("read truncated", fs::read_to_string("/sandbox/work/a.txt"));
    show(
        "create_new existing",
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open("/sandbox/work/a.txt")
            .map(drop),
    );
    println!("listing: {:?}", names("/sandbox/work"));
    show(
        "rename",
        fs::rename("/sandbox/work/a.txt", "/sandbox/work/sub/b.txt"),
    );
    println!(
        "a exists: {}, b exists: {}",
        fs::metadata("/sandbox/work/a.txt").is_ok(),
        fs::metadata("/sandbox/work/sub/b.txt").is_ok()
    );
    show("remove non-empty dir", fs::remove_dir("/sandbox/work/sub"));
    show("remove file", fs::remove_file("/sandbox/work/sub/b.txt"));
    show("remove dir", fs::remove_dir("/sandbox/work/sub"));
    println!("listing: {:?}", names("/sandbox/work"));
    show("remove missing", fs::remove_file("/sandbox/work/nothing"));
    show("remove_dir_all", fs::remove_dir_all("/sandbox/work"));
    let many: Vec<String> = (0..300)
        .map(|i| format!("/sandbox/many/file-with-a-longer-name-{i:03}"))
        .collect();
    fs::create_dir("/sandbox/many").unwrap();
    for p in &many {
        fs::write(p, "").unwrap();
    }
    println!("readdir of 300 files: {}", names("/sandbox/many").len());
    fs::remove_dir_all("/sandbox/many").unwrap();
    println!("sandbox: {:?}", names("/sandbox"));

    // Inside the sandbox, through a symlink and `..`: allowed.
    show(
        "via good_link",
        fs::read_to_string("/sandbox/good_link/file.txt"),
    );
    show(
        "via inner/..",
        fs::read_to_string("/sandbox/inner/../inner/file.txt"),
    );
    show("readlink", fs::read_link("/sandbox/rel_escape"));
    show(
        "symlink_metadata is link",
        fs::symlink_metadata("/sandbox/rel_escape").map(|m| m.file_type().is_symlink()),
    );

    // Escapes: each must fail.
    show(
        "escape ..",
        fs::read_to_string("/sandbox/../outside/secret.txt"),
    );
    show(
        "escape inner/../..",
        fs::read_to_string("/sandbox/inner/../../outside/secret.txt"),
    );
    show(
        "escape abs link",
        fs::read_to_string("/sandbox/abs_escape/secret.txt"),
    );
    show(
        "escape rel link",
        fs::read_to_string("/sandbox/rel_escape/secret.txt"),
    );
    show(
        "escape deep link",
        fs::read_to_string("/sandbox/deep_escape/secret.txt"),
    );
    show("escape libc absolute", fs::read_to_string("/etc/passwd"));
    show(
        "escape write via link",
        fs::write("/sandbox/rel_escape/new.txt", "x"),
    );
    println!(
        "raw open /etc/passwd: errno {}",
        raw_open("/etc/passwd", true)
    );
    println!(
        "raw open ../outside/secret.txt: errno {}",
        raw_open("../outside/secret.txt", true)
    );
    println!(
        "raw open rel_escape/secret.txt: errno {}",
        raw_open("rel_escape/secret.txt", true)
    );
    println!(
        "raw open abs_escape (follow): errno {}",
        raw_open("abs_escape", true)
    );
    println!(
        "raw open rel_escape (nofollow): errno {}",
        raw_open("rel_escape", false)
    );
    println!("raw open empty path: errno {}", raw_open("", true));
    let mut st = [0u8; 64];
    let p = "deep_escape";
    println!("raw stat deep_escape (follow): errno {}", unsafe {
        path_filestat_get(3, 1, p.as_ptr(), p.len(), st.as_mut_ptr())
    });
    println!(
        "raw stat deep_escape (nofollow): errno {} type {}",
        unsafe { path_filestat_get(3, 0, p.as_ptr(), p.len(), st.as_mut_ptr()) },
        st[16]
    );
    let (t, n) = ("/etc", "abs_link");
    println!("raw symlink to /etc: errno {}", unsafe {
        path_symlink(t.as_ptr(), t.len(), 3, n.as_ptr(), n.len())
    });
    let (t, n) = ("../..", "up");
    println!("raw symlink ../..: errno {}", unsafe {
        path_symlink(t.as_ptr(), t.len(), 3, n.as_ptr(), n.len())
    });
    show(
        "escape guest link",
        fs::read_dir("/sandbox/up/outside").map(|d| d.count()),
    );
    show("remove guest link", fs::remove_file("/sandbox/up"));
    #[cfg(target_env = "p1")]
    raw_fd_write();
}

/// Raw preview1 writes with a bad buffer and a bad fd (wasm32-wasip1 only:
/// a component's preview1 adapter traps on the bad buffer instead).
#[cfg(target_env = "p1")]
fn raw_fd_write() {
    let iov = [0xffff_0000u32, 16];
    let mut w = 0u32;
    println!("fd_write bad buffer: errno {}", unsafe {
        fd_write(1, iov.as_ptr(), 1, &mut w)
    });
    println!("fd_write bad fd: errno {}", unsafe {
        fd_write(42, iov.as_ptr(), 0, &mut w)
    });
}
