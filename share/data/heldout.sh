#!/bin/sh
# Splits a domain's held-out files (what share/data/NAME.sh left in OUTDIR/P-val.files)
# into the half that calibrates its expert and the half that the routing benchmark tests
# on, so that nothing is tuned on test text:
#   sh share/data/heldout.sh NAME [OUTDIR]     (NAME python, english or c)
# The held-out Debian FAQ and Reference pages are left out of both: they are the real
# mixed documents of bench/route/mkreal.sh. Of the other files, in the order of the list,
# the odd ones calibrate (OUTDIR/P-cal.files and their blocks OUTDIR/P-cal-512.tok, what
# crmodel calibrate and bench/route/tuneblocks.sh read) and the even ones are the test
# text (OUTDIR/P-test.files, bench/route.sh and bench/table1.sh). Runs the data script
# first when its held-out list is missing. share/recipes/expert.sh calls it before it
# calibrates a new expert; bench/route.sh calls it for the shipped ones.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
name=${1:?usage: heldout.sh NAME [OUTDIR]}
out=${2:-/tmp/cr-data}
crtok=${CRTOK:-$here/../../build/crtok}
case $name in
    python) p=py ;;
    english) p=en ;;
    c) p=c ;;
    *) echo "heldout.sh: $name: no such domain (python, english, c)" >&2; exit 2 ;;
esac
[ -s "$out/$p-val.files" ] || CRTOK=$crtok sh "$here/$name.sh" "$out" 512
grep -v -e /debian-faq/ -e /debian-reference/ "$out/$p-val.files" > "$out/$p-val-cal.list" || true
awk 'NR % 2 == 1' "$out/$p-val-cal.list" > "$out/$p-cal.files"
awk 'NR % 2 == 0' "$out/$p-val-cal.list" > "$out/$p-test.files"
CR_SHARE=$here/.. "$crtok" -L 512 -T "$out/$p-cal.files" > "$out/$p-cal-512.tok.new"
mv "$out/$p-cal-512.tok.new" "$out/$p-cal-512.tok"
