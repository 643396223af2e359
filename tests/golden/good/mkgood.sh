#!/bin/sh
# Regenerates the valid token streams in this directory with build/crtok:
#   sh tests/golden/good/mkgood.sh      (from the repository root, after make)
# tests/run.sh requires that crdump reads every *.crs here without complaint.
#   one.crs     one document, default options
#   concat.crs  the output of two crtok runs, concatenated (two stream headers)
#   window.crs  -L 8 -S 4 -e: overlapping windows, <|endoftext|> at the end, two documents
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
here=$top/tests/golden/good
crtok=$top/build/crtok
export CR_SHARE=$top/share
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf 'Hello world\n' | "$crtok" > "$here/one.crs"

printf 'First run: a few words.\n' | "$crtok" -L 4 > "$tmp/a"
printf "Second run, it's another stream.\n" | "$crtok" -L 4 > "$tmp/b"
cat "$tmp/a" "$tmp/b" > "$here/concat.crs"

# file names relative to a scratch directory, so that the names in the stream are stable
(cd "$tmp" &&
 printf 'The quick brown fox jumps over the lazy dog.\n' > fox.txt &&
 printf 'caf\303\251 \344\275\240\345\245\275 x\377y\n' > mixed.txt &&
 "$crtok" -L 8 -S 4 -e fox.txt mixed.txt > "$here/window.crs")

for s in "$here"/*.crs; do
    "$top/build/crdump" "$s" > /dev/null
done
echo "mkgood: $(ls "$here"/*.crs | wc -l) streams"
