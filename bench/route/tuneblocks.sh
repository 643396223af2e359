#!/bin/sh
# Chooses the scale of crroute's block scores (-a, -b without -s) on the experts' own
# held-out calibration text, never on the test text that bench/route.sh routes:
#   sh bench/route/tuneblocks.sh
# Every domain's calibration blocks (CR_DATA/{py,en,c}-cal-512.tok, the odd held-out files
# that crmodel calibrate read; share/recipes/expert.sh) go through every expert
# (CR_EXPERTS as in bench/route.sh; the streams are kept in CR_DATA/route-bench while
# newer than model and tokens). Prints, for each A of 0, 0.1, ..., 1 and B of 0, 0.5 and
# 1 (CR_A, CR_B), the share of each domain's blocks that crroute -R -a A -b B sends to
# the domain's expert, every block scored alone (-t 0), and their mean. The default of
# crroute is the setting of the best mean among those with A > 0 (a calibrated scale, as
# issue 13 asks: A = 0 compares raw bits per byte, shown for reference); among equal ones,
# the one of the largest A, then B (the most calibration). Then, at that setting, the same
# for each N of CR_T (default 0 8 16 32 64 128 256 384): a block of fewer than N tokens
# scored together with the one before it in its file (crroute -t N); the default is the
# best mean, among equal ones the smallest N.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$top/build
D=${CR_DATA:-/tmp/cr-data}
w=$D/route-bench
mkdir -p "$w"
export CR_SHARE=$top/share PATH="$B:$PATH"
as=${CR_A:-0 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9 1} bs=${CR_B:-0 0.5 1}
ts=${CR_T:-0 8 16 32 64 128 256 384}
make -s -C "$top" all >&2
. "$top/bench/lib.sh"
experts=$(bench_experts)
names=
for e in $experts; do names="$names ${e%%=*}"; done
for n in $names; do
    t=$D/$(bench_prefix "$n")-cal-512.tok
    [ -s "$t" ] || { echo "tuneblocks.sh: no $t (sh share/data/heldout.sh $n)" >&2; exit 1; }
    for e in $experts; do
        bench_decode "$(bench_model "$e")" "$t" "$w/cal-$n.${e%%=*}.rec"
    done
done
recs() { for e in $names; do printf ' %s' "$w/cal-$1.$e.rec"; done; }
# crroute -R OPTION... on each domain's blocks: the share routed to the domain's expert,
# each domain's, then their mean
row() {
    for n in $names; do
        # shellcheck disable=SC2046
        crroute -R "$@" $(recs "$n") |
            awk -F'\t' -v n="$n" '{ h += $5 == n } END { printf " %9.4f", h / NR }'
    done | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%s %9.4f\n", $0, s / NF }'
}
header() { # FORMAT LEADING-COLUMN...
    fmt=$1
    shift
    # shellcheck disable=SC2059
    printf "$fmt" "$@"
    for n in $names; do printf ' %9s' "$n"; done
    printf ' %9s\n' mean
}

echo "== Block scores (crroute -R -t 0 -a A -b B) on the calibration text of each domain"
header '%5s %5s' a b
for a in $as; do
    for b in $bs; do
        printf '%5s %5s' "$a" "$b"
        row -t 0 -a "$a" -b "$b"
    done
done | tee "$w/tuneblocks.tsv"
echo "(blocks: $(for n in $names; do printf '%s %s ' "$n" "$(crdump -q "$D/$(bench_prefix "$n")-cal-512.tok" | grep -c '^block')"; done))"
# shellcheck disable=SC2046 # set --: the three figures of the best row
set -- $(awk '$1 > 0 { if ($NF > best || ($NF == best && ($1 > a || ($1 == a && $2 > b)))) { best = $NF; a = $1; b = $2 } }
    END { print a, b, best }' "$w/tuneblocks.tsv")
a=$1 b=$2
printf 'chosen: -a %s -b %s (mean block accuracy %.4f)\n' "$a" "$b" "$3"

echo "== Short blocks scored with the one before them (crroute -R -a $a -b $b -t N)"
header '%5s' N
for t in $ts; do
    printf '%5s' "$t"
    row -t "$t" -a "$a" -b "$b"
done | tee "$w/tuneshort.tsv"
awk '{ if (NR == 1 || $NF > best) { best = $NF; t = $1 } }
    END { printf "chosen: -t %s (mean block accuracy %.4f)\n", t, best }' "$w/tuneshort.tsv"
