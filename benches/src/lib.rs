//! Benchmarks for wacc (see README).
