#!/bin/sh
# Autoencoder inference benchmark: crenc | crdec | crscore -s on both cores against the
# PyTorch twin (bench/twin.py infer) on the same blocks of real text, with the FLOP rate
# of each beside OpenBLAS's sgemm peak, and the peak memory of crenc and crdec.
# Sizes (environment):
#   CR_BENCH_PRESETS       models to run (default "cpu paper"; "tiny" for a smoke test)
#   CR_BENCH_BLOCKS        blocks per run (default 32)
#   CR_BENCH_PAPER         unset: paper with CR_BENCH_BLOCKS/4 blocks; 1: all; 0: skip it
#   CR_BENCH_MEM_BLOCKS    blocks of the memory run (default 4 x the run's blocks)
#   CR_BENCH_REPS          pipeline runs, the best counts (default 2)
#   CR_BENCH_TWIN_BATCH    blocks per torch batch (default 8)
#   CR_BENCH_SGEMM_N       size of the square sgemm of the peak (default 2048)
#   CR_BENCH_DIR           work directory (default /tmp/cr-bench; files in DIR/ae)
#   CR_BUILD, CR_PYTHON    build directory (build), python with torch (/usr/bin/python3)
set -eu
# fp32 products, as the twin's and the sgemm peak are: bench/bf16.sh times bf16
export CR_MATMUL=fp32
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/${CR_BUILD:-build}
py=${CR_PYTHON:-/usr/bin/python3}
dir=${CR_BENCH_DIR:-/tmp/cr-bench}
w=$dir/ae
blocks=${CR_BENCH_BLOCKS:-32}
reps=${CR_BENCH_REPS:-2}
batch=${CR_BENCH_TWIN_BATCH:-8}
sn=${CR_BENCH_SGEMM_N:-2048}
presets=${CR_BENCH_PRESETS:-cpu paper}
mkdir -p "$w"

. "$top/bench/lib.sh"
bench_text
# the twin's rows only where the python has torch (a reference, not a dependency)
torch=no; "$py" -c 'import torch' 2> /dev/null && torch=yes

# mktok L N OUT: about N blocks of L tokens of $text (one document) in OUT
mktok() {
    bytes=$(($1 * $2 * 4)) try=0
    while :; do
        head -c "$bytes" "$text" | "$B/crtok" -L "$1" -o "$3"
        got=$("$B/crdump" -q "$3" | grep -c '^block' || true)
        try=$((try + 1))
        if [ "$got" -ge "$2" ] && [ "$got" -le $(($2 + $2 / 8 + 1)) ]; then return 0; fi
        if [ "$try" -ge 4 ]; then return 0; fi
        bytes=$((bytes * (2 * $2 + 1) / (2 * (got > 0 ? got : 1)) + 256))
    done
}

# flops MODEL TOKFILE: forward FLOPs over the stream's blocks, counted from the config:
# per layer 2 x matmul params x rows + 4 T Tk C of attention (Tk = M in the z-only
# decoder layers), and 2 V C n for the head; T = n + M rows for a block of n tokens
flops() {
    cfg=$("$B/crmodel" info "$1" | grep '^config')
    "$B/crdump" -q "$2" | sed -n 's/^block.*tokens \([0-9]*\)\/.*/\1/p' |
    awk -v cfg="$cfg" '
        BEGIN { split(cfg, f, "\t")
                for (i in f) { split(f[i], kv, " "); v[kv[1]] = kv[2] }
                split(v["layers"], ly, "+"); V = v["vocab"]; C = v["width"]; F = v["ffn"]
                M = v["latents"] * (v["zsplit"] > 1 ? v["zsplit"] : 1); Le = ly[1]; Ld = ly[2]; za = v["zattn"] }
        { n = $1; T = n + M; s = (Le + Ld) * 2 * (4 * C * C + 2 * C * F) * T + 2 * V * C * n
          s += (Le + Ld - za) * 4 * T * T * C + za * 4 * T * M * C; tot += s }
        END { printf "%.0f\n", tot }'
}

