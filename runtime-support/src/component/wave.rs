//! Component values in the native layout (the canonical ABI with 64-bit
//! pointers), printed as WAVE text (the WebAssembly Value Encoding of
//! wasm-tools), without allocating. The interception layer uses it to show
//! calls and results; the type comes as a type code ([`crate::abi::typecode`]).
//!
//! The text is WAVE's: integers in decimal, floats as Rust prints them (and
//! `nan`, `inf`, `-inf`), `'c'` and `"s"` with `\n \t \r \\ \' \"` and
//! `\u{..}` escapes of other control characters, `[..]` lists, `{a: 1}`
//! records, `(1, 2)` tuples, `case(x)` / `case` variants and enums,
//! `some(x)` / `none`, `ok(x)` / `ok` / `err(e)` / `err`, `{a, b}` flags and
//! `[(k, v), ..]` maps; labels that are WAVE keywords get a `%` prefix.
//! Handles and other opaque indices print as `own#3`, `borrow#3`,
//! `stream#3`, `future#3`, `error-context#3`. Flags past the 32nd are never
//! set: their layout (like `values.rs`'s) has room for 32 bits only.
//!
//! Because the values come from code being observed, nothing in them can
//! make the printer fail or read past what the layout says:
//! - a string longer than `max_len` bytes prints its first `max_len` bytes
//!   (cut at a char boundary) and the number of bytes left out:
//!   `"abc"…+123`; a list longer than `max_len` elements prints its first
//!   `max_len` and the number left out: `[1, 2, …+98]`;
//! - values nested more than [`MAX_NESTING`] levels deep print as `…`;
//! - a discriminant out of range prints `<bad discriminant N>`, a char that
//!   is not a scalar value `<bad char 0x..>`, a string that is not UTF-8 (in
//!   its printed part) `<bad utf-8>`, a null pointer with a nonzero length
//!   `<null>`, and an address range that wraps around `<bad pointer>`;
//! - a malformed type code prints `<bad type>`.

use crate::abi::typecode::{self as tc, BadCode, Code, Fields, Layout};
use core::fmt::{self, Display, Write};

/// Values nested deeper than this (the outermost is level 0) print as `…`.
pub const MAX_NESTING: u32 = 32;

/// Labels that WAVE writes with a `%` prefix, lest they read as keywords.
const KEYWORDS: [&str; 8] = ["true", "false", "some", "none", "ok", "err", "inf", "nan"];

/// Prints the value of type `code` stored at `at`.
///
/// # Safety
///
/// Unless `at` is null (which prints `<null>`), it points to a value of
/// type `code` in the native layout (no alignment needed) whose strings and
/// lists point to as many bytes and elements as their lengths say, or are
/// null; only the first `max_len` bytes or elements of each are read.
pub unsafe fn write_value(
    w: &mut dyn Write,
    code: &[u8],
    at: *const u8,
    max_len: usize,
) -> fmt::Result {
    // SAFETY: the caller's contract, passed on.
    unsafe { write(w, code, at, max_len, false) }
}

/// Prints the record of type `code` stored at `at` as an argument list,
/// `(a: 1, b: "x")`: the arguments of a call, whose parameters' type code is
/// a record ([`tc::encode_params`]).
///
/// # Safety
///
/// As for [`write_value`].
pub unsafe fn write_args(
    w: &mut dyn Write,
    code: &[u8],
    at: *const u8,
    max_len: usize,
) -> fmt::Result {
    // SAFETY: the caller's contract, passed on.
    unsafe { write(w, code, at, max_len, true) }
}

unsafe fn write(
    w: &mut dyn Write,
    code: &[u8],
    at: *const u8,
    max_len: usize,
    args: bool,
) -> fmt::Result {
    // Check the whole code first, so a bad one prints nothing but the marker.
    let Ok(layout) = tc::native_layout(code) else {
        return w.write_str("<bad type>");
    };
    if args && code.first() != Some(&tc::RECORD) {
        return w.write_str("<bad type>");
    }
    // A value of size 0 (an empty argument list) reads nothing, from anywhere.
    if at.is_null() && layout.size > 0 {
        return w.write_str("<null>");
    }
    let mut p = Printer { w, max_len };
    let mut c = Code(code);
    // SAFETY: `at` holds a value of type `code` (caller contract).
    let done = unsafe {
        if args {
            p.args(&mut c, at)
        } else {
            p.value(&mut c, at, 0)
        }
    };
    match done {
        Ok(()) => Ok(()),
        Err(Stop::Write) => Err(fmt::Error),
        Err(Stop::Code) => p.w.write_str("<bad type>"),
    }
}

