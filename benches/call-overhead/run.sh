#!/usr/bin/env bash
# Per-call overhead: a native host calling the component calls.wat's exports
# `add-one: func(u32) -> u32` and `echo: func(string) -> string` through
# wacc's typed entries (`calls_export_*` of `wacc compile --emit static`) and
# through wasmtime's typed component functions (TypedFunc), both
# instantiated once; and the same calls intercepted (policies/: statistics,
# statistics with time, the custom-hook path) next to wasmtime with a
# `Store::call_hook`. Criterion medians, ns per call.
# Writes $WACC_BENCH_OUT/call-overhead.json (default target/bench).
# Usage: bash benches/call-overhead/run.sh [--no-install]
# (wasmtime is a library dependency of this crate, fetched by cargo;
# --no-install is accepted for symmetry with the other scripts.)
set -euo pipefail
source "$(dirname "$0")/../common.sh"
build_wacc
tdir="$root/target/call-overhead"
export CRITERION_HOME="$tdir/criterion"
rm -rf "$CRITERION_HOME"
if ! WACC="$wacc" cargo bench --quiet --manifest-path "$root/benches/call-overhead/Cargo.toml" \
    --target-dir "$tdir" --bench calls -- --noplot >"$tdir.log" 2>&1; then
  tail -20 "$tdir.log" >&2
  why="cargo bench failed (log: ${tdir#"$root"/}.log)"
  echo "call-overhead: skipped: $why"
  jq -n --arg why "$why" --argjson c "$(conditions_json)" \
    '{benchmark: "call-overhead", skipped: $why, conditions: $c}' >"$out/call-overhead.json"
  exit 0
fi
# median of a Criterion benchmark, ns
est() { jq -r '.median.point_estimate' "$CRITERION_HOME/$1/$2/new/estimates.json"; }
a_w=$(est add-one wacc) a_t=$(est add-one wasmtime)
e_w=$(est echo wacc) e_t=$(est echo wasmtime) e_tb=$(est echo wasmtime-borrowed)
# interception: wacc under policies/ (statistics; statistics with time; the
# custom-hook path with a pass-through hook) and wasmtime with a call hook
hooks='{}'
for f in add-one echo; do
  for v in wacc-stats wacc-stats-time wacc-hook wasmtime-call-hook; do
    hooks=$(jq --arg f "$f" --arg v "$v" --argjson ns "$(est "$f" "$v")" '.[$f][$v] = $ns' <<<"$hooks")
  done
done
jq -n --argjson aw "$a_w" --argjson at "$a_t" --argjson ew "$e_w" --argjson et "$e_t" --argjson etb "$e_tb" \
  --argjson hooks "$hooks" --argjson c "$(conditions_json)" \
  '{benchmark: "call-overhead", unit: "ns per call (Criterion median)", target: "wacc/wasmtime <= 0.2",
    wasmtime: "48.0.8 (library, Engine::default(), TypedFunc::call)",
    component: "benches/call-overhead/calls.wat",
    results: {
      "add-one": {signature: "(u32) -> u32", wacc_ns: $aw, wasmtime_ns: $at, ratio: ($aw / $at)},
      "echo": {signature: "(string) -> string", input_bytes: 16, wacc_ns: $ew, wasmtime_ns: $et, ratio: ($ew / $et),
               wasmtime_borrowed_result_ns: $etb, ratio_borrowed: ($ew / $etb)}},
    interception: {policies: "benches/call-overhead/policies/", ns: $hooks,
      added_ns: {"add-one": ($hooks["add-one"] | map_values(. - $aw)), "echo": ($hooks["echo"] | map_values(. - $ew))},
      wasmtime_call_hook_added_ns: {"add-one": ($hooks["add-one"]["wasmtime-call-hook"] - $at),
                                    "echo": ($hooks["echo"]["wasmtime-call-hook"] - $et)}},
    conditions: $c}' >"$out/call-overhead.json"
printf "%-10s %-20s %12s %14s %10s\n" export signature "wacc (ns)" "wasmtime (ns)" "wacc/wt"
printf "%-10s %-20s %12.1f %14.1f %10.3f\n" add-one "(u32) -> u32" "$a_w" "$a_t" "$(jq -n "$a_w / $a_t")"
printf "%-10s %-20s %12.1f %14.1f %10.3f\n" echo "(string) -> string" "$e_w" "$e_t" "$(jq -n "$e_w / $e_t")"
printf "%-10s %-20s %12s %14.1f %10.3f   (wasmtime result as WasmStr, not copied)\n" echo "" "" "$e_tb" \
  "$(jq -n "$e_w / $e_tb")"
echo "interception, ns per call (added over the same call without it):"
for f in add-one echo; do
  base=$([ "$f" = add-one ] && echo "$a_w" || echo "$e_w")
  wbase=$([ "$f" = add-one ] && echo "$a_t" || echo "$e_t")
  for v in wacc-stats wacc-stats-time wacc-hook; do
    ns=$(jq -r --arg f "$f" --arg v "$v" '.[$f][$v]' <<<"$hooks")
    printf "  %-8s %-20s %8.1f  (+%.1f)\n" "$f" "$v" "$ns" "$(jq -n "$ns - $base")"
  done
  ns=$(jq -r --arg f "$f" '.[$f]["wasmtime-call-hook"]' <<<"$hooks")
  printf "  %-8s %-20s %8.1f  (+%.1f over wasmtime)\n" "$f" wasmtime-call-hook "$ns" "$(jq -n "$ns - $wbase")"
done
echo "wrote $out/call-overhead.json"
