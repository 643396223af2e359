#!/bin/sh
# Runs each libFuzzer target named (build-fuzz/fuzz/NAME, made by make fuzz) for
# FUZZ_SECONDS on its seeds in fuzz/corpus/NAME and the inputs it once failed on in
# fuzz/regress/NAME, at the lowest priority. What a run adds to
# the corpus goes to build-fuzz/corpus/NAME, a crashing input to build-fuzz/crash/, the log
# to build-fuzz/NAME.log. The exit status is 1 when any target found something.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
F=$top/build-fuzz
secs=${FUZZ_SECONDS:-60}
export CR_SHARE=$top/share OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
mkdir -p "$F/crash"
for t in "$@"; do
    mkdir -p "$F/corpus/$t"
    regress=
    [ -d "$top/fuzz/regress/$t" ] && regress=$top/fuzz/regress/$t
    before=$(ls "$F/crash" | wc -l) start=$(date +%s)
    nice -n 19 "$F/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -dict="$top/fuzz/cr.dict" -artifact_prefix="$F/crash/$t-" -print_final_stats=1 \
        "$F/corpus/$t" "$top/fuzz/corpus/$t" $regress > "$F/$t.log" 2>&1
    st=$? took=$(( $(date +%s) - start ))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$F/$t.log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$F/$t.log" | tail -n 1)
    found=$(( $(ls "$F/crash" | wc -l) - before ))
    echo "$t: ${took}s, ${runs:-?} runs, ${cov:-cov: ?}, status $st, $found new in build-fuzz/crash"
    if [ "$st" -ne 0 ] || [ "$found" -ne 0 ]; then
        status=1
        grep -m 3 -E 'ERROR|SUMMARY|broken:|runtime error' "$F/$t.log" | sed 's/^/  /'
    fi
done
exit $status
