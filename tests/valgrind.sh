#!/bin/sh
# The pipeline tests under valgrind (memcheck): tests/valgrind/*.sh run in a scratch
# directory with every cr program behind a wrapper that starts it under valgrind, one log
# per process; the run fails if a case's output differs from its .stdout or any log
# reports an error (invalid read or write, use of uninitialised values, a definite leak,
# a bad free). make valgrind; CI runs it (.ci/run).
#   sh tests/valgrind.sh [CASE.sh...]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/${CR_BUILD:-build}
command -v valgrind > /dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 2; }
[ $# -gt 0 ] || set -- "$top"/tests/valgrind/*.sh
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
mkdir "$w/bin" "$w/log"
for p in crtok crdump crmodel crenc crdec crscore crtrain crroute crtag crlatent; do
    # (the programs re-execute themselves to set OpenMP's waiting; under valgrind that
    # would start valgrind's own tool binary: set it here instead)
    printf '#!/bin/sh\nOMP_WAIT_POLICY=passive CR_REEXEC=1 exec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --log-file=%s/log/%s.%%p "%s/%s" "$@"\n' \
        "$w" "$p" "$B" "$p" > "$w/bin/$p"
    chmod +x "$w/bin/$p"
done
export PATH="$w/bin:$PATH" CR_SHARE="$top/share" OPENBLAS_NUM_THREADS=1 LC_ALL=C st=0
for c in "$@"; do
    rm -rf "$w/run" && mkdir "$w/run" && (cd "$w/run" && TOP=$top sh "$c") > "$w/out" 2>&1
    if cmp -s "$w/out" "${c%.sh}.stdout"; then echo "ok: ${c##*/}"
    else st=1; echo "FAIL: ${c##*/}: output differs"; diff "${c%.sh}.stdout" "$w/out" | head -n 20; fi
done
n=$(ls "$w/log" | wc -l) bad=0
for f in "$w"/log/*; do
    [ -s "$f" ] || continue
    bad=$((bad + 1)); echo "valgrind: ${f##*/}:"; head -n 30 "$f"
done
echo "valgrind: $n processes, $bad with errors"
[ "$st" -eq 0 ] && [ "$bad" -eq 0 ]
