//! Conformance runners and end-to-end tests live in `tests/`.
