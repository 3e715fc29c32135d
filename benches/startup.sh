#!/usr/bin/env bash
# Startup benchmark: hello world (tests/programs/rust, bin `hello`) as a
# wasm32-wasip1 core module and a wasm32-wasip2 component, each turned into
# an executable by `wacc build`, vs `wasmtime run --allow-precompiled` of the
# same module precompiled by `wasmtime compile`, and the native Rust build
# for reference. hyperfine (no shell, warm-up), medians in ms.
# Writes $WACC_BENCH_OUT/startup.json (default target/bench).
# Usage: bash benches/startup.sh [--no-install]
set -euo pipefail
source "$(dirname "$0")/common.sh"
build_wacc
build_hello wasm32-wasip1 wasm32-wasip2 native
find_wasmtime || echo "skipping wasmtime: $wasmtime_skip" >&2
work="$root/target/bench-startup"
rm -rf "$work"
mkdir -p "$work"
runs=${STARTUP_RUNS:-1000}
# Every program runs with an empty environment (the hello program prints it).
hf() { env -i "$(command -v hyperfine)" -N --style none --warmup "$warmup" --runs "$runs" "$@" >/dev/null; }
warmup=${STARTUP_WARMUP:-50}

results='[]'
printf "%-8s %12s %18s %12s %10s\n" "build" "wacc (ms)" "wasmtime (ms)" "native (ms)" "wacc/wt"
native=$(hello_path native)
hf --export-json "$work/native.json" "$native"
native_ms=$(hyperfine_median "$work/native.json" 0)
for abi in p1 p2; do
  case $abi in p1) t=wasm32-wasip1 ;; p2) t=wasm32-wasip2 ;; esac
  wasm=$(hello_path $t)
  exe="$work/hello-$abi"
  "$wacc" build "$wasm" -o "$exe"
  [ "$(env -i "$exe")" = "$(env -i "$native")" ] || { echo "hello-$abi: unexpected output" >&2; exit 1; }
  cmds=("$exe")
  if [ -n "$wasmtime" ]; then
    "$wasmtime" compile "$wasm" -o "$work/hello-$abi.cwasm"
    cmds+=("$wasmtime run --allow-precompiled $work/hello-$abi.cwasm")
    [ "$(env -i "$wasmtime" run --allow-precompiled "$work/hello-$abi.cwasm")" = "$(env -i "$native")" ] ||
      { echo "hello-$abi.cwasm: unexpected output" >&2; exit 1; }
  fi
  hf --export-json "$work/$abi.json" "${cmds[@]}"
  wacc_ms=$(hyperfine_median "$work/$abi.json" 0)
  if [ -n "$wasmtime" ]; then
    wt_ms=$(hyperfine_median "$work/$abi.json" 1)
    ratio=$(jq -n "$wacc_ms / $wt_ms")
    wt_json=$(jq -n --argjson ms "$wt_ms" --argjson r "$ratio" --arg size "$(stat -c %s "$work/hello-$abi.cwasm")" \
      '{wasmtime_ms: $ms, ratio: $r, cwasm_bytes: ($size | tonumber)}')
  else
    wt_ms= ratio=
    wt_json=$(jq -n --arg why "$wasmtime_skip" '{wasmtime_skipped: $why}')
  fi
  results=$(jq --arg abi "$abi" --arg t "$t" --argjson wacc "$wacc_ms" --argjson native "$native_ms" \
    --argjson wt "$wt_json" --argjson wasm "$(stat -c %s "$wasm")" --argjson exe "$(stat -c %s "$exe")" \
    '. + [{build: $abi, rust_target: $t, wasm_bytes: $wasm, exe_bytes: $exe, wacc_ms: $wacc, native_ms: $native} + $wt]' <<<"$results")
  printf "%-8s %12.2f %18s %12.2f %10s\n" "$t" "$wacc_ms" "${wt_ms:+$(printf %.2f "$wt_ms")}" "$native_ms" \
    "${ratio:+$(printf %.3f "$ratio")}"
  [ -n "$wasmtime" ] || echo "  wasmtime skipped: $wasmtime_skip"
done
jq -n --argjson r "$results" --argjson c "$(conditions_json)" --arg wt "${wasmtime:+$($wasmtime --version)}" \
  --argjson runs "$runs" --argjson warmup "$warmup" \
  '{benchmark: "startup", unit: "ms (median wall time)", target: "wacc/wasmtime <= 0.2",
    wasmtime: (if $wt == "" then null else $wt end), runs: $runs, warmup: $warmup, results: $r, conditions: $c}' \
  >"$out/startup.json"
echo "wrote $out/startup.json"
