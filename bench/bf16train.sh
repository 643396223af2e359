#!/bin/sh
# Training in bf16 (crtrain(1), CR_MATMUL): one recipe run three times on this machine,
# fp32, bf16 (the same start and data order), and fp32 again with another seed (another
# start and order), so that the bf16 run's distance from the first can be read against
# how far two fp32 runs lie apart anyway. The recipe is english's first stage (run H of
# crtrain(1), LEARNING RECIPE: the cpu preset with the adaptive head, the curriculum from
# windows of 128 tokens) on share/data/english.sh's streams, cut to CR_BENCH_STEPS steps.
# Prints the validation CE, TRA and latent gain of each run at every validation, the
# largest differences, and each run's training tokens a second (--log's clock, the steps
# after the first, which holds the start-up).
#   sh bench/bf16train.sh   (CR_BENCH_STEPS, default 400; CR_DATA, default /tmp/cr-data,
#                            where share/data/english.sh writes when the streams are
#                            missing; CR_BENCH_DIR, default /tmp/cr-bench: files in
#                            DIR/bf16train)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/${CR_BUILD:-build}
D=${CR_DATA:-/tmp/cr-data}
dir=${CR_BENCH_DIR:-/tmp/cr-bench}
w=$dir/bf16train
steps=${CR_BENCH_STEPS:-400}
export CR_SHARE=$top/share
mkdir -p "$w"
echo "# bench/bf16train.sh $(date -u +%Y-%m-%dT%H:%MZ), $(uname -m), $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
if ! grep -qw avx512_bf16 /proc/cpuinfo; then
    echo "# this CPU has no AVX512-BF16: crtrain runs fp32 either way; nothing to compare"
    exit 0
fi
[ -s "$D/en-train-512.tok" ] && [ -s "$D/en-val-512.tok" ] ||
    CRTOK=$B/crtok sh "$top/share/data/english.sh" "$D" 512 >&2
# RUN MATMUL SEED PRODUCTS: the recipe, cut to $steps steps; its -v line must say PRODUCTS
run() {
    CR_MATMUL=$2 "$B/crtrain" -p cpu -s asm=2 -s asm_short=2048 --seed "$3" -v \
        -o "$w/$1.crm" -c "$w/$1.ckpt" --ckpt-minutes 0 -V "$D/en-val-512.tok" -B 8 \
        -S "$steps" --lr 2e-3 --warmup 40 --start-tokens 128 --grow-every 100 \
        --eval-every 50 --log "$w/$1.tsv" "$D/en-train-512.tok" 2> "$w/$1.err" ||
        { cat "$w/$1.err" >&2; exit 1; }
    rm -f "$w/$1.ckpt"
    grep -q "model products $4" "$w/$1.err" ||
        { echo "bf16train.sh: $1 did not run in $4" >&2; exit 1; }
}
run fp32 fp32 1 fp32
run bf16 auto 1 bf16
run fp32b fp32 2 fp32
sed 's/^/#   /' <<EOF
crtrain -p cpu -s asm=2 -s asm_short=2048 --seed SEED -V en-val-512.tok -B 8 -S $steps
        --lr 2e-3 --warmup 40 --start-tokens 128 --grow-every 100 --eval-every 50
        en-train-512.tok, with CR_MATMUL=fp32 (seed 1), auto (bf16, seed 1), fp32 (seed 2)
EOF
# the validation lines of the three logs side by side, then the differences and speeds
paste "$w/fp32.tsv" "$w/bf16.tsv" "$w/fp32b.tsv" | awk -F'\t' '
NR == 1 { printf "%5s | %7s %6s %6s | %7s %6s %6s | %7s %6s %6s\n", "step", "ce", "tra", "gain",
          "ce", "tra", "gain", "ce", "tra", "gain"
          printf "%5s | %-21s | %-21s | %-21s\n", "", "fp32, seed 1", "bf16, seed 1", "fp32, seed 2"
          next }
function ad(x) { return x < 0 ? -x : x }
NR == 2 { t1 = $2; s1 = $11; u1 = $22; v1 = $33 }
{ t = $2; s = $11; u = $22; v = $33 } # tokens and seconds: the three runs take the same steps
$7 != "nan" {
    printf "%5d | %7.3f %6.3f %6.2f | %7.3f %6.3f %6.2f | %7.3f %6.3f %6.2f\n", $1, $7, $8, $10,
        $18, $19, $21, $29, $30, $32
    if (ad($18 - $7) > dce) dce = ad($18 - $7); if (ad($29 - $7) > sce) sce = ad($29 - $7)
    if (ad($19 - $8) > dtra) dtra = ad($19 - $8); if (ad($30 - $8) > stra) stra = ad($30 - $8)
    last = sprintf("%.3f / %.3f / %.3f bits, TRA %.3f / %.3f / %.3f", $7, $18, $29, $8, $19, $30)
}
END {
    printf "largest |bf16 - fp32| at a validation: CE %.3f bits, TRA %.3f\n", dce, dtra
    printf "largest |fp32 seed 2 - fp32 seed 1|:     CE %.3f bits, TRA %.3f\n", sce, stra
    printf "last validation (fp32 / bf16 / fp32 seed 2): CE %s\n", last
    f = (t - t1) / (s - s1); b = (t - t1) / (u - u1); g = (t - t1) / (v - v1)
    printf "training tokens/s after step 1: fp32 %.0f, bf16 %.0f (%.2fx), fp32 seed 2 %.0f\n", f, b, b / f, g
}'
