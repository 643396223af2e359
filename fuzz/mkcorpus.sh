#!/bin/sh
# Regenerates the seed corpora under fuzz/corpus/TARGET with the programs of build/ (after
# make):   sh fuzz/mkcorpus.sh      (from the repository root)
# Each seed starts with the bytes the target reads before its input (fuzz/README): a mode
# byte, and for fuzz_tok and fuzz_join split bytes. Models are kept tiny (vocabulary 256 or
# width 4) so that every seed stays well under 100 KB.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/build
C=$top/fuzz/corpus
export CR_SHARE=$top/share OPENBLAS_NUM_THREADS=1 LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# seed TARGET NAME PREFIX FILE: PREFIX (octal escapes for printf) then FILE
seed() {
    mkdir -p "$C/$1"
    { printf "$3"; cat "$4"; } > "$C/$1/$2"
}
rm -rf "$C"

# token streams: the golden ones (checksums recomputed after each mutation, mode 3, and as
# they are, mode 0), a stream of two documents in overlapping windows, one with a long name
printf 'The quick brown fox jumps over the lazy dog.\n' > "$tmp/fox.txt"
printf 'caf\303\251 \344\275\240\345\245\275 x\377y\n\ttabs\r\n' > "$tmp/mixed.txt"
head -c 1200 "$top/tests/golden/tok/code_python.txt" > "$tmp/code.txt"
(cd "$tmp" && "$B/crtok" -L 32 fox.txt > win32.tok &&
 "$B/crtok" -L 8 -S 4 -e fox.txt mixed.txt > win8.tok &&
 "$B/crtok" -L 16 code.txt > code.tok)
