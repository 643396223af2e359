#!/bin/sh
# The adaptive-softmax head against the full softmax, at the cpu preset: inference tokens/s
# of crenc | crdec | crscore on the same blocks, and training tokens/s of crtrain, for the
# cpu model and the same with -s tied=0 -s asm=N -s asm_short=K0. Both models first train
# CR_BENCH_STEPS steps on the text (the adaptive one takes its token order from it), so
# that neither runs on an untouched head. Only the ratio means much on shared cores.
# Sizes (environment):
#   CR_BENCH_ASM           asm and asm_short (default "2 2048")
#   CR_BENCH_BLOCKS        inference blocks of 512 tokens, about (default 16)
#   CR_BENCH_STEPS         training steps of 1 x 4 blocks, timed after the first (default 4)
#   CR_BENCH_REPS          inference runs per model, alternating, the best counts (default 2)
#   CR_BENCH_DIR           work directory (default /tmp/cr-bench; files in DIR/asm)
#   CR_BUILD               build directory (build)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/${CR_BUILD:-build}
dir=${CR_BENCH_DIR:-/tmp/cr-bench}
w=$dir/asm
blocks=${CR_BENCH_BLOCKS:-16}
steps=${CR_BENCH_STEPS:-4}
reps=${CR_BENCH_REPS:-2}
set -- ${CR_BENCH_ASM:-2 2048}
asm=$1 short=$2
mkdir -p "$w"
. "$top/bench/lib.sh"
bench_text
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} CR_SHARE="$top/share"

head -c 8000000 "$text" | "$B/crtok" -L 512 > "$w/all.tok"
"$B/crtok" -d < "$w/all.tok" > /dev/null # warm the page cache
head -c $((blocks * 512 * 4)) "$text" | "$B/crtok" -L 512 > "$w/infer.tok"
set -- $("$B/crdump" -q "$w/infer.tok" | sed -n 's/^block.*tokens \([0-9]*\)\/.*/\1/p' |
    awk '{ s += $1 } END { print s, NR }')
n=$1 nb=$2

now() { date +%s.%N; }

# train NAME SETS...: $steps steps on all.tok; prints the tokens/s of the steps after the first
train() {
    name=$1
    shift
    "$B/crtrain" -p cpu "$@" -B 4 -S "$steps" --warmup 0 --seed 1 -o "$w/$name.crm" \
        --log "$w/$name.log" "$w/all.tok" 2> "$w/$name.err"
    awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
                NR > 2 { t += $col["tokens"] - last; s += $col["seconds"] - lsec }
                { last = $col["tokens"]; lsec = $col["seconds"] }
                END { printf "%.0f", t / s }' "$w/$name.log"
}

full_train=$(train full)
asm_train=$(train asm -s tied=0 -s asm="$asm" -s asm_short="$short")

best_full=0 best_asm=0
for r in $(seq "$reps"); do
    for m in full asm; do
        t0=$(now)
        "$B/crenc" -m "$w/$m.crm" "$w/infer.tok" | "$B/crdec" -m "$w/$m.crm" |
            "$B/crscore" > "$w/$m.score"
        t1=$(now)
        rate=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
        if [ "$m" = full ] && [ "$rate" -gt "$best_full" ]; then best_full=$rate; fi
        if [ "$m" = asm ] && [ "$rate" -gt "$best_asm" ]; then best_asm=$rate; fi
    done
done

printf 'head\tinfer_tok_s\ttrain_tok_s\tparams\n'
for m in full asm; do
    p=$("$B/crmodel" info "$w/$m.crm" | awk -F'\t' '$1 == "params" { print $2 }')
    if [ "$m" = full ]; then printf 'full softmax\t%s\t%s\t%s\n' "$best_full" "$full_train" "$p"
    else printf 'adaptive asm=%s asm_short=%s\t%s\t%s\t%s\n' "$asm" "$short" "$best_asm" "$asm_train" "$p"; fi
done
awk -v a="$best_asm" -v f="$best_full" -v ta="$asm_train" -v tf="$full_train" \
    'BEGIN { printf "ratio\t%.2fx\t%.2fx\n", a / f, ta / tf }'
echo "($n tokens in $nb blocks of up to 512; $steps training steps of 4 blocks, the first untimed)"
