//! Errors of the shared layer, in host terms: a host `errno` value, or a
//! path that would leave its preopen (which the host has no errno for).
//! Each front maps these directly to its own codes.

/// A failed host operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// the host's `errno`
    Os(i32),
    /// an absolute path, `..` above the preopen or a symlink out of it
    NotCapable,
}

pub type Result<T> = core::result::Result<T, Error>;

/// The host `errno` of the calling thread's last failed call.
pub fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// `Ok(r)` if a libc call succeeded (`r >= 0`), else its `errno`.
pub fn check<T: PartialOrd + Default>(r: T) -> Result<T> {
    if r < T::default() {
        Err(Error::Os(last_errno()))
    } else {
        Ok(r)
    }
}
