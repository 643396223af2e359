#!/bin/sh
# Chooses crroute's switch penalty on a development split of the synthetic mixed set,
# never on the documents bench/route.sh tests on (its first CR_MIX_DOCS, default 30):
#   sh bench/route/tune.sh [FIRST [COUNT]]     (documents FIRST.. of mix.files; 30 15)
# For each penalty of CR_PENALTIES (default "8 16 32 64 128 256") prints byte accuracy,
# balanced byte accuracy, token accuracy and boundary F1 of crroute -s over the shipped
# experts (CR_EXPERTS as in bench/route.sh), windows crtok -L 512 -S CR_STRIDE (128).
# Works in CR_DATA/route-bench (bench/route.sh's directory; the sets must exist there:
# run bench/route.sh, or mkmix.sh into it, first). CR_CRROUTE: another crroute to score
# (say, an older build's, to compare cost rules on the same streams).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$top/build
D=${CR_DATA:-/tmp/cr-data}
w=$D/route-bench
export CR_SHARE=$top/share PATH="$B:$PATH"
first=${1:-30} count=${2:-15} stride=${CR_STRIDE:-128}
pens=${CR_PENALTIES:-8 16 32 64 128 256}
[ -s "$w/sets/mix.labels" ] || sh "$top/bench/route/mkmix.sh" "$w/sets" >&2
. "$top/bench/lib.sh"
experts=$(bench_experts)
test_docs=${CR_MIX_DOCS:-30}
[ "$first" -ge "$test_docs" ] || { echo "tune.sh: documents from $first overlap the test documents (0-$((test_docs - 1)))" >&2; exit 2; }

tail -n +"$((first + 1))" "$w/sets/mix.files" | head -n "$count" > "$w/dev.files"
awk 'NR == FNR { keep[$0] = 1; next } keep[$1]' "$w/dev.files" "$w/sets/mix.labels" > "$w/dev.labels"
crtok -L 512 -S "$stride" -T "$w/dev.files" > "$w/dev.tok.new"
cmp -s "$w/dev.tok.new" "$w/dev.tok" && rm "$w/dev.tok.new" || mv "$w/dev.tok.new" "$w/dev.tok"
sh "$top/bench/route/tokens.sh" "$w/dev.files" > "$w/dev.tokens"
recs=
for e in $experts; do
    r=$w/dev.${e%%=*}.rec
    bench_decode "$(bench_model "$e")" "$w/dev.tok" "$r"
    recs="$recs $r"
done
echo "== Penalty on the development documents $first-$((first + count - 1)) of the synthetic set (crtok -L 512 -S $stride)"
printf '%8s %9s %9s %9s %9s\n' penalty byte_acc balanced token_acc f1
for p in $pens; do
    # shellcheck disable=SC2086
    "${CR_CRROUTE:-crroute}" -s -p "$p" $recs > "$w/dev.spans"
    perl "$top/bench/route/segeval.pl" "$w/dev.labels" "$w/dev.spans" "$w/dev.tokens" |
        awk -v p="$p" '{ v[$1] = $2 } END { printf "%8s %9.4f %9.4f %9.4f %9.4f\n", p,
            v["byte_accuracy"], v["byte_balanced_accuracy"], v["token_accuracy"], v["boundary_f1"] }'
done
