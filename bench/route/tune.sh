#!/bin/sh
# Chooses crroute's switch penalties on development sets, never on the documents
# bench/route.sh tests on: documents FIRST.. of the synthetic mixed set (its first
# CR_MIX_TEST, default 30, are the test's) and the real development pages of
# bench/route/mkreal.sh dev (pages that are not held out):
#   sh bench/route/tune.sh [FIRST [COUNT]]     (documents FIRST.. of mix.files; 30 15)
# Prints, for each setting, byte accuracy, balanced byte accuracy, token accuracy and
# boundary F1 of crroute -s over the shipped experts (CR_EXPERTS as in bench/route.sh),
# windows crtok -L 512 -S CR_STRIDE (256, crtag's), on each set:
#   1. the penalty in a line (-p; CR_PENALTIES, default "32 64 128 192 256"), with the
#      line and paragraph penalties equal to it: no account of line breaks, with the full
#      calibration (-a 1 -b 1);
#   2. for each scale of the costs (-a A -b B; CR_SCALES, default every A and B of 0,
#      0.125, 0.25, 0.5, 0.75 and 1), the line and paragraph penalties (-l, -P; CR_LINE
#      and CR_PARA, defaults "96 192" and "4 6 8 12 16 24 32 48 64 96") at -p CR_P (192).
# The defaults of crroute and crtag (-a, -b, -p, -l, -P) are the setting with the best
# mean boundary F1 of the two sets among those whose byte accuracy on each is within 0.01
# of the set's best.
# Then, for each set, what the costs tell apart paragraph by paragraph before any penalty
# (bench/route/paras.pl over crroute --costs).
# Works in CR_DATA/route-bench (bench/route.sh's directory; the mixed set must exist
# there: run bench/route.sh, or mkmix.sh into it, first). CR_CRROUTE: another crroute to
# score (say, an older build's, to compare cost rules on the same streams).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$top/build
D=${CR_DATA:-/tmp/cr-data}
w=$D/route-bench
export CR_SHARE=$top/share PATH="$B:$PATH"
first=${1:-30} count=${2:-15} stride=${CR_STRIDE:-256}
pens=${CR_PENALTIES:-32 64 128 192 256}
P=${CR_P:-192} lines=${CR_LINE:-96 192} paras=${CR_PARA:-4 6 8 12 16 24 32 48 64 96}
scales=${CR_SCALES:-$(for a in 0 0.125 0.25 0.5 0.75 1; do for b in 0 0.125 0.25 0.5 0.75 1; do printf '%s,%s ' $a $b; done; done)}
test_docs=${CR_MIX_TEST:-30}
[ "$first" -ge "$test_docs" ] || { echo "tune.sh: documents from $first overlap the test documents (0-$((test_docs - 1)))" >&2; exit 2; }
. "$top/bench/lib.sh"
bench_mix "$w/sets"
[ -s "$w/sets/realdev.labels" ] || sh "$top/bench/route/mkreal.sh" "$w/sets" dev >&2
experts=$(bench_experts)
names=$(for e in $experts; do echo "${e%%=*}"; done)

tail -n +"$((first + 1))" "$w/sets/mix.files" | head -n "$count" > "$w/dev.files"
awk 'NR == FNR { keep[$0] = 1; next } keep[$1]' "$w/dev.files" "$w/sets/mix.labels" > "$w/dev.labels"
cp "$w/sets/realdev.files" "$w/realdev.files"
cp "$w/sets/realdev.labels" "$w/realdev.labels"
for s in dev realdev; do
    crtok -L 512 -S "$stride" -T "$w/$s.files" > "$w/$s.tok.new"
    cmp -s "$w/$s.tok.new" "$w/$s.tok" && rm "$w/$s.tok.new" || mv "$w/$s.tok.new" "$w/$s.tok"
    sh "$top/bench/route/tokens.sh" "$w/$s.files" > "$w/$s.tokens"
    for e in $experts; do
        bench_decode "$(bench_model "$e")" "$w/$s.tok" "$w/$s.${e%%=*}.rec"
    done
done
# the real pages label prose english and every block code: any other label is code
map="--map code=$(echo $names | sed 's/english//; s/  */,/g; s/^,//; s/,$//'),unknown"

# one setting on both sets: a b p l P, then each set's byte_acc balanced token_acc f1
score() {
    printf '%5s %5s %6s %6s %6s' "$1" "$2" "$3" "$4" "$5"
    for s in dev realdev; do
        m=; [ $s = realdev ] && m=$map
        # shellcheck disable=SC2046,SC2086
        "${CR_CRROUTE:-crroute}" -s -a "$1" -b "$2" -p "$3" -l "$4" -P "$5" $(for n in $names; do echo "$w/$s.$n.rec"; done) > "$w/$s.spans"
        # shellcheck disable=SC2086
        perl "$top/bench/route/segeval.pl" $m "$w/$s.labels" "$w/$s.spans" "$w/$s.tokens" |
            awk '{ v[$1] = $2 } END { printf " %8.4f %8.4f %8.4f %8.4f", v["byte_accuracy"],
                v["byte_balanced_accuracy"], v["token_accuracy"], v["boundary_f1"] }'
    done
    echo
}
echo "== Penalties on development sets: synthetic documents $first-$((first + count - 1)), real pages $(wc -l < "$w/realdev.files") (crtok -L 512 -S $stride)"
printf '%5s %5s %6s %6s %6s %8s %8s %8s %8s %8s %8s %8s %8s\n' a b p l P mix_byte balanced token f1 real_byte balanced token f1
{
    for p in $pens; do score 1 1 "$p" "$p" "$p"; done
    for ab in $scales; do
        for l in $lines; do for q in $paras; do [ "$q" -le "$l" ] && score "${ab%,*}" "${ab#*,}" "$P" "$l" "$q"; done; done
    done
} | tee "$w/tune.tsv"
awk '{ r[NR] = $0; mb = $6 > mb ? $6 : mb; rb = $10 > rb ? $10 : rb }
END {
    for (i = 1; i <= NR; i++) {
        split(r[i], v, " ")
        if (v[6] < mb - 0.01 || v[10] < rb - 0.01) continue
        f = (v[9] + v[13]) / 2
        if (f > best) { best = f; pick = r[i] }
    }
    split(pick, x, " ")
    printf "chosen: -a %s -b %s -p %s -l %s -P %s (mean boundary F1 %.4f; byte accuracy within 0.01 of the best on each set)\n", x[1], x[2], x[3], x[4], x[5], best
}' "$w/tune.tsv"
# what the costs tell apart before any penalty (crroute's default scale), as bench/route.sh
# shows it for the test sets
for s in dev realdev; do
    m=; [ $s = realdev ] && m=$map
    # shellcheck disable=SC2046
    "${CR_CRROUTE:-crroute}" --costs --header $(for n in $names; do echo "$w/$s.$n.rec"; done) > "$w/$s.costs"
    printf '%s paragraphs by their cheapest label: ' "$s"
    # shellcheck disable=SC2086
    bench_paras $m "$w/$s.labels" "$w/$s.costs"
done
