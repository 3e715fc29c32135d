//! Strings across a component boundary (CanonicalABI.md, "Strings"): the
//! source string is validated and decoded, then stored into the
//! destination with the spec's allocation sequence (the realloc calls are
//! observable, so `store_*` follow the reference algorithms step by step).
//! Generated trampolines call [`wacc_rt_string_transfer`]; everything about
//! the value's type is already known to them, this only handles the bytes.

use crate::abi::component::{VMComponentContext, FLAG_MAY_LEAVE};
use crate::abi::{TrapCode, VMMemory};
use crate::core::trap;
use core::ffi::c_void;

/// Flag in an encoding code: the memory has 64-bit addresses, so the
/// utf16 tag of a latin1+utf16 length is bit 63 instead of bit 31.
const WIDE64: u32 = 0x10;

fn utf16_tag(enc: u32) -> u64 {
    if enc & WIDE64 != 0 {
        1 << 63
    } else {
        1 << 31
    }
}
const MAX_STRING_BYTE_LENGTH: u64 = (1 << 31) - 1;

/// String encodings as passed by generated code.
const UTF8: u32 = 0;
const UTF16: u32 = 1;
const LATIN1_UTF16: u32 = 2;

use crate::abi::libcalls::Realloc;

struct Dest {
    ctx: *mut c_void,
    mem: *mut VMMemory,
    realloc: Option<Realloc>,
    realloc_vmctx: *mut c_void,
    flags: *mut u32,
    /// the host is lowering (realloc failures use the realloc messages)
    from_host: bool,
}

unsafe fn fail(ctx: *mut c_void, code: TrapCode) -> ! {
    // SAFETY: `ctx` is a live component context (ABI contract), whose header holds its store with a
    // landing pad for the current call.
    unsafe { trap::raise((*ctx.cast::<VMComponentContext>()).store, code) }
}

impl Dest {
    unsafe fn trap(&self, code: TrapCode) -> ! {
        // SAFETY: `self.ctx` is the live component context the destination was made for.
        unsafe { fail(self.ctx, code) }
    }

    /// Calls the destination's realloc with `may_leave` cleared and checks
    /// the result against `align` and `size`.
    unsafe fn realloc(&self, old: u64, old_size: u64, align: u64, size: u64) -> u64 {
        // SAFETY: `self.ctx` is a live context; for the host, `old` is a previous host block of
        // `old_size` bytes; otherwise `self.mem`/`self.realloc` are the destination instance's
        // memory and realloc function (ABI contract) and the result is checked against the memory.
        unsafe {
            if self.mem.is_null() {
                // The host: a fresh arena block (contents are copied by callers).
                let p = crate::component::wacc_rt_host_alloc(self.ctx, size as u32, align as u32);
                if old != 0 && old_size != 0 {
                    core::ptr::copy_nonoverlapping(
                        old as *const u8,
                        p,
                        old_size.min(size) as usize,
                    );
                }
                return p as u64;
            }
            let f = match self.realloc {
                Some(f) => f,
                None => self.trap(TrapCode::ReallocOutOfBounds),
            };
            if !self.flags.is_null() {
                *self.flags &= !FLAG_MAY_LEAVE;
            }
            let p = f(
                self.realloc_vmctx,
                old as i32,
                old_size as i32,
                align as i32,
                size as i32,
            ) as u32 as u64;
            if !self.flags.is_null() {
                *self.flags |= FLAG_MAY_LEAVE;
            }
            if !p.is_multiple_of(align) {
                self.trap(if self.from_host {
                    TrapCode::ReallocUnaligned
                } else {
                    TrapCode::UnalignedPointer
                });
            }
            if p + size > (*self.mem).length {
                self.trap(if self.from_host {
                    TrapCode::ReallocOutOfBounds
                } else {
                    TrapCode::StringOutOfBounds
                });
            }
            p
        }
    }

    /// The bytes at `[p, p + len)` (already bounds-checked). The memory is
    /// the guest's (or the host arena), not borrowed from `self`.
    #[allow(clippy::mut_from_ref)]
    unsafe fn bytes(&self, p: u64, len: u64) -> &mut [u8] {
        // SAFETY: `p`/`len` were checked against the destination memory (or come from the host
        // arena block of that size), so the range is valid and not aliased by `self`.
        unsafe {
            if len == 0 {
                return &mut [];
            }
            let at = if self.mem.is_null() {
                p as usize as *mut u8
            } else {
                (*self.mem).base.add(p as usize)
            };
            core::slice::from_raw_parts_mut(at, len as usize)
        }
    }
}

/// A decoded source string: its code points and the simple encoding and
/// code unit count it came in.
struct Source<'a> {
    encoding: u32, // UTF8, UTF16, or 3 = latin1
    bytes: &'a [u8],
    code_units: u64,
}

const LATIN1: u32 = 3;

