#!/bin/sh
# crtag's throughput with the shipped experts (MB/s, tokens/s), beside what the same
# work costs as pipelines (crtok -L 512 -S 256 | crenc | crdec, once per expert, then
# crroute -s) and beside the zstd dictionary router of bench/route.sh (bench/zcost),
# on the same files, in one run on one machine; and the cost of a second, incremental
# run with --state over the same tree with one file changed.
#   sh bench/tag.sh          CR_TAG_FILES: a list of files (default: this tree's
#                            sources, man pages and samples, about 600 KB)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/build
w=${CR_BENCH_DIR:-/tmp/cr-bench}/tag
D=${CR_DATA:-/tmp/cr-data}
mkdir -p "$w"
export PATH="$B:$PATH" CR_SHARE=$top/share
make -s -C "$top" all >&2
if [ -n "${CR_TAG_FILES:-}" ]; then
    cp "$CR_TAG_FILES" "$w/files"
else
    # shellcheck disable=SC2010 # the repository's own files, sorted by ls as one list
    (cd "$top" && ls core/*.[ch] cmd/*.c tok/*.c man/*.[157] share/samples/*.* |
        grep -v '\.bin$' | sed "s|^|$top/|") > "$w/files"
fi
rm -rf "$w/tree" && mkdir -p "$w/tree"
n=0
while IFS= read -r f; do n=$((n + 1)); cp "$f" "$w/tree/$n-${f##*/}"; done < "$w/files"
bytes=$(cat "$w"/tree/* | wc -c)
experts=$(for m in "$top"/share/models/*.crm; do basename "$m" .crm; done)
ls "$w"/tree/* > "$w/list"
tokens=$(crtok -T "$w/list" -L 65536 | crdump -q | awk '$1 == "docend" { t += $5 } END { print t }')
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v b="$bytes" -v t="$tokens" -v s="$1" 'BEGIN { printf "%7.2f s  %6.3f MB/s  %6.0f tokens/s", s, b / s / 1e6, t / s }'; }

# its peak memory too, where GNU time is at hand (Debian's time)
gtime=; [ -x /usr/bin/time ] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null && gtime=/usr/bin/time
t0=$(now)
if [ -n "$gtime" ]; then $gtime -f %M -o "$w/mem" crtag "$w/tree" > "$w/tags" 2>/dev/null || true
else crtag "$w/tree" > "$w/tags" 2>/dev/null || true; fi
tag=$(since "$t0")
t0=$(now)
crtok -L 512 -S 256 -T "$w/list" > "$w/in.tok"
recs=
for e in $experts; do
    crenc -m "$e" "$w/in.tok" | crdec -m "$e" > "$w/in.$e.rec"
    recs="$recs $w/in.$e.rec"
done
# shellcheck disable=SC2086
crroute -s $recs > "$w/spans"
pipe=$(since "$t0")
echo "== crtag: $(wc -l < "$w/list") files, $bytes bytes, $tokens tokens, experts:" $experts
printf '%-44s %s%s\n' "crtag TREE" "$(rate "$tag")" \
    "$([ -n "$gtime" ] && awk 'END { printf "   peak %d MB", $1 / 1024 }' "$w/mem")"
printf '%-44s %s\n' "crtok -S 256 | crenc | crdec (each) + crroute" "$(rate "$pipe")"
if [ -x "$B/bench/zcost" ] && [ -d "$D/route-bench" ]; then
    t0=$(now)
    crtok -L 512 -S 256 -T "$w/list" > "$w/z.tok"
    zr=
    for e in $experts; do
        [ -s "$D/route-bench/$e.zdict" ] || continue
        "$B/bench/zcost" -d "$D/route-bench/$e.zdict" -n "$e" -c "$D/route-bench/$e.zcal" "$w/z.tok" > "$w/z.$e.rec"
        zr="$zr $w/z.$e.rec"
    done
    # shellcheck disable=SC2086
    [ -n "$zr" ] && crroute -s $zr > "$w/zspans"
    printf '%-44s %s\n' "zstd dictionaries (bench/zcost) + crroute" "$(rate "$(since "$t0")")"
else
    echo "(zstd router: run sh bench/route.sh first, for its dictionaries)"
fi
echo "(one run each on this machine; crtag -S 256 is the same work as the pipelines)"

# a nightly run: the same tree with one file changed
crtag --state "$w/state" "$w/tree" > /dev/null 2>&1 || true
echo "# changed" >> "$(head -n 1 "$w/list")"
t0=$(now); crtag -v --state "$w/state" --changed "$w/tree" > /dev/null 2> "$w/err" || true
printf '%-44s %7.2f s   %s\n' "crtag --state, one file changed" "$(since "$t0")" \
    "$(tail -n 1 "$w/err" | sed 's/^crtag: //')"
