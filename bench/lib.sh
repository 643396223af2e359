# Shared by the benchmarks in bench/ (sourced; needs $top, and $dir and $w where said).
# shellcheck disable=SC2154 # $top, $dir and $w are set by the script that sources this

# Sets $text: the tokenizer benchmark's corpus when it is there, else this repository's
# C sources, concatenated until there is enough.
bench_text() {
    text=$dir/corpus.txt
    if [ ! -s "$text" ]; then
        text=$w/sources.txt
        : > "$text"
        while [ "$(wc -c < "$text")" -lt 4000000 ]; do
            cat "$top"/core/*.[ch] "$top"/tok/*.[ch] "$top"/cmd/*.[ch] >> "$text"
        done
    fi
}

# Builds $w/sgemm_peak (bench/sgemm_peak.c) against the OpenBLAS the Makefile picks.
build_sgemm_peak() {
    MA=$(cc -print-multiarch 2>/dev/null || true)
    omp=/usr/lib/$MA/openblas-openmp
    if [ -f "$omp/libopenblas.so" ]; then
        blas="-I/usr/include/$MA/openblas-openmp -L$omp -Wl,-rpath,$omp -lopenblas"
    else
        blas="$(pkg-config --cflags --libs openblas 2>/dev/null || echo -lopenblas)"
    fi
    # shellcheck disable=SC2086
    cc -O2 -std=c11 -D_GNU_SOURCE -o "$w/sgemm_peak" "$top/bench/sgemm_peak.c" $blas -fopenmp
}

# Builds $w/bf16_gemm (bench/bf16_gemm.c, with cr's kernel from the build's libcr.a) as
# build_sgemm_peak builds sgemm_peak, with oneDNN's matmul beside it where Debian's
# libdnnl-dev is installed (it ships no pkg-config file: looked for by its header and
# library); sets $dnnl to yes or no.
# shellcheck disable=SC2034 # $dnnl is for the script that sources this
build_bf16_gemm() {
    build_sgemm_peak >/dev/null
    dnnl=no
    src=$top/bench/bf16_gemm.c lib=$top/${CR_BUILD:-build}/libcr.a
    # shellcheck disable=SC2086
    if [ -f /usr/include/dnnl.h ] &&
        cc -O2 -std=c11 -D_GNU_SOURCE -DCR_BENCH_DNNL -o "$w/bf16_gemm" "$src" "$lib" $blas -ldnnl -fopenmp -lm 2>/dev/null; then
        dnnl=yes
    else
        # shellcheck disable=SC2086
        cc -O2 -std=c11 -D_GNU_SOURCE -o "$w/bf16_gemm" "$src" "$lib" $blas -fopenmp -lm
    fi
}

# The synthetic mixed set in DIR (bench/route/mkmix.sh), made anew when it is missing or
# was made by another version of mkmix.sh or with other CR_MIX_* settings (DIR/mix.version
# against mkmix.sh --stamp).
bench_mix() {
    if ! [ -s "$1/mix.labels" ] ||
        [ "$(cat "$1/mix.version" 2>/dev/null)" != "$(sh "$top/bench/route/mkmix.sh" --stamp)" ]; then
        sh "$top/bench/route/mkmix.sh" "$1" >&2
    fi
}

# The experts of the routing benchmarks (bench/route.sh, bench/route/tune.sh): CR_EXPERTS,
# else every shipped one; each NAME or NAME=MODEL.
bench_experts() {
    echo "${CR_EXPERTS:-$(for m in "$top"/share/models/*.crm; do basename "$m" .crm; done)}"
}
# The prefix of a domain's files in CR_DATA (share/data/*.sh): py-test.files, en-cal-512.tok.
bench_prefix() { case $1 in python) echo py ;; english) echo en ;; c) echo c ;; *) echo "$1" ;; esac; }
# The model file of one of them.
bench_model() { case $1 in *=*) echo "${1#*=}" ;; *) echo "$top/share/models/$1.crm" ;; esac; }
# REC: crenc | crdec of token stream TOK by MODEL, kept while newer than both.
bench_decode() {
    # shellcheck disable=SC3013 # -nt: dash, bash and busybox sh have it (POSIX.1-2024 too)
    if ! [ -s "$3" ] || ! [ "$3" -nt "$1" ] || ! [ "$3" -nt "$2" ]; then
        crenc -m "$1" "$2" | crdec -m "$1" > "$3.tmp" && mv "$3.tmp" "$3"
    fi
}
# [--map ...] TRUTH.labels COSTS: bench/route/paras.pl's main figures on one line.
bench_paras() {
    perl "$top/bench/route/paras.pl" "$@" |
        grep -E '^(paragraphs|cheapest_accuracy|cheapest_balanced|prose_margin_auroc|prose_cheaper_code) ' |
        tr '\n' ' '
    echo
}
