//! Target triples wacc supports, their pinned Cranelift ISA flags, and how to link for them.
//!
//! Each target has a fixed baseline of CPU features: generated code never
//! depends on the machine wacc runs on, so an object built here runs on any
//! CPU of the baseline.

use anyhow::{anyhow, bail, Result};
#[cfg(feature = "codegen")]
use cranelift_codegen::isa::{self, OwnedTargetIsa};
#[cfg(feature = "codegen")]
use cranelift_codegen::settings::{self, Configurable};
use std::str::FromStr;
pub use target_lexicon::{Architecture, BinaryFormat, OperatingSystem, Triple};

/// A compilation target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub triple: Triple,
    /// Cranelift ISA flags enabled on top of the pinned baseline
    /// (`--cpu`; see [`Target::with_cpu`]).
    pub extra_flags: Vec<&'static str>,
    /// The `--cpu` level these flags came from.
    pub cpu: &'static str,
}

/// CPU levels `--cpu` accepts besides `baseline` and `native`.
pub const X86_64_V3: &[&str] = &[
    "has_avx",
    "has_avx2",
    "has_bmi1",
    "has_bmi2",
    "has_lzcnt",
    "has_fma",
];

/// `--cpu rv64gcv`: RV64GC plus the vector extension V (VLEN >= 128, as V
/// requires), which 128-bit SIMD needs on riscv64.
pub const RV64GCV: &[&str] = &["has_v", "has_zvl128b"];

/// Triples wacc knows, for messages.
pub const SUPPORTED: &[&str] = &[
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "riscv64gc-unknown-linux-gnu",
    "aarch64-unknown-none",
    "riscv64gc-unknown-none-elf",
];

impl Target {
    /// The machine wacc runs on.
    pub fn host() -> Target {
        Target {
            triple: Triple::host(),
            extra_flags: Vec::new(),
            cpu: "baseline",
        }
    }

    pub fn parse(s: &str) -> Result<Target> {
        let mut triple = Triple::from_str(s).map_err(|e| anyhow!("unknown target `{s}`: {e}"))?;
        // Bare-metal triples name no object format; boards load ELF images.
        if triple.binary_format == BinaryFormat::Unknown {
            triple.binary_format = BinaryFormat::Elf;
        }
        let t = Target {
            triple,
            extra_flags: Vec::new(),
            cpu: "baseline",
        };
        t.check_supported()?;
        Ok(t)
    }

    fn check_supported(&self) -> Result<()> {
        match self.triple.architecture {
            Architecture::X86_64 | Architecture::Aarch64(_) | Architecture::Riscv64(_) => Ok(()),
            _ => bail!(
                "target `{}` is not supported (supported: {})",
                self.triple,
                SUPPORTED.join(", ")
            ),
        }
    }

    /// Whether the target has an operating system with virtual memory and
    /// signals (so `guard` bounds checks can be used).
    pub fn has_os(&self) -> bool {
        !matches!(
            self.triple.operating_system,
            OperatingSystem::None_ | OperatingSystem::Unknown
        )
    }

    /// Whether this is the machine wacc runs on (outputs can be run here).
    pub fn is_host(&self) -> bool {
        self.triple == Triple::host()
    }

