#!/usr/bin/env bash
# Build runtime-support for the cross targets with the Debian cross gcc
# (linker and C compiler for trap.c), into target/<triple>/release/ where
# wacc finds it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export CARGO_TARGET_RISCV64GC_UNKNOWN_LINUX_GNU_LINKER=riscv64-linux-gnu-gcc
export CC_riscv64gc_unknown_linux_gnu=riscv64-linux-gnu-gcc
for triple in aarch64-unknown-linux-gnu riscv64gc-unknown-linux-gnu; do
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p wacc-runtime-support --target "$triple"
done
