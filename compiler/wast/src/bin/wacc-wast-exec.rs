//! The directive executor of `wacc wast` for foreign targets, without the
//! code generator: built for the target and run under qemu-user by the
//! worker as `wacc-wast-exec wast --execute MANIFEST FILE [OPTIONS]` (the
//! arguments `wacc` itself takes for this; options are ignored).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let mut manifest = None;
    let mut file = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].to_string_lossy();
        if a == "--execute" {
            manifest = args.get(i + 1).map(PathBuf::from);
            i += 2;
        } else if a == "wast" {
            i += 1;
        } else if a.starts_with('-') {
            // an option with its value
            i += 2;
        } else {
            file = Some(PathBuf::from(&args[i]));
            i += 1;
        }
    }
    let (Some(manifest), Some(file)) = (manifest, file) else {
        eprintln!("usage: wacc-wast-exec wast --execute MANIFEST FILE");
        return ExitCode::from(2);
    };
    match wacc_wast::run_executor(&manifest, &file, &wacc_wast::WastOptions::default()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
