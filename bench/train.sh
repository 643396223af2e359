#!/bin/sh
# Training benchmark: crtrain's tokens/s on both cores against the PyTorch twin
# (bench/twin.py train) on the same config and batch, both fp32 (CR_MATMUL=fp32), the
# FLOP rate of each (a training step counted as 3 forward passes) beside OpenBLAS's sgemm
# peak, then crtrain's in bf16 where the CPU has AVX512-BF16, and crtrain's peak memory,
# also for the paper preset with one block per step (must fit in 24 GiB).
# Sizes (environment):
#   CR_BENCH_TRAIN_PRESET  model to train (default cpu; tiny for a smoke test)
#   CR_BENCH_BATCH         blocks per step, crtrain -B (default 8)
#   CR_BENCH_STEPS         steps of the timed run (default 16; at least 2)
#   CR_BENCH_BIG_PRESET    the memory run's preset, with -B 1 -S 2 (default paper; - skips)
#   CR_BENCH_SGEMM_N       size of the square sgemm of the peak (default 2048)
#   CR_BENCH_DIR           work directory (default /tmp/cr-bench; files in DIR/train)
#   CR_BUILD, CR_PYTHON    build directory (build), python with torch (/usr/bin/python3)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/${CR_BUILD:-build}
py=${CR_PYTHON:-/usr/bin/python3}
dir=${CR_BENCH_DIR:-/tmp/cr-bench}
w=$dir/train
preset=${CR_BENCH_TRAIN_PRESET:-cpu}
bs=${CR_BENCH_BATCH:-8}
steps=${CR_BENCH_STEPS:-16}
big=${CR_BENCH_BIG_PRESET:-paper}
sn=${CR_BENCH_SGEMM_N:-2048}
[ "$steps" -ge 2 ] || { echo "train.sh: CR_BENCH_STEPS must be at least 2" >&2; exit 2; }
mkdir -p "$w"

. "$top/bench/lib.sh"
bench_text

# mktok L N OUT: at least N full blocks of L tokens of $text (one document) in OUT
mktok() {
    bytes=$(($1 * $2 * 4 + 4096))
    while :; do
        head -c "$bytes" "$text" | "$B/crtok" -L "$1" -o "$3"
        got=$("$B/crdump" -q "$3" | grep -c "tokens $1/$1" || true)
        if [ "$got" -ge "$2" ] || [ "$bytes" -ge "$(wc -c < "$text")" ]; then return 0; fi
        bytes=$((bytes * 2))
    done
}

# forward FLOPs of one full block, from the config: per layer 2 x matmul params x rows
# + 4 T Tk C of attention (Tk = M in the z-only decoder layers), and 2 V C L for the
# head; T = L + M rows
block_flops() {
    "$B/crmodel" info "$1" | grep '^config' | awk -F'\t' '
        { for (i = 1; i <= NF; i++) { split($i, kv, " "); v[kv[1]] = kv[2] }
          split(v["layers"], ly, "+"); V = v["vocab"]; C = v["width"]; F = v["ffn"]
          M = v["latents"] * (v["zsplit"] > 1 ? v["zsplit"] : 1); L = v["block"]; Le = ly[1]; Ld = ly[2]; za = v["zattn"]; T = L + M
          s = (Le + Ld) * 2 * (4 * C * C + 2 * C * F) * T + 2 * V * C * L
          s += (Le + Ld - za) * 4 * T * T * C + za * 4 * T * M * C
          printf "%.0f\n", s }'
}

build_sgemm_peak
peak=$( { "$w/sgemm_peak" 1 "$sn" "$sn" "$sn"; "$w/sgemm_peak" 2 "$sn" "$sn" "$sn"; } |
        awk -F'\t' '$6 > m { m = $6 } END { print m }')

m=$w/$preset.crm
"$B/crmodel" new -p "$preset" -o "$m" 2> "$w/crmodel.err" || { cat "$w/crmodel.err" >&2; exit 1; }
L=$("$B/crmodel" info "$m" | sed -n 's/^config.*block \([0-9]*\).*/\1/p')
params=$("$B/crmodel" info "$m" | sed -n 's/^params\t\([0-9]*\).*/\1/p')
fb=$(block_flops "$m")
mktok "$L" $((2 * bs > 16 ? 2 * bs : 16)) "$w/train.tok"

# cr: a run of $steps steps minus a run of 1 step (the same start-up, first step and
# final save), so that steps 2..$steps count, as in the twin; in fp32 as the twin, then
# in bf16 where the CPU has AVX512-BF16 (crtrain's default there)
run() { # STEPS TAG PRESET BATCH [CR_MATMUL]
    CR_MATMUL=${5:-fp32} /usr/bin/time -f '%e %M' -o "$w/$2.time" "$B/crtrain" -p "$3" \
        -B "$4" -S "$1" --ckpt-minutes 0 --log "$w/$2.log" -o "$w/$2.crm" "$w/train.tok" \
        2> "$w/$2.err" || { cat "$w/$2.err" >&2; exit 1; }
}
run "$steps" long "$preset" "$bs"
run 1 one "$preset" "$bs"
tl=$(cut -d' ' -f1 "$w/long.time") rl=$(cut -d' ' -f2 "$w/long.time")
t1=$(cut -d' ' -f1 "$w/one.time")
tl16='' t116=''
if grep -qw avx512_bf16 /proc/cpuinfo; then
    run "$steps" long16 "$preset" "$bs" auto
    run 1 one16 "$preset" "$bs" auto
    tl16=$(cut -d' ' -f1 "$w/long16.time") t116=$(cut -d' ' -f1 "$w/one16.time")