build_sgemm_peak
p1=$("$w/sgemm_peak" 1 "$sn" "$sn" "$sn")
p2=$("$w/sgemm_peak" 2 "$sn" "$sn" "$sn")
# the better of the two: under load two threads can lose to one
peak=$(printf '%s\n%s\n' "$p1" "$p2" | awk -F'\t' '$6 > m { m = $6 } END { print m }')
printf '%s\n%s\n' "$p1" "$p2" | awk -F'\t' -v n="$sn" '
    { g[$2] = $6; core = $7 }
    END { printf "sgemm peak  %d^3 on OpenBLAS %s: 1 thread %.1f GFLOP/s, 2 threads %.1f" \
                 "   bench/sgemm_peak.c (%% of peak below: of the better)\n", n, core, g[1], g[2] }'
# rows of logits crdec computes at once
hc=$(sed -n 's/^#define HEAD_CHUNK \([0-9]*\).*/\1/p' "$top/core/ae_fwd.c")

for preset in $presets; do
    n=$blocks
    if [ "$preset" = paper ]; then
        case ${CR_BENCH_PAPER:-} in
        0) continue ;;
        1) ;;
        *) n=$((blocks / 4 > 0 ? blocks / 4 : 1)) ;;
        esac
    fi
    nm=${CR_BENCH_MEM_BLOCKS:-$((4 * n))}
    m=$w/$preset.crm
    "$B/crmodel" new -p "$preset" -o "$m" 2> "$w/crmodel.err" ||
        { cat "$w/crmodel.err" >&2; exit 1; }
    L=$("$B/crmodel" info "$m" | sed -n 's/^config.*block \([0-9]*\).*/\1/p')
    params=$("$B/crmodel" info "$m" | sed -n 's/^params\t\([0-9]*\).*/\1/p')
    msize=$(wc -c < "$m")
    mktok "$L" "$n" "$w/in.tok"
    mktok "$L" "$nm" "$w/big.tok"
    fl=$(flops "$m" "$w/in.tok")
    printf x | "$B/crtok" -L "$L" -o "$w/one.tok"
    core=$("$B/crenc" -v -m "$m" "$w/one.tok" 2>&1 >/dev/null | sed -n 's/.*BLAS kernels: //p')
    V=$("$B/crmodel" info "$m" | sed -n 's/^config\tvocab \([0-9]*\).*/\1/p')
    C=$("$B/crmodel" info "$m" | sed -n 's/^config.*width \([0-9]*\).*/\1/p')
    hs=$("$w/sgemm_peak" 2 "${hc:-32}" "$V" "$C" 3 | cut -f6)

    # cr: the pipeline, best of $reps, each stage's peak RSS on the way
    best=
    for _ in $(seq "$reps"); do
        # shellcheck disable=SC2016
        /usr/bin/time -f %e -o "$w/time" sh -c '
            /usr/bin/time -f %M -o "$1.enc" "$2" -m "$3" "$4" |
            /usr/bin/time -f %M -o "$1.dec" "$5" -m "$3" | "$6" -s > "$1.score"' \
            sh "$w/rss" "$B/crenc" "$m" "$w/in.tok" "$B/crdec" "$B/crscore"
        s=$(tail -n 1 "$w/time")
        best=$(echo "$s $best" | awk '{m=$1; for(i=2;i<=NF;i++) if($i<m) m=$i; print m}')
    done
    score=$(cat "$w/rss.score")
    ctok=$(echo "$score" | cut -f2) # crscore -s: input tokens tra ce majority model

    # torch: the twin on the same blocks, where the python has torch
    twin='' terr=''
    if [ "$torch" = yes ]; then
        "$py" "$top/bench/twin.py" infer "$m" "$w/in.tok" "$batch" > "$w/twin.out" 2> "$w/twin.err" ||
            { cat "$w/twin.err" >&2; exit 1; }
        twin=$(grep '^torch-infer' "$w/twin.out")
        terr=$(grep '^twin.py: infer' "$w/twin.err")
    fi

    # memory on the larger input, one program at a time
    /usr/bin/time -f %M -o "$w/big.enc" "$B/crenc" -m "$m" -o "$w/big.lat" "$w/big.tok"
    /usr/bin/time -f %M -o "$w/big.dec" "$B/crdec" -m "$m" -o "$w/big.rec" "$w/big.lat"
    nbig=$("$B/crdump" -q "$w/big.tok" | grep -c '^block' || true)
    nin=$("$B/crdump" -q "$w/in.tok" | grep -c '^block' || true)

    awk -v preset="$preset" -v params="$params" -v msize="$msize" -v nin="$nin" \
        -v ctok="$ctok" -v best="$best" -v reps="$reps" -v fl="$fl" -v peak="$peak" \
        -v score="$score" -v twin="$twin" -v terr="$terr" -v batch="$batch" -v core="$core" \
        -v er="$(cat "$w/rss.enc")" -v dr="$(cat "$w/rss.dec")" -v nbig="$nbig" \
        -v ebr="$(cat "$w/big.enc")" -v dbr="$(cat "$w/big.dec")" -v src="$text" \
        -v hs="$hs" -v hc="${hc:-32}" -v V="$V" -v C="$C" -v m="$m" -v inp="$w/in.tok" -v py="$py" '
    BEGIN {
        split(score, sc, "\t"); split(twin, tw, "\t")
        tra = terr; sub(/.*TRA /, "", tra); sub(/ .*/, "", tra)
        ce = terr; sub(/.* CE /, "", ce); sub(/ .*/, "", ce)
        trss = terr; sub(/.*peak RSS /, "", trss)
        ttok = tw[2]; ts = tw[3]
        printf "preset %s: %.1fM parameters (model file %.1f MB), %d blocks = %d tokens of %s, " \
               "%.1f MFLOP/token forward\n", preset, params / 1e6, msize / 1e6, nin, ctok, src,
            fl / ctok / 1e6
        printf "  %-6s M = %s, IN = %s\n", "files", m, inp
        fmt = "  %-6s %8.3f s %8.1f tok/s %7.2f GFLOP/s %5.1f%% of peak   TRA %.4f CE %.4f   %s\n"
        printf fmt, "cr", best, ctok / best, fl / best / 1e9, 100 * fl / best / 1e9 / peak,
            sc[3], sc[4], sprintf("crenc -m M IN | crdec -m M | crscore -s (best of %d, " \
            "OpenBLAS %s)", reps, core)
        if (twin == "") {
            printf "  %-6s not run: no torch in %s (Debian: python3-torch)\n", "torch", py
            trss = "-"
        } else {
            printf fmt, "torch", ts, ttok / ts, fl / ts / 1e9, 100 * fl / ts / 1e9 / peak, tra,
                ce, sprintf("/usr/bin/python3 bench/twin.py infer M IN %d (2 threads)", batch)
            printf "  %-6s %8.2fx cr / torch in tokens/s%s\n", "ratio", (ctok / best) / (ttok / ts),
                ttok == ctok ? "" : sprintf(" (TOKENS DIFFER: %d vs %d)", ctok, ttok)
        }
        printf "  %-6s crenc %.0f MB (%d blocks), %.0f MB (%d); crdec %.0f MB, %.0f MB; " \
               "torch %s; model file %.1f MB   /usr/bin/time -f %%M\n", "RSS", er / 1024, nin,
            ebr / 1024, nbig, dr / 1024, dbr / 1024, trss, msize / 1e6
        printf "  %-6s %.1f GFLOP/s at the shape of the head in crdec (%d x %d x %d: " \
               "HEAD_CHUNK rows), 2 threads   sgemm_peak 2 %d %d %d\n", "sgemm", hs, hc, V, C,
            hc, V, C
    }'
    [ "$ctok" -gt 0 ] && { [ -z "$twin" ] || [ "$ctok" = "$(echo "$twin" | cut -f2)" ]; }
done
