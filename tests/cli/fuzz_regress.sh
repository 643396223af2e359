# Every input a fuzz target once failed on (fuzz/regress/TARGET/NAME) runs through that
# target again, built without libFuzzer (fuzz/replay.c) against the library under test; a
# target aborts on a broken promise, so each line below says the input now passes.
set -u
B=$(dirname "$(command -v crtok)")
san=
nm "$B/libcr.a" 2>/dev/null | grep -q __asan_init && san=-fsanitize=address,undefined
libs=$(pkg-config --libs openblas libxxhash libutf8proc 2>/dev/null ||
       echo -lopenblas -lxxhash -lutf8proc)
for d in "$TOP"/fuzz/regress/*/; do
    t=$(basename "$d")
    cc -std=c11 -D_GNU_SOURCE $san -o "$t" "$TOP/fuzz/replay.c" "$TOP/fuzz/$t.c" \
        "$B/libcr.a" $libs -lm -fopenmp || exit 1
    for f in "$d"*; do
        "./$t" "$f" > /dev/null 2> err || { cat err >&2; exit 1; }
        echo "$t $(basename "$f"): ok"
    done
done
