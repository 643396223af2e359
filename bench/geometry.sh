#!/bin/sh
# The latent geometry of the shipped experts (the paper's section 3.5), with crlatent(1):
# for each expert, on its own held-out blocks and the other domains' (the held-out sets of
# bench/table1.sh, sampled as there but up to CR_GEOMETRY_BYTES, default 3000000, of text
# a set: a PCA count can say nothing above blocks - 1, so more blocks than Table 1's):
#   pca       principal components of z that explain 50/90/95/99% of the variance,
#             per set and for the expert's text sets together
#   classify  held-out accuracy of a ridge LDA between its own latents and each other
#             set's (trained on even blocks, tested on odd ones)
#   project   a 2-D PCA projection of its own and the other text sets' latents, drawn
#             with the cumulative explained variance of each set as
#             OUTDIR/geometry-EXPERT.png (gnuplot; Debian's gnuplot-nox)
# Prints the TSV on stdout; writes OUTDIR/geometry-EXPERT.{tsv,png} (the points and the
# spectra drawn stay in WORKDIR/plot-EXPERT/).
#
#   sh bench/geometry.sh [OUTDIR [WORKDIR]]   (default bench/out, /tmp/cr-bench/geometry)
#
# Environment as bench/table1.sh (CR_EXPERTS, CR_DATA) and CR_GEOMETRY_BYTES. Where an
# expert has no held-out text of its own it is skipped; where no other expert's text is
# there, the random kinds stand in for the projection. Encoding only (crenc, kept in
# WORKDIR): about 10 minutes an expert on two busy cores, seconds when kept.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build
out=${1:-$top/bench/out}
w=${2:-/tmp/cr-bench/geometry}
bytes=${CR_GEOMETRY_BYTES:-3000000}
export CR_SHARE=$top/share LC_ALL=C
[ -x "$b/crlatent" ] || { echo "geometry: $b/crlatent: not built (run make)" >&2; exit 1; }
plot=1
if ! command -v gnuplot > /dev/null; then
    echo "geometry: gnuplot not found (apt-get install gnuplot-nox): no pictures" >&2
    plot=0
fi
mkdir -p "$out" "$w"

# expert, set, role (own, other, random) and latent stream, one line each
CR_TABLE_BYTES=$bytes sh "$top/bench/table1.sh" -z "$w" > "$w/latents"

status=0
for expert in $(cut -f 1 "$w/latents" | uniq); do
    awk -F'\t' -v e="$expert" '$1 == e' "$w/latents" > "$w/sets.$expert"
    own=$(awk -F'\t' '$3 == "own" { print $4 }' "$w/sets.$expert")
    if [ -z "$own" ]; then
        echo "geometry: $expert: no held-out text of its own (see bench/table1.sh); skipped" >&2
        continue
    fi
    text=$(awk -F'\t' '$3 == "other" { print $4 }' "$w/sets.$expert")
    if [ -z "$text" ]; then
        echo "geometry: $expert: no other expert's held-out text; the random kinds stand in" >&2
        text=$(awk -F'\t' '$3 == "random" { print $4 }' "$w/sets.$expert")
    fi
    d=$w/plot-$expert
    mkdir -p "$d"
    {
        echo "# $expert: principal components (crlatent pca $(basename "$own") ...)"
        printf 'expert\t'; "$b/crlatent" pca --header $own $text | sed "2,\$s/^/$expert\t/"
        echo "# $expert: own latents against each other set (crlatent classify)"
        printf 'expert\ta\tb\ttrain\ttest\taccuracy\tacc_a\tacc_b\tmajority\n'
        awk -F'\t' '$3 != "own" { print $4 }' "$w/sets.$expert" | while read -r set; do
            "$b/crlatent" classify "$own" "$set" | sed "s/^/$expert\t/"
        done
    } > "$out/geometry-$expert.tsv"
    cat "$out/geometry-$expert.tsv"
    # the points, one file a set, and the spectra for the curves
    "$b/crlatent" project $own $text > "$d/project.tsv"
    "$b/crlatent" pca -e $own $text > "$d/spectrum.tsv"
    sets=$(cut -f 1 "$d/project.tsv" | uniq | tr '\n' ' ')
    for s in $sets; do
        awk -F'\t' -v s="$s" '$1 == s { print $2, $3 }' "$d/project.tsv" > "$d/$s.xy"
        awk -F'\t' -v s="$s" '$1 == s { print $2, $5 }' "$d/spectrum.tsv" > "$d/$s.cum"
    done
    [ "$plot" -eq 1 ] || { status=1; continue; }
    k95=$(awk -F'\t' 'NR == 3 { print $8 }' "$out/geometry-$expert.tsv")
    gnuplot <<EOF
set terminal pngcairo size 1200,540 font "DejaVu Sans,11"
set output "$out/geometry-$expert.png"
set multiplot layout 1,2 title "Expert '$expert': held-out latents z (crlatent, bench/geometry.sh)"
set title "2-D PCA projection of z, fitted on all sets shown"
set xlabel "principal component 1"
set ylabel "principal component 2"
set key top right box opaque
set offsets graph 0.03, graph 0.03, graph 0.03, graph 0.03
# the expert's own set (the first) drawn last, on top
plot for [i=words("$sets"):1:-1] "$d/".word("$sets", i).".xy" using 1:2 with points \
    pointtype 7 pointsize 0.6 linecolor i title word("$sets", i)
set title "cumulative share of the variance ($expert text: 95% in $k95 components)"
set xlabel "principal components"
set ylabel "share of the variance of the set"
set logscale x
set yrange [0:1.02]
set key bottom right box opaque
set label "a set of n blocks spans at most n - 1 components" at graph 0.02, graph 0.96 font ",9"
set arrow from graph 0, first 0.95 to graph 1, first 0.95 nohead dashtype 2 lc rgb "gray"
plot for [i=1:words("$sets")] "$d/".word("$sets", i).".cum" using 1:2 with lines \
    linewidth 2 linecolor i title word("$sets", i)
unset multiplot
EOF
    echo "# picture: $out/geometry-$expert.png"
done
exit "$status"
