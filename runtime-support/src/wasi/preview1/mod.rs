//! WASI preview1 (`wasi_snapshot_preview1`) host for core modules.
//!
//! Every function is the link-time symbol of its import
//! (`wacc_import_22_wasi_snapshot_preview1_<name>`, see `abi.rs`), taking
//! the caller's vmctx first. Guest memory is memory 0 of the caller,
//! bounds-checked on every access ([`mem`]). Struct layouts and errno values
//! follow the preview1 witx definitions. Arguments, environment, preopens,
//! the path walk, clocks and randomness are the shared layer's
//! ([`crate::wasi`]); this front maps its errors straight to preview1
//! errnos ([`errno`]).

pub mod errno;
pub mod fd;
pub mod mem;
pub mod path;
pub mod poll;
pub mod proc;
pub mod state;

pub use crate::wasi::host::{init, Config, EXIT_STATUS};

/// Every host function. Referencing this table from the entry pulls the
/// archive members defining them into executables: imports are weak
/// references, which alone do not.
pub static FUNCTIONS: [unsafe extern "C" fn(); 46] = {
    use fd::*;
    use path::*;
    use poll::*;
    use proc::*;
    macro_rules! fns {
        ($($f:ident),* $(,)?) => {
            // SAFETY: only addresses are taken, never called through this type.
            [$(unsafe { core::mem::transmute::<*const (), unsafe extern "C" fn()>($f as *const ()) }),*]
        };
    }
    fns![
        wacc_import_22_wasi_snapshot_preview1_args_get,
        wacc_import_22_wasi_snapshot_preview1_args_sizes_get,
        wacc_import_22_wasi_snapshot_preview1_environ_get,
        wacc_import_22_wasi_snapshot_preview1_environ_sizes_get,
        wacc_import_22_wasi_snapshot_preview1_clock_res_get,
        wacc_import_22_wasi_snapshot_preview1_clock_time_get,
        wacc_import_22_wasi_snapshot_preview1_random_get,
        wacc_import_22_wasi_snapshot_preview1_proc_exit,
        wacc_import_22_wasi_snapshot_preview1_proc_raise,
        wacc_import_22_wasi_snapshot_preview1_sched_yield,
        wacc_import_22_wasi_snapshot_preview1_sock_accept,
        wacc_import_22_wasi_snapshot_preview1_sock_recv,
        wacc_import_22_wasi_snapshot_preview1_sock_send,
        wacc_import_22_wasi_snapshot_preview1_sock_shutdown,
        wacc_import_22_wasi_snapshot_preview1_poll_oneoff,
        wacc_import_22_wasi_snapshot_preview1_fd_write,
        wacc_import_22_wasi_snapshot_preview1_fd_read,
        wacc_import_22_wasi_snapshot_preview1_fd_pwrite,
        wacc_import_22_wasi_snapshot_preview1_fd_pread,
        wacc_import_22_wasi_snapshot_preview1_fd_seek,
        wacc_import_22_wasi_snapshot_preview1_fd_tell,
        wacc_import_22_wasi_snapshot_preview1_fd_close,
        wacc_import_22_wasi_snapshot_preview1_fd_renumber,
        wacc_import_22_wasi_snapshot_preview1_fd_sync,
        wacc_import_22_wasi_snapshot_preview1_fd_datasync,
        wacc_import_22_wasi_snapshot_preview1_fd_fdstat_get,
        wacc_import_22_wasi_snapshot_preview1_fd_fdstat_set_flags,
        wacc_import_22_wasi_snapshot_preview1_fd_fdstat_set_rights,
        wacc_import_22_wasi_snapshot_preview1_fd_filestat_get,
        wacc_import_22_wasi_snapshot_preview1_fd_filestat_set_size,
        wacc_import_22_wasi_snapshot_preview1_fd_filestat_set_times,
        wacc_import_22_wasi_snapshot_preview1_fd_advise,
        wacc_import_22_wasi_snapshot_preview1_fd_allocate,
        wacc_import_22_wasi_snapshot_preview1_fd_prestat_get,
        wacc_import_22_wasi_snapshot_preview1_fd_prestat_dir_name,
        wacc_import_22_wasi_snapshot_preview1_fd_readdir,
        wacc_import_22_wasi_snapshot_preview1_path_open,
        wacc_import_22_wasi_snapshot_preview1_path_create_directory,
        wacc_import_22_wasi_snapshot_preview1_path_remove_directory,
        wacc_import_22_wasi_snapshot_preview1_path_unlink_file,
        wacc_import_22_wasi_snapshot_preview1_path_rename,
        wacc_import_22_wasi_snapshot_preview1_path_link,
        wacc_import_22_wasi_snapshot_preview1_path_symlink,
        wacc_import_22_wasi_snapshot_preview1_path_readlink,
        wacc_import_22_wasi_snapshot_preview1_path_filestat_get,
        wacc_import_22_wasi_snapshot_preview1_path_filestat_set_times,
    ]
};
