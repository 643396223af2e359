#!/bin/sh
# Regenerates the damaged token streams in this directory and the message crdump must
# give for each (first line of its stderr, as tests/run.sh sees it):
#   sh tests/golden/bad/mkbad.sh      (from the repository root, after make)
# Every NAME.crs is made from one good stream below; the comment at each case says how.
# The .err lines are written from the expectations here, not copied from crdump; the
# script then runs crdump and reports any case where the two disagree.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
here=$top/tests/golden/bad
export CR_SHARE=$top/share
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The good stream: one document from stdin cut into blocks of 16 tokens, which gives
#   header, record 0 doc, record 1 block (16 tokens), record 2 block (1 token),
#   record 3 docend, end record.
good=$tmp/good.crs
printf "The quick brown fox jumps over the lazy dog.\nIt's a test.\n" |
    "$top/build/crtok" -L 16 > "$good"

# Reseals a record (or a stream header) after a deliberate edit of its header, so that
# the damage under test is the first thing a reader meets.
cat > "$tmp/reseal.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
static unsigned long long le(const unsigned char *p, int n)
{
    unsigned long long v = 0;
    while (n--) v = v << 8 | p[n];
    return v;
}
int main(int argc, char **argv)
{
    static unsigned char b[1 << 20];
    FILE *f = fopen(argv[1], "r+b");
    size_t n = fread(b, 1, sizeof b, f), o = strtoul(argv[2], 0, 10), body;
    body = strcmp(argv[3], "hdr") == 0 ? 12 + le(b + o + 8, 4) : 16 + le(b + o, 4);
    unsigned long long h = XXH3_64bits(b + o, body);
    for (int i = 0; i < 8; i++) b[o + body + i] = (unsigned char)(h >> 8 * i);
    rewind(f);
    fwrite(b, 1, n, f);
    return fclose(f) != 0;
}
C
xxh=$(pkg-config --cflags --libs libxxhash 2>/dev/null || echo -lxxhash)
cc -o "$tmp/reseal" "$tmp/reseal.c" $xxh

u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
u32() { echo $(( $(u8 "$1" "$2") | $(u8 "$1" $(($2 + 1))) << 8 |
                 $(u8 "$1" $(($2 + 2))) << 16 | $(u8 "$1" $(($2 + 3))) << 24 )); }
# put FILE OFFSET BYTES...: overwrites bytes (decimal values) at OFFSET
put() {
    f=$1 o=$2
    shift 2
    for v; do
        printf "\\$(printf %03o "$v")" | dd of="$f" bs=1 seek="$o" conv=notrunc 2>/dev/null
        o=$((o + 1))
    done
}
flip() { put "$1" "$2" $(( $(u8 "$1" "$2") ^ $3 )); }
size() { wc -c < "$1" | tr -d ' '; }
# case NAME MESSAGE: the file NAME.crs is in $tmp/NAME; records the expectation
case_() {
    cp "$tmp/$1" "$here/$1.crs"
    printf 'crdump: tests/golden/bad/%s.crs: %s\n' "$1" "$2" > "$here/$1.err"
}

# where each record starts
r0=$((12 + $(u32 "$good" 8) + 8))
r1=$((r0 + 16 + $(u32 "$good" $r0) + 8))
r2=$((r1 + 16 + $(u32 "$good" $r1) + 8))
r3=$((r2 + 16 + $(u32 "$good" $r2) + 8))
r4=$((r3 + 16 + $(u32 "$good" $r3) + 8))
n=$(size "$good")
len1=$(u32 "$good" $r1)
[ $((r4 + 24)) -eq "$n" ] || { echo "mkbad: unexpected layout of the good stream" >&2; exit 1; }

# truncated: cut 100 bytes into the payload of record 1 (a block)
head -c $((r1 + 16 + 100)) "$good" > "$tmp/truncated"
case_ truncated "record 1 at byte $r1: cut short (payload of $len1 bytes)"

# payload_flip: one bit of a token id in record 1 flipped
cp "$good" "$tmp/payload_flip"; flip "$tmp/payload_flip" $((r1 + 16 + 50)) 1
case_ payload_flip "record 1 at byte $r1: checksum mismatch"

