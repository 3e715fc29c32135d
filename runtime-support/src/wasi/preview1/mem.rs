//! Bounds-checked access to the calling instance's memory 0. Every guest
//! pointer is checked against the memory's current length; a range outside
//! it is `fault`, never a host crash.

use super::errno::{FAULT, R};
use crate::core::vmctx;
use core::ffi::c_void;

pub struct Mem {
    base: *mut u8,
    len: u64,
}

impl Mem {
    /// Memory 0 of the instance `vmctx` (`fault` if it has none).
    pub unsafe fn of(vmctx: *mut c_void) -> R<Mem> {
        // SAFETY: `vmctx` is a live instance (caller's contract): its descriptor and memory slots
        // may be read.
        unsafe {
            if vmctx.is_null() || vmctx::desc(vmctx).num_memories == 0 {
                return Err(FAULT);
            }
            let m = vmctx::memory(vmctx, 0);
            Ok(Mem {
                base: (*m).base,
                len: (*m).length,
            })
        }
    }

    fn check(&self, ptr: u32, len: u64) -> R<*mut u8> {
        if ptr as u64 + len > self.len {
            return Err(FAULT);
        }
        // SAFETY: in bounds of the memory's accessible length.
        Ok(unsafe { self.base.add(ptr as usize) })
    }

    /// The guest bytes `[ptr, ptr + len)`. `Mem` only borrows the
    /// guest's memory (it is a view, like a raw pointer), hence `&self`.
    #[allow(clippy::mut_from_ref)]
    pub fn slice(&self, ptr: u32, len: u32) -> R<&mut [u8]> {
        let p = self.check(ptr, len as u64)?;
        // SAFETY: checked above; guest memory outlives the host call and
        // nothing else touches it while the host function runs.
        Ok(unsafe { core::slice::from_raw_parts_mut(p, len as usize) })
    }

    pub fn read<const N: usize>(&self, ptr: u32) -> R<[u8; N]> {
        let p = self.check(ptr, N as u64)?;
        let mut b = [0u8; N];
        // SAFETY: checked above.
        unsafe { core::ptr::copy_nonoverlapping(p, b.as_mut_ptr(), N) };
        Ok(b)
    }

    pub fn write(&self, ptr: u32, bytes: &[u8]) -> R<()> {
        let p = self.check(ptr, bytes.len() as u64)?;
        // SAFETY: checked above.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
        Ok(())
    }

    pub fn u8(&self, ptr: u32) -> R<u8> {
        Ok(self.read::<1>(ptr)?[0])
    }
    pub fn u16(&self, ptr: u32) -> R<u16> {
        Ok(u16::from_le_bytes(self.read(ptr)?))
    }
    pub fn u32(&self, ptr: u32) -> R<u32> {
        Ok(u32::from_le_bytes(self.read(ptr)?))
    }
    pub fn u64(&self, ptr: u32) -> R<u64> {
        Ok(u64::from_le_bytes(self.read(ptr)?))
    }
    pub fn put_u32(&self, ptr: u32, v: u32) -> R<()> {
        self.write(ptr, &v.to_le_bytes())
    }
    pub fn put_u64(&self, ptr: u32, v: u64) -> R<()> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// A guest string (`ptr`, `len`) as bytes.
    pub fn bytes(&self, ptr: u32, len: u32) -> R<Vec<u8>> {
        Ok(self.slice(ptr, len)?.to_vec())
    }

    /// An array of `ciovec`/`iovec` (`buf: u32, len: u32`) as host iovecs
    /// pointing into guest memory, each checked.
    pub fn iovecs(&self, iovs: u32, n: u32) -> R<Vec<libc::iovec>> {
        let table = self.slice(iovs, n.checked_mul(8).ok_or(FAULT)?)?;
        let mut v = Vec::with_capacity(n as usize);
        for c in table.chunks_exact(8) {
            let buf = u32::from_le_bytes(c[0..4].try_into().unwrap());
            let len = u32::from_le_bytes(c[4..8].try_into().unwrap());
            let s = self.slice(buf, len)?;
            v.push(libc::iovec {
                iov_base: s.as_mut_ptr().cast(),
                iov_len: len as usize,
            });
        }
        Ok(v)
    }
}