    /// The pinned baseline ISA feature flags, as (flag, value) pairs.
    pub fn isa_flags(&self) -> &'static [(&'static str, &'static str)] {
        match self.triple.architecture {
            // x86-64-v2: SSE4.2 and POPCNT (every x86-64 CPU since ~2009).
            Architecture::X86_64 => &[
                ("has_sse3", "true"),
                ("has_ssse3", "true"),
                ("has_sse41", "true"),
                ("has_sse42", "true"),
                ("has_popcnt", "true"),
                ("has_cmpxchg16b", "true"),
            ],
            // ARMv8.0-A with NEON (part of the base ISA in Cranelift).
            Architecture::Aarch64(_) => &[],
            // RV64GC: I, M, A, F, D, C, Zicsr, Zifencei; no vector extension.
            Architecture::Riscv64(_) => &[
                ("has_m", "true"),
                ("has_a", "true"),
                ("has_f", "true"),
                ("has_d", "true"),
                ("has_zca", "true"),
                ("has_zcd", "true"),
                ("has_zicsr", "true"),
                ("has_zifencei", "true"),
                ("has_v", "false"),
            ],
            _ => &[],
        }
    }

    /// The target for CPU level `cpu`: `baseline` (the pinned flags, the
    /// default), `x86-64-v3` (adds AVX2, BMI1/2, LZCNT, FMA), or `native`
    /// (what this machine's CPU has, as wasmtime does; for the host target
    /// only). The object records what it needs; a CPU without it is
    /// refused at start-up.
    pub fn with_cpu(mut self, cpu: &str) -> Result<Target> {
        let x86 = self.triple.architecture == Architecture::X86_64;
        let riscv = matches!(self.triple.architecture, Architecture::Riscv64(_));
        (self.extra_flags, self.cpu) = match cpu {
            "baseline" => (Vec::new(), "baseline"),
            "x86-64-v3" if x86 => (X86_64_V3.to_vec(), "x86-64-v3"),
            "rv64gcv" if riscv => (RV64GCV.to_vec(), "rv64gcv"),
            "native" if self.is_host() => (native_flags(), "native"),
            "native" => bail!("--cpu native is only for this machine's target"),
            _ => bail!(
                "unknown --cpu `{cpu}` for {} (baseline, native{})",
                self.triple,
                if x86 {
                    ", x86-64-v3"
                } else if riscv {
                    ", rv64gcv"
                } else {
                    ""
                }
            ),
        };
        Ok(self)
    }

    /// The CPU feature (by the name the runtime checks at start-up,
    /// `wacc_runtime_support::abi::isa`) that enabling Cranelift flag
    /// `flag` makes the code depend on; `None` for flags every CPU of the
    /// architecture's Linux has (riscv64 Zicsr, Zifencei).
    pub fn feature_of_flag(flag: &str) -> Option<&'static str> {
        Some(match flag {
            "has_sse3" => "sse3",
            "has_ssse3" => "ssse3",
            "has_sse41" => "sse4.1",
            "has_sse42" => "sse4.2",
            "has_popcnt" => "popcnt",
            "has_cmpxchg16b" => "cmpxchg16b",
            "has_avx" => "avx",
            "has_avx2" => "avx2",
            "has_bmi1" => "bmi1",
            "has_bmi2" => "bmi2",
            "has_lzcnt" => "lzcnt",
            "has_fma" => "fma",
            "has_m" => "m",
            "has_a" => "a",
            "has_f" => "f",
            "has_d" => "d",
            "has_zca" | "has_zcd" => "c",
            "has_v" => "v",
            _ => return None,
        })
    }

    /// Features Cranelift always assumes for the architecture (NEON on
    /// aarch64), whatever the flags.
    pub fn implied_features(&self) -> &'static [&'static str] {
        match self.triple.architecture {
            Architecture::Aarch64(_) => &["fp", "asimd"],
            _ => &[],
        }
    }

    /// A Cranelift ISA for this target with the pinned flags.
    #[cfg(feature = "codegen")]
    pub fn isa(&self, optimize: bool) -> Result<OwnedTargetIsa> {
        let mut shared = settings::builder();
        let set = |b: &mut settings::Builder, k: &str, v: &str| -> Result<()> {
            b.set(k, v)
                .map_err(|e| anyhow!("cranelift setting {k}={v}: {e}"))
        };
        set(
            &mut shared,
            "opt_level",
            if optimize { "speed" } else { "none" },
        )?;
        // Objects go into shared libraries and position-independent executables.
        set(&mut shared, "is_pic", "true")?;
        // Multi-value functions return extra results through a hidden area.
        set(&mut shared, "enable_multi_ret_implicit_sret", "true")?;
        // Traps unwind with longjmp; the prologue's unwind records (no
        // tables are emitted) tell the exception unwinder where callee-saved
        // registers are saved.
        set(&mut shared, "unwind_info", "true")?;
        set(
            &mut shared,
            "enable_verifier",
            if cfg!(debug_assertions) {
                "true"
            } else {
                "false"
            },
        )?;
        let mut builder = isa::lookup(self.triple.clone())
            .map_err(|e| anyhow!("no code generator for `{}`: {e}", self.triple))?;
        let extra = self.extra_flags.iter().map(|f| (*f, "true"));
        for (k, v) in self.isa_flags().iter().copied().chain(extra) {
            builder
                .set(k, v)
                .map_err(|e| anyhow!("ISA flag {k}={v}: {e}"))?;
        }
        builder
            .finish(settings::Flags::new(shared))
            .map_err(|e| anyhow!("cannot configure code generator for `{}`: {e}", self.triple))
    }

    /// The C compiler used as the linker for this target.
    pub fn linker(&self) -> &'static str {
        match (self.is_host(), &self.triple.architecture) {
            (true, _) => "cc",
            (false, Architecture::Aarch64(_)) => "aarch64-linux-gnu-gcc",
            (false, Architecture::Riscv64(_)) => "riscv64-linux-gnu-gcc",
            (false, _) => "cc",
        }
    }

    /// How to run a Linux executable of this target on the host with
    /// qemu-user: the emulator and the sysroot given to it with `-L`
    /// (Debian's cross C library). `None` for the host and bare metal.
    pub fn qemu_user(&self) -> Option<(&'static str, &'static str)> {
        if self.is_host() || !self.has_os() {
            return None;
        }
        match self.triple.architecture {
            Architecture::Aarch64(_) => Some(("qemu-aarch64", "/usr/aarch64-linux-gnu")),
            Architecture::Riscv64(_) => Some(("qemu-riscv64", "/usr/riscv64-linux-gnu")),
            Architecture::X86_64 => Some(("qemu-x86_64", "/usr/x86_64-linux-gnu")),
            _ => None,
        }
    }

    /// The `-cpu` option qemu-user needs to run this target's code, if its
    /// default CPU lacks a feature the code uses.
    pub fn qemu_cpu(&self) -> Option<&'static str> {
        match self.triple.architecture {
            Architecture::Riscv64(_) if self.extra_flags.contains(&"has_v") => {
                Some("rv64,v=true,vlen=128,vext_spec=v1.0")
            }
            _ => None,
        }
    }

    /// The Rust target name runtime-support is built for.
    pub fn rust_triple(&self) -> String {
        match (&self.triple.architecture, self.has_os()) {
            (Architecture::Aarch64(_), false) => "aarch64-unknown-none".into(),
            (Architecture::Riscv64(_), false) => "riscv64gc-unknown-none-elf".into(),
            _ => self.triple.to_string(),
        }
    }
}

