#!/usr/bin/env bash
# Build, for the cross targets, runtime-support (which wacc links into
# outputs) and wacc-wast-exec (the spec-directive executor of the wacc-wast
# crate, without a code generator, run under qemu-user by `wacc wast
# --target`), with the Debian cross gcc as linker and as C compiler for
# trap.c; and the no_std runtime-support for the bare-metal targets (with
# any argument naming Linux triples only, just those). Outputs go to
# target/<triple>/release/, where wacc finds them.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export CARGO_TARGET_RISCV64GC_UNKNOWN_LINUX_GNU_LINKER=riscv64-linux-gnu-gcc
export CC_riscv64gc_unknown_linux_gnu=riscv64-linux-gnu-gcc
export CC_aarch64_unknown_none=aarch64-linux-gnu-gcc
export CC_riscv64gc_unknown_none_elf=riscv64-linux-gnu-gcc
triples=("$@")
bare=()
if [ ${#triples[@]} = 0 ]; then
  triples=(aarch64-unknown-linux-gnu riscv64gc-unknown-linux-gnu)
  bare=(aarch64-unknown-none riscv64gc-unknown-none-elf)
fi
for triple in "${bare[@]}"; do
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" --target "$triple" \
    -p wacc-runtime-support --no-default-features
done
for triple in "${triples[@]}"; do
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" --target "$triple" \
    -p wacc-runtime-support
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" --target "$triple" \
    -p wacc-wast --bin wacc-wast-exec
done