for s in "$top"/tests/golden/good/*.crs; do
    seed fuzz_stream_tokens "good_$(basename "$s" .crs)" '\003' "$s"
done
for s in "$top"/tests/golden/bad/*.crs; do
    seed fuzz_stream_tokens "bad_$(basename "$s" .crs)" '\000' "$s"
done
for t in win32 win8 code; do
    seed fuzz_stream_tokens "$t" '\003' "$tmp/$t.tok"
    seed fuzz_stream_tokens "${t}_any" '\013' "$tmp/$t.tok"    # any kind expected
done

# two tiny experts of GPT-2's vocabulary (width 4), one with pool, zskip, bind and zsplit
"$B/crmodel" new -p tiny -s width=4 -s heads=2 -s ffn=8 -s block=8 -s latents=2 \
    -n fz_a -o "$tmp/a.crm"
"$B/crmodel" new -p tiny -s width=4 -s heads=1 -s ffn=8 -s block=8 -s latents=2 \
    -s pool=1 -s zskip=1 -s bind=1 -s zsplit=2 --seed 2 -n fz_b -o "$tmp/b.crm"
(cd "$tmp" && "$B/crtok" -L 8 -S 4 fox.txt mixed.txt > w8.tok)
"$B/crenc" -m "$tmp/a.crm" "$tmp/w8.tok" > "$tmp/a.lat"
"$B/crenc" -b -m "$tmp/b.crm" "$tmp/w8.tok" > "$tmp/b.lat"
"$B/crdec" -m "$tmp/a.crm" "$tmp/a.lat" > "$tmp/a.rec"
"$B/crdec" -x -m "$tmp/b.crm" "$tmp/b.lat" > "$tmp/b.rec"
seed fuzz_stream_latents f32 '\003' "$tmp/a.lat"
seed fuzz_stream_latents bf16 '\003' "$tmp/b.lat"
seed fuzz_stream_latents f32_raw '\007' "$tmp/a.lat"
seed fuzz_stream_recon plain '\003' "$tmp/a.rec"
seed fuzz_stream_recon cross '\003' "$tmp/b.rec"
seed fuzz_stream_recon raw '\007' "$tmp/a.rec"

# model files: a vocabulary of 256, fp32 and bf16, plain, with every option and with an
# adaptive head; mode 5
# also runs a block through what loaded
"$B/crmodel" new -p tiny -s vocab=256 -s width=8 -s heads=2 -s ffn=16 -s block=16 \
    -s latents=2 -n fz_m -o "$tmp/m.crm"
"$B/crmodel" new -p tiny -s vocab=256 -s width=8 -s heads=2 -s ffn=16 -s block=16 \
    -s latents=2 -s tied=0 --bf16 -n fz_mb -o "$tmp/mb.crm"
"$B/crmodel" new -p tiny -s vocab=256 -s width=4 -s heads=1 -s ffn=8 -s block=8 \
    -s latents=2 -s pool=1 -s zskip=1 -s bind=1 -s zsplit=2 -s zattn=1 -n fz_mz -o "$tmp/mz.crm"
"$B/crmodel" new -p tiny -s vocab=256 -s width=8 -s heads=2 -s ffn=16 -s block=16 \
    -s latents=2 -s tied=0 -s asm=2 -s asm_short=16 -n fz_ma -o "$tmp/ma.crm"
"$B/crmodel" new -p tiny -s vocab=256 -s width=8 -s heads=2 -s ffn=16 -s block=16 \
    -s latents=2 -s pool=1 -s zskip=1 -s bind=1 -s asm=2 -s asm_short=16 -n fz_mt \
    -o "$tmp/mt.crm"
"$B/crmodel" new -p tiny -s vocab=256 -s width=8 -s heads=2 -s ffn=16 -s block=16 \
    -s latents=2 -s asm=2 -s asm_short=16 -s asm_in=1 -n fz_mi -o "$tmp/mi.crm"
"$B/crmodel" convert --asm-in 40 -n fz_mr -o "$tmp/mr.crm" "$tmp/mt.crm"
for m in m mb mz ma mt mi mr; do
    seed fuzz_model "$m" '\005' "$tmp/$m.crm"
done
seed fuzz_model stream_not_model '\001' "$tmp/win8.tok"

# checkpoints: crtrain's own format, written by cr_ckpt_save for a model of vocabulary 256
# (crtrain itself trains only on GPT-2's vocabulary, whose smallest checkpoint is ~1 MB)
cat > "$tmp/ckpt.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include "core/ckpt.h"
int main(int argc, char **argv)
{
    cr_ae_config c;
    cr_train_opts o;
    cr_ae *ae;
    cr_diag d;
    cr_ae_preset(&c, "tiny");
    c.V = 256, c.C = 4, c.NH = 1, c.F = 8, c.L = 8, c.M = 2, c.zsplit = atoi(argv[2]);
    if (c.zsplit)
        c.pool = c.zskip = c.bind = 1;
    cr_train_opts_default(&o);
    o.min_lr = o.lr / 10; /* -1 (lr/10) is resolved by crtrain before it saves */
    size_t np = cr_ae_nparams(&c);
    float *m = calloc(2 * np, sizeof *m);
    for (size_t i = 0; i < 2 * np; i++)
        m[i] = (float)i / (float)np;
    if (cr_ae_new_random(&ae, &c, 7, &d) < 0 ||
        cr_ckpt_save(argv[1], ae, m, m + np, &o, 42, &d) < 0) {
        fprintf(stderr, "%s\n", d.msg);
        return 1;
    }
    return 0;
}
EOF
# shellcheck disable=SC2046 # pkg-config's flags, one argument each
cc -std=c11 -D_GNU_SOURCE -I"$top" -o "$tmp/ckpt" "$tmp/ckpt.c" "$B/libcr.a" \
    $(pkg-config --libs openblas libxxhash libutf8proc 2>/dev/null ||
      echo -lopenblas -lxxhash -lutf8proc) -lm -fopenmp
"$tmp/ckpt" "$tmp/plain.ckpt" 0
"$tmp/ckpt" "$tmp/bind.ckpt" 2
seed fuzz_ckpt plain '\003' "$tmp/plain.ckpt"
seed fuzz_ckpt bind '\003' "$tmp/bind.ckpt"
seed fuzz_ckpt keep '\007' "$tmp/plain.ckpt"

# crtag's state file: two small files tagged with the shipped expert
mkdir "$tmp/tree"
cp "$tmp/fox.txt" "$tmp/code.txt" "$tmp/mixed.txt" "$tmp/tree/"
: > "$tmp/tree/empty.txt"
(cd "$tmp" && "$B/crtag" -m python -S 64 --state state.crs tree > /dev/null) || true
seed fuzz_tagstate state '\003' "$tmp/state.crs"
seed fuzz_tagstate state_raw '\000' "$tmp/state.crs"

# texts for the tokenizer: split bytes, then the text
for t in bom contractions controls crlf emoji combining code_js; do
    head -c 600 "$top/tests/golden/tok/$t.txt" > "$tmp/t"
    seed fuzz_tok "$t" '\200\007' "$tmp/t"
