#!/bin/sh
# bf16 matrix products on this CPU, at the shapes of the shipped experts (width 256, FFN
# 1024, a shortlist head of 2050 rows, blocks of 512 tokens): OpenBLAS fp32 sgemm against
# cr's kernel of AVX512-BF16 dot products (core/mm16.c, fp32 sums; bench/bf16_gemm.c) and,
# where Debian's libdnnl-dev is installed, oneDNN's bf16 matmul; on 1 and 2 threads, with
# the largest error against fp32 (relative to the
# largest |c|). The CPU's instructions are looked up at run time: without AVX512-BF16
# only sgemm is timed.
# Then cr's own: each shipped expert over its held-out test blocks (bench/route.sh's
# CR_DATA/route-bench/test-NAME.tok, else the share/samples file of its kind), crenc then
# crdec with CR_MATMUL=fp32 and with CR_MATMUL=auto (bf16 where the CPU has it): tokens/s
# of the two together, and TRA and CE (crscore -s) of each.
#   sh bench/bf16.sh     (CR_BENCH_DIR, default /tmp/cr-bench; files in DIR/bf16)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/${CR_BUILD:-build}
data=${CR_DATA:-/tmp/cr-data}
export CR_SHARE=$top/share
dir=${CR_BENCH_DIR:-/tmp/cr-bench}
w=$dir/bf16
mkdir -p "$w"
. "$top/bench/lib.sh"
build_bf16_gemm
echo "# bench/bf16.sh $(date -u +%Y-%m-%dT%H:%MZ), $(uname -m), $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
grep -qw avx512_bf16 /proc/cpuinfo && echo "# this CPU has AVX512-BF16" || echo "# this CPU has no AVX512-BF16"
[ "$dnnl" = yes ] || echo "# oneDNN: not timed (Debian's libdnnl-dev is not installed)"
printf '%-14s %5s %5s %5s %3s %9s %9s %9s %8s %8s %9s\n' product M N K thr sgemm own dnnl own/sg dnnl/sg max_err
# product M N K: one block of the cpu preset (bench/bf16_gemm.c's layout, c = a b^T)
for s in "qkv 512 768 256" "attn-proj 512 256 256" "ffn-up 512 1024 256" "ffn-down 512 256 1024" \
    "head 512 2050 256" "square 1024 1024 1024"; do
    # shellcheck disable=SC2086
    set -- $s
    for t in 1 2; do
        "$w/bf16_gemm" "$t" "$2" "$3" "$4" 10 |
            awk -F '\t' -v p="$1" -v t="$t" -v m="$2" -v n="$3" -v k="$4" '
                $1 == "sgemm" { sg = $6 } $1 == "own" && NF >= 7 { own = $6; err = $7 }
                $1 == "dnnl" { dn = $6; if ($7 > err) err = $7 }
                END {
                    printf "%-14s %5d %5d %5d %3d %9.1f %9s %9s %8s %8s %9s\n", p, m, n, k, t, sg,
                        own == "" ? "-" : own, dn == "" ? "-" : dn,
                        own == "" ? "-" : sprintf("%.2fx", own / sg), dn == "" ? "-" : sprintf("%.2fx", dn / sg),
                        err == "" ? "-" : err }'
    done
done
echo "(GFLOP/s, best of 10 after one untimed call; own: cr's kernel, rounding a to bf16 on"
echo " every call, b packed once, as a model's weights are; dnnl: its matmul alone on a and"
echo " b rounded beforehand; max_err: max |c - c_fp32| / max |c_fp32|)"

echo
echo "the shipped experts, crenc then crdec over held-out blocks, fp32 against auto ($(env -u CR_MATMUL "$B/crdec" --version | sed -n 's/^model products: //p'))"
printf '%-8s %7s %10s %10s %7s %8s %8s %8s %8s %9s\n' expert tokens fp32_tok_s auto_tok_s ratio TRA_fp32 TRA_auto CE_fp32 CE_auto CE_diff
for e in $(for m in "$top"/share/models/*.crm; do basename "$m" .crm; done); do
    tok=$data/route-bench/test-$e.tok
    if ! [ -s "$tok" ]; then
        case $e in python) f=python.py ;; c) f=ext4.c ;; *) f=english.txt ;; esac
        tok=$w/sample-$e.tok
        "$B/crtok" -L 512 "$top/share/samples/$f" > "$tok"
    fi
    for m in fp32 auto; do
        t0=$(date +%s.%N)
        CR_MATMUL=$m "$B/crenc" -m "$e" "$tok" > "$w/$e.$m.lat"
        CR_MATMUL=$m "$B/crdec" -m "$e" "$w/$e.$m.lat" > "$w/$e.$m.rec"
        t1=$(date +%s.%N)
        echo "$t0 $t1" > "$w/$e.$m.time"
        "$B/crscore" -s "$w/$e.$m.rec" > "$w/$e.$m.score"
    done
    paste "$w/$e.fp32.time" "$w/$e.auto.time" "$w/$e.fp32.score" "$w/$e.auto.score" |
        awk -F'\t' -v e="$e" '{ split($1, a, " "); split($2, b, " "); sf = a[2] - a[1]; sa = b[2] - b[1]
            printf "%-8s %7d %10.0f %10.0f %6.2fx %8.4f %8.4f %8.4f %8.4f %+9.4f\n", e, $4, $4 / sf,
                $4 / sa, sf / sa, $5, $11, $6, $12, $12 - $6 }'
done
echo "(tokens/s: crenc then crdec, one after the other, OPENBLAS_NUM_THREADS as set; TRA"
echo " and CE in bits per token, crscore -s; the issue's tolerance: TRA within 0.005, CE"
echo " within 0.03 bits of fp32)"
