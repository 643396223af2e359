#!/bin/sh
# The shipped file of an expert that share/recipes/expert.sh trained: bf16 (crmodel
# convert --bf16, half the size, under 32 MB), with its data and recipe named in its
# metadata, calibrated again on the same held-out files as expert.sh did (the calibration
# must be of the weights that ship), written to share/models/NAME.crm:
#   sh share/recipes/ship.sh NAME [WORKDIR] [RECIPE-NOTE]
# RECIPE-NOTE is added to the recipe line (say, where a run was stopped). A model with the
# adaptive head also sheds the embeddings of the tokens its training data never had
# (crmodel convert --asm-in R, R = its train.vocab_seen, or CR_ASM_IN for a model trained
# before crtrain wrote that key; the tokens it saw keep theirs exactly). Where expert.sh
# ran a second stage (WORKDIR/NAME-2.crm), that model ships; where it ran a third
# (WORKDIR/NAME-3.crm: python and english after the second, c after the first), that one.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
name=${1:?usage: ship.sh NAME [WORKDIR] [RECIPE-NOTE]}
w=${2:-/tmp/cr-data} note=${3:-}
case $name in python) p=py ;; english) p=en ;; c) p=c ;;
    *) echo "ship.sh: $name: no such expert (python, english, c)" >&2; exit 2 ;; esac
b=$top/build
# the data: the data script's first comment line and the manifest's training tokens
what=$(sed -n '2,6s/^# //p' "$top/share/data/$name.sh" | tr '\n' ' ' | sed 's/\. .*//; s/:$//')
pkgs=$(awk -F'\t' 'NR > 1 { print $2 "=" $3 }' "$w/$name.manifest.tsv" | sort -u | paste -sd, -)
toks=$(awk -F'\t' '$6 == "train" { t += $7 } END { printf "%.2fM", t / 1e6 }' "$w/$name.manifest.tsv")
steps=$("$b/crmodel" info "$w/$name.crm" | awk -F'\t' '$2 == "train.steps" { print $3 }')
# run H is F with the adaptive head (crtrain(1), LEARNING RECIPE)
run="run F" asm_in='' m=$w/$name.crm
head=$("$b/crmodel" info "$m" | grep '^adaptive' || true)
if [ -s "$w/$name-2.crm" ]; then
    m=$w/$name-2.crm
    more=$("$b/crmodel" info "$m" | awk -F'\t' '$2 == "train.steps" { print $3 }')
    r=$("$b/crmodel" info "$m" | sed -n 's/.*adaptive input \([0-9]*\) rows.*/\1/p')
    head=second
    run="run H (F with the adaptive head)"
    note="${note:+$note; }then converted to adaptive input of the $r tokens its data had (crmodel convert --asm-in $r) and trained $more steps more from there (crtrain -m, --lr 1e-3, --seed 2, no curriculum)"
fi
if [ -s "$w/$name-3.crm" ]; then # the third stage (expert.sh CR_SHORT)
    case $head in second | "") ;; # the adaptive head converts in stage 2
        *) echo "ship.sh: $name: $w/$name-3.crm without $name-2.crm" >&2; exit 2 ;; esac
    m=$w/$name-3.crm
    short=$("$b/crmodel" info "$m" | awk -F'\t' '$2 == "train.steps" { print $3 }')
    note="${note:+$note; }then $short steps more with every third on short windows (crtrain -m, --lr 3e-4, --seed 3, --short-every 3)"
fi
case $head in
second) ;;
*"adaptive input"*) run="run I (H with adaptive input from the start)" ;;
?*)
    run="run H (F with the adaptive head)"
    r=${CR_ASM_IN:-$("$b/crmodel" info "$w/$name.crm" | awk -F'\t' '$2 == "train.vocab_seen" { print $3 }')}
    [ -n "$r" ] || { echo "ship.sh: $name: no train.vocab_seen: give CR_ASM_IN" >&2; exit 2; }
    asm_in="--asm-in $r"
    note="${note:+$note; }embeddings of the $r tokens the data had (crmodel convert --asm-in $r)" ;;
esac
"$b/crmodel" convert --bf16 $asm_in \
    --meta "data=share/data/$name.sh: $what ($pkgs); whole units held out ($name.manifest.tsv): $toks training tokens" \
    --meta "recipe=crtrain(1) LEARNING RECIPE, $run (share/recipes/expert.sh $name), $steps steps${note:+; $note}" \
    -o "$w/$name-bf16.crm" "$m"
"$b/crmodel" calibrate -o "$top/share/models/$name.crm" \
    --data "the odd lines of the held-out file list less the Debian FAQ and Reference pages (share/recipes/expert.sh)" \
    "$w/$name-bf16.crm" "$w/$p-cal-512.tok"
ls -l "$top/share/models/$name.crm"
