#!/usr/bin/env bash
# make setup: install everything the build, tests, benchmarks and demo need.
# Idempotent and fast when already done: Debian packages are installed only when
# one is missing; npm tools (exact versions from package-lock.json) go into
# ./node_modules, reinstalled only when the lock file changes.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: build toolchain, the C libraries we link, and test tools.
APT_PACKAGES=(
  build-essential cmake pkg-config clang libclang-rt-14-dev valgrind
  libsecp256k1-dev libcurl4-openssl-dev libjansson-dev libwebsockets-dev
  libarchive-dev libmicrohttpd-dev libsqlite3-dev libseccomp-dev libssl-dev libutf8proc-dev
  nodejs npm python3 python3-pip python3-dev sqlite3 iproute2 procps curl ca-certificates
)
# The performer's zygote module for Node.js needs node_api.h and uv.h:
# NodeSource's nodejs ships them, Debian's needs libnode-dev.
[ -f /usr/include/node/node_api.h ] || APT_PACKAGES+=(libnode-dev)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  # npm may come bundled with nodesource's nodejs; accept any npm on PATH.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm tools, pinned by package-lock.json, local to the repo.
stamp=node_modules/.faas-setup-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "setup: installing pinned npm tools into ./node_modules"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
