#!/bin/sh
# How well one expert rebuilds each domain: the routing signal, as in the paper's table
# (held-out code, prose, random tokens). Prints one line per domain:
#   domain  tokens  TRA  majority-TRA  CE (bits/token)  latent gain (bits/token)
#
#   sh bench/domains.sh MODEL.crm [WORKDIR]      (default /tmp/cr-bench/domains)
#
# The domains: python, files held out of training by share/data/python.sh (every tenth
# file of libpython3.11-stdlib; the first ones of at most 64 KB, 120 KB in all); c, ts, en_pydoc, en_fortunes, ja_man,
# ru_man: 64 KiB of text from the middle of each part of the tokenizer benchmark's corpus
# (bench/tok/corpus.sh, Debian packages by name and version; its code_python part is the
# training source and is not used); random: 24000 GPT-2 ids drawn uniformly (awk's
# generator, seed 1), turned into text and tokenized again. The latent gain is CE with
# the z of the next block minus CE with the block's own z (crdec -x, crscore -g).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build
model=${1:?usage: sh bench/domains.sh MODEL.crm [WORKDIR]}
w=${2:-/tmp/cr-bench/domains}
corpus=/tmp/cr-bench/corpus.txt
data=${CR_DATA:-/tmp/cr-data}
export CR_SHARE=$top/share
mkdir -p "$w"

[ -s "$corpus" ] || sh "$top/bench/tok/corpus.sh" "$corpus" >&2
[ -s "$data/py-val.files" ] || sh "$top/share/data/python.sh" "$data" 512 >&2

if [ ! -s "$w/random.tok" ]; then
    # held-out files of at most 64 KB, in their order, up to 120 KB in all
    while read -r f; do wc -c < "$f"; echo "$f"; done < "$data/py-val.files" |
        awk 'NR % 2 { n = $1; next } n <= 65536 && t < 120000 { print; t += n }' \
        > "$w/python.files"
    "$b/crtok" -L 512 -T "$w/python.files" > "$w/python.tok"
    # part offsets from the manifest, in corpus order
    awk '$1 != "total" { print $1, off, $2; off += $2 }' off=0 "$corpus.manifest" |
        while read -r part start len; do
            case $part in code_python|zh_man|ru_fortunes) continue ;; esac
            tail -c +$((start + len / 2 + 1)) "$corpus" | head -c 65536 > "$w/$part.txt"
            "$b/crtok" -L 512 "$w/$part.txt" > "$w/$part.tok"
        done
    awk 'BEGIN { srand(1); for (i = 0; i < 24000; i++) printf "%d\n", int(rand() * 50257) }' |
        "$b/crtok" -d > "$w/random.txt"
    "$b/crtok" -L 512 "$w/random.txt" > "$w/random.tok"
fi

printf 'domain\ttokens\tTRA\tmajority\tCE\tgain\n'
for part in python code_c code_ts en_pydoc en_fortunes ja_man ru_man random; do
    "$b/crenc" -m "$model" "$w/$part.tok" > "$w/z"
    "$b/crdec" -m "$model" "$w/z" > "$w/own"
    "$b/crdec" -x -m "$model" "$w/z" > "$w/cross"
    s=$("$b/crscore" -s "$w/own")
    g=$("$b/crscore" -g "$w/own" "$w/cross")
    # -s: input tokens tra ce majority model; -g: input tokens ce ce_cross gain model
    printf '%s\t%s\t%s\n' "$part" "$s" "$g" |
        awk -F'\t' '{ printf "%s\t%d\t%.3f\t%.3f\t%.2f\t%.2f\n", $1, $3, $4, $6, $5, $12 }'
done
