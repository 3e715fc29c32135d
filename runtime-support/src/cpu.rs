//! Which of the CPU features a descriptor requires (bits of [`abi::isa`])
//! the running CPU lacks: code compiled for a baseline (x86-64-v2, ARMv8-A
//! with NEON, RV64GC) must not start on a CPU below it, where it would fail
//! later with an illegal instruction.
//!
//! x86_64 asks `cpuid`; aarch64 and riscv64 ask the kernel (`AT_HWCAP`),
//! so without the OS layer (bare metal) the board is trusted to match.
//!
//! [`abi::isa`]: crate::abi::isa

use core::sync::atomic::{AtomicU32, Ordering};

/// The bits of `required` this CPU lacks (0 when it has them all).
pub fn missing(required: u32) -> u32 {
    required & !present()
}

/// Features present, detected once (bit 31 marks "detected").
fn present() -> u32 {
    static PRESENT: AtomicU32 = AtomicU32::new(0);
    const DONE: u32 = 1 << 31;
    let p = PRESENT.load(Ordering::Relaxed);
    if p & DONE != 0 {
        return p & !DONE;
    }
    let p = detect() & !DONE;
    PRESENT.store(p | DONE, Ordering::Relaxed);
    p
}

/// Bits in the order of `abi::isa::X86_64`.
#[cfg(target_arch = "x86_64")]
fn detect() -> u32 {
    #[allow(unused_unsafe)]
    // SAFETY: cpuid leaf 1 exists on every x86_64 CPU.
    let ecx = unsafe { core::arch::x86_64::__cpuid(1) }.ecx;
    let has = |bit: u32| ecx >> bit & 1;
    // sse3 0, ssse3 9, sse4.1 19, sse4.2 20, popcnt 23, cmpxchg16b 13
    has(0) | has(9) << 1 | has(19) << 2 | has(20) << 3 | has(23) << 4 | has(13) << 5
}

/// Bits in the order of `abi::isa::AARCH64`: HWCAP_FP (bit 0) and
/// HWCAP_ASIMD (bit 1) are already in that order.
#[cfg(all(target_arch = "aarch64", feature = "std"))]
fn detect() -> u32 {
    // SAFETY: getauxval has no preconditions.
    let hwcap = unsafe { libc::getauxval(libc::AT_HWCAP) };
    (hwcap & 0b11) as u32
}

/// Bits in the order of `abi::isa::RISCV64`; the kernel reports single-letter
/// extensions as bit `letter - 'a'` of AT_HWCAP.
#[cfg(all(target_arch = "riscv64", feature = "std"))]
fn detect() -> u32 {
    // SAFETY: getauxval has no preconditions.
    let hwcap = unsafe { libc::getauxval(libc::AT_HWCAP) };
    let mut bits = 0;
    for (i, letter) in [b'm', b'a', b'f', b'd', b'c'].iter().enumerate() {
        if hwcap >> (letter - b'a') & 1 != 0 {
            bits |= 1 << i;
        }
    }
    bits
}

#[cfg(not(any(
    target_arch = "x86_64",
    all(any(target_arch = "aarch64", target_arch = "riscv64"), feature = "std")
)))]
fn detect() -> u32 {
    u32::MAX
}

/// The names of the features in `bits`, for messages.
pub fn names(bits: u32) -> impl Iterator<Item = &'static str> {
    crate::abi::isa::HOST
        .iter()
        .enumerate()
        .filter(move |(i, _)| bits >> i & 1 != 0)
        .map(|(_, n)| *n)
}
