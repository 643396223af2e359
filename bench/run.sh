#!/bin/sh
# All benchmarks; each prints what it measured. One that fails does not stop the others,
# but the run then exits 1 (route.sh and curves.sh: their data or gnuplot may be missing).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
failed=0
sh "$here/tok.sh"
for b in "$here"/ae.sh "$here"/train.sh "$here"/asm.sh "$here"/bf16.sh "$here"/bf16train.sh \
    "$here"/spin.sh; do
    [ -f "$b" ] || continue
    sh "$b" || { echo "$b: failed (exit $?)"; failed=1; }
done
# routing and tagging: the shipped experts on held-out data, which route.sh makes first
# where it is missing (share/data/*.sh: Debian packages by name and version)
sh "$here/route.sh" || echo "bench/route.sh: failed (its data: see its header)"
sh "$here/tag.sh" || { echo "bench/tag.sh: failed"; failed=1; }
# the shipped experts' learning curves (share/recipes; a picture with gnuplot)
sh "$here/curves.sh" || echo "bench/curves.sh: no picture (gnuplot)"
exit "$failed"
