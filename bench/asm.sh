#!/bin/sh
# The fast experts of issue 9: the adaptive-softmax head (with the shortlist tied to the
# token embeddings) and the latent-only last encoder layer, against the full softmax.
#  1. Peaks: OpenBLAS's fp32 sgemm (bench/sgemm_peak.c) on 1 and 2 threads; bf16 where the
#     CPU has AVX512-BF16 (cr's kernel, core/mm16.c, through bench/bf16_gemm.c).
#  2. Heads at the cpu preset on the same blocks: the cpu model and the same with
#     -s asm=N -s asm_short=K0, both first trained CR_BENCH_STEPS steps on the text (the
#     adaptive one takes its token order from it): tokens/s and GFLOP/s of crenc | crdec |
#     crscore and of crtrain, and the peak resident memory (GNU time) of crenc and crdec
#     at two input lengths (N and 4N blocks) and of crtrain at two data sizes (its training
#     data is held in memory: 4 bytes a token, the only part that grows).
#  3. Today against before: the shipped python expert with this tree's build against the
#     expert and build of CR_BASE (git archive of that commit, built in the work
#     directory), on the same held-out Python blocks (the Twisted files of
#     CR_DATA/py-test.files, from share/recipes/expert.sh: neither the python expert of
#     before, trained on nine stdlib files in ten, nor today's saw Twisted): tokens/s, TRA
#     and CE. Skipped, with a line, without git
#     or the held-out files.
# Only ratios within one run mean much on shared cores. FLOPs are counted from the
# config (bench/ae.sh's count, with the last encoder layer's rows as computed); the
# adaptive head counts its head logits only (the tail clusters it computes are extra).
# Sizes (environment):
#   CR_BENCH_ASM           asm and asm_short (default "2 2048")
#   CR_BENCH_BLOCKS        inference blocks of 512 tokens, about (default 16)
#   CR_BENCH_STEPS         training steps of 1 x 4 blocks, timed after the first (default 4)
#   CR_BENCH_REPS          inference runs per model, alternating, the best counts (default 2)
#   CR_BENCH_SGEMM_N       size of the square sgemm of the peak (default 1024)
#   CR_BASE                the commit to compare with in 3 (default aff8c2f; - skips)
#   CR_BENCH_HELD          held-out Python blocks in 3 (default 48)
#   CR_PYTHON_NEW          the expert of today in 3 (default share/models/python.crm)
#   CR_DATA                the experts' work directory (default /tmp/cr-data)
#   CR_BENCH_DIR           work directory (default /tmp/cr-bench; files in DIR/asm)
#   CR_BUILD               build directory (build)
set -eu
# fp32 products throughout, as the peaks and the build of before are: bench/bf16.sh and
# bench/bf16train.sh time bf16
export CR_MATMUL=fp32
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/${CR_BUILD:-build}
dir=${CR_BENCH_DIR:-/tmp/cr-bench}
w=$dir/asm
blocks=${CR_BENCH_BLOCKS:-16}
steps=${CR_BENCH_STEPS:-4}
reps=${CR_BENCH_REPS:-2}
sn=${CR_BENCH_SGEMM_N:-1024}
base=${CR_BASE:-aff8c2f}
held=${CR_BENCH_HELD:-48}
pynew=${CR_PYTHON_NEW:-$top/share/models/python.crm}
data=${CR_DATA:-/tmp/cr-data}
set -- ${CR_BENCH_ASM:-2 2048}
asm=$1 short=$2
mkdir -p "$w"
. "$top/bench/lib.sh"
bench_text
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} CR_SHARE="$top/share"
now() { date +%s.%N; }
ntok() { "$B/crdump" -q "$1" | sed -n 's/^block.*tokens \([0-9]*\)\/.*/\1/p' | awk '{ s += $1 } END { print s + 0 }'; }

# flops MODEL TOKFILE: forward FLOPs over the stream's blocks, as the code computes them
flops() {
    cfg=$("$B/crmodel" info "$1" | grep '^config')
    asmc=$("$B/crmodel" info "$1" | awk -F'\t' '$1 == "adaptive" { split($2, a, " "); print a[2], NF - 2 }')
    "$B/crdump" -q "$2" | sed -n 's/^block.*tokens \([0-9]*\)\/.*/\1/p' |
    awk -v cfg="$cfg" -v asmc="$asmc" '
        BEGIN { split(cfg, f, "\t")
                for (i in f) { split(f[i], kv, " "); v[kv[1]] = kv[2] }
                split(v["layers"], ly, "+"); V = v["vocab"]; C = v["width"]; F = v["ffn"]
                M = v["latents"] * (v["zsplit"] > 1 ? v["zsplit"] : 1); Le = ly[1]; Ld = ly[2]
                za = v["zattn"]; split(asmc, a, " "); head = asmc == "" ? V : a[1] + a[2] }
        { n = $1; T = n + M
          for (l = 0; l < Le + Ld; l++) {
              rows = l == Le - 1 ? M : T; keys = l >= Le && l - Le < za ? M : T
              tot += 6 * C * C * T + (2 * C * C + 4 * C * F) * rows + 4 * rows * keys * C }
          tot += 2 * head * C * n }
        END { printf "%.0f\n", tot }'
}

