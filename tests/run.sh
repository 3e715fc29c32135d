#!/usr/bin/env bash
# Every test: unit and integration tests, then the official core spec
# testsuite (files TIERS.tsv marks wasm1, wasm2-nosimd or decoder-only, and
# the wasm 3.0 files listed in tests/core-wasm3.txt; and the SIMD files:
# tier wasm2, and wasm3 files that need simd) in both bounds-check modes,
# on x86_64 and under qemu-user for aarch64 and riscv64 (SIMD there with
# `--cpu rv64gcv`: RV64GC has no vector registers), then the bundled example.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shared=${WACC_SHARED:-$root/../shared}
core="$shared/testsuite/core"

cargo build --release || exit 1
cargo test --release --workspace || exit 1

mapfile -t files < <(awk -F'\t' '$2=="wasm1" || $2=="wasm2-nosimd" || $2=="-" {print dir"/"$1}' dir="$core" "$core/TIERS.tsv")
# and the wasm 3.0 files of implemented features (see the list's header)
mapfile -t -O "${#files[@]}" files < <(grep -v '^#' tests/core-wasm3.txt | sed "s#^#$core/#")
# 128-bit SIMD (and relaxed SIMD)
mapfile -t simd_files < <(awk -F'\t' '$2=="wasm2" || ($2=="wasm3" && $3 ~ /simd/) {print dir"/"$1}' dir="$core" "$core/TIERS.tsv")
echo "spec testsuite: ${#files[@]} files, and ${#simd_files[@]} SIMD files"
status=0
passed=0 failed=0 skipped=0
# spec_run LIST ARGS...: the spec files of array LIST with `wacc wast ARGS`,
# counted in the totals.
spec_run() {
  local -n list=$1
  local name=$1
  shift
  echo "== wacc wast $* ($name: ${#list[@]})"
  local start out p f s
  start=$(date +%s)
  out=$(mktemp)
  ./target/release/wacc wast "$@" "${list[@]}" | tee "$out"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  echo "(wacc wast $*: $(( $(date +%s) - start )) s)"
  read -r p f s < <(tail -n 1 "$out" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
  rm -f "$out"
}
all_files=("${files[@]}" "${simd_files[@]}")
for mode in guard explicit; do
  spec_run all_files --bounds-checks "$mode"
done
# wacc's own scripts: exception unwinding (register restoring, frames of
# other modules, component boundaries), atomic wait/notify.
own_wast() {
  echo "== wacc wast $* (wacc's own scripts)"
  ./target/release/wacc wast "$@" || status=1
}
for mode in guard explicit; do
  own_wast --bounds-checks "$mode" tests/exceptions/*.wast tests/threads/*.wast
done

# Cross targets under qemu-user (see README, Cross-compilation): runtime-support
# and wacc built for aarch64 and riscv64, outputs of both bounds-check modes
# run, the same spec files, the WASI programs of tests/tests/wasi.rs against
# the same expected output, and freestanding images for the bare-metal
# targets. Skipped when the cross tools are missing (.ci/run installs them
# and sets WACC_REQUIRE_CROSS=1).
cross_triples=(aarch64-unknown-linux-gnu riscv64gc-unknown-linux-gnu)
bare_triples=(aarch64-unknown-none riscv64gc-unknown-none-elf)
missing=()
for tool in qemu-aarch64 qemu-riscv64 aarch64-linux-gnu-gcc riscv64-linux-gnu-gcc; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if command -v rustup >/dev/null; then
  for triple in "${cross_triples[@]}" "${bare_triples[@]}"; do
    rustup target list --installed | grep -qx "$triple" || missing+=("rust target $triple")
  done
fi
if [ ${#missing[@]} = 0 ]; then
  start=$(date +%s)
  bash tests/cross/build.sh || exit 1
  echo "(cross builds: $(( $(date +%s) - start )) s)"
  bash tests/cross/run.sh || status=1
  bash tests/baremetal/run.sh || status=1
  # `wacc run` (wacc_run_*) runs on this machine only: not a target test.
  for triple in "${cross_triples[@]}"; do
    echo "== WASI programs on $triple"
    WACC_TEST_TARGET=$triple cargo test --release -q -p wacc-tests --test wasi -- --skip wacc_run \
      || status=1
  done
  for triple in "${cross_triples[@]}"; do
    for mode in guard explicit; do
      if [ "$triple" = riscv64gc-unknown-linux-gnu ]; then
        spec_run files --target "$triple" --bounds-checks "$mode"
        spec_run simd_files --target "$triple" --cpu rv64gcv --bounds-checks "$mode"
      else
        spec_run all_files --target "$triple" --bounds-checks "$mode"
      fi
      # component scripts run for the host only
      own_wast --target "$triple" --bounds-checks "$mode" tests/exceptions/{unwind,registers}.wast \
        tests/threads/*.wast
    done
  done
else
  echo "cross tests SKIPPED, missing: ${missing[*]}"
  [ "${WACC_REQUIRE_CROSS:-0}" = 1 ] && status=1
fi

# Component Model testsuite: every failure must be listed, with its
# reason, in tests/component-known-failures.txt (skips are async-ABI only
# and are listed by the runner).
cm="$shared/testsuite/component-model/test"
for mode in guard explicit; do
  echo "== wacc wast --bounds-checks $mode (component model)"
  out=$(mktemp)
  ./target/release/wacc wast --bounds-checks "$mode" "$cm"/{values,resources,linking,validation,binary}/*.wast | tee "$out"
  read -r p f s < <(tail -n 1 "$out" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')
  while read -r file fails; do
    rel=${file#"$cm"/}
    known=$(awk -v f="$rel" '$1==f {print $2}' tests/component-known-failures.txt)
    if [ -z "$known" ] || [ "$fails" -gt "$known" ]; then
      echo "component failures not in tests/component-known-failures.txt: $rel ($fails failed)"
      status=1
    fi
  done < <(sed -nE 's/^FAIL ([^ ]+) \([0-9]+ passed, ([0-9]+) failed.*/\1 \2/p' "$out")
  echo "components ($mode): ${p:-0} passed, ${f:-0} failed (known, listed), ${s:-0} skipped"
  [ -n "${p:-}" ] || status=1
  [ "$mode" = guard ] && plain_counts="${p:-} ${f:-} ${s:-}"
  rm -f "$out"
done
# The same suite intercepted (tests/policies/): every boundary through a
# pass-through custom hook with statistics, and every boundary logged. The
# counts must equal the unintercepted run's.
for policy in hook-stats log; do
  echo "== wacc wast --policy tests/policies/$policy.toml (component model)"
  out=$(mktemp)
  rm -f target/policy-log.txt
  ./target/release/wacc wast --policy "tests/policies/$policy.toml" \
    "$cm"/{values,resources,linking,validation,binary}/*.wast > "$out"
  read -r p f s < <(tail -n 1 "$out" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')
  echo "components ($policy policy): ${p:-0} passed, ${f:-0} failed, ${s:-0} skipped"
  if [ "${p:-} ${f:-} ${s:-}" != "$plain_counts" ]; then
    grep -A3 '^FAIL' "$out"
    echo "the intercepted counts differ from the unintercepted ($plain_counts)"
    status=1
  fi
  [ "$policy" = log ] && echo "log lines written: $(wc -l < target/policy-log.txt)"
  rm -f "$out"
done
# wacc's own component scripts (component-level values and start functions)
for mode in guard explicit; do
  echo "== wacc wast --bounds-checks $mode tests/component-values"
  ./target/release/wacc wast --bounds-checks "$mode" tests/component-values/*.wast || status=1
done

bash examples/primes/run.sh || status=1
bash examples/wordfreq/run.sh || status=1
bash benches/run.sh --smoke --no-install || status=1  # benchmark programs: outputs of native, wacc, wasm2c agree
echo "spec: $passed passed, $failed failed, $skipped skipped"
exit $status
