#!/bin/sh
# All benchmarks; each prints what it measured.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
sh "$here/tok.sh"
for b in "$here"/ae.sh "$here"/train.sh "$here"/asm.sh; do
    [ -f "$b" ] && sh "$b"
done
# routing and tagging: need the experts' data (share/data/*.sh, share/recipes/expert.sh)
if [ -s "${CR_DATA:-/tmp/cr-data}/en-test.files" ]; then
    sh "$here/route.sh"
else
    echo "bench/route.sh: skipped (no held-out data; see its header)"
fi
sh "$here/tag.sh"
# the shipped experts' learning curves (share/recipes; a picture with gnuplot)
sh "$here/curves.sh" || echo "bench/curves.sh: no picture (gnuplot)"
exit 0
