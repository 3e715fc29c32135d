# Shared by startup.sh, compile.sh, sizes.sh and call-overhead/run.sh
# (sourced). Sets: root, out (JSON directory, $WACC_BENCH_OUT, default
# target/bench), wacc; parses --no-install. Helpers for wasmtime, hyperfine
# results and JSON.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${WACC_BENCH_OUT:-target/bench}
case $out in /*) ;; *) out="$root/$out" ;; esac
mkdir -p "$out"
wacc="$root/target/release/wacc"
no_install=0
for a in "$@"; do
  case $a in
    --no-install) no_install=1 ;;
    *) echo "usage: $0 [--no-install]" >&2; exit 2 ;;
  esac
done

WASMTIME_VERSION=48.0.8
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# Builds wacc (release) and host runtime-support.
build_wacc() {
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p wacc -p wacc-runtime-support
}

# Sets $wasmtime to a wasmtime $WASMTIME_VERSION executable, installing it
# with cargo unless --no-install; else sets $wasmtime_skip to the reason and
# returns 1.
find_wasmtime() {
  wasmtime= wasmtime_skip=
  local c
  for c in "${WASMTIME:-}" "$(command -v wasmtime || true)" "$HOME/.cargo/bin/wasmtime"; do
    if [ -n "$c" ] && [ -x "$c" ] && "$c" --version 2>/dev/null | grep -q "^wasmtime $WASMTIME_VERSION\b"; then
      wasmtime=$c
      return 0
    fi
  done
  if [ $no_install = 1 ]; then
    wasmtime_skip="wasmtime $WASMTIME_VERSION not found (--no-install)"
    return 1
  fi
  echo "installing wasmtime $WASMTIME_VERSION (cargo install wasmtime-cli --locked)..." >&2
  if cargo install wasmtime-cli --version "$WASMTIME_VERSION" --locked >&2 &&
     [ -x "$HOME/.cargo/bin/wasmtime" ]; then
    wasmtime="$HOME/.cargo/bin/wasmtime"
    return 0
  fi
  wasmtime_skip="cargo install wasmtime-cli --version $WASMTIME_VERSION failed"
  return 1
}

# hyperfine_median FILE.json INDEX: median of a hyperfine result, in ms.
hyperfine_median() {
  jq -r ".results[$2].median * 1000" "$1"
}

# Machine conditions for the JSON: CPU model, cores, load averages (1, 5,
# 15 min) when the script started and when it wrote its JSON.
conditions_json() {
  jq -n --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
    --argjson cores "$(nproc)" --arg load0 "$load_start" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    '{cpu: $cpu, cores: $cores, loadavg_start: $load0, loadavg_end: $load, date: $date}'
}

# Formats a number of bytes with thousands separators.
bytes() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

# build_hello TARGET...: builds the hello program of tests/programs/rust
# (prints a line, its arguments and environment) for each Rust target
# (`native` = the host) into target/bench-hello; prints nothing.
# hello_path TARGET: where it is.
build_hello() {
  local t
  for t in "$@"; do
    local args=(build --release --locked --quiet --bin hello
      --manifest-path "$root/tests/programs/rust/Cargo.toml" --target-dir "$root/target/bench-hello")
    if [ "$t" != native ]; then
      rustup target list --installed | grep -qx "$t" || rustup target add "$t" >&2
      args+=(--target "$t")
    fi
    cargo "${args[@]}"
  done
}
hello_path() {
  case $1 in
    native) echo "$root/target/bench-hello/release/hello" ;;
    *) echo "$root/target/bench-hello/$1/release/hello.wasm" ;;
  esac
}
