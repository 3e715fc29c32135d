#!/usr/bin/env bash
# Cross-compiled outputs under qemu-user: for aarch64 and riscv64, in both
# bounds-check modes, the primes example and traps.wat (stack exhaustion,
# out-of-bounds memory, arithmetic traps) compiled with wacc, linked with
# the target's gcc and run with qemu. Needs qemu-user, the cross gcc and
# runtime-support built for the targets (tests/cross/build.sh).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
wacc="$root/target/release/wacc"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for triple in aarch64-unknown-linux-gnu riscv64gc-unknown-linux-gnu; do
  arch=${triple%%-*}; arch=${arch%gc}
  for mode in guard explicit; do
    for t in primes traps; do
      case $t in
        primes) wat="$root/examples/primes/primes.wat"; host="$root/examples/primes/host.c" ;;
        traps) wat="$here/traps.wat"; host="$here/traps.c" ;;
      esac
      exe="$out/$t-$arch-$mode"
      if "$wacc" compile "$wat" -o "$exe.a" --emit static --target "$triple" --bounds-checks "$mode" \
        && "$arch-linux-gnu-gcc" -I "$root/runtime-support/include" -o "$exe" "$host" "$exe.a" -lpthread -ldl -lm \
        && log=$(timeout 120 "qemu-$arch" -L "/usr/$arch-linux-gnu" "$exe" 2>&1); then
        echo "ok: $t on $triple, bounds-checks $mode"
      else
        echo "FAILED: $t on $triple, bounds-checks $mode"
        echo "${log:-}" | tail -n 20
        status=1
      fi
      log=
    done
  done
done
# CPU baseline: x86_64 code is compiled for x86-64-v2, recorded in the
# object and checked at start. On a CPU model below it (qemu64) the program
# stops with the features it lacks, instead of hitting an illegal
# instruction later; on one that has them (Nehalem) it runs.
if [ "$(uname -m)" = x86_64 ]; then
  printf '(module (func (export "_start")))' > "$out/empty.wat"
  if "$wacc" build "$out/empty.wat" -o "$out/empty" \
    && ! err=$(qemu-x86_64 -cpu qemu64 "$out/empty" 2>&1) \
    && [[ "$err" == *"lacks: ssse3, sse4.1, sse4.2, popcnt"* ]] \
    && qemu-x86_64 -cpu Nehalem "$out/empty" \
    && "$wacc" build --cpu x86-64-v3 "$out/empty.wat" -o "$out/empty-v3" \
    && ! err=$(qemu-x86_64 -cpu Nehalem "$out/empty-v3" 2>&1) \
    && [[ "$err" == *"lacks: avx, avx2, bmi1, bmi2, lzcnt, fma"* ]]; then
    echo "ok: x86-64-v2 and x86-64-v3 (--cpu) baselines checked at start"
  else
    echo "FAILED: x86-64-v2 baseline check (${err:-})"
    status=1
  fi
fi
exit $status
