#!/usr/bin/env bash
# Compile primes.wat with wacc, link it with a C host and run it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
wacc="$root/target/release/wacc"
"$wacc" compile "$here/primes.wat" -o "$out/primes.a" --emit static
cc -I "$root/runtime-support/include" -o "$out/primes" "$here/host.c" "$out/primes.a" -lpthread -ldl -lm
"$out/primes"
