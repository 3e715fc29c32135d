//! Target triples wacc supports, their pinned Cranelift ISA flags, and how to link for them.

use std::str::FromStr;
pub use target_lexicon::Triple;

/// A compilation target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub triple: Triple,
}

impl Target {
    /// The machine wacc runs on.
    pub fn host() -> Target {
        Target { triple: Triple::host() }
    }

    pub fn parse(s: &str) -> anyhow::Result<Target> {
        let triple = Triple::from_str(s).map_err(|e| anyhow::anyhow!("unknown target `{s}`: {e}"))?;
        Ok(Target { triple })
    }
}
