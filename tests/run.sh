#!/usr/bin/env bash
# Every test: unit and integration tests, then the official core spec
# testsuite (files TIERS.tsv marks wasm1, wasm2-nosimd or decoder-only)
# in both bounds-check modes, then the bundled example.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shared=${WACC_SHARED:-$root/../shared}
core="$shared/testsuite/core"

cargo build --release || exit 1
cargo test --release --workspace || exit 1

mapfile -t files < <(awk -F'\t' '$2=="wasm1" || $2=="wasm2-nosimd" || $2=="-" {print dir"/"$1}' dir="$core" "$core/TIERS.tsv")
echo "spec testsuite: ${#files[@]} files"
status=0
passed=0 failed=0 skipped=0
for mode in guard explicit; do
  echo "== wacc wast --bounds-checks $mode"
  start=$(date +%s)
  out=$(mktemp)
  ./target/release/wacc wast --bounds-checks "$mode" "${files[@]}" | tee "$out"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  echo "(bounds-checks $mode: $(( $(date +%s) - start )) s)"
  read -r p f s < <(tail -n 1 "$out" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
  rm -f "$out"
done

bash examples/primes/run.sh || status=1
echo "spec: $passed passed, $failed failed, $skipped skipped"
exit $status
