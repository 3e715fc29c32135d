//! WASI 0.2 host for compiled components (`wasm32-wasip2` programs).
//!
//! Every lowered root import of a component is a call to a link-time
//! symbol `wacc_import_<len>_<interface>_<function>` with the signature
//! `fn(ctx, args, results) -> u32` (0 or a trap code); `args` and `results`
//! are in the native layout (canonical ABI memory layout with 64-bit
//! pointers). The interface's version is normalized to `@0.2`, so any
//! 0.2.x guest links. Resources defined here (streams, pollables, errors,
//! descriptors, ...) cross as the host's own `u32` reps, indexes into the
//! tables of [`state`]; the runtime calls `[resource-drop]<name>` symbols
//! (`fn(ctx, rep)`) when the guest drops a handle.
//!
//! Arguments, environment, preopened directories, clocks and randomness
//! come from the shared layer ([`crate::wasi`]), and paths go through its
//! sandboxed walk ([`crate::wasi::sandbox`]); its errors map directly to
//! `error-code`s ([`fs::code_from_error`]).
//!
//! Not provided: `wasi:clocks/timezone` (unstable) and the methods of
//! socket resources (no socket can be created: `create-*-socket` and
//! `resolve-addresses` answer `not-supported`).

pub mod cli;
pub mod clocks;
pub mod fs;
pub mod io;
pub mod sockets;
pub mod state;
pub mod val;

use core::ffi::c_void;

/// One host function: the readable (interface, function) pair and the
/// symbol defining it.
pub struct HostFn {
    pub interface: &'static str,
    pub name: &'static str,
    pub symbol: &'static str,
    /// the defined function (signature by kind: `fn(ctx, args, results)
    /// -> u32`, or `fn(ctx, rep)` for `[resource-drop]`)
    pub f: unsafe extern "C" fn(),
}

/// Defines every exported symbol (a thin `extern "C"` wrapper around the
/// implementation) and the [`FUNCTIONS`] table listing them.
macro_rules! exports {
    ($($kind:ident $iface:literal $name:literal $sym:literal => $path:path;)*) => {
        /// Every host function. Referencing this table from the entry
        /// pulls the archive members defining them into executables:
        /// imports are weak references, which alone do not.
        pub static FUNCTIONS: [HostFn; <[()]>::len(&[$(exports!(@unit $name)),*])] = [
            $(HostFn {
                interface: $iface,
                name: $name,
                symbol: $sym,
                f: exports!(@def $kind $sym $path),
            }),*
        ];
    };
    (@unit $x:literal) => { () };
    (@def func $sym:literal $path:path) => {{
        #[export_name = $sym]
        unsafe extern "C" fn f(ctx: *mut c_void, args: *const u8, results: *mut u8) -> u32 {
            // SAFETY: the runtime calls with the calling component context
            // and the argument and result areas of the function's type.
            unsafe { $path(ctx, args, results) }
        }
        // SAFETY: only the address is taken, never called through this type.
        unsafe { core::mem::transmute::<*const (), unsafe extern "C" fn()>(f as *const ()) }
    }};
    (@def drop $sym:literal $path:path) => {{
        #[export_name = $sym]
        unsafe extern "C" fn f(ctx: *mut c_void, rep: u32) {
            // SAFETY: the runtime calls with the calling component context
            // and a rep this host handed out.
            unsafe { $path(ctx, rep) }
        }
        // SAFETY: as above.
        unsafe { core::mem::transmute::<*const (), unsafe extern "C" fn()>(f as *const ()) }
    }};
}

