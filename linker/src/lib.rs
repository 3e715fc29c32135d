//! Links wacc objects with runtime-support into libraries and executables,
//! driving the target's C compiler as the linker.

use std::path::PathBuf;
use wacc_targets::Target;

/// What to produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    /// `.so`: objects + runtime-support, self-contained.
    SharedLib,
    /// `.a`: objects + runtime-support members.
    StaticLib,
    /// executable: objects + runtime-support + a `main`.
    Executable,
}

#[derive(Clone, Debug)]
pub struct LinkRequest {
    pub target: Target,
    pub kind: OutputKind,
    pub objects: Vec<PathBuf>,
    pub output: PathBuf,
}

/// Link; errors carry the linker's own output.
pub fn link(req: &LinkRequest) -> anyhow::Result<()> {
    let _ = req;
    todo!("link")
}
