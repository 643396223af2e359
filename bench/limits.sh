#!/bin/sh
# Limits (the hardening issue): a very long stream and a million tiny documents go
# through the readers in bounded memory. Prints, for each reader, its peak resident
# memory (GNU time's %M) and time at a small and a large size: bounded means that the
# two peaks are alike.
#   sh bench/limits.sh     (CR_LIMIT_MB, default 10000: the long streams' size;
#                           CR_LIMIT_DOCS, default 1000000: the number of tiny documents)
# The long streams are one token stream and one reconstruction stream per tiny model,
# each of about 1 MB of C text, concatenated with themselves (cr-stream(5): a
# concatenation is a valid input) and piped into crdump -q, crtok -d, crscore -s and
# crroute. The tiny documents are one 3-token file named CR_LIMIT_DOCS times in a list
# (crtok -T, blocks of 64): crtok, crdump and crtok -d take all of them, the model pipeline (crenc |
# crdec | crscore -d, crroute -s) a tenth.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$top/build:$PATH" CR_SHARE="$top/share" LC_ALL=C
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
mb=${CR_LIMIT_MB:-10000} docs=${CR_LIMIT_DOCS:-1000000}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w"
# measure LABEL SIZE COMMAND: a line "label size peak_kB seconds"
measure() {
    if /usr/bin/time -f '%M %e' -o t sh -c "$3" > /dev/null 2> err; then
        # shellcheck disable=SC2046,SC2183 # t holds two words, peak_kB and seconds
        printf '%s\t%s\t%s\t%s\n' "$1" "$2" $(cat t)
    else
        printf '%s\t%s\tfailed: %s\n' "$1" "$2" "$(grep -v '^Command' err | head -n 1)"
    fi
}
# rep N FILE: FILE N times on stdout
cat > rep <<'X'
i=0; while [ $i -lt $1 ]; do cat "$2"; i=$((i + 1)); done
X
echo "# bench/limits.sh $(date -u +%Y-%m-%dT%H:%MZ), $(uname -m), $(nproc) cores"
printf 'reader\tinput\tpeak_kB\tseconds\n'
# shellcheck disable=SC2034 # i only counts the copies
for i in 1 2 3 4 5 6 7 8; do cat "$top"/core/*.c; done | head -c 1000000 > text.txt
crtok -L 64 text.txt > t.tok
crmodel new -p tiny -s block=64 -s latents=2 -n one -o one.crm 2> /dev/null
crmodel new -p tiny -s block=64 -s latents=2 -n two --seed 2 -o two.crm 2> /dev/null
crenc -m one.crm t.tok | crdec -m one.crm > one.rec
crenc -m two.crm t.tok | crdec -m two.crm > two.rec
for f in t.tok one.rec; do
    kb=$(($(wc -c < $f) / 1000))
    for n in $((100000 / kb)) $((mb * 1000 / kb)); do
        size="$((n * kb / 1000)) MB"
        if [ $f = t.tok ]; then
            measure "crdump -q" "$size tokens" "sh rep $n t.tok | crdump -q"
            measure "crtok -d" "$size tokens" "sh rep $n t.tok | crtok -d"
        else
            measure "crscore -s" "$size recon" "sh rep $n one.rec | crscore -s"
            rm -f fa fb && mkfifo fa fb
            measure "crroute" "2 x $size recon" "sh rep $n one.rec > fa & sh rep $n two.rec > fb & crroute -c ce fa fb"
        fi
    done
done
printf 'tiny file\n' > d.txt
for n in $((docs / 100)) $docs; do
    yes d.txt | head -n $n > list
    measure "crtok -T" "$n docs" "crtok -L 64 -T list"
    crtok -L 64 -T list > d.tok
    measure "crdump -q" "$n docs" "crdump -q d.tok"
    measure "crtok -d" "$n docs" "crtok -d d.tok"
    m=$((n / 10))
    yes d.txt | head -n $m > list10 && crtok -L 64 -T list10 > d10.tok
    measure "crenc|crdec|crscore -d" "$m docs" \
        "crenc -m one.crm d10.tok | crdec -m one.crm | tee d10.rec | crscore -d"
    crenc -m two.crm d10.tok | crdec -m two.crm > d10b.rec
    measure "crroute -s" "$m docs" "crroute -c ce -s d10.rec d10b.rec"
done
