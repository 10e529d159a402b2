#!/usr/bin/env bash
# make bench-performer: cold and warm latency and throughput of bin/performer
# (warm zygotes, a sandboxed fork per call) against the original design
# (spawn node/python3 with a runner per call), for a trivial handler in each
# runtime, in the same run. Needs root, like the performer. See
# performer/bench/bench.c for what is measured.
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./build/bench/performer_bench ./bin/performer "${BENCH_SECONDS:-1.5}"
