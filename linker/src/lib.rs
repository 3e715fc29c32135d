//! Links wacc objects with runtime-support into libraries and executables.
