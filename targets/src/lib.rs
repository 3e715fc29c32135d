//! Target triples wacc supports, their pinned Cranelift ISA flags, and how to link for them.
