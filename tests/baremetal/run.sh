#!/usr/bin/env bash
# Bare-metal link test: for aarch64-unknown-none and riscv64gc-unknown-none-elf,
# examples/primes/primes.wat is compiled by wacc (explicit bounds checks, the
# only mode without virtual memory) into a static library with the no_std
# runtime-support, and linked into a freestanding image (image.c) with no C
# library and no start files: every symbol must resolve. The image's board
# layer is two Linux system calls, so qemu-user can then run it; the output
# is checked. Needs runtime-support built for the targets (tests/cross/build.sh).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
wacc="$root/target/release/wacc"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
want='count_primes(100000) = 9592, reported 9592
read(1 MiB): out of bounds memory access'
status=0
for triple in aarch64-unknown-none riscv64gc-unknown-none-elf; do
  arch=${triple%%-*}; arch=${arch%gc}
  lib="$out/primes-$arch.a" img="$out/image-$arch"
  # Guard-page bounds checks need an OS: refused with a clear error.
  if "$wacc" compile "$root/examples/primes/primes.wat" --target "$triple" -o "$out/x.o" 2>/dev/null; then
    echo "FAILED: $triple accepted --bounds-checks guard"; status=1
  fi
  if "$wacc" compile "$root/examples/primes/primes.wat" --target "$triple" --bounds-checks explicit \
      --emit static --prefix primes -o "$lib" \
    && "$arch-linux-gnu-gcc" -O2 -ffreestanding -nostdlib -nostartfiles -static -fno-pic -no-pie \
      -I "$root/runtime-support/include" -Wl,--gc-sections -o "$img" "$here/image.c" "$lib" -lgcc \
    && got=$(timeout 60 "qemu-$arch" "$img" 2>&1) && [ "$got" = "$want" ]; then
    echo "ok: freestanding image for $triple ($(stat -c %s "$img") bytes) links and runs"
  else
    echo "FAILED: freestanding image for $triple"
    echo "${got:-}" | tail -n 20
    status=1
  fi
  got=
done
exit $status
