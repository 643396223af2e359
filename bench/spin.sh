#!/bin/sh
# How long OpenMP threads should wait, spinning, before they sleep (GOMP_SPINCOUNT under
# OMP_WAIT_POLICY=passive), for each way the programs use the cores: crtrain alone
# (bf16 and fp32, whole blocks and curriculum windows of 64 tokens), crtag alone, two
# crtags under GNU parallel, and crenc | crdec (two programs at once). Each row is the
# median wall time of RUNS runs of each setting, the settings taken in turn run by run,
# on the shipped english expert and the same text, in one run on one machine.
#   sh bench/spin.sh        CR_SPIN_RUNS (default 3), CR_SPIN_COUNTS (default "0 3000 30000")
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/${CR_BUILD:-build}
dir=${CR_BENCH_DIR:-/tmp/cr-bench}
w=$dir/spin
runs=${CR_SPIN_RUNS:-3}
counts=${CR_SPIN_COUNTS:-0 3000 30000}
mkdir -p "$w"
export PATH="$B:$PATH" CR_SHARE=$top/share
make -s -C "$top" all >&2
. "$top/bench/lib.sh"
text=''
bench_text
m=$top/share/models/english.crm
head -c 2000000 "$text" > "$w/text.txt"
crtok -L 512 "$w/text.txt" > "$w/train.tok"
head -c 300000 "$text" > "$w/small.txt"
crtok -L 512 "$w/small.txt" > "$w/small.tok"
# crtag's files: 12 files of 16 KB of the same text (two crtags under parallel -X take
# six each)
rm -rf "$w/tree" && mkdir -p "$w/tree"
i=0
while [ "$i" -lt 12 ]; do
    dd if="$text" of="$w/tree/f$i.txt" bs=16384 skip=$((i + 200)) count=1 2> /dev/null
    echo "$w/tree/f$i.txt"
    i=$((i + 1))
done > "$w/files"

# secs CMD...: wall seconds of one run (GNU time), the command's output thrown away
secs() {
    /usr/bin/time -f %e -o "$w/t" "$@" > /dev/null 2> "$w/err" || { cat "$w/err" >&2; exit 1; }
    cat "$w/t"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# row NAME CMD...: the command under each spin count, in turn, RUNS times; then medians
row() {
    name=$1; shift
    for c in $counts; do : > "$w/c$c"; done
    i=0
    while [ "$i" -lt "$runs" ]; do
        for c in $counts; do
            OMP_WAIT_POLICY=passive GOMP_SPINCOUNT=$c secs "$@" >> "$w/c$c"
        done
        i=$((i + 1))
    done
    printf '%-34s' "$name"
    for c in $counts; do printf ' %9.2f' "$(median < "$w/c$c")"; done
    echo
}

train="crtrain -m $m -B 8 -S 16 --warmup 0 -o $w/o.crm $w/train.tok"
# what crtrain's products are here (fp32 on a CPU without AVX512-BF16)
mode=$(crtrain -m "$m" -B 1 -S 1 -v -o "$w/x.crm" "$w/small.tok" 2>&1 >/dev/null |
    sed -n 's/.*model products \([a-z0-9]*\).*/\1/p' | head -n 1)
echo "== seconds (median of $runs) by GOMP_SPINCOUNT under OMP_WAIT_POLICY=passive; $(nproc) cores"
printf '%-34s' "program"; for c in $counts; do printf ' %9s' "$c"; done; echo
row "crtrain ${mode:-?}, blocks of 512" $train
row "crtrain ${mode:-?}, windows of 64" $train --start-tokens 64 --grow-every 1000
row "crtrain fp32, blocks of 512" env CR_MATMUL=fp32 $train
row "crtag, alone" sh -c 'crtag $(cat "$1")' sh "$w/files"
row "crtag, two under parallel -j 2" sh -c 'parallel -X -j 2 crtag < "$1"' sh "$w/files"
row "crenc | crdec (two at once)" sh -c 'crenc -m "$1" "$2" | crdec -m "$1"' sh "$m" "$w/small.tok"
echo "(crtrain: $train; crtag: $(wc -l < "$w/files") files, $(xargs cat < "$w/files" | wc -c) bytes;"
echo " crenc | crdec: $(wc -c < "$w/small.txt") bytes of $text; a row's settings alternate run by run)"
echo "(0 is what every program but crtrain runs by default, crtrain's default is $(sed -n 's/^#define CLI_TRAIN_SPIN \([0-9]*\).*/\1/p' "$top/cmd/cli.h"))"
