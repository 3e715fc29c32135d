#!/usr/bin/env bash
# Size benchmark: the hello-world executable (tests/programs/rust, bin
# `hello`) built by `wacc build --target T` from the wasm32-wasip1 core
# module and the wasm32-wasip2 component, per target, as linked and
# stripped, and the runtime-support library wacc links for each target (the
# file the linker crate finds, see linker/src/lib.rs `runtime_candidates`),
# as built and with debug info stripped.
# Cross targets need the Debian cross gcc and the Rust targets (README,
# "Cross-compilation"); a target whose toolchain is missing is skipped.
# Writes $WACC_BENCH_OUT/sizes.json (default target/bench).
# Usage: bash benches/sizes.sh [--no-install]
set -euo pipefail
source "$(dirname "$0")/common.sh"
build_wacc
build_hello wasm32-wasip1 wasm32-wasip2
work="$root/target/bench-sizes"
rm -rf "$work"
mkdir -p "$work"
targets=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu riscv64gc-unknown-linux-gnu)
host=$(rustc -vV | sed -n 's/^host: //p')

# gcc prefix of a target ("" for the host)
prefix() {
  case $1 in
    "$host") echo "" ;;
    aarch64-unknown-linux-gnu) echo aarch64-linux-gnu- ;;
    riscv64gc-unknown-linux-gnu) echo riscv64-linux-gnu- ;;
    x86_64-unknown-linux-gnu) echo x86_64-linux-gnu- ;;
  esac
}

# The runtime-support library wacc uses for a target: the first of the
# linker crate's candidates that exists.
runtime_lib() {
  local t=$1 d c=()
  if [ -n "${WACC_RUNTIME_DIR:-}" ]; then c+=("$WACC_RUNTIME_DIR/$t" "$WACC_RUNTIME_DIR"); fi
  [ "$t" != "$host" ] || c+=("$root/target/release")
  c+=("$root/target/$t/release")
  for d in "${c[@]}"; do
    if [ -f "$d/libwacc_runtime_support.a" ]; then echo "$d/libwacc_runtime_support.a"; return; fi
  done
  return 1
}

results='[]'
printf "%-28s %-7s %12s %12s %16s %16s\n" target build "exe" "stripped" "runtime .a" "(no debug)"
for t in "${targets[@]}"; do
  p=$(prefix "$t")
  skip=
  if [ "$t" != "$host" ]; then
    if ! command -v "${p}gcc" >/dev/null; then
      skip="${p}gcc not installed"
    elif ! rustup target list --installed | grep -qx "$t" && ! rustup target add "$t" >&2; then
      skip="rustup target add $t failed"
    else
      # runtime-support for the target, as tests/cross/build.sh builds it
      v=${t//-/_}
      env "CARGO_TARGET_${v^^}_LINKER=${p}gcc" "CC_$v=${p}gcc" \
        cargo build --release --quiet --manifest-path "$root/Cargo.toml" --target "$t" -p wacc-runtime-support ||
        skip="cargo build -p wacc-runtime-support --target $t failed"
    fi
  fi
  if [ -n "$skip" ]; then
    echo "$t: skipped: $skip"
    results=$(jq --arg t "$t" --arg why "$skip" '. + [{target: $t, skipped: $why}]' <<<"$results")
    continue
  fi
  rt=$(runtime_lib "$t")
  cp "$rt" "$work/rt-$t.a"
  "${p}strip" --strip-debug "$work/rt-$t.a"
  rt_size=$(stat -c %s "$rt") rt_nodebug=$(stat -c %s "$work/rt-$t.a")
  exes='{}'
  for abi in wasip1 wasip2; do
    exe="$work/hello-$abi-$t"
    "$wacc" build "$(hello_path wasm32-$abi)" -o "$exe" --target "$t"
    "${p}strip" -o "$exe.stripped" "$exe"
    size=$(stat -c %s "$exe") stripped=$(stat -c %s "$exe.stripped")
    exes=$(jq --arg abi "$abi" --argjson s "$size" --argjson st "$stripped" --argjson w "$(stat -c %s "$(hello_path wasm32-$abi)")" \
      '. + {($abi): {wasm_bytes: $w, exe_bytes: $s, stripped_bytes: $st}}' <<<"$exes")
    printf "%-28s %-7s %12s %12s %16s %16s\n" "$t" "$abi" "$(bytes "$size")" "$(bytes "$stripped")" \
      "$(bytes "$rt_size")" "$(bytes "$rt_nodebug")"
  done
  results=$(jq --arg t "$t" --arg rt "${rt#"$root"/}" --argjson rs "$rt_size" --argjson rn "$rt_nodebug" --argjson e "$exes" \
    '. + [{target: $t, hello: $e, runtime_support: {path: $rt, bytes: $rs, no_debug_bytes: $rn}}]' <<<"$results")
done
jq -n --argjson r "$results" --argjson c "$(conditions_json)" \
  '{benchmark: "sizes", unit: "bytes", program: "tests/programs/rust hello", results: $r, conditions: $c}' >"$out/sizes.json"
echo "wrote $out/sizes.json"