impl Source<'_> {
    fn chars(&self) -> impl Iterator<Item = char> + '_ {
        let mut i = 0usize;
        let enc = self.encoding;
        let b = self.bytes;
        core::iter::from_fn(move || {
            if i >= b.len() {
                return None;
            }
            match enc {
                UTF8 => {
                    // SAFETY: UTF-8 sources are validated in `wacc_rt_string_transfer` before the
                    // `Source` is built, and `i` is at a char boundary (advanced by whole chars).
                    let s = unsafe { core::str::from_utf8_unchecked(&b[i..]) };
                    let c = s.chars().next()?;
                    i += c.len_utf8();
                    Some(c)
                }
                LATIN1 => {
                    i += 1;
                    Some(b[i - 1] as char)
                }
                _ => {
                    let u = |k: usize| u16::from_le_bytes([b[k], b[k + 1]]);
                    let hi = u(i);
                    i += 2;
                    if (0xD800..0xDC00).contains(&hi) {
                        let lo = u(i);
                        i += 2;
                        let c = 0x10000 + (((hi as u32) - 0xD800) << 10) + ((lo as u32) - 0xDC00);
                        char::from_u32(c)
                    } else {
                        char::from_u32(hi as u32)
                    }
                }
            }
        })
    }

    fn utf8_len(&self) -> u64 {
        self.chars().map(|c| c.len_utf8() as u64).sum()
    }
}

fn valid_utf16(b: &[u8]) -> bool {
    let n = b.len() / 2;
    let u = |k: usize| u16::from_le_bytes([b[2 * k], b[2 * k + 1]]);
    let mut k = 0;
    while k < n {
        let c = u(k);
        if (0xD800..0xDC00).contains(&c) {
            if k + 1 >= n || !(0xDC00..0xE000).contains(&u(k + 1)) {
                return false;
            }
            k += 2;
        } else if (0xDC00..0xE000).contains(&c) {
            return false;
        } else {
            k += 1;
        }
    }
    true
}

/// Moves a string from one side to the other. `src_mem`/`dst_mem` null
/// means the host (native memory, UTF-8, host arena). `src_len` is in the
/// source encoding's (tagged) code units. Writes (ptr, len) to `out`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wacc_rt_string_transfer(
    ctx: *mut c_void,
    src_mem: *mut VMMemory,
    src_enc: u32,
    src_ptr: u64,
    src_len: u64,
    dst_mem: *mut VMMemory,
    dst_enc: u32,
    realloc: Option<Realloc>,
    realloc_vmctx: *mut c_void,
    dst_flags: *mut u32,
    out: *mut u64,
) {
    // SAFETY: `ctx` is a live context, the memory pointers are null (then `src_ptr` points to
    // `src_len` host bytes) or live memories of its instances, `dst_flags` is null or writable and
    // `out` has room for two u64 (ABI contract of the string transfer); every guest range is
    // bounds-checked before it is read or written.
    unsafe {
        // load_string_from_range
        let src_tag = utf16_tag(src_enc);
        let dst_tag = utf16_tag(dst_enc);
        let (src_enc, dst_enc) = (src_enc & !WIDE64, dst_enc & !WIDE64);
        let (align, byte_len, enc, units) = match src_enc {
            UTF16 => (2, 2 * src_len, UTF16, src_len),
            LATIN1_UTF16 if src_len & src_tag != 0 => {
                (2, 2 * (src_len ^ src_tag), UTF16, src_len ^ src_tag)
            }
            LATIN1_UTF16 => (2, src_len, LATIN1, src_len),
            _ => (1, src_len, UTF8, src_len),
        };
        let bytes: &[u8] = if src_mem.is_null() {
            if byte_len == 0 {
                &[]
            } else {
                core::slice::from_raw_parts(src_ptr as *const u8, byte_len as usize)
            }
        } else {
            if !src_ptr.is_multiple_of(align) {
                fail(ctx, TrapCode::UnalignedPointer);
            }
            if src_ptr + byte_len > (*src_mem).length {
                fail(ctx, TrapCode::StringOutOfBounds);
            }
            if byte_len == 0 {
                &[]
            } else {
                core::slice::from_raw_parts(
                    (*src_mem).base.add(src_ptr as usize),
                    byte_len as usize,
                )
            }
        };
        match enc {
            UTF8 if core::str::from_utf8(bytes).is_err() => fail(ctx, TrapCode::InvalidUtf8),
            UTF16 if !valid_utf16(bytes) => fail(ctx, TrapCode::InvalidUtf16),
            _ => {}
        }
        let src = Source {
            encoding: enc,
            bytes,
            code_units: units,
        };
        let d = Dest {
            ctx,
            mem: dst_mem,
            realloc,
            realloc_vmctx,
            flags: dst_flags,
            from_host: src_mem.is_null(),
        };
        let dst_enc = if dst_mem.is_null() { UTF8 } else { dst_enc };
        let (p, l) = match (dst_enc, enc) {
            (UTF8, UTF8) => store_copy(&d, &src, 1, 1),
            (UTF8, UTF16) => store_to_utf8(&d, &src, src.code_units * 3),
            (UTF8, _) => store_to_utf8(&d, &src, src.code_units * 2),
            (UTF16, UTF8) => store_utf8_to_utf16(&d, &src),
            (UTF16, _) => store_copy(&d, &src, 2, 2),
            (_, LATIN1) => store_copy(&d, &src, 1, 2),
            _ => store_latin1_or_utf16(&d, &src, dst_tag),
        };
        *out = p;
        *out.add(1) = l;
    }
}

