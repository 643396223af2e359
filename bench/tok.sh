#!/bin/sh
# Tokenizer benchmark: crtok against tiktoken's native Rust core on the same mixed
# corpus (code, English prose, Japanese, Chinese, Russian), same run, identical ids.
# Prints both throughputs and the ratio; `make bench-tok` runs it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/${CR_BUILD:-build}
dir=${CR_BENCH_DIR:-/tmp/cr-bench}
corpus=$dir/corpus.txt
mkdir -p "$dir"
[ -s "$corpus" ] || sh "$top/bench/tok/corpus.sh" "$corpus" >&2
bytes=$(wc -c < "$corpus")

peer=$(sh "$top/bench/tok/peer.sh" "$corpus" "$dir/tiktoken.ids" 2>&1 | grep -E "^tiktoken" | tail -n 1)
peer_s=$(printf '%s\n' "$peer" | cut -f3 | tr -d ' s')

# crtok: best of 3 whole runs (read, tokenize, write records), one thread
best=
for i in 1 2 3; do
    s=$( { /usr/bin/env time -f %e "$B/crtok" -L 65536 -f "$corpus" > "$dir/crtok.tok"; } 2>&1 )
    best=$(echo "$s $best" | awk '{m=$1; for(i=2;i<=NF;i++) if($i<m) m=$i; print m}')
done
"$B/crdump" "$dir/crtok.tok" | awk -F'\t' '$1 == "" {print $2}' > "$dir/crtok.ids"
if cmp -s "$dir/crtok.ids" "$dir/tiktoken.ids"; then same=identical; else same=DIFFERENT; fi
# instructions per byte, a figure that does not depend on machine load
ipb=
if command -v valgrind >/dev/null 2>&1 && [ "${CR_BENCH_CALLGRIND:-1}" = 1 ]; then
    head -c 4000000 "$corpus" > "$dir/head.txt"
    ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$B/crtok" -L 65536 -f \
        "$dir/head.txt" 2>&1 >/dev/null | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p')
    [ -n "$ir" ] && ipb=$(echo "$ir" | awk '{printf "%.0f", $1 / 4000000}')
fi
awk -v b="$bytes" -v p="$peer_s" -v c="$best" -v same="$same" -v ipb="$ipb" -v peer="$peer" 'BEGIN {
    printf "tokenizer benchmark: %d bytes of mixed text (bench/tok/corpus.sh)\n", b
    printf "  %-18s %8.3f s  %7.2f MB/s\n", "tiktoken (native)", p, b / p / 1e6
    printf "  %-18s %8.3f s  %7.2f MB/s%s\n", "crtok", c, b / c / 1e6,
        ipb != "" ? sprintf("  (%d instructions/byte under callgrind)", ipb) : ""
    printf "  speed-up %.2fx, ids %s\n", p / c, same
}'

# no quadratic worst case: 1 MiB of letters without a pre-token break
head -c 1048576 /dev/zero | tr '\0' 'a' > "$dir/a1m.txt"
awk 'BEGIN { srand(7); for (i = 0; i < 1048576; i++) printf "%c", 97 + int(rand() * 26) }' \
    > "$dir/r1m.txt"
for f in a1m r1m; do
    t=$( { /usr/bin/env time -f %e "$B/crtok" -L 65536 -f "$dir/$f.txt" > /dev/null; } 2>&1 )
    echo "  1 MiB piece without a break ($f: $( [ $f = a1m ] && echo 'one letter' || echo 'random letters')): $t s   crtok $dir/$f.txt"
done
# memory that does not grow with the input: max RSS on growing inputs
line() { head -c "$1" /dev/zero | tr '\0' 'x'; }
for mb in 10 100; do
    rss=$( { line $((mb * 1048576)) | /usr/bin/env time -f %M "$B/crtok" > /dev/null; } 2>&1 )
    echo "  max RSS on a ${mb} MB line without spaces: $((rss / 1024)) MB   line | crtok"
done
for n in 1 4; do
    rss=$( { i=0; while [ $i -lt $n ]; do cat "$corpus"; i=$((i + 1)); done |
             /usr/bin/env time -f %M "$B/crtok" > /dev/null; } 2>&1 )
    echo "  max RSS on $((n * bytes / 1048576)) MB of the corpus: $((rss / 1024)) MB   cat corpus x$n | crtok"
done
[ "$same" = identical ]