# 1. peaks
build_sgemm_peak
p1=$("$w/sgemm_peak" 1 "$sn" "$sn" "$sn" | cut -f6)
p2=$("$w/sgemm_peak" 2 "$sn" "$sn" "$sn" | cut -f6)
peak=$(printf '%s\n%s\n' "$p1" "$p2" | sort -g | tail -n 1)
echo "# bench/asm.sh $(date -u +%Y-%m-%dT%H:%MZ), $(uname -m), $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
printf 'fp32 sgemm peak %d^3: 1 thread %s GFLOP/s, 2 threads %s (bench/sgemm_peak.c)\n' "$sn" "$p1" "$p2"
if grep -qw avx512_bf16 /proc/cpuinfo; then
    build_bf16_gemm
    b1=$("$w/bf16_gemm" 1 "$sn" "$sn" "$sn" | awk -F '\t' '$1 == "own" { print $6 }')
    b2=$("$w/bf16_gemm" 2 "$sn" "$sn" "$sn" | awk -F '\t' '$1 == "own" { print $6 }')
    printf 'bf16 peak %d^3: 1 thread %s GFLOP/s, 2 threads %s (core/mm16.c, AVX512-BF16, which crenc, crdec and crtag use; bench/bf16.sh)\n' "$sn" "$b1" "$b2"
else
    echo "bf16 peak: none: this CPU has no AVX512-BF16 (cr runs fp32 here)"
fi

# 2. the heads on the same blocks
head -c 8000000 "$text" | "$B/crtok" -L 512 > "$w/all.tok"
head -c 2000000 "$text" | "$B/crtok" -L 512 > "$w/small.tok"
"$B/crtok" -d < "$w/all.tok" > /dev/null # warm the page cache
head -c $((blocks * 512 * 4)) "$text" | "$B/crtok" -L 512 > "$w/infer.tok"
head -c $((blocks * 512 * 16)) "$text" | "$B/crtok" -L 512 > "$w/big.tok"
n=$(ntok "$w/infer.tok")
nb=$("$B/crdump" -q "$w/infer.tok" | grep -c '^block')

# train NAME DATA SETS...: $steps steps; prints "tokens/s peak_kB" (tokens/s of the steps
# after the first)
train() {
    name=$1 tdata=$2
    shift 2
    /usr/bin/time -f %M -o "$w/$name.rss" "$B/crtrain" -p cpu "$@" -B 4 -S "$steps" \
        --warmup 0 --seed 1 -o "$w/$name.crm" --log "$w/$name.log" "$tdata" 2> "$w/$name.err" ||
        { cat "$w/$name.err" >&2; exit 1; }
    awk -F'\t' -v rss="$(tail -n 1 "$w/$name.rss")" '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        NR > 2 { t += $col["tokens"] - last; s += $col["seconds"] - lsec }
        { last = $col["tokens"]; lsec = $col["seconds"] }
        END { printf "%.0f %s", t / s, rss }' "$w/$name.log"
}
set -- -s asm="$asm" -s asm_short="$short"
full_train=$(train full "$w/all.tok")
asm_train=$(train asm "$w/all.tok" "$@")
full_small=$(train full-small "$w/small.tok" | cut -d' ' -f2)
asm_small=$(train asm-small "$w/small.tok" "$@" | cut -d' ' -f2)

