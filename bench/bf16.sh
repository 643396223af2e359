#!/bin/sh
# bf16 matrix products on this CPU, at the shapes of the shipped experts (width 256, FFN
# 1024, a shortlist head of 2050 rows, blocks of 512 tokens): OpenBLAS fp32 sgemm, as cr
# runs today, against a plain kernel of AVX512-BF16 dot products (vdpbf16ps with fp32
# sums; bench/bf16_gemm.c) and, where Debian's libdnnl-dev is installed, oneDNN's bf16
# matmul; on 1 and 2 threads, with the largest error against fp32 (relative to the
# largest |c|). The CPU's instructions are looked up at run time: without AVX512-BF16
# only sgemm is timed. cr itself still multiplies in fp32 (this says what bf16 would give).
#   sh bench/bf16.sh     (CR_BENCH_DIR, default /tmp/cr-bench; files in DIR/bf16)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
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
echo "(GFLOP/s, best of 10 after one untimed call; own and dnnl round a to bf16 on every"
echo " call and b once, as weights would be; max_err: max |c - c_fp32| / max |c_fp32|)"
