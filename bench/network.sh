#!/usr/bin/env bash
# make bench-network: a devnet of 3 operators on a free port (its own
# FAAS_HOME), then off-chain latency, end-to-end latency of 100 sequential
# calls, and throughput with 32 calls in flight for BENCH_SECONDS (30), each
# with its baseline. See devnet/bench/bench.c for what is measured.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH" FAAS_ROOT="$PWD" FAAS_BIN_DIR="$PWD/bin"
exec ./build/bench/network_bench