fi
# the same from the run's own clock: --log's seconds at step 1 and at the last step
lograte=$(awk -F'\t' 'NR == 2 { k = $2; s = $NF }
    END { if ($NF > s) printf "%.1f", ($2 - k) / ($NF - s); else print "?" }' "$w/long.log")
lastline=$(grep 'tok/s' "$w/long.err" | tail -n 1 |
           sed 's/^.*\(step [0-9/]*\) *\(n [0-9]*\)\{0,1\} *\([0-9]* tok\/s\).*/\1 \3/')

# torch: the twin, one warm-up step then $steps - 1 timed ones, where the python has it
# (a reference, not a dependency)
twin=''
if "$py" -c 'import torch' 2> /dev/null; then
    "$py" "$top/bench/twin.py" train "$m" $((steps - 1)) "$bs" > "$w/twin.out" 2> "$w/twin.err" ||
        { cat "$w/twin.err" >&2; exit 1; }
    twin=$(grep '^torch-train' "$w/twin.out")
fi

# memory of the big preset, one block per step
bigline=
if [ "$big" != - ]; then
    run 2 big "$big" 1 auto
    bigline="$big $(cat "$w/big.time")"
fi

awk -v preset="$preset" -v params="$params" -v bs="$bs" -v L="$L" -v steps="$steps" \
    -v tl="$tl" -v t1="$t1" -v tl16="$tl16" -v t116="$t116" -v rl="$rl" -v fb="$fb" -v peak="$peak" -v twin="$twin" \
    -v lograte="$lograte" -v last="$lastline" -v big="$bigline" -v src="$text" -v m="$m" -v py="$py" '
BEGIN {
    split(twin, tw, "\t")
    ctok = (steps - 1) * bs * L; cs = tl - t1
    how = sprintf("crtrain -p %s -B %d: time of -S %d (%.2f s) - -S 1 (%.2f s)", preset, bs,
                  steps, tl, t1)
    if (cs < 0.2) { # too short to tell from start-up noise: the clock of --log
        if (lograte + 0 > 0) {
            cs = ctok / lograte
            how = how " too short a difference; --log clock instead"
        } else {
            print "train.sh: too short a run to time (raise CR_BENCH_STEPS)" > "/dev/stderr"
            exit 1
        }
    }
    ff = 3 * fb / L # training FLOPs per token
    printf "training, preset %s: %.1fM parameters, -B %d blocks of %d tokens, %.1f MFLOP/token " \
           "(3 x forward)\n", preset, params / 1e6, bs, L, ff / 1e6
    printf "  %-6s M = %s (crmodel new -p %s: the weights crtrain -p starts from), data %s\n",
        "files", m, preset, src
    fmt = "  %-6s %8.3f s %8.1f tok/s %7.2f GFLOP/s %5.1f%% of peak  %6.0f MB   %s\n"
    printf fmt, "cr", cs, ctok / cs, ctok * ff / cs / 1e9, 100 * ctok * ff / cs / 1e9 / peak,
        rl / 1024, how
    printf "  %-6s %8s   %8s tok/s   from --log'"'"'s clock, steps 2..%d; last progress line: %s\n",
        "", "", lograte, steps, last
    if (tl16 != "") {
        c16 = tl16 - t116
        if (c16 < 0.2) print "  cr16   too short a run to time in bf16 (raise CR_BENCH_STEPS)"
        else printf "  %-6s %8.3f s %8.1f tok/s %7.2f GFLOP/s %5s   %6s      %s (%.2fx cr fp32)\n",
            "cr16", c16, ctok / c16, ctok * ff / c16 / 1e9, "", "",
            sprintf("the same with CR_MATMUL=auto: bf16 products (%.2f s - %.2f s)", tl16, t116),
            cs / c16
    }
    if (twin == "")
        printf "  %-6s not run: no torch in %s (Debian: python3-torch)\n", "torch", py
    else {
        printf fmt, "torch", tw[3], tw[4], tw[2] * ff / tw[3] / 1e9,
            100 * tw[2] * ff / tw[3] / 1e9 / peak, tw[5],
            sprintf("/usr/bin/python3 bench/twin.py train M %d %d (2 threads)", steps - 1, bs)
        printf "  %-6s %8.2fx cr / torch in tokens/s (peak sgemm %.1f GFLOP/s, bench/sgemm_peak.c)\n",
            "ratio", (ctok / cs) / tw[4], peak
    }
    if (big != "") {
        split(big, bg, " ")
        printf "  %-6s %s: %.0f MB peak RSS (%.2f GiB; %s 24 GiB) in %.1f s   " \
               "crtrain -p %s -B 1 -S 2\n", "RSS", bg[1], bg[3] / 1024, bg[3] / 1048576,
            bg[3] < 24 * 1048576 ? "fits" : "DOES NOT FIT", bg[2], bg[1]
    }
}'
