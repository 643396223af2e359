#!/bin/sh
# The routing benchmark (crroute(1)): every figure of cr beside the same figure of a
# baseline router of zstd dictionaries (bench/zcost.c: one dictionary per domain from the
# same training files, calibrated on the same held-out files, the same windows and
# smoothing).
#   sh bench/route.sh                  (data in CR_DATA, default /tmp/cr-data: what
#                                       share/data/{python,english,c,random}.sh and
#                                       share/data/heldout.sh leave there; made first
#                                       where missing, which fetches Debian packages)
# CR_EXPERTS: the experts, NAME or NAME=MODEL (default: every share/models/*.crm); each
# must be calibrated (crmodel calibrate). CR_TEST_BYTES caps each domain's test text
# (default 400000), CR_STRIDE the windows' stride for segmentation (default 256, crtag's),
# CR_MIX_TEST the synthetic documents tested on (default 30, as in mkmix.sh), CR_SECTIONS
# which of the three parts below to run (default "blocks noise segments"), CR_DOMAINS the
# domains whose test text is routed (default: the experts'; a domain without an expert
# shows where its blocks go).
#
# 1. Blocks (crtok -L 512) of each domain's held-out test files (the half that
#    calibration did not see): block accuracy of the calibrated rule, of the raw CE rule
#    (the paper's) and of zstd; false rejections.
# 2. Noise (share/data/random.sh): the share of blocks flagged unknown, and the AUROC of
#    the best calibrated score, noise against the test text of every domain.
# 3. Segmentation of the synthetic and real mixed sets of bench/route/: byte and token
#    accuracy, boundary precision, recall and F1 (64 bytes), lag; crroute's defaults at
#    crtag's stride and, beside them, windows every 128 tokens, one penalty wherever a
#    change falls (-l and -P as -p), the full calibration, and zstd.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/build
D=${CR_DATA:-/tmp/cr-data}
w=$D/route-bench
mkdir -p "$w"
export CR_SHARE=$top/share PATH="$B:$PATH"
cap=${CR_TEST_BYTES:-400000} stride=${CR_STRIDE:-256} mixdocs=${CR_MIX_TEST:-30}
sections=${CR_SECTIONS:-blocks noise segments}
on() { case " $sections " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
make -s -C "$top" all build/bench/zcost >&2

. "$top/bench/lib.sh"
experts=$(bench_experts)
names=
for e in $experts; do names="$names ${e%%=*}"; done
domains=${CR_DOMAINS:-$names}

# the data of each domain and the noise, made where missing (share/data: fetched by
# package name and version, then the held-out files split into calibration and test)
for n in $domains $names; do
    p=$(bench_prefix "$n")
    [ -s "$D/$p-test.files" ] && [ -s "$D/$p-train.files" ] && [ -s "$D/$p-cal-512.tok" ] ||
        CRTOK=$B/crtok sh "$top/share/data/heldout.sh" "$n" "$D" >&2
done
for k in ids ascii bytes unicode; do
    [ -s "$D/rand-$k-512.tok" ] || { CRTOK=$B/crtok sh "$top/share/data/random.sh" "$D" >&2; break; }
done
# the test text of a domain: its test files in order, up to $cap bytes
for n in $domains; do
    p=$(bench_prefix "$n")
    t=0
    while IFS= read -r f && [ "$t" -lt "$cap" ]; do
        echo "$f"; t=$((t + $(wc -c < "$f")))
    done < "$D/$p-test.files" > "$w/test-$n.files"
    crtok -L 512 -T "$w/test-$n.files" > "$w/test-$n.tok.new"
    cmp -s "$w/test-$n.tok.new" "$w/test-$n.tok" && rm "$w/test-$n.tok.new" ||
        mv "$w/test-$n.tok.new" "$w/test-$n.tok"
done
for n in $names; do # the zstd expert of each domain
    p=$(bench_prefix "$n")
    [ -s "$w/$n.zdict" ] || "$B/bench/zcost" train -o "$w/$n.zdict" "$D/$p-train.files"
    "$B/bench/zcost" -d "$w/$n.zdict" -C "$D/$p-cal-512.tok" > "$w/$n.zcal"
done
sets=
for n in $domains; do sets="$sets test-$n"; done
for k in ids ascii bytes unicode; do
    cmp -s "$D/rand-$k-512.tok" "$w/noise-$k.tok" || cp "$D/rand-$k-512.tok" "$w/noise-$k.tok"
    sets="$sets noise-$k"
done

# every set through every expert and every zstd dictionary
run_set() { # set tokens -> set.NAME.rec and set.zNAME.rec (kept while newer than both)
    for e in $experts; do
        n=${e%%=*}
        bench_decode "$(bench_model "$e")" "$w/$1.tok" "$w/$1.$n.rec"
        "$B/bench/zcost" -d "$w/$n.zdict" -n "$n" -c "$w/$n.zcal" "$w/$1.tok" > "$w/$1.z$n.rec"
    done
}
# the streams of a set ($2: "" for cr's, z for zstd's) as one list of paths in $w, which
# the callers split on purpose into one argument each (SC2046 is off there)
recs() { for n in $names; do printf ' %s' "$w/$1.$2$n.rec"; done; }
t0=$(date +%s)
for s in $sets; do
    case $s in noise-*) on noise || continue ;; esac
    run_set "$s"