done
seed fuzz_tok mixed '\100\003' "$tmp/mixed.txt"

# crtok -d: token and reconstruction streams, lists of ids
seed fuzz_detok win8 '\003' "$tmp/win8.tok"
seed fuzz_detok code '\003' "$tmp/code.tok"
seed fuzz_detok recon '\003' "$tmp/a.rec"
"$B/crtok" --ids < "$tmp/mixed.txt" > "$tmp/ids"
seed fuzz_detok ids '\000' "$tmp/ids"

# crroute's join: the same stream twice, and two experts' latents and reconstructions of
# one token stream; mode (kind in bits 2-3), split as a fraction of 65535, then both
join() { # NAME MODE A B
    cat "$3" "$4" > "$tmp/j"
    s=$(( $(wc -c < "$3") * 65535 / $(wc -c < "$tmp/j") + 1 ))
    seed fuzz_join "$1" "$2\\$(printf %o $((s & 255)))\\$(printf %o $((s >> 8)))" "$tmp/j"
}
join tokens '\003' "$tmp/w8.tok" "$tmp/w8.tok"
join tokens3 '\023' "$tmp/w8.tok" "$tmp/w8.tok"
join latents '\007' "$tmp/a.lat" "$tmp/b.lat"
join recon '\013' "$tmp/a.rec" "$tmp/b.rec"
join parted '\003' "$tmp/win8.tok" "$tmp/w8.tok"

# the segmenter: the tokens of text with lines and paragraphs (crdump's token lines:
# id, offset, length), three bytes each after the five of settings, stride and penalties
segseed() { # NAME SETTINGS FILE: the first 600 tokens of FILE
    "$B/crtok" -L 65536 "$3" | "$B/crdump" | awk -F'\t' '$1 == "" && NF >= 4' | head -n 600 |
        perl -ne 'BEGIN { binmode STDOUT }
            my (undef, $id, undef, $len) = split /\t/; chomp $len;
            print pack("vC", $id, ($len > 7 ? 7 : $len) | (($id * 7) & 0xf8))' > "$tmp/seg"
    seed fuzz_seg "$1" "$2" "$tmp/seg"
}
segseed readme '\054\003\200\200\040' "$top/README.md"
segseed code '\201\007\010\100\020' "$tmp/code.txt"
segseed mixed '\017\001\000\000\000' "$tmp/mixed.txt"

# the tagger: five bytes of settings (experts and threads, stride, penalties and rejection,
# calibration and pieces, a second document; fuzz/fuzz_tagger.c), then the text, of which it
# reads 256 bytes at most: prose and code in paragraphs, code, UTF-8 and a stray byte (which
# the expert of 256 tokens cannot score), single-byte tokens only (which it can), stride 1,
# the refusals (another block size, no calibration, a stride beyond the block), no text
printf '# Notes\n\nProse of a line,\nand of another.\n\n```c\n%s\n```\n\n\nMore prose.\n' \
    'int main(void) { return 0; }' > "$tmp/notes.txt"
head -c 256 "$tmp/code.txt" > "$tmp/code256.txt"
printf 'a;b;c;1;2;\n;x;y;\n' > "$tmp/bytes.txt"
seed fuzz_tagger notes '\021\000\006\034\200' "$tmp/notes.txt"
seed fuzz_tagger code '\252\005\133\001\000' "$tmp/code256.txt"
seed fuzz_tagger mixed '\024\020\377\376\100' "$tmp/mixed.txt"
seed fuzz_tagger bytes '\014\000\000\003\200' "$tmp/bytes.txt"
seed fuzz_tagger fox '\103\000\000\007\000' "$tmp/fox.txt"
seed fuzz_tagger stride1 '\307\001\044\010\200' "$tmp/notes.txt"
seed fuzz_tagger mismatch '\005\000\000\000\000' "$tmp/fox.txt"
seed fuzz_tagger uncalibrated '\006\000\000\000\000' "$tmp/fox.txt"
seed fuzz_tagger stride_refused '\000\021\000\000\000' "$tmp/fox.txt"
seed fuzz_tagger empty '\010\000\000\000\000' /dev/null

for d in "$C"/*; do
    echo "mkcorpus: $(basename "$d"): $(ls "$d" | wc -l) seeds, $(cat "$d"/* | wc -c) bytes"
done
