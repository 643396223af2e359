#!/bin/sh
# Random references, one document each, from fixed seeds:
#   ids      16384 GPT-2 token ids drawn uniformly from 0..50255 (<|endoftext|> left out),
#            turned into text with crtok -d and tokenized again: routers see text, so the
#            stream holds the ids of that text, not the drawn ones (re-tokenizing merges
#            across the drawn boundaries; the count changes too); seed 1
#   ascii    65536 bytes drawn uniformly from printable ASCII, 0x20..0x7e (no newlines);
#            seed 2
#   bytes    65536 bytes drawn uniformly from 0..255 (not valid UTF-8); seed 3
#   unicode  about 64 KiB of valid UTF-8: words of 1 to 8 code points, each word from one
#            of the scripts below drawn uniformly, its letters drawn uniformly from the
#            script's range (only assigned code points), words separated by spaces, a
#            newline after every 12 words; seed 4
#   sh share/data/random.sh OUTDIR [L]
# writes the texts OUTDIR/src/random/rand-KIND.txt (and the drawn ids
# OUTDIR/src/random/rand-ids.ids), the token streams OUTDIR/rand-KIND-L.tok (crtok -L L,
# default 512) and OUTDIR/random.manifest.tsv (source, package = perl, version = perl's,
# files, bytes, split = val, tokens). The draws use perl's srand(SEED) and rand(); since
# perl 5.20, rand() is perl's own drand48 on every platform, so a seed gives the same
# sequence with any perl from 5.20 on (written with perl 5.36.0).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/cr-data} L=${2:-512}
crtok=${CRTOK:-$here/../../build/crtok}
export LC_ALL=C CR_SHARE="$here/.."
dir=$out/src/random
mkdir -p "$dir"

perl -e 'srand(1); print int(rand(50256)), "\n" for 1 .. 16384' > "$dir/rand-ids.ids"
"$crtok" -d "$dir/rand-ids.ids" > "$dir/rand-ids.txt"

perl -e 'srand(2); print chr(0x20 + int(rand(95))) for 1 .. 65536' > "$dir/rand-ascii.txt"

perl -e 'srand(3); binmode STDOUT; print chr(int(rand(256))) for 1 .. 65536' \
    > "$dir/rand-bytes.txt"

perl -CO -e '
srand(4);
my @scripts = (                  # first and last code point, every one assigned
    [0x00C0, 0x00FF],            # Latin-1 Supplement letters
    [0x0100, 0x017F],            # Latin Extended-A
    [0x03B1, 0x03C9],            # Greek small letters
    [0x0410, 0x044F],            # Cyrillic
    [0x0561, 0x0586],            # Armenian
    [0x05D0, 0x05EA],            # Hebrew
    [0x0621, 0x063A],            # Arabic
    [0x0905, 0x0939],            # Devanagari
    [0x0995, 0x09A8],            # Bengali
    [0x0E01, 0x0E2E],            # Thai
    [0x10D0, 0x10FA],            # Georgian
    [0x1200, 0x1248],            # Ethiopic
    [0x3041, 0x3096],            # Hiragana
    [0x30A1, 0x30FA],            # Katakana
    [0x4E00, 0x9FA5],            # CJK Unified Ideographs
    [0xAC00, 0xD7A3],            # Hangul syllables
    [0x1D400, 0x1D433],          # Mathematical bold Latin (4 bytes in UTF-8)
    [0x1F600, 0x1F64F],          # Emoticons (4 bytes in UTF-8)
);
my ($bytes, $words) = (0, 0);
while ($bytes < 65536) {
    my ($lo, $hi) = @{ $scripts[int(rand(@scripts))] };
    my $w = join "", map { chr($lo + int(rand($hi - $lo + 1))) } 1 .. 1 + int(rand(8));
    $w .= ++$words % 12 ? " " : "\n";
    utf8::encode(my $b = $w);
    $bytes += length $b;
    print $w;
}' > "$dir/rand-unicode.txt"

pv=$(perl -e 'printf "%vd", $^V')
{
    printf 'source\tpackage\tversion\tfiles\tbytes\tsplit\ttokens\n'
    for k in ids ascii bytes unicode; do
        "$crtok" -v -L "$L" "$dir/rand-$k.txt" > "$out/rand-$k-$L.tok" 2> "$dir/rand-$k.log"
        awk -v k="rand-$k" -v pv="$pv" '/^crtok: .*: [0-9]+ bytes, [0-9]+ tokens/ {
            printf "%s\tperl\t%s\t1\t%d\tval\t%d\n", k, pv, $3, $5 }' "$dir/rand-$k.log"
        rm -f "$dir/rand-$k.log"
    done
} > "$out/random.manifest.tsv"
awk -F'\t' 'NR > 1 { line = line sprintf(" %s %d bytes, %d tokens;", $1, $5, $7) }
    END { print "random:" line }' "$out/random.manifest.tsv"