exports! {
    func "wasi:cli/environment@0.2" "get-environment"
        "wacc_import_32_wasi$3acli$2fenvironment$400$2e2_get$2denvironment" => cli::get_environment;
    func "wasi:cli/environment@0.2" "get-arguments"
        "wacc_import_32_wasi$3acli$2fenvironment$400$2e2_get$2darguments" => cli::get_arguments;
    func "wasi:cli/environment@0.2" "initial-cwd"
        "wacc_import_32_wasi$3acli$2fenvironment$400$2e2_initial$2dcwd" => cli::initial_cwd;
    func "wasi:cli/exit@0.2" "exit"
        "wacc_import_25_wasi$3acli$2fexit$400$2e2_exit" => cli::exit;
    func "wasi:cli/exit@0.2" "exit-with-code"
        "wacc_import_25_wasi$3acli$2fexit$400$2e2_exit$2dwith$2dcode" => cli::exit_with_code;
    func "wasi:cli/stdin@0.2" "get-stdin"
        "wacc_import_26_wasi$3acli$2fstdin$400$2e2_get$2dstdin" => cli::get_stdin;
    func "wasi:cli/stdout@0.2" "get-stdout"
        "wacc_import_27_wasi$3acli$2fstdout$400$2e2_get$2dstdout" => cli::get_stdout;
    func "wasi:cli/stderr@0.2" "get-stderr"
        "wacc_import_27_wasi$3acli$2fstderr$400$2e2_get$2dstderr" => cli::get_stderr;
    drop "wasi:cli/terminal-input@0.2" "[resource-drop]terminal-input"
        "wacc_import_37_wasi$3acli$2fterminal$2dinput$400$2e2_$5bresource$2ddrop$5dterminal$2dinput" => cli::drop_nothing;
    drop "wasi:cli/terminal-output@0.2" "[resource-drop]terminal-output"
        "wacc_import_38_wasi$3acli$2fterminal$2doutput$400$2e2_$5bresource$2ddrop$5dterminal$2doutput" => cli::drop_nothing;
    func "wasi:cli/terminal-stdin@0.2" "get-terminal-stdin"
        "wacc_import_37_wasi$3acli$2fterminal$2dstdin$400$2e2_get$2dterminal$2dstdin" => cli::no_terminal;
    func "wasi:cli/terminal-stdout@0.2" "get-terminal-stdout"
        "wacc_import_38_wasi$3acli$2fterminal$2dstdout$400$2e2_get$2dterminal$2dstdout" => cli::no_terminal;
    func "wasi:cli/terminal-stderr@0.2" "get-terminal-stderr"
        "wacc_import_38_wasi$3acli$2fterminal$2dstderr$400$2e2_get$2dterminal$2dstderr" => cli::no_terminal;
    func "wasi:io/error@0.2" "[method]error.to-debug-string"
        "wacc_import_25_wasi$3aio$2ferror$400$2e2_$5bmethod$5derror$2eto$2ddebug$2dstring" => io::error_to_debug_string;
    drop "wasi:io/error@0.2" "[resource-drop]error"
        "wacc_import_25_wasi$3aio$2ferror$400$2e2_$5bresource$2ddrop$5derror" => io::drop_error;
    func "wasi:io/poll@0.2" "[method]pollable.ready"
        "wacc_import_24_wasi$3aio$2fpoll$400$2e2_$5bmethod$5dpollable$2eready" => io::pollable_ready;
    func "wasi:io/poll@0.2" "[method]pollable.block"
        "wacc_import_24_wasi$3aio$2fpoll$400$2e2_$5bmethod$5dpollable$2eblock" => io::pollable_block;
    func "wasi:io/poll@0.2" "poll"
        "wacc_import_24_wasi$3aio$2fpoll$400$2e2_poll" => io::poll;
    drop "wasi:io/poll@0.2" "[resource-drop]pollable"
        "wacc_import_24_wasi$3aio$2fpoll$400$2e2_$5bresource$2ddrop$5dpollable" => io::drop_pollable;
    func "wasi:io/streams@0.2" "[method]input-stream.read"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5dinput$2dstream$2eread" => io::input_read;
    func "wasi:io/streams@0.2" "[method]input-stream.blocking-read"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5dinput$2dstream$2eblocking$2dread" => io::input_blocking_read;
    func "wasi:io/streams@0.2" "[method]input-stream.skip"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5dinput$2dstream$2eskip" => io::input_skip;
    func "wasi:io/streams@0.2" "[method]input-stream.blocking-skip"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5dinput$2dstream$2eblocking$2dskip" => io::input_blocking_skip;
    func "wasi:io/streams@0.2" "[method]input-stream.subscribe"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5dinput$2dstream$2esubscribe" => io::input_subscribe;
    drop "wasi:io/streams@0.2" "[resource-drop]input-stream"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bresource$2ddrop$5dinput$2dstream" => io::drop_input;
    func "wasi:io/streams@0.2" "[method]output-stream.check-write"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5doutput$2dstream$2echeck$2dwrite" => io::output_check_write;
    func "wasi:io/streams@0.2" "[method]output-stream.write"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5doutput$2dstream$2ewrite" => io::output_write;
    func "wasi:io/streams@0.2" "[method]output-stream.blocking-write-and-flush"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5doutput$2dstream$2eblocking$2dwrite$2dand$2dflush" => io::output_write;
    func "wasi:io/streams@0.2" "[method]output-stream.flush"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5doutput$2dstream$2eflush" => io::output_flush;
    func "wasi:io/streams@0.2" "[method]output-stream.blocking-flush"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5doutput$2dstream$2eblocking$2dflush" => io::output_flush;
    func "wasi:io/streams@0.2" "[method]output-stream.subscribe"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5doutput$2dstream$2esubscribe" => io::output_subscribe;
    func "wasi:io/streams@0.2" "[method]output-stream.write-zeroes"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5doutput$2dstream$2ewrite$2dzeroes" => io::output_write_zeroes;
    func "wasi:io/streams@0.2" "[method]output-stream.blocking-write-zeroes-and-flush"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5doutput$2dstream$2eblocking$2dwrite$2dzeroes$2dand$2dflush" => io::output_write_zeroes;
    func "wasi:io/streams@0.2" "[method]output-stream.splice"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5doutput$2dstream$2esplice" => io::output_splice;
    func "wasi:io/streams@0.2" "[method]output-stream.blocking-splice"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bmethod$5doutput$2dstream$2eblocking$2dsplice" => io::output_blocking_splice;
    drop "wasi:io/streams@0.2" "[resource-drop]output-stream"
        "wacc_import_27_wasi$3aio$2fstreams$400$2e2_$5bresource$2ddrop$5doutput$2dstream" => io::drop_output;
    func "wasi:clocks/monotonic-clock@0.2" "now"
        "wacc_import_41_wasi$3aclocks$2fmonotonic$2dclock$400$2e2_now" => clocks::monotonic_now;
    func "wasi:clocks/monotonic-clock@0.2" "resolution"
        "wacc_import_41_wasi$3aclocks$2fmonotonic$2dclock$400$2e2_resolution" => clocks::monotonic_resolution;
    func "wasi:clocks/monotonic-clock@0.2" "subscribe-instant"
        "wacc_import_41_wasi$3aclocks$2fmonotonic$2dclock$400$2e2_subscribe$2dinstant" => clocks::subscribe_instant;
    func "wasi:clocks/monotonic-clock@0.2" "subscribe-duration"
        "wacc_import_41_wasi$3aclocks$2fmonotonic$2dclock$400$2e2_subscribe$2dduration" => clocks::subscribe_duration;
    func "wasi:clocks/wall-clock@0.2" "now"
        "wacc_import_36_wasi$3aclocks$2fwall$2dclock$400$2e2_now" => clocks::wall_now;
    func "wasi:clocks/wall-clock@0.2" "resolution"
        "wacc_import_36_wasi$3aclocks$2fwall$2dclock$400$2e2_resolution" => clocks::wall_resolution;
    func "wasi:random/random@0.2" "get-random-bytes"
        "wacc_import_30_wasi$3arandom$2frandom$400$2e2_get$2drandom$2dbytes" => clocks::random_bytes;
    func "wasi:random/random@0.2" "get-random-u64"
        "wacc_import_30_wasi$3arandom$2frandom$400$2e2_get$2drandom$2du64" => clocks::random_u64_fn;
    func "wasi:random/insecure@0.2" "get-insecure-random-bytes"
        "wacc_import_32_wasi$3arandom$2finsecure$400$2e2_get$2dinsecure$2drandom$2dbytes" => clocks::random_bytes;
    func "wasi:random/insecure@0.2" "get-insecure-random-u64"
        "wacc_import_32_wasi$3arandom$2finsecure$400$2e2_get$2dinsecure$2drandom$2du64" => clocks::random_u64_fn;
    func "wasi:random/insecure-seed@0.2" "insecure-seed"
        "wacc_import_39_wasi$3arandom$2finsecure$2dseed$400$2e2_insecure$2dseed" => clocks::insecure_seed;
    func "wasi:filesystem/types@0.2" "[method]descriptor.read-via-stream"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2eread$2dvia$2dstream" => fs::read_via_stream;
    func "wasi:filesystem/types@0.2" "[method]descriptor.write-via-stream"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2ewrite$2dvia$2dstream" => fs::write_via_stream;
    func "wasi:filesystem/types@0.2" "[method]descriptor.append-via-stream"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2eappend$2dvia$2dstream" => fs::append_via_stream;
    func "wasi:filesystem/types@0.2" "[method]descriptor.advise"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2eadvise" => fs::advise;
    func "wasi:filesystem/types@0.2" "[method]descriptor.sync-data"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2esync$2ddata" => fs::sync_data;
    func "wasi:filesystem/types@0.2" "[method]descriptor.get-flags"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2eget$2dflags" => fs::get_flags;
    func "wasi:filesystem/types@0.2" "[method]descriptor.get-type"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2eget$2dtype" => fs::get_type;
    func "wasi:filesystem/types@0.2" "[method]descriptor.set-size"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2eset$2dsize" => fs::set_size;
    func "wasi:filesystem/types@0.2" "[method]descriptor.set-times"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2eset$2dtimes" => fs::set_times;
    func "wasi:filesystem/types@0.2" "[method]descriptor.read"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2eread" => fs::read;
    func "wasi:filesystem/types@0.2" "[method]descriptor.write"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2ewrite" => fs::write;
    func "wasi:filesystem/types@0.2" "[method]descriptor.read-directory"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2eread$2ddirectory" => fs::read_directory;
    func "wasi:filesystem/types@0.2" "[method]descriptor.sync"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2esync" => fs::sync;
    func "wasi:filesystem/types@0.2" "[method]descriptor.create-directory-at"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2ecreate$2ddirectory$2dat" => fs::create_directory_at;
    func "wasi:filesystem/types@0.2" "[method]descriptor.stat"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2estat" => fs::stat;
    func "wasi:filesystem/types@0.2" "[method]descriptor.stat-at"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2estat$2dat" => fs::stat_at_fn;
    func "wasi:filesystem/types@0.2" "[method]descriptor.set-times-at"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2eset$2dtimes$2dat" => fs::set_times_at;
    func "wasi:filesystem/types@0.2" "[method]descriptor.link-at"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2elink$2dat" => fs::link_at;
    func "wasi:filesystem/types@0.2" "[method]descriptor.open-at"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2eopen$2dat" => fs::open_at;
    func "wasi:filesystem/types@0.2" "[method]descriptor.readlink-at"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2ereadlink$2dat" => fs::readlink_at;
    func "wasi:filesystem/types@0.2" "[method]descriptor.remove-directory-at"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2eremove$2ddirectory$2dat" => fs::remove_directory_at;
    func "wasi:filesystem/types@0.2" "[method]descriptor.rename-at"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2erename$2dat" => fs::rename_at;
    func "wasi:filesystem/types@0.2" "[method]descriptor.symlink-at"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2esymlink$2dat" => fs::symlink_at;
    func "wasi:filesystem/types@0.2" "[method]descriptor.unlink-file-at"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2eunlink$2dfile$2dat" => fs::unlink_file_at;
    func "wasi:filesystem/types@0.2" "[method]descriptor.is-same-object"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2eis$2dsame$2dobject" => fs::is_same_object;
    func "wasi:filesystem/types@0.2" "[method]descriptor.metadata-hash"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2emetadata$2dhash" => fs::metadata_hash;
    func "wasi:filesystem/types@0.2" "[method]descriptor.metadata-hash-at"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddescriptor$2emetadata$2dhash$2dat" => fs::metadata_hash_at;
    drop "wasi:filesystem/types@0.2" "[resource-drop]descriptor"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bresource$2ddrop$5ddescriptor" => fs::drop_descriptor;
    func "wasi:filesystem/types@0.2" "[method]directory-entry-stream.read-directory-entry"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bmethod$5ddirectory$2dentry$2dstream$2eread$2ddirectory$2dentry" => fs::read_directory_entry;
    drop "wasi:filesystem/types@0.2" "[resource-drop]directory-entry-stream"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_$5bresource$2ddrop$5ddirectory$2dentry$2dstream" => fs::drop_dir_stream;
    func "wasi:filesystem/types@0.2" "filesystem-error-code"
        "wacc_import_33_wasi$3afilesystem$2ftypes$400$2e2_filesystem$2derror$2dcode" => fs::filesystem_error_code;
    func "wasi:filesystem/preopens@0.2" "get-directories"
        "wacc_import_36_wasi$3afilesystem$2fpreopens$400$2e2_get$2ddirectories" => fs::get_directories;
    func "wasi:sockets/instance-network@0.2" "instance-network"
        "wacc_import_43_wasi$3asockets$2finstance$2dnetwork$400$2e2_instance$2dnetwork" => sockets::instance_network;
    drop "wasi:sockets/network@0.2" "[resource-drop]network"
        "wacc_import_32_wasi$3asockets$2fnetwork$400$2e2_$5bresource$2ddrop$5dnetwork" => cli::drop_nothing;
    func "wasi:sockets/network@0.2" "network-error-code"
        "wacc_import_32_wasi$3asockets$2fnetwork$400$2e2_network$2derror$2dcode" => sockets::network_error_code;
    func "wasi:sockets/tcp-create-socket@0.2" "create-tcp-socket"
        "wacc_import_46_wasi$3asockets$2ftcp$2dcreate$2dsocket$400$2e2_create$2dtcp$2dsocket" => sockets::not_supported;
    func "wasi:sockets/udp-create-socket@0.2" "create-udp-socket"
        "wacc_import_46_wasi$3asockets$2fudp$2dcreate$2dsocket$400$2e2_create$2dudp$2dsocket" => sockets::not_supported;
    func "wasi:sockets/ip-name-lookup@0.2" "resolve-addresses"
        "wacc_import_43_wasi$3asockets$2fip$2dname$2dlookup$400$2e2_resolve$2daddresses" => sockets::not_supported;
    drop "wasi:sockets/ip-name-lookup@0.2" "[resource-drop]resolve-address-stream"
        "wacc_import_43_wasi$3asockets$2fip$2dname$2dlookup$400$2e2_$5bresource$2ddrop$5dresolve$2daddress$2dstream" => cli::drop_nothing;
    drop "wasi:sockets/tcp@0.2" "[resource-drop]tcp-socket"
        "wacc_import_28_wasi$3asockets$2ftcp$400$2e2_$5bresource$2ddrop$5dtcp$2dsocket" => cli::drop_nothing;
    drop "wasi:sockets/udp@0.2" "[resource-drop]udp-socket"
        "wacc_import_28_wasi$3asockets$2fudp$400$2e2_$5bresource$2ddrop$5dudp$2dsocket" => cli::drop_nothing;
    drop "wasi:sockets/udp@0.2" "[resource-drop]incoming-datagram-stream"
        "wacc_import_28_wasi$3asockets$2fudp$400$2e2_$5bresource$2ddrop$5dincoming$2ddatagram$2dstream" => cli::drop_nothing;
    drop "wasi:sockets/udp@0.2" "[resource-drop]outgoing-datagram-stream"
        "wacc_import_28_wasi$3asockets$2fudp$400$2e2_$5bresource$2ddrop$5doutgoing$2ddatagram$2dstream" => cli::drop_nothing;
}

#[cfg(test)]
mod tests;
