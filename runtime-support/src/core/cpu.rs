//! Which of the CPU features a descriptor requires (bits of [`abi::isa`])
//! the running CPU lacks: code compiled for a baseline (x86-64-v2, ARMv8-A
//! with NEON, RV64GC) must not start on a CPU below it, where it would fail
//! later with an illegal instruction.
//!
//! x86_64 asks `cpuid`; aarch64 and riscv64 ask the kernel (`AT_HWCAP`),
//! so without the OS layer (bare metal) the board is trusted to match.
//!
//! [`abi::isa`]: crate::abi::isa

use crate::abi::{TrapCode, VMStore, ABI_VERSION};
use core::sync::atomic::{AtomicU32, Ordering};

/// The checks every instantiation entry starts with: clears `*out`, then
/// whether the object (`object`: its descriptor's ABI version and required
/// CPU features; `None` for a null descriptor) can be instantiated into
/// `store` here. A missing CPU feature sets `trap_detail` to the missing
/// bits.
pub unsafe fn check_object<T>(
    store: *mut VMStore,
    out: *mut *mut T,
    object: Option<(u32, u32)>,
) -> Result<(), TrapCode> {
    // SAFETY: `store` is a live store and `out` a writable pointer or null, which is checked first
    // (ABI contract of the instantiation entries).
    unsafe {
        if out.is_null() {
            return Err(TrapCode::InstantiationFailed);
        }
        *out = core::ptr::null_mut();
        let Some((abi_version, isa)) = object else {
            return Err(TrapCode::InstantiationFailed);
        };
        if store.is_null() || abi_version != ABI_VERSION {
            return Err(TrapCode::InstantiationFailed);
        }
        let lacking = missing(isa);
        if lacking != 0 {
            (*store).trap_detail = lacking;
            return Err(TrapCode::UnsupportedCpu);
        }
        Ok(())
    }
}

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
    use core::arch::x86_64::{__cpuid, __cpuid_count};
    #[allow(unused_unsafe)]
    // SAFETY: cpuid leaves 0, 1 and 0x8000_0000 exist on every x86_64 CPU;
    // the others are read only when the maximum leaf reports them.
    let (l1, l7, ext) = unsafe {
        let l1 = __cpuid(1);
        let l7 = if __cpuid(0).eax >= 7 {
            __cpuid_count(7, 0).ebx
        } else {
            0
        };
        let ext = if __cpuid(0x8000_0000).eax >= 0x8000_0001 {
            __cpuid(0x8000_0001).ecx
        } else {
            0
        };
        (l1, l7, ext)
    };
    let bit = |r: u32, b: u32| r >> b & 1;
    // AVX also needs the OS to save the YMM state (OSXSAVE, then XCR0).
    let os_avx = bit(l1.ecx, 27) == 1 && xcr0() & 0b110 == 0b110;
    let avx = bit(l1.ecx, 28) & os_avx as u32;
    bit(l1.ecx, 0)
        | bit(l1.ecx, 9) << 1
        | bit(l1.ecx, 19) << 2
        | bit(l1.ecx, 20) << 3
        | bit(l1.ecx, 23) << 4
        | bit(l1.ecx, 13) << 5
        | avx << 6
        | (bit(l7, 5) & avx) << 7
        | bit(l7, 3) << 8
        | bit(l7, 8) << 9
        | bit(ext, 5) << 10
        | (bit(l1.ecx, 12) & avx) << 11
}

/// XCR0 (which register states the OS saves); only read when OSXSAVE is set.
#[cfg(target_arch = "x86_64")]
fn xcr0() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: xgetbv with ECX=0 is valid when CPUID reports OSXSAVE.
    unsafe {
        core::arch::asm!("xgetbv", in("ecx") 0, out("eax") lo, out("edx") hi,
            options(nomem, nostack, preserves_flags));
    }
    (hi as u64) << 32 | lo as u64
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
    for (i, letter) in [b'm', b'a', b'f', b'd', b'c', b'v'].iter().enumerate() {
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