/// The x86-64-v3 flags this machine's CPU supports (none elsewhere).
fn native_flags() -> Vec<&'static str> {
    #[cfg(target_arch = "x86_64")]
    {
        let has = [
            std::is_x86_feature_detected!("avx"),
            std::is_x86_feature_detected!("avx2"),
            std::is_x86_feature_detected!("bmi1"),
            std::is_x86_feature_detected!("bmi2"),
            std::is_x86_feature_detected!("lzcnt"),
            std::is_x86_feature_detected!("fma"),
        ];
        X86_64_V3
            .iter()
            .zip(has)
            .filter(|(_, h)| *h)
            .map(|(f, _)| *f)
            .collect()
    }
    #[cfg(not(target_arch = "x86_64"))]
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "codegen")]
    fn every_supported_target_has_an_isa() {
        for t in SUPPORTED {
            let target = Target::parse(t).unwrap();
            target.isa(true).unwrap_or_else(|e| panic!("{t}: {e}"));
        }
    }

    #[test]
    fn linux_cross_targets_run_under_qemu() {
        for t in ["aarch64-unknown-linux-gnu", "riscv64gc-unknown-linux-gnu"] {
            let target = Target::parse(t).unwrap();
            if !target.is_host() {
                assert!(target.qemu_user().is_some(), "{t}");
            }
        }
        assert_eq!(Target::host().qemu_user(), None);
        assert_eq!(
            Target::parse("aarch64-unknown-none").unwrap().qemu_user(),
            None
        );
    }

    #[test]
    fn unknown_targets_are_refused() {
        assert!(Target::parse("mips-unknown-linux-gnu").is_err());
        assert!(Target::parse("not-a-triple-at-all-x").is_err());
    }
}
