#!/bin/sh
# Python source from Debian's libpython3.11-stdlib, split by file into training and
# validation token streams (every tenth file, in sorted order, is held out):
#   sh share/data/python.sh OUTDIR [L]
# writes OUTDIR/py-train-L.tok and OUTDIR/py-val-L.tok (crtok -L L, default 512).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/cr-data} L=${2:-512}
crtok=${CRTOK:-$here/../../build/crtok}
src=$out/src/libpython3.11-stdlib
[ -d "$src" ] || sh "$here/fetch-deb.sh" libpython3.11-stdlib=3.11.2-6+deb12u8 "$src"
find "$src/usr/lib/python3.11" -name '*.py' -type f -size +0 | LC_ALL=C sort > "$out/py.files"
awk 'NR % 10 != 0' "$out/py.files" > "$out/py-train.files"
awk 'NR % 10 == 0' "$out/py.files" > "$out/py-val.files"
CR_SHARE=$here/.. "$crtok" -L "$L" -T "$out/py-train.files" > "$out/py-train-$L.tok"
CR_SHARE=$here/.. "$crtok" -L "$L" -T "$out/py-val.files" > "$out/py-val-$L.tok"
echo "python: $(wc -l < "$out/py-train.files") training files, $(wc -l < "$out/py-val.files") held out"