/// Why printing stopped early.
enum Stop {
    /// the writer failed
    Write,
    /// the type code is malformed (not expected once it has been checked)
    Code,
}

impl From<fmt::Error> for Stop {
    fn from(_: fmt::Error) -> Stop {
        Stop::Write
    }
}

impl From<BadCode> for Stop {
    fn from(_: BadCode) -> Stop {
        Stop::Code
    }
}

type Res = Result<(), Stop>;

/// The `N` bytes at `p`.
///
/// # Safety
/// `p` points to `N` readable bytes.
unsafe fn rd<const N: usize>(p: *const u8) -> [u8; N] {
    // SAFETY: the caller's contract; `[u8; N]` needs no alignment anyway.
    unsafe { p.cast::<[u8; N]>().read_unaligned() }
}

/// The layout of the type at `c`, without moving `c`.
fn peek(c: &Code) -> Result<Layout, BadCode> {
    let mut c = *c;
    c.layout()
}

struct Printer<'w> {
    w: &'w mut dyn Write,
    max_len: usize,
}

// The `unsafe fn`s below read a value of the type at the cursor from `at`:
// the contract of `write_value`, which each passes on for the parts of the
// value (whose addresses come from the layout).
impl Printer<'_> {
    fn s(&mut self, s: &str) -> Res {
        Ok(self.w.write_str(s)?)
    }

    fn fmt(&mut self, v: impl Display) -> Res {
        Ok(write!(self.w, "{v}")?)
    }

    fn label(&mut self, name: &str) -> Res {
        if KEYWORDS.contains(&name) {
            self.s("%")?;
        }
        self.s(name)
    }

    /// The fields of the record at `c` as an argument list.
    unsafe fn args(&mut self, c: &mut Code, at: *const u8) -> Res {
        c.tag()?;
        let n = c.leb()?;
        // SAFETY: the record is at `at`.
        unsafe { self.fields(c, n, true, at, 0, ("(", ")")) }
    }

    /// Prints the value of the type at `c` and moves `c` past the type.
    unsafe fn value(&mut self, c: &mut Code, at: *const u8, depth: u32) -> Res {
        if depth > MAX_NESTING {
            c.skip()?;
            return self.s("…");
        }
        let start = *c;
        // SAFETY (all reads): the value at `at` has the layout of its type,
        // which covers each read here.
        unsafe {
            match c.tag()? {
                tc::BOOL => self.s(if rd::<1>(at)[0] != 0 { "true" } else { "false" }),
                tc::S8 => self.fmt(i8::from_le_bytes(rd(at))),
                tc::U8 => self.fmt(u8::from_le_bytes(rd(at))),
                tc::S16 => self.fmt(i16::from_le_bytes(rd(at))),
                tc::U16 => self.fmt(u16::from_le_bytes(rd(at))),
                tc::S32 => self.fmt(i32::from_le_bytes(rd(at))),
                tc::U32 => self.fmt(u32::from_le_bytes(rd(at))),
                tc::S64 => self.fmt(i64::from_le_bytes(rd(at))),
                tc::U64 => self.fmt(u64::from_le_bytes(rd(at))),
                tc::F32 => {
                    let v = f32::from_le_bytes(rd(at));
                    self.float(v, v.is_nan(), v.is_infinite(), v.is_sign_negative())
                }
                tc::F64 => {
                    let v = f64::from_le_bytes(rd(at));
                    self.float(v, v.is_nan(), v.is_infinite(), v.is_sign_negative())
                }
                tc::CHAR => {
                    let v = u32::from_le_bytes(rd(at));
                    match char::from_u32(v) {
                        Some(ch) => {
                            self.s("'")?;
                            self.escaped(ch.encode_utf8(&mut [0; 4]), '\'')?;
                            self.s("'")
                        }
                        None => Ok(write!(self.w, "<bad char {v:#x}>")?),
                    }
                }
                tc::STRING => {
                    let (ptr, len) = ptr_len(at);
                    self.string(ptr, len)
                }
                t @ (tc::LIST | tc::MAP) => {
                    let (ptr, len) = ptr_len(at);
                    self.list(c, ptr, len, t == tc::MAP, depth)
                }
                tc::FIXED_LIST => {
                    let n = c.leb()?;
                    self.list(c, at, u64::from(n), false, depth)
                }
                tc::RECORD => {
                    let n = c.leb()?;
                    self.fields(c, n, true, at, depth, ("{", "}"))
                }
                tc::TUPLE => {
                    let n = c.leb()?;
                    self.fields(c, n, false, at, depth, ("(", ")"))
                }
                t @ (tc::VARIANT | tc::ENUM | tc::OPTION | tc::RESULT) => {
                    self.variant(c, start, t, at, depth)
                }
                tc::FLAGS => {
                    let n = c.leb()?;
                    let bits = disc(at, tc::flags_size(n));
                    self.s("{")?;
                    let mut first = true;
                    for i in 0..n {
                        let name = c.name()?;
                        if i < 32 && bits >> i & 1 != 0 {
                            if !first {
                                self.s(", ")?;
                            }
                            first = false;
                            self.label(name)?;
                        }
                    }
                    self.s("}")
                }
                t => {
                    let kind = match t {
                        tc::OWN | tc::BORROW => {
                            c.leb()?;
                            if t == tc::OWN {
                                "own"
                            } else {
                                "borrow"
                            }
                        }
                        tc::STREAM => "stream",
                        tc::FUTURE => "future",
                        tc::ERROR_CONTEXT => "error-context",
                        _ => return Err(Stop::Code),
                    };
                    Ok(write!(self.w, "{kind}#{}", u32::from_le_bytes(rd(at)))?)
                }
            }
        }
    }

    fn float(&mut self, v: impl Display, nan: bool, inf: bool, neg: bool) -> Res {
        match (nan, inf, neg) {
            (true, ..) => self.s("nan"),
            (_, true, false) => self.s("inf"),
            (_, true, true) => self.s("-inf"),
            _ => self.fmt(v),
        }
    }

    /// Prints `s` with `quote`, backslashes and control characters escaped.
    fn escaped(&mut self, s: &str, quote: char) -> Res {
        let mut from = 0;
        for (i, ch) in s.char_indices() {
            if ch == quote || ch == '\\' || ch.is_control() {
                self.s(&s[from..i])?;
                from = i + ch.len_utf8();
                match ch {
                    '\n' => self.s("\\n")?,
                    '\t' => self.s("\\t")?,
                    '\r' => self.s("\\r")?,
                    '\\' | '\'' | '"' => write!(self.w, "\\{ch}")?,
                    _ => write!(self.w, "\\u{{{:x}}}", ch as u32)?,
                }
            }
        }
        self.s(&s[from..])
    }

    /// A string of `len` UTF-8 bytes at `ptr`.
    unsafe fn string(&mut self, ptr: *const u8, len: u64) -> Res {
        if len == 0 {
            return self.s("\"\"");
        }
        let shown = len.min(self.max_len as u64).min(isize::MAX as u64) as usize;
        if ptr.is_null() {
            return self.s("<null>");
        }
        if ptr.addr().checked_add(shown).is_none() {
            return self.s("<bad pointer>");
        }
        // SAFETY: `ptr` is non-null and points to `len` >= `shown` bytes (contract).
        let bytes = unsafe { core::slice::from_raw_parts(ptr, shown) };
        let text = match core::str::from_utf8(bytes) {
            Ok(s) => s,
            // Cut inside a char: print up to it.
            Err(e) if e.error_len().is_none() && (shown as u64) < len => {
                match core::str::from_utf8(&bytes[..e.valid_up_to()]) {
                    Ok(s) => s,
                    Err(_) => return self.s("<bad utf-8>"),
                }
            }
            Err(_) => return self.s("<bad utf-8>"),
        };
        self.s("\"")?;
        self.escaped(text, '"')?;
        self.s("\"")?;
        if (text.len() as u64) < len {
            write!(self.w, "…+{}", len - text.len() as u64)?;
        }
        Ok(())
    }

    /// A list of `len` elements at `base`, of the type at `c` (or, for a
    /// map, of the tuple of the two types at `c`); moves `c` past the type(s).
    unsafe fn list(
        &mut self,
        c: &mut Code,
        base: *const u8,
        len: u64,
        map: bool,
        depth: u32,
    ) -> Res {
        let elem = *c;
        let mut entry = Fields::default();
        entry.add(c.layout()?)?;
        if map {
            entry.add(c.layout()?)?;
        }
        let stride = entry.finish()?.size as usize;
        if len == 0 {
            return self.s("[]");
        }
        if base.is_null() {
            return self.s("<null>");
        }
        let shown = len.min(self.max_len as u64) as usize;
        let end = shown
            .checked_mul(stride)
            .and_then(|n| n.checked_add(base.addr()));
        if end.is_none() {
            return self.s("<bad pointer>");
        }
        self.s("[")?;
        for i in 0..shown {
            if i > 0 {
                self.s(", ")?;
            }
            let at = base.wrapping_add(i * stride);
            let mut e = elem;
            // SAFETY: element `i` < `len` of the list lies at `at`.
            unsafe {
                match map {
                    true => self.fields(&mut e, 2, false, at, depth + 1, ("(", ")"))?,
                    false => self.value(&mut e, at, depth + 1)?,
                }
            }
        }
        if (shown as u64) < len {
            if shown > 0 {
                self.s(", ")?;
            }
            write!(self.w, "…+{}", len - shown as u64)?;
        }
        self.s("]")
    }

    /// The `n` fields at `c` (each after its name if `named`) of the record
    /// or tuple at `at`, between `brackets`.
    unsafe fn fields(
        &mut self,
        c: &mut Code,
        n: u32,
        named: bool,
        at: *const u8,
        depth: u32,
        brackets: (&str, &str),
    ) -> Res {
        self.s(brackets.0)?;
        let mut layout = Fields::default();
        for i in 0..n {
            if i > 0 {
                self.s(", ")?;
            }
            if named {
                self.label(c.name()?)?;
                self.s(": ")?;
            }
            let off = layout.add(peek(c)?)?;
            // SAFETY: the field lies at its offset in the record.
            unsafe { self.value(c, at.wrapping_add(off as usize), depth + 1)? };
        }
        self.s(brackets.1)
    }

    /// A variant, enum, option or result (`tag`, already read from `c`;
    /// `start` is at the tag).
    unsafe fn variant<'a>(
        &mut self,
        c: &mut Code<'a>,
        start: Code<'a>,
        tag: u8,
        at: *const u8,
        depth: u32,
    ) -> Res {
        let n = match tag {
            tc::VARIANT | tc::ENUM => c.leb()?,
            _ => 2,
        };
        let payload = tc::payload_offset(n, peek(&start)?)? as usize;
        // SAFETY: the discriminant is at the start of the variant.
        let d = unsafe { disc(at, tc::discriminant_size(n)) };
        if d >= n {
            *c = start;
            c.skip()?;
            return Ok(write!(self.w, "<bad discriminant {d}>")?);
        }
        for i in 0..n {
            let (label, has_payload) = match tag {
                tc::VARIANT => (c.name()?, c.optional()?),
                tc::ENUM => (c.name()?, false),
                tc::OPTION => (if i == 0 { "none" } else { "some" }, i == 1),
                _ => (if i == 0 { "ok" } else { "err" }, c.optional()?),
            };
            if i != d {
                if has_payload {
                    c.skip()?;
                }
                continue;
            }
            match tag {
                tc::VARIANT | tc::ENUM => self.label(label)?,
                _ => self.s(label)?,
            }
            if has_payload {
                self.s("(")?;
                // SAFETY: the payload of the case lies after the discriminant.
                unsafe { self.value(c, at.wrapping_add(payload), depth + 1)? };
                self.s(")")?;
            }
        }
        Ok(())
    }
}

/// The (pointer, length) pair of a string or list at `at`.
///
/// # Safety
/// `at` points to 16 readable bytes.
unsafe fn ptr_len(at: *const u8) -> (*const u8, u64) {
    // SAFETY: the caller's contract.
    let (ptr, len) = unsafe { (rd::<8>(at), rd::<8>(at.wrapping_add(8))) };
    (
        u64::from_le_bytes(ptr) as usize as *const u8,
        u64::from_le_bytes(len),
    )
}

/// The little-endian integer of `size` (1, 2 or 4) bytes at `at`: a
/// discriminant or a flags word.
///
/// # Safety
/// `at` points to `size` readable bytes.
unsafe fn disc(at: *const u8, size: u32) -> u32 {
    // SAFETY: the caller's contract.
    unsafe {
        match size {
            1 => u32::from(rd::<1>(at)[0]),
            2 => u32::from(u16::from_le_bytes(rd(at))),
            _ => u32::from_le_bytes(rd(at)),
        }
    }
}
