#!/usr/bin/env bash
# The benchmark suite for generated code (see benches/README.md): builds wacc
# and the programs of benches/programs in every variant, runs them, checks
# outputs against native, prints the table and writes target/bench/report.json.
# Usage: bash benches/run.sh [--smoke] [--runs N] [--only NAME[,NAME]]... [--no-install] [--no-scripts]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --release --quiet -p wacc -p wacc-runtime-support
cargo build --release --quiet -p wacc-benches
exec "$root/target/release/wacc-benches" "$@"
