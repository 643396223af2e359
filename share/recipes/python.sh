#!/bin/sh
# Trains the Python expert with the recipe of crtrain(1), LEARNING RECIPE (run F), from
# nothing but Debian's libpython3.11-stdlib, then scores it on every domain:
#   sh share/recipes/python.sh [WORKDIR [STEPS]]     (default /tmp/cr-data, 1200 steps)
# About 65 minutes on two cores for 1200 steps. Writes WORKDIR/python.crm (fp32), its
# checkpoint WORKDIR/python.ckpt (rerun the same command after a stop to resume from it)
# and the curve WORKDIR/python.tsv. Run from anywhere; uses this tree's build/.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
w=${1:-/tmp/cr-data} steps=${2:-1200}
b=$top/build
[ -x "$b/crtrain" ] || make -C "$top" >&2
[ -s "$w/py-train-512.tok" ] || CRTOK=$b/crtok sh "$top/share/data/python.sh" "$w" 512
if [ -s "$w/python.ckpt" ]; then
    set -- --resume "$w/python.ckpt"
else
    set -- -p cpu
fi
"$b/crtrain" "$@" -o "$w/python.crm" -c "$w/python.ckpt" --ckpt-minutes 5 \
    -n python -V "$w/py-val-512.tok" -B 8 -S "$steps" --lr 2e-3 --warmup 40 \
    --start-tokens 128 --grow-every 100 --eval-every 50 --log "$w/python.tsv" \
    "$w/py-train-512.tok"
CR_DATA=$w sh "$top/bench/domains.sh" "$w/python.crm"
