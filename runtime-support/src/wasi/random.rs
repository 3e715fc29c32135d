//! Randomness for both fronts: the host's `getrandom`.

use super::error::{last_errno, Error, Result};

/// Fills `buf` from the host's random source (retrying interrupted calls).
pub fn fill_random(buf: &mut [u8]) -> Result<()> {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: `rest` is a live, writable buffer of `rest.len()` bytes.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n < 0 {
            let e = last_errno();
            if e != libc::EINTR {
                return Err(Error::Os(e));
            }
            continue;
        }
        done += n as usize;
    }
    Ok(())
}