# header_flip: one bit of a metadata key in the stream header flipped
cp "$good" "$tmp/header_flip"; flip "$tmp/header_flip" 20 32
case_ header_flip "stream header at byte 0: checksum mismatch"

# rechdr_flip: the record type in the header of record 2 changed (2 -> 3)
cp "$good" "$tmp/rechdr_flip"; flip "$tmp/rechdr_flip" $((r2 + 4)) 1
case_ rechdr_flip "record 2 at byte $r2: checksum mismatch"

# text: plain text where a stream was expected
printf 'Once upon a time there was a token stream.\n' > "$tmp/text"
case_ text "not a cr stream (starts with 'Once' - looks like text; run crtok first?)"

# magic: first byte of the magic number zeroed
cp "$good" "$tmp/magic"; put "$tmp/magic" 0 0
case_ magic "not a cr stream (starts with bytes '.CRS')"

# version: format version 2 (the version is checked before the header checksum)
cp "$good" "$tmp/version"; put "$tmp/version" 4 2 0
case_ version "stream format version 2, this build reads version 1"

# metalen: metadata length of 2 MiB, beyond the limit
cp "$good" "$tmp/metalen"; put "$tmp/metalen" 8 0 0 32 0
case_ metalen "stream header at byte 0: metadata length 2097152 exceeds 1048576"

# noend: the end record (last 24 bytes) dropped
head -c $((n - 24)) "$good" > "$tmp/noend"
case_ noend "stream ended after 4 records without an end record (did the producer fail?)"

# length: length field of record 1 set to 0xfffffff0 (crdump's limit is 1 GiB)
cp "$good" "$tmp/length"; put "$tmp/length" $r1 240 255 255 255
case_ length "record 1 at byte $r1: length 4294967280 exceeds 1073741824"

# seqgap: record 1 cut out, so record 2 comes where 1 should
{ head -c $r1 "$good"; tail -c +$((r2 + 1)) "$good"; } > "$tmp/seqgap"
case_ seqgap "record 1 at byte $r1: sequence number 2 (records lost or reordered?)"

# flags: flags of record 1 set to 1, checksum recomputed
cp "$good" "$tmp/flags"; put "$tmp/flags" $((r1 + 6)) 1; "$tmp/reseal" "$tmp/flags" $r1 rec
case_ flags "record 1 at byte $r1: unknown flags 0x1"

# endpayload: the end record carries 4 bytes (seq 4, checksum recomputed)
{
    head -c $r4 "$good"
    printf '\004\000\000\000\377\377\000\000'  # len 4, type 0xffff, flags 0
    printf '\004\000\000\000\000\000\000\000'  # seq 4
    printf 'abcd12345678'                      # payload, then the checksum's 8 bytes
} > "$tmp/endpayload"
"$tmp/reseal" "$tmp/endpayload" $r4 rec
case_ endpayload "end record at byte $r4 has a payload"

# trailing: a newline after the end record, as an editor or `echo >>` might add
{ cat "$good"; printf '\n'; } > "$tmp/trailing"
t="after the end record: not a cr stream (starts with '.' - looks like text;"
case_ trailing "$t run crtok first?)"

# concat_cut: a second stream whose header stops after 20 bytes
{ cat "$good"; head -c 20 "$good"; } > "$tmp/concat_cut"
case_ concat_cut "stream header at byte $n is cut short"

# concat_kind: a second stream of kind 2 (latent) after a token stream
cp "$good" "$tmp/latent"; put "$tmp/latent" 6 2 0; "$tmp/reseal" "$tmp/latent" 0 hdr
cat "$good" "$tmp/latent" > "$tmp/concat_kind"
case_ concat_kind "concatenated stream at byte $n is a latent stream"

# check what crdump says now against the expectations
bad=0
for s in "$here"/*.crs; do
    got=$("$top/build/crdump" "$s" 2>&1 >/dev/null | head -n 1 | sed "s|$top/||")
    want=$(cat "${s%.crs}.err")
    if [ "$got" != "$want" ]; then
        echo "mkbad: $(basename "$s"): crdump says '$got'" >&2
        bad=1
    fi
done
echo "mkbad: $(ls "$here"/*.crs | wc -l) streams"
exit $bad
