//! Conformance runners and end-to-end tests live in `tests/`. This library
//! holds what they share with other checkouts: where the test material is.

use std::path::{Path, PathBuf};

/// The directory of shared test material (`testsuite/`, `spec/`, `wit/`):
/// `$WACC_SHARED` (a relative path is taken from the workspace root), else
/// `<workspace root>/../shared`.
pub fn shared_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    match std::env::var_os("WACC_SHARED") {
        Some(d) if !d.is_empty() => root.join(d),
        _ => root.join("../shared"),
    }
}

/// `rel` below [`shared_dir`]; panics with the path and how to point
/// `WACC_SHARED` elsewhere when it does not exist, so a test whose material
/// is missing fails instead of passing vacuously.
pub fn shared(rel: &str) -> PathBuf {
    let p = shared_dir().join(rel);
    assert!(
        p.exists(),
        "test material {} not found: set WACC_SHARED to the directory holding \
         testsuite/, spec/ and wit/ (default: <workspace root>/../shared)",
        p.display()
    );
    p
}