# pipe MODEL TOK OUT: crenc | crdec | crscore -s, each stage's peak RSS in OUT.enc/.dec;
# prints the seconds
pipe() {
    t0=$(now)
    /usr/bin/time -f %M -o "$3.enc" "$B/crenc" -m "$1" "$2" |
        /usr/bin/time -f %M -o "$3.dec" "$B/crdec" -m "$1" | "$B/crscore" -s > "$3.score"
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}
best_full=0 best_asm=0
for r in $(seq "$reps"); do
    for m in full asm; do
        s=$(pipe "$w/$m.crm" "$w/infer.tok" "$w/$m")
        rate=$(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
        if [ "$m" = full ] && [ "$rate" -gt "$best_full" ]; then best_full=$rate; fi
        if [ "$m" = asm ] && [ "$rate" -gt "$best_asm" ]; then best_asm=$rate; fi
    done
done
for m in full asm; do pipe "$w/$m.crm" "$w/big.tok" "$w/$m-big" > /dev/null; done
nbig=$("$B/crdump" -q "$w/big.tok" | grep -c '^block')

echo
echo "heads at the cpu preset, $n tokens in $nb blocks of up to 512 (memory also on $nbig);"
echo "training: $steps steps of 4 blocks, the first untimed; OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS"
printf 'head\tparams\tinfer_tok_s\tinfer_GFLOP_s\t%%peak\ttrain_tok_s\ttrain_GFLOP_s\tcrenc_kB\tcrdec_kB\tcrtrain_kB\n'
for m in full asm; do
    p=$("$B/crmodel" info "$w/$m.crm" | awk -F'\t' '$1 == "params" { print $2 }')
    fl=$(flops "$w/$m.crm" "$w/infer.tok")
    if [ "$m" = full ]; then rate=$best_full tr=$full_train sm=$full_small lab="full softmax"
    else rate=$best_asm tr=$asm_train sm=$asm_small lab="adaptive asm=$asm asm_short=$short"; fi
    awk -v lab="$lab" -v p="$p" -v rate="$rate" -v fl="$fl" -v n="$n" -v peak="$peak" \
        -v tr="$tr" -v sm="$sm" -v e1="$(tail -n 1 "$w/$m.enc")" -v d1="$(tail -n 1 "$w/$m.dec")" \
        -v e2="$(tail -n 1 "$w/$m-big.enc")" -v d2="$(tail -n 1 "$w/$m-big.dec")" '
        BEGIN { split(tr, t, " "); g = fl / n * rate / 1e9; gt = 3 * fl / n * t[1] / 1e9
                printf "%s\t%s\t%s\t%.1f\t%.0f%%\t%s\t%.1f\t%s/%s\t%s/%s\t%s/%s\n", lab, p, rate,
                       g, 100 * g / peak, t[1], gt, e1, e2, d1, d2, sm, t[2] }'
done
fa=$(echo "$full_train" | cut -d' ' -f1) aa=$(echo "$asm_train" | cut -d' ' -f1)
awk -v a="$best_asm" -v f="$best_full" -v ta="$aa" -v tf="$fa" \
    'BEGIN { printf "ratio\t\t%.2fx\t\t\t%.2fx\n", a / f, ta / tf }'
echo "(memory: smaller/larger input; crtrain on 2 and 8 MB of text, whose tokens it holds)"

# 3. the shipped python expert against CR_BASE's build and expert, on held-out Python
echo
if [ "$base" = - ]; then
    echo "today against before: skipped (CR_BASE=-)"; exit 0
fi
if ! git -C "$top" cat-file -e "$base:share/models/python.crm" 2> /dev/null; then
    echo "today against before: skipped (no git history with $base here)"; exit 0
fi
if [ ! -s "$data/py-test.files" ]; then
    echo "today against before: skipped (no $data/py-test.files: share/recipes/expert.sh python)"
    exit 0
fi
if [ ! -x "$w/old-$base/build/crscore" ]; then
    rm -rf "$w/old-$base" && mkdir -p "$w/old-$base"
    git -C "$top" archive "$base" | tar -x -C "$w/old-$base"
    make -C "$w/old-$base" -j2 all > "$w/old-build.log" 2>&1 ||
        { tail "$w/old-build.log" >&2; exit 1; }
fi
git -C "$top" show "$base:share/models/python.crm" > "$w/python-old.crm"
# the first $held blocks of whole documents: crtok -T over the first files until enough
: > "$w/held.files"
while read -r f; do
    echo "$f" >> "$w/held.files"
    "$B/crtok" -L 512 -T "$w/held.files" > "$w/held.tok"
    [ "$("$B/crdump" -q "$w/held.tok" | grep -c '^block')" -lt "$held" ] || break
done <<EOF
$(grep /python3-twisted/ "$data/py-test.files")
EOF
nh=$(ntok "$w/held.tok")
nbh=$("$B/crdump" -q "$w/held.tok" | grep -c '^block')
ob=$w/old-$base/build
run_old() { "$ob/crenc" -m "$w/python-old.crm" "$w/held.tok" | "$ob/crdec" -m "$w/python-old.crm" | "$ob/crscore" -s > "$w/old.score"; }
run_new() { "$B/crenc" -m "$pynew" "$w/held.tok" | "$B/crdec" -m "$pynew" | "$B/crscore" -s > "$w/new.score"; }
bo=999999 bn=999999
# shellcheck disable=SC2034 # r only counts the runs
for r in $(seq "$reps"); do
    t0=$(now); run_old; t1=$(now); run_new; t2=$(now)
    bo=$(awk -v a="$t0" -v b="$t1" -v m="$bo" 'BEGIN { s = b - a; print s < m ? s : m }')
    bn=$(awk -v a="$t1" -v b="$t2" -v m="$bn" 'BEGIN { s = b - a; print s < m ? s : m }')
done
echo "today against before: the shipped python expert on $nh held-out Python tokens in $nbh"
echo "blocks (the first Twisted files of $data/py-test.files), best of $reps"
printf 'build\texpert\ttok_s\tTRA\tCE_bits\n'
awk -F'\t' -v n="$nh" -v s="$bo" -v b="$base" '{ printf "%s\t%s python.crm\t%.0f\t%.4f\t%.3f\n", b, b, n / s, $3, $4 }' "$w/old.score"
awk -F'\t' -v n="$nh" -v s="$bn" -v m="$pynew" '{ printf "this tree\t%s\t%.0f\t%.4f\t%.3f\n", m, n / s, $3, $4 }' "$w/new.score"
awk -v o="$bo" -v s="$bn" 'BEGIN { printf "ratio\t\t%.2fx\n", o / s }'
