#!/usr/bin/env bash
# Compile-time benchmark: real Rust programs built for wasm32-wasip1 —
# json-regex (regex + serde_json, ~1.4 MB of wasm) and large (syn, sqlparser,
# clap, regex, serde_json, toml, chrono, pulldown-cmark; several MB) —
# compiled by `wacc compile` (an object) and by `wasmtime compile` (a
# .cwasm), each with all cores and with one core (taskset). Wall time is the
# hyperfine median; sizes are of the outputs.
# Writes $WACC_BENCH_OUT/compile.json (default target/bench).
# Usage: bash benches/compile.sh [--no-install]
set -euo pipefail
source "$(dirname "$0")/common.sh"
here="$root/benches"
rustup target list --installed | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1 >&2
build_wacc
find_wasmtime || echo "skipping wasmtime: $wasmtime_skip" >&2
programs=(json-regex large)
work="$root/target/bench-compile"
rm -rf "$work"
mkdir -p "$work"
runs=${COMPILE_RUNS:-5}
cores=$(nproc)

# Number of functions defined in a module (function section count).
functions() {
  python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
def leb(i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i
i = 8
while i < len(b):
    sid = b[i]; n, j = leb(i + 1)
    if sid == 3:
        print(leb(j)[0]); break
    i = j + n
else:
    print(0)
PY
}

results='[]'
printf "%-12s %11s %6s | %12s %12s %14s | %12s %12s %14s | %9s %9s\n" program "wasm" "funcs" \
  "wacc all" "wacc 1 core" "object" "wt all" "wt 1 core" ".cwasm" "time w/wt" "size w/wt"
for p in "${programs[@]}"; do
  cargo build --release --quiet --locked --target wasm32-wasip1 --manifest-path "$here/programs/$p/Cargo.toml" \
    --target-dir "$root/target/bench-programs"
  wasm="$root/target/bench-programs/wasm32-wasip1/release/$p.wasm"
  cmds=("$wacc compile $wasm -o $work/$p.o" "taskset -c 0 $wacc compile $wasm -o $work/$p.o")
  if [ -n "$wasmtime" ]; then
    cmds+=("$wasmtime compile $wasm -o $work/$p.cwasm" "taskset -c 0 $wasmtime compile $wasm -o $work/$p.cwasm")
  fi
  hyperfine -N --style none --warmup 1 --runs "$runs" --export-json "$work/$p.json" "${cmds[@]}" >/dev/null
  wasm_size=$(stat -c %s "$wasm") nfuncs=$(functions "$wasm")
  w_all=$(jq -r '.results[0].median' "$work/$p.json") w_one=$(jq -r '.results[1].median' "$work/$p.json")
  obj=$(stat -c %s "$work/$p.o")
  wacc_json=$(jq -n --argjson a "$w_all" --argjson o "$w_one" --argjson s "$obj" \
    '{all_cores_s: $a, one_core_s: $o, object_bytes: $s}')
  if [ -n "$wasmtime" ]; then
    t_all=$(jq -r '.results[2].median' "$work/$p.json") t_one=$(jq -r '.results[3].median' "$work/$p.json")
    cw=$(stat -c %s "$work/$p.cwasm")
    wt_json=$(jq -n --argjson a "$t_all" --argjson o "$t_one" --argjson s "$cw" \
      --argjson wa "$w_all" --argjson wo "$w_one" --argjson ws "$obj" \
      '{wasmtime: {all_cores_s: $a, one_core_s: $o, cwasm_bytes: $s},
        ratio: {all_cores_time: ($wa / $a), one_core_time: ($wo / $o), size: ($ws / $s)}}')
  else
    wt_json=$(jq -n --arg why "$wasmtime_skip" '{wasmtime_skipped: $why}')
  fi
  results=$(jq --arg p "$p" --argjson w "$wasm_size" --argjson f "$nfuncs" --argjson wacc "$wacc_json" \
    --argjson wt "$wt_json" '. + [{program: $p, wasm_bytes: $w, functions: $f, wacc: $wacc} + $wt]' <<<"$results")
  row=$(jq -r '.[-1] | [.wacc.all_cores_s, .wacc.one_core_s, (.wasmtime.all_cores_s // "-"), (.wasmtime.one_core_s // "-"),
    (.wasmtime.cwasm_bytes // "-"), (.ratio.all_cores_time // "-"), (.ratio.size // "-")] | @tsv' <<<"$results")
  IFS=$'\t' read -r a o ta to cwb rt rs <<<"$row"
  fmt_s() { [ "$1" = - ] && echo - || printf "%.2f s" "$1"; }
  fmt_r() { [ "$1" = - ] && echo - || printf "%.2f" "$1"; }
  printf "%-12s %11s %6s | %12s %12s %14s | %12s %12s %14s | %9s %9s\n" "$p" "$(bytes "$wasm_size")" "$nfuncs" \
    "$(fmt_s "$a")" "$(fmt_s "$o")" "$(bytes "$obj")" "$(fmt_s "$ta")" "$(fmt_s "$to")" \
    "$([ "$cwb" = - ] && echo - || bytes "$cwb")" "$(fmt_r "$rt")" "$(fmt_r "$rs")"
done
[ -n "$wasmtime" ] || echo "wasmtime skipped: $wasmtime_skip"
jq -n --argjson r "$results" --argjson c "$(conditions_json)" --arg wt "${wasmtime:+$($wasmtime --version)}" \
  --argjson runs "$runs" --argjson cores "$cores" \
  '{benchmark: "compile", unit: "s (median wall time), bytes", opt_level: "speed (both)", all_cores: $cores,
    wasmtime: (if $wt == "" then null else $wt end), runs: $runs, results: $r, conditions: $c}' >"$out/compile.json"
echo "wrote $out/compile.json"
