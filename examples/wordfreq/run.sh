#!/usr/bin/env bash
# Build the wordfreq example (Rust, wasm32-wasip2: a WASI 0.2 component),
# compile it to a native executable with `wacc build`, and run it on the
# texts/ directory (the only directory it can see).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
cargo build --release --quiet --target wasm32-wasip2 \
  --manifest-path "$here/Cargo.toml" --target-dir "$out/target"
wacc="$root/target/release/wacc"
"$wacc" build "$out/target/wasm32-wasip2/release/wordfreq.wasm" -o "$out/wordfreq" \
  --dir "$here/texts::/texts" --env WORDFREQ_MIN_LEN=3
ls -l "$out/wordfreq" | awk '{print "native executable:", $5, "bytes"}'
"$out/wordfreq" /texts 4
