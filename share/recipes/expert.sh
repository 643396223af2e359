#!/bin/sh
# Trains one shipped expert with the recipes of crtrain(1), LEARNING RECIPE (runs F, H, J), from
# nothing but its data script, calibrates it on its held-out text for crroute(1), and
# scores it on every domain:
#   sh share/recipes/expert.sh NAME [WORKDIR [STEPS]]   (NAME python, english or c;
#                   default /tmp/cr-data and the steps of the shipped expert: below)
# CR_SET: config settings for a new run, as crtrain -s (for example "asm=2 asm_short=2048"
# for the adaptive head; see the per-expert defaults below).
# CR_MORE: steps of a second stage (python 2200, english 1500, c 1500). The first stage's
# model is made one of adaptive input (crmodel convert --asm-in, the R tokens its data
# had: train.vocab_seen, or CR_ASM_IN for a model trained before crtrain wrote that key)
# and trained on from there (crtrain -m) on a new cosine at --lr 1e-3, with a new
# data order (--seed 2), no curriculum: WORKDIR/NAME-2.{crm,ckpt,tsv}. That model is
# the one calibrated, scored and shipped unless there is a third stage.
# CR_SHORT: steps of a third stage (python 800, english 500, c 500): the model so far
# trained on at --lr 3e-4 (--seed 3) with every third step on short windows (crtrain
# --short-every 3), so that it rebuilds a file's last block and a small file as well as
# full blocks (crroute compares experts on them): WORKDIR/NAME-3.{crm,ckpt,tsv}, the
# model then calibrated, scored and shipped (ship.sh takes the last stage there is).
# (c's first expert, run F with the full head and no later stage, and a third stage after
# it, c-K-450.tsv, are in share/recipes/README.)
# Data: share/data/NAME.sh (sources, versions and held-out units in its header and in
# WORKDIR/NAME.manifest.tsv). On two cores: python about two and a half hours (three
# stages), english about three hours, c about forty minutes (bf16 products). Writes
# WORKDIR/NAME.crm (fp32, calibrated), its checkpoint WORKDIR/NAME.ckpt (run the same
# command again after a stop to resume from it) and the curve WORKDIR/NAME.tsv. The
# shipped file is its bf16 copy: crmodel convert --bf16 (see make models). Uses this
# tree's build/; run from anywhere.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
name=${1:?usage: expert.sh NAME [WORKDIR [STEPS]]}
w=${2:-/tmp/cr-data}
# the head of each expert, the adaptive one (run H: the shortlist tied to the token
# embeddings), and the steps of what shipped
case $name in
    python) p=py set="asm=2 asm_short=2048" steps=1500 more=2200 short=800 ;;
    english) p=en set="asm=2 asm_short=2048" steps=1500 more=1500 short=500 ;;
    c) p=c set="asm=2 asm_short=2048" steps=1500 more=1500 short=500 ;;
    *) echo "expert.sh: $name: no such expert (python, english, c)" >&2; exit 2 ;;
esac
steps=${3:-$steps}
b=$top/build
[ -x "$b/crtrain" ] || make -C "$top" >&2
[ -s "$w/$p-train-512.tok" ] || CRTOK=$b/crtok sh "$top/share/data/$name.sh" "$w" 512
if [ -s "$w/$name.ckpt" ]; then
    set -- --resume "$w/$name.ckpt"
else
    set -- -p cpu
    for kv in ${CR_SET-$set}; do set -- "$@" -s "$kv"; done
fi
"$b/crtrain" "$@" -o "$w/$name.crm" -c "$w/$name.ckpt" --ckpt-minutes 5 \
    -n "$name" -V "$w/$p-val-512.tok" -B 8 -S "$steps" --lr 2e-3 --warmup 40 \
    --start-tokens 128 --grow-every 100 --eval-every 50 --log "$w/$name.tsv" \
    "$w/$p-train-512.tok"
m=$w/$name.crm
# a later stage N of STEPS steps: resumed from its checkpoint, else started from FROM
# (crtrain -m); the rest of the arguments are its own options. It becomes the model m.
stage() { # N STEPS FROM OPTION...
    n=$1 steps=$2 from=$3
    shift 3
    if [ -s "$w/$name-$n.ckpt" ]; then
        set -- --resume "$w/$name-$n.ckpt" "$@"
    else
        set -- -m "$from" "$@"
    fi
    m=$w/$name-$n.crm
    "$b/crtrain" "$@" -o "$m" -c "$w/$name-$n.ckpt" --ckpt-minutes 5 -n "$name" \
        -V "$w/$p-val-512.tok" -B 8 -S "$steps" --eval-every 100 --log "$w/$name-$n.tsv" \
        "$w/$p-train-512.tok"
}
more=${CR_MORE-$more}
if [ "$more" -gt 0 ]; then
    if ! [ -s "$w/$name-2.ckpt" ]; then
        r=${CR_ASM_IN:-$("$b/crmodel" info "$m" | awk -F'\t' '$2 == "train.vocab_seen" { print $3 }')}
        "$b/crmodel" convert --f32 ${r:+--asm-in "$r"} -o "$w/$name-1.crm" "$m"
    fi
    stage 2 "$more" "$w/$name-1.crm" --lr 1e-3 --warmup 40 --seed 2
fi
short=${CR_SHORT-$short}
[ "$short" -gt 0 ] && stage 3 "$short" "$m" --lr 3e-4 --warmup 20 --seed 3 --short-every 3
# calibration on half of the held-out files (odd lines of the list); the other half
# (WORKDIR/$p-test.files) is what the routing benchmark tests on. The held-out Debian
# FAQ and Reference pages are the real mixed documents of bench/route: neither half
# (share/data/heldout.sh).
CRTOK=$b/crtok sh "$top/share/data/heldout.sh" "$name" "$w"
"$b/crmodel" calibrate -o "$m" --data "share/data/$name.sh, odd held-out files" \
    "$m" "$w/$p-cal-512.tok"
CR_DATA=$w sh "$top/bench/domains.sh" "$m"
