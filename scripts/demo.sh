#!/usr/bin/env bash
# make demo: the local FaaS AVS network - anvil on port 7545 (PORT), the
# contracts deployed, 3 operators (OPERATORS) registered with BN254 keys,
# their executors and performers, the aggregator - and the CLI's config in
# FAAS_HOME (default ~/.faas). Then the services' logs until Ctrl-C, which
# stops everything again.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
PORT="${PORT:-7545}"
OPERATORS="${OPERATORS:-3}"
devnet=./bin/faas-devnet

# A devnet of an earlier demo in the same FAAS_HOME is stopped first.
"$devnet" down >/dev/null 2>&1 || true
"$devnet" up --detach --port "$PORT" --operators "$OPERATORS"
trap '"$devnet" down' EXIT
trap 'exit 130' INT TERM

# --- the CLI part of the demo (deploying and calling the examples) goes here ---

echo
echo "The devnet runs; in another terminal:  ./bin/faas-cli config"
echo "Following the services' logs (Ctrl-C stops the devnet)."
"$devnet" logs --follow
