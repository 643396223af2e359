#!/bin/sh
# Installs the tiktoken peers (outside the repo) and runs peer.js:
#
#   sh bench/tok/peer.sh FILE [IDS_OUT] [--impl auto|native|wasm] [--runs N]
#   sh bench/tok/peer.sh --install-only
#
# Peers, pinned, installed into $CR_NPM_CACHE (default ${TMPDIR:-/tmp}/cr-npm):
#   tiktoken-node@0.0.7  tiktoken's Rust core as a prebuilt N-API addon; the
#                        package itself ships the linux-x64-gnu binary in
#                        dist/ (no separate platform package needed)
#   tiktoken@1.0.22      the same core compiled to wasm (fallback, and the
#                        one with encode_ordinary)
# See peer.js for the output format.
set -eu

NATIVE=tiktoken-node@0.0.7
WASM=tiktoken@1.0.22

here=$(cd "$(dirname "$0")" && pwd)
cache=${CR_NPM_CACHE:-${TMPDIR:-/tmp}/cr-npm}

npm_into() { # dir package@version; fails quietly (returns 1)
    [ -f "$1/node_modules/${2%@*}/package.json" ] && return 0
    mkdir -p "$1"
    (cd "$1" &&
     { [ -f package.json ] || echo '{"name":"cr-bench-peer","private":true}' > package.json; } &&
     npm install --silent --no-audit --no-fund --no-package-lock "$2" >/dev/null 2>&1)
}

native_dir=$cache/$(echo "$NATIVE" | tr @ -)
wasm_dir=$cache/$(echo "$WASM" | tr @ -)
npm_into "$native_dir" "$NATIVE" || echo "peer.sh: could not install $NATIVE (peer.js will fall back to wasm)" >&2
npm_into "$wasm_dir" "$WASM" || echo "peer.sh: could not install $WASM" >&2

[ "${1:-}" = "--install-only" ] && exit 0

CR_PEER_MODULES=$native_dir:$wasm_dir exec node "$here/peer.js" "$@"
