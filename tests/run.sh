#!/bin/sh
# Runs the whole suite: unit programs, golden files, CLI cases and pipelines.
# The last line is "N passed, N failed"; the exit status is 1 on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/${CR_BUILD:-build}
export PATH="$B:$PATH" CR_SHARE="$top/share" OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
export LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# unit programs print "name: N passed, M failed"
for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$(cd "$top" && "$t" 2>&1); st=$?
    line=$(printf '%s\n' "$out" | tail -n 1)
    p=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    f=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    if [ -z "$p" ]; then
        bad "$(basename "$t") ended without a summary (status $st)"; printf '%s\n' "$out" | tail -n 5
        continue
    fi
    pass=$((pass + p)); fail=$((fail + f))
    [ "$st" -eq 0 ] && [ "$f" -eq 0 ] || { printf '%s\n' "$out" | tail -n 20; [ "$f" -gt 0 ] || bad "$(basename "$t") exited $st"; }
done

# tokenizer conformance: ids made by tiktoken (tests/golden/tok/gen.sh)
for txt in "$top"/tests/golden/tok/*.txt; do
    ids=${txt%.txt}.ids
    [ -f "$ids" ] || continue
    name=$(basename "$txt" .txt)
    crtok -L 65536 < "$txt" | crdump | awk -F'\t' '$1 == "" {print $2}' > "$tmp/ids"
    if cmp -s "$tmp/ids" "$ids"; then ok; else bad "tok/$name: ids differ from tiktoken's"; fi
    # reading in tiny pieces gives the same ids (the pipe delivers whatever dd writes)
    dd if="$txt" bs=7 2>/dev/null | crtok -L 65536 | crdump | awk -F'\t' '$1 == "" {print $2}' > "$tmp/ids7"
    if cmp -s "$tmp/ids7" "$ids"; then ok; else bad "tok/$name: ids depend on read sizes"; fi
    crtok -L 64 -S 16 < "$txt" | crtok -d > "$tmp/back"
    if cmp -s "$tmp/back" "$txt"; then ok; else bad "tok/$name: crtok -L 64 -S 16 | crtok -d is not the input"; fi
done

# streams that must read, and damaged ones that must fail with a given first line
for s in "$top"/tests/golden/good/*.crs; do
    [ -f "$s" ] || continue
    if crdump "$s" > /dev/null 2> "$tmp/err"; then ok; else bad "good/$(basename "$s"): $(head -n 1 "$tmp/err")"; fi
done
for s in "$top"/tests/golden/bad/*.crs; do
    [ -f "$s" ] || continue
    name=$(basename "$s" .crs)
    crdump "$s" > /dev/null 2> "$tmp/err"; st=$?
    want=$(head -n 1 "${s%.crs}.err")
    got=$(head -n 1 "$tmp/err" | sed "s|$top/||")
    if [ "$st" -eq 1 ] && [ "$got" = "$want" ]; then ok
    else bad "bad/$name: status $st, message '$got', wanted '$want'"; fi
done

# CLI cases: NAME.sh runs in a scratch directory; NAME.exit / .stdout / .stderr hold
# what it must give (any of them may be absent)
for sh in "$top"/tests/cli/*.sh "$top"/tests/pipeline/*.sh; do
    [ -f "$sh" ] || continue
    base=${sh%.sh}; name=$(basename "$(dirname "$sh")")/$(basename "$base")
    mkdir -p "$tmp/run" && rm -rf "$tmp/run"/* && cd "$tmp/run" || exit 1
    TOP=$top sh "$sh" > "$tmp/out" 2> "$tmp/err" < /dev/null; st=$?
    cd "$top" || exit 1
    want=0; [ -f "$base.exit" ] && want=$(cat "$base.exit")
    if [ "$st" -ne "$want" ]; then bad "$name: exit $st, wanted $want"; sed 's/^/  /' "$tmp/err" | head -n 5; continue; fi
    if [ -f "$base.stdout" ] && ! cmp -s "$tmp/out" "$base.stdout"; then bad "$name: stdout differs"; diff "$base.stdout" "$tmp/out" | head -n 10; continue; fi
    if [ -f "$base.stderr" ] && ! cmp -s "$tmp/err" "$base.stderr"; then bad "$name: stderr differs"; diff "$base.stderr" "$tmp/err" | head -n 10; continue; fi
    ok
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
