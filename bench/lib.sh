# Shared by bench/ae.sh, bench/train.sh and bench/asm.sh (sourced; needs $top, $dir and $w).

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
