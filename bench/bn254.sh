#!/usr/bin/env bash
# make bench-bn254: median times of libbn254 (bin/bn254-bench) and of
# @noble/curves (bench/bn254_noble.mjs) for the same operations, run here one
# after the other, one line per operation:
#   bn254 <op> ours_us=<median> noble_us=<median> ratio=<noble/ours>
# BENCH_SCALE (default 1) scales the number of runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${FAAS_BIN_DIR:-bin}"
scale="${BENCH_SCALE:-1}"
ours=$(mktemp)
noble=$(mktemp)
trap 'rm -f "$ours" "$noble"' EXIT
"$bin/bn254-bench" "$scale" >"$ours"
node bench/bn254_noble.mjs "$scale" >"$noble"
awk 'NR == FNR { noble[$1] = $2; next }
     { printf "bn254 %s ours_us=%s noble_us=%s ratio=%.1f\n", $1, $2, noble[$1], noble[$1] / $2 }' "$noble" "$ours"
