//! Runtime support linked into every wacc output.
#![cfg_attr(not(feature = "std"), no_std)]

pub mod abi;
