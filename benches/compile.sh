#!/usr/bin/env bash
# Compile-time benchmark: a real Rust program (regex + serde_json, ~1.4 MB of
# wasm) built for wasm32-wasip1, compiled by wacc with all cores and with
# one core. Prints wall times (median of 5) and the object size.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
rustup target add wasm32-wasip1 >/dev/null
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p wacc
cargo build --release --quiet --target wasm32-wasip1 --manifest-path "$here/programs/json-regex/Cargo.toml" \
  --target-dir "$root/target/bench-programs"
wasm="$root/target/bench-programs/wasm32-wasip1/release/json-regex.wasm"
wacc="$root/target/release/wacc"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() { for _ in 1 2 3 4 5; do /usr/bin/env time -f %e "$@" -o "$out/x.o" 2>&1 >/dev/null | tail -1; done | median; }
echo "input: $(stat -c %s "$wasm") bytes of wasm"
echo "all cores: $(run "$wacc" compile "$wasm") s"
echo "one core:  $(run taskset -c 0 "$wacc" compile "$wasm") s"
echo "object:    $(stat -c %s "$out/x.o") bytes"