/// `store_string_copy`: the destination encoding has a fixed code unit size.
unsafe fn store_copy(d: &Dest, s: &Source, unit: u64, align: u64) -> (u64, u64) {
    // SAFETY: `d.realloc` returns a range checked to hold `n` bytes in the destination memory,
    // written only within it.
    unsafe {
        let n = unit * s.code_units;
        if n > MAX_STRING_BYTE_LENGTH {
            d.trap(TrapCode::LengthOverflow);
        }
        let p = d.realloc(0, 0, align, n);
        let dst = d.bytes(p, n);
        if unit == 1 || s.encoding == UTF16 {
            dst.copy_from_slice(s.bytes);
        } else {
            // latin1 → utf16
            for (i, c) in s.chars().enumerate() {
                dst[2 * i..2 * i + 2].copy_from_slice(&(c as u16).to_le_bytes());
            }
        }
        (p, s.code_units)
    }
}

/// `store_string_to_utf8`: optimistic ASCII copy, growing to the worst
/// case at the first non-ASCII code point, then shrinking to fit.
unsafe fn store_to_utf8(d: &Dest, s: &Source, worst: u64) -> (u64, u64) {
    // SAFETY: every write stays below the size last passed to `d.realloc`, whose result is checked
    // against the destination memory.
    unsafe {
        let n = s.code_units;
        let mut p = d.realloc(0, 0, 1, n);
        for (i, c) in s.chars().enumerate() {
            if (c as u32) < 0x80 {
                d.bytes(p + i as u64, 1)[0] = c as u8;
                continue;
            }
            if worst > MAX_STRING_BYTE_LENGTH {
                d.trap(TrapCode::LengthOverflow);
            }
            p = d.realloc(p, n, 1, worst);
            let total = s.utf8_len();
            let mut at = p + i as u64;
            for c in s.chars().skip(i) {
                let mut buf = [0u8; 4];
                let e = c.encode_utf8(&mut buf);
                d.bytes(at, e.len() as u64).copy_from_slice(e.as_bytes());
                at += e.len() as u64;
            }
            if worst > total {
                p = d.realloc(p, worst, 1, total);
            }
            return (p, total);
        }
        (p, n)
    }
}

/// `store_utf8_to_utf16`: allocate the worst case, shrink to fit.
unsafe fn store_utf8_to_utf16(d: &Dest, s: &Source) -> (u64, u64) {
    // SAFETY: every write stays below the size last passed to `d.realloc`, whose result is checked
    // against the destination memory.
    unsafe {
        let worst = 2 * s.code_units;
        if worst > MAX_STRING_BYTE_LENGTH {
            d.trap(TrapCode::LengthOverflow);
        }
        let mut p = d.realloc(0, 0, 2, worst);
        let mut len = 0u64;
        for c in s.chars() {
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                d.bytes(p + len, 2).copy_from_slice(&u.to_le_bytes());
                len += 2;
            }
        }
        if len < worst {
            p = d.realloc(p, worst, 2, len);
        }
        (p, len / 2)
    }
}

/// `store_string_to_latin1_or_utf16`: latin1 while every code point fits,
/// inflating to utf16 at the first one that does not.
unsafe fn store_latin1_or_utf16(d: &Dest, s: &Source, tag: u64) -> (u64, u64) {
    // SAFETY: every write stays below the size last passed to `d.realloc`, whose result is checked
    // against the destination memory.
    unsafe {
        let n = s.code_units;
        let mut p = d.realloc(0, 0, 2, n);
        let mut len = 0u64;
        for c in s.chars() {
            if (c as u32) < 0x100 {
                d.bytes(p + len, 1)[0] = c as u8;
                len += 1;
                continue;
            }
            let worst = 2 * n;
            if worst > MAX_STRING_BYTE_LENGTH {
                d.trap(TrapCode::LengthOverflow);
            }
            p = d.realloc(p, n, 2, worst);
            let buf = d.bytes(p, worst);
            for j in (0..len as usize).rev() {
                buf[2 * j] = buf[j];
                buf[2 * j + 1] = 0;
            }
            let mut at = 2 * len;
            for c in s.chars().skip(len as usize) {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    d.bytes(p + at, 2).copy_from_slice(&u.to_le_bytes());
                    at += 2;
                }
            }
            if worst > at {
                p = d.realloc(p, worst, 2, at);
            }
            return (p, (at / 2) | tag);
        }
        if len < n {
            p = d.realloc(p, n, 2, len);
        }
        (p, len)
    }
}

/// `memcpy` for generated code (no libc dependency on bare-metal targets).
#[no_mangle]
pub unsafe extern "C" fn wacc_rt_memcpy(dst: *mut u8, src: *const u8, len: usize) {
    // SAFETY: generated code passes `len` readable bytes at `src` and writable bytes at `dst` (ABI
    // contract); `ptr::copy` allows overlap.
    unsafe {
        if len != 0 {
            core::ptr::copy(src, dst, len);
        }
    }
}
