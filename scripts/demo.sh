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

# Deploy every example and call it with the seed README's inputs. A function
# that returns an error (js-error with no name) exits non-zero by design.
cli=./bin/faas-cli
demo_call() { # <example dir> <input>
  local dir="examples/$1" out id
  echo
  echo "=== $1: deploy-function, then call-function $2"
  out=$("$cli" deploy-function "$dir")
  echo "$out"
  id=$(sed -n 's/^Function ID: //p' <<<"$out" | head -1)
  "$cli" call-function --function-id "$id" "$2" || echo "(call-function exited with status $?)"
}
demo_call js-hello '{"name":"Alice"}'
demo_call js-advanced '{"text":"Hello World"}'
demo_call python-hello '{"name":"Alice"}'
demo_call python-deps '"the quick brown fox jumps over the lazy dog the end"'
demo_call js-deps '"hello FaaS world"'
demo_call js-error '{"name":"Alice"}'
demo_call js-error '{}'

echo
echo "Deploy your own: a directory with manifest.json ({\"runtime\":\"javascript\"} or \"python\")"
echo "and index.js exporting handler (or handler.py defining handler); to start from one:"
echo "  ./bin/faas-cli init ./my-function            # --runtime python for Python"
echo "  ./bin/faas-cli invoke --local ./my-function '{\"name\":\"Alice\"}'"
echo "  ./bin/faas-cli deploy-function ./my-function"
echo "  ./bin/faas-cli call-function --function-id 0x<id> '{\"name\":\"Alice\"}'"

echo
echo "The devnet runs; in another terminal:  ./bin/faas-cli config"
echo "Following the services' logs (Ctrl-C stops the devnet)."
"$devnet" logs --follow
