#!/usr/bin/env bash
# Build, for the cross targets, runtime-support (which wacc links into
# outputs) and wacc-wast-exec (wacc's spec-directive executor without the
# code generator, run under qemu-user by `wacc wast --target`), with the
# Debian cross gcc as linker and as C compiler for trap.c. Outputs go to
# target/<triple>/release/, where wacc finds them.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export CARGO_TARGET_RISCV64GC_UNKNOWN_LINUX_GNU_LINKER=riscv64-linux-gnu-gcc
export CC_riscv64gc_unknown_linux_gnu=riscv64-linux-gnu-gcc
triples=("$@")
[ ${#triples[@]} -gt 0 ] || triples=(aarch64-unknown-linux-gnu riscv64gc-unknown-linux-gnu)
for triple in "${triples[@]}"; do
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" --target "$triple" \
    -p wacc-runtime-support
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" --target "$triple" \
    -p wacc --no-default-features --bin wacc-wast-exec
done
