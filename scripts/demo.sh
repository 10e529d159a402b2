#!/usr/bin/env bash
# make demo: for now, a local chain on port 7545 with its chain id, block and
# funded dev accounts. (The devnet issue turns this into the full network.)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
PORT="${PORT:-7545}"
echo "Starting anvil on 127.0.0.1:$PORT (Ctrl-C stops it)"
anvil --host 127.0.0.1 --port "$PORT" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT INT TERM
for _ in $(seq 100); do cast chain-id --rpc-url "http://127.0.0.1:$PORT" >/dev/null 2>&1 && break; sleep 0.1; done
echo "chain id: $(cast chain-id --rpc-url "http://127.0.0.1:$PORT")"
echo "block:    $(cast block-number --rpc-url "http://127.0.0.1:$PORT")"
wait $pid
