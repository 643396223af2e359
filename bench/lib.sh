# Shared by bench/ae.sh and bench/train.sh (sourced; needs $top, $dir and $w).

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