done

# LABEL OPTION... REC...: the share of crroute's block lines labelled LABEL
share() {
    l=$1
    shift
    crroute "$@" | awk -F'\t' -v l="$l" '{ h += $5 == l } END { printf "%.4f", h / NR }'
}

if on blocks; then
echo "== Blocks of held-out test text (crtok -L 512), $(echo $names | wc -w) experts:$names"
printf '%-10s %7s  %9s %9s %9s %9s %9s %9s  %9s %9s\n' domain blocks calibrated alone by-bytes full-cal raw-CE zstd rejected zstd-rej
# shellcheck disable=SC2046 # $(recs ...): the list of streams, one argument each
for n in $domains; do
    cal=$(crroute -R $(recs "test-$n" "") | awk -F'\t' -v n="$n" '{ t++; h += $5 == n; b += $4 - $3; hb += ($5 == n) * ($4 - $3) }
        END { printf "%.4f %.4f", h / t, hb / b }')
    alone=$(share "$n" -t 0 -R $(recs "test-$n" ""))
    full=$(share "$n" -a 1 -b 1 -R $(recs "test-$n" ""))
    raw=$(share "$n" -c ce -R $(recs "test-$n" ""))
    zst=$(share "$n" -R $(recs "test-$n" z))
    rej=$(share unknown $(recs "test-$n" ""))
    zrej=$(share unknown $(recs "test-$n" z))
    printf '%-10s %7d  %9s %9s %9s %9s %9s %9s  %9s %9s\n' "$n" "$(crdump -q "$w/test-$n.tok" | grep -c '^block')" \
        ${cal% *} "$alone" ${cal#* } "$full" "$raw" "$zst" "$rej" "$zrej"
done
echo "(calibrated: crroute -R REC..., its default scale (-a and -b for blocks, crroute(1))"
echo " and a block under 256 tokens scored with the one before it (-t); alone: -t 0, every"
echo " block scored alone; by-bytes: the calibrated, each block weighed by its bytes;"
echo " full-cal: crroute -a 1 -b 1 -R, each expert's CE per byte over its median on the"
echo " scale of its spread; raw-CE: crroute -c ce -R, the paper's rule; zstd:"
echo " bench/zcost's streams, calibrated, routed as the calibrated column;"
echo " rejected: the share labelled unknown by crroute REC..., the false rejections)"
echo "where each domain's blocks go (calibrated, crroute REC..., rejection on):"
for n in $domains; do
    # shellcheck disable=SC2046 # $(recs ...): the list of streams, one argument each
    crroute $(recs "test-$n" "") | awk -F'\t' -v n="$n" -v all="$names unknown" '
        { c[$5]++ } END { printf "  %-8s ->", n; k = split(all, a, " ")
            for (i = 1; i <= k; i++) printf " %s %.4f", a[i], c[a[i]] / NR; print "" }'
done
fi

if on noise; then
echo
echo "== Noise: share flagged unknown; AUROC of the rejection score against the test text"
# the rejection score of each block of at least MIN bytes: the lowest of the experts'
# fits (crroute -c fit -R, columns 7 on; a block is unknown when it is above 1). Of noise, only blocks of at least 64 bytes (noise_min) count: a noise
# file's last block can be a few characters, which no expert can tell from a real name
# or number (their number is printed below).
noise_min=64
best() { # MIN REC...
    min=$1
    shift
    crroute -c fit -R "$@" | awk -F'\t' -v min="$min" '$4 - $3 >= min { b = $7
        for (i = 8; i <= NF; i++) if ($i < b) b = $i; print b }'
}
# share flagged unknown, blocks counted, blocks left out (under noise_min bytes)
flagged() { crroute "$@" | awk -F'\t' -v min=$noise_min '$4 - $3 >= min { n++; u += $5 == "unknown" }
    $4 - $3 < min { s++ } END { printf "%.4f %d %d", u / n, n, s }'; }
auroc() { # stdin: "label score" with label 1 (noise) or 0 (text); ties count half
    sort -k2,2g | awk '{ s[NR] = $2; l[NR] = $1 } END {
        i = 1; r = 0; npos = 0; nneg = 0
        while (i <= NR) { j = i; while (j < NR && s[j + 1] == s[i]) j++
            for (k = i; k <= j; k++) if (l[k]) { r += (i + j) / 2; npos++ } else nneg++
            i = j + 1 }
        printf "%.5f", (r - npos * (npos + 1) / 2) / (npos * nneg) }'
}
: > "$w/text.scores"; : > "$w/text.zscores"
# shellcheck disable=SC2046 # $(recs ...): the list of streams, one argument each
for n in $names; do
    best 0 $(recs "test-$n" "") | sed 's/^/0 /' >> "$w/text.scores"
    best 0 $(recs "test-$n" z) | sed 's/^/0 /' >> "$w/text.zscores"
done
printf '%-10s %7s %6s  %9s %9s  %9s %9s\n' noise blocks short flagged zstd AUROC zstd
# shellcheck disable=SC2046 # $(recs ...) as above; set --: flagged's three figures
for k in ids ascii bytes unicode; do
    set -- $(flagged $(recs "noise-$k" ""))
    zfl=$(flagged $(recs "noise-$k" z) | cut -d' ' -f1)
    a=$( (cat "$w/text.scores"; best $noise_min $(recs "noise-$k" "") | sed 's/^/1 /') | auroc)
    za=$( (cat "$w/text.zscores"; best $noise_min $(recs "noise-$k" z) | sed 's/^/1 /') | auroc)
    printf '%-10s %7d %6d  %9s %9s  %9s %9s\n' "$k" "$2" "$3" "$1" "$zfl" "$a" "$za"
done
echo "(flagged: labelled unknown by crroute REC...; AUROC: noise blocks against the test"
echo " blocks of every domain, scored by the lowest fit, crroute -c fit; short: a noise"
echo " file's last block, under $noise_min bytes, left out of both)"
fi

if on segments; then
echo
echo "== Segmentation (crtok -L 512 -S $stride; crroute -s), against bench/route's labels"
bench_mix "$w/sets"
[ -s "$w/sets/real.labels" ] || sh "$top/bench/route/mkreal.sh" "$w/sets" >&2
head -n "$mixdocs" "$w/sets/mix.files" > "$w/mix.files"
awk 'NR == FNR { keep[$0] = 1; next } keep[$1]' "$w/mix.files" "$w/sets/mix.labels" > "$w/mix.labels"
cp "$w/sets/real.files" "$w/real.files"; cp "$w/sets/real.labels" "$w/real.labels"
# the real pages label prose english and every block code: any other label is code
realmap="--map code=$(echo $names | sed 's/english//; s/  */,/g; s/^,//; s/,$//'),unknown"
for s in mix real; do
    # the benchmark's windows (crtag's stride, half the block), and every 128 tokens
    for t in "seg-$s:$stride" "seg128-$s:128"; do
        crtok -L 512 -S "${t#*:}" -T "$w/$s.files" > "$w/${t%:*}.tok.new"
        cmp -s "$w/${t%:*}.tok.new" "$w/${t%:*}.tok" && rm "$w/${t%:*}.tok.new" ||
            mv "$w/${t%:*}.tok.new" "$w/${t%:*}.tok"
    done
    sh "$top/bench/route/tokens.sh" "$w/$s.files" > "$w/$s.tokens"
    run_set "seg-$s"
    for e in $experts; do
        bench_decode "$(bench_model "$e")" "$w/seg128-$s.tok" "$w/seg128-$s.${e%%=*}.rec"
    done
    map=; [ "$s" = real ] && map=$realmap
    for r in cr cr-128 cr-flat cr-full zstd; do
        z='' opt='' set=seg-$s; [ "$r" = zstd ] && z=z
        [ "$r" = cr-128 ] && set=seg128-$s
        [ "$r" = cr-flat ] && opt="-l 192 -P 192"
        [ "$r" = cr-full ] && opt="-a 1 -b 1 -P 32"
        # shellcheck disable=SC2046,SC2086 # $opt: options; $(recs ...): the streams
        crroute -s $opt $(recs "$set" "$z") > "$w/$s.$r.spans"
        echo "-- $s, $r ($(wc -l < "$w/$s.files") documents)"
        # shellcheck disable=SC2086
        perl "$top/bench/route/segeval.pl" $map "$w/$s.labels" "$w/$s.$r.spans" "$w/$s.tokens" |
            grep -E '^(byte_accuracy|byte_balanced_accuracy|token_accuracy|boundary_precision|boundary_recall|boundary_f1|lag_mean) ' |
            tr '\n' ' '
        echo
    done
    # what the costs themselves tell apart, paragraph by paragraph, before any penalty
    for r in cr zstd; do
        z=; [ "$r" = zstd ] && z=z
        # shellcheck disable=SC2046 # $(recs ...): the list of streams, one argument each
        crroute --costs --header $(recs "seg-$s" "$z") > "$w/$s.$r.costs"
        echo "-- $s, $r, paragraphs by their cheapest label ($(wc -l < "$w/$s.files") documents)"
        # shellcheck disable=SC2086
        bench_paras $map "$w/$s.labels" "$w/$s.$r.costs"
    done
done
# the real set is four pages: where its boundaries are found, and where not
echo "-- real, cr, page by page (code_spans: the true ones, and how many of them are under 64 bytes)"
while read -r doc; do
    for f in labels cr.spans; do
        awk -v d="$doc" -F '\t' '$1 == d' "$w/real.$f" > "$w/page.$f"
    done
    short=$(awk -F '\t' '$4 == "code" { n++; if ($3 - $2 < 64) s++ } END { printf "%d %d", n, s }' "$w/page.labels")
    # shellcheck disable=SC2086
    perl "$top/bench/route/segeval.pl" $realmap "$w/page.labels" "$w/page.cr.spans" |
        awk -v d="${doc##*/}" -v c="${short% *}" -v s="${short#* }" '{ v[$1] = $2 }
            END { printf "%-16s code_spans %d short %d byte_accuracy %.4f boundaries_true %d boundaries_pred %d boundaries_matched %d\n",
                d, c, s, v["byte_accuracy"], v["boundaries_true"], v["boundaries_pred"], v["boundaries_matched"] }'
done < "$w/real.files"
rm -f "$w/page.labels" "$w/page.cr.spans"
echo "(crroute -s over each expert's stream, windows every $stride tokens (crtag's stride,"
echo " bench/route/README); cr-128: the same over windows every 128 tokens (crtok -S 128),"
echo " the headline until 2026-11-27; cr-flat: -l 192 -P 192, one"
echo " penalty wherever a change falls; cr-full: -a 1 -b 1 -P 32, the full calibration of"
echo " the costs; zstd: crroute -s over bench/zcost's streams; segeval.pl in bench/route:"
echo " a boundary counts within 64 bytes, one to one; paragraphs: paras.pl in bench/route"
echo " over crroute --costs, each paragraph's cheapest label with no penalty (balanced:"
echo " the mean over the true labels of the share right), and the AUROC"
echo " of english's cost minus the cheapest other's, prose paragraphs against the rest;"
echo " prose_cheaper_code: the share of the other paragraphs that english codes cheapest)"
# the probe that raw CE once failed: technical prose that no expert trained on
echo "-- technical prose: windows of the real pages at least 90% prose, routed as blocks"
for r in calibrated full-cal raw-CE zstd; do
    z='' opt=''
    case $r in full-cal) opt="-a 1 -b 1" ;; raw-CE) opt="-c ce" ;; zstd) z=z ;; esac
    # shellcheck disable=SC2046,SC2086 # $opt: options; $(recs ...): the streams
    crroute -R $opt $(recs seg-real "$z") > "$w/real.$r.blocks"
    perl "$top/bench/route/blockeval.pl" "$w/real.labels" "$w/real.$r.blocks" |
        awk -v r="$r" '{ v[$1] = $2 } END { printf "%s %.4f (%d windows) ", r, v["block_recall_pure_english"], v["blocks_pure_english"] }'
done
echo
fi
echo "route.sh: $(($(date +%s) - t0)) s"
