#!/bin/sh
# The learning curves of the shipped experts against tokens seen, every stage of each
# joined end to end (issue 10: where an expert does not reach its target, the curve):
#   sh bench/curves.sh [OUTDIR]          (default bench/out)
# Reads the crtrain --log files kept in share/recipes (crtrain(1), LEARNING RECIPE):
#   python   run H 1500 steps, then J 2200, then K 800   python-H-1500, -H2-2200, -K-800
#   english  run H 1500, then J 1500, then K 500         english-H-1500, -H2-1500, -K-500
#   c        run H 1500, then J 1500, then K 500         c-H-1500, -H2-1500, -K-500
# and prints, for every validation of every stage, a line: expert stage step tokens (seen
# since the expert's first step) val_tra val_ce_bits latent_gain_bits; writes
# OUTDIR/curves.tsv and OUTDIR/curves.png (gnuplot; Debian's gnuplot-nox): held-out TRA
# and latent gain against millions of tokens. Validation is crtrain's: the first 32
# blocks of the held-out stream.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
r=$top/share/recipes
out=${1:-$top/bench/out}
mkdir -p "$out"
stages() {
    case $1 in
        python) echo "H:python-H-1500.tsv J:python-H2-2200.tsv K:python-K-800.tsv" ;;
        english) echo "H:english-H-1500.tsv J:english-H2-1500.tsv K:english-K-500.tsv" ;;
        c) echo "H:c-H-1500.tsv J:c-H2-1500.tsv K:c-K-500.tsv" ;;
    esac
}
{
    printf 'expert\tstage\tstep\ttokens\tval_tra\tval_ce_bits\tlatent_gain_bits\n'
    for e in python english c; do
        base=0
        for s in $(stages $e); do
            f=$r/${s#*:}
            [ -s "$f" ] || { echo "curves: $f is missing" >&2; exit 1; }
            # columns of crtrain --log: step tokens lr loss tra gnorm val_ce val_tra
            # val_majority gain seconds
            awk -F'\t' -v e=$e -v st="${s%%:*}" -v base=$base 'NR > 1 && $8 != "nan" {
                printf "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", e, st, $1, base + $2, $8, $7, $10 }' "$f"
            base=$((base + $(tail -n 1 "$f" | cut -f 2)))
        done
    done
} > "$out/curves.tsv"
cat "$out/curves.tsv"
if ! command -v gnuplot > /dev/null; then
    echo "curves: gnuplot not found (apt-get install gnuplot-nox): no picture" >&2
    exit 1
fi
for e in python english c; do
    awk -F'\t' -v e=$e '$1 == e { print $4 / 1e6, $5, $7 }' "$out/curves.tsv" > "$out/curves-$e.dat"
done
gnuplot <<EOF
set terminal pngcairo size 1200,480 font "DejaVu Sans,11"
set output "$out/curves.png"
set multiplot layout 1,2 title "shipped experts: held-out validation against tokens seen (share/recipes/*.tsv)"
set xlabel "tokens seen (millions; every stage)"
set key bottom right
set grid
set ylabel "held-out TRA"
set yrange [0:1]
plot "$out/curves-python.dat" using 1:2 with linespoints title "python (H, J, K)", \
     "$out/curves-english.dat" using 1:2 with linespoints title "english (H, J, K)", \
     "$out/curves-c.dat" using 1:2 with linespoints title "c (H, J, K)", \
     0.90 with lines dashtype 2 title "python target 0.90"
set ylabel "latent gain (bits/token)"
set yrange [0:*]
plot "$out/curves-python.dat" using 1:3 with linespoints title "python", \
     "$out/curves-english.dat" using 1:3 with linespoints title "english", \
     "$out/curves-c.dat" using 1:3 with linespoints title "c"
unset multiplot
EOF
rm -f "$out"/curves-*.dat
echo "# picture: $out/curves.png"
