# The adaptive head (asm, asm_short): a tiny model takes its token order from the training
# data, trains 2 steps, and goes through crenc | crdec | crscore with finite code lengths; a
# resumed run matches one run; bf16 keeps the order; models without the option keep their
# check (the one the reference fixtures were made from).
cat "$TOP"/core/*.c | crtok -L 64 > d.tok
crtok -L 64 "$TOP/README.md" > r.tok
crmodel new -p tiny -s tied=0 -s asm=2 -s asm_short=1024 -o a.crm 2> /dev/null || exit 1
crmodel info a.crm | grep -e '^adaptive' -e '^params'
crmodel info --json a.crm | grep -o '"asm":2,"asm_short":1024'
# with the tied head the shortlist's rows are token embeddings: K0 x C fewer parameters
crmodel new -p tiny -s asm=2 -s asm_short=1024 -o b.crm 2> err; echo "exit $?"
crmodel info b.crm | grep -e '^params' -e 'tied head'  | cut -f1,2,9
crmodel new -p tiny -s tied=0 -s asm=3 -s asm_short=8192 -o b.crm 2> err; echo "exit $?"
grep -c 'must be below the vocabulary' err
T="crtrain -B 2 --warmup 0 --lr 1e-3 --min-lr 1e-3 --seed 3"
# finite MODEL WHAT: the model's code lengths of r.tok are finite, said as WHAT
finite() {
    crenc -m "$1" r.tok | crdec -m "$1" | crscore > s || exit 1
    awk -F'\t' -v w="$2" '$7 > 0 && $7 < 100 { n++ } END { print (NR > 0 && n == NR) ? w : "bad" }' s
}
# resumes MODEL TAG WHAT: 3 steps in one run, and 1 then 2 more from the checkpoint, give
# the same model
resumes() {
    $T -m "$1" -S 3 -o "$2x.crm" d.tok 2> /dev/null || exit 1
    $T -m "$1" -S 1 -o "$2y.crm" -c "$2y.ckpt" d.tok 2> /dev/null || exit 1
    crtrain --resume "$2y.ckpt" -S 3 -o "$2y.crm" d.tok 2> /dev/null || exit 1
    x=$(crmodel info "$2x.crm" | grep '^check')
    y=$(crmodel info "$2y.crm" | grep '^check')
    [ -n "$x" ] && [ "$x" = "$y" ] && echo "$3" || echo "differs: $x / $y"
}
$T -m a.crm -S 2 -o t.crm d.tok 2> err || exit 1
grep -c 'adaptive head: token order from the training data' err
$T -p tiny -s tied=0 -s asm=2 -s asm_short=1024 -S 2 -o p.crm d.tok 2> err || exit 1
grep -c 'adaptive head: token order' err
finite t.crm "finite code lengths"
$T -m b.crm -S 2 -o bt.crm d.tok 2> err || exit 1
finite bt.crm "tied: finite code lengths"
resumes b.crm b "tied: resumed run matches"
# a trained model keeps its order; a resumed run (the checkpoint holds it) matches
$T -m t.crm -S 3 -o u.crm d.tok 2> err || exit 1
grep -c 'token order' err
resumes a.crm "" "resumed run matches"
crmodel convert --bf16 -o h.crm t.crm 2> /dev/null || exit 1
finite h.crm "bf16 decodes"
# adaptive input: tok_emb holds the shortlist only (1024 rows, not 50257), the tail is
# embedded through the head's tail tensors; no bag-of-words loss (it needs the full table)
crmodel new -p tiny -s asm=2 -s asm_short=1024 -s asm_in=1 -o c.crm 2> /dev/null || exit 1
crmodel info c.crm | grep '^params' | cut -f1,2
crmodel new -p tiny -s asm_in=1 -o d.crm 2> err; echo "exit $?"
grep -c 'asm_in must be 0, 1 or a row count from asm_short to the vocabulary, and needs asm' err
crmodel new -p tiny -s asm=2 -s asm_short=1024 -s asm_in=1000 -o d.crm 2> err; echo "exit $?"
grep -c 'asm_in must be' err
$T -m c.crm -S 2 -o ct.crm d.tok 2> err || exit 1
finite ct.crm "asm_in: finite code lengths"
$T -m c.crm -S 2 --bow 0.5 -o cb.crm d.tok 2> err; echo "exit $?"
grep -c 'bag-of-words loss reads the full token embedding' err
# crmodel convert --asm-in R: a trained model sheds the rows of its last ranks; with every
# row kept (R = V) it scores as before; R below the shortlist, or a model without the
# adaptive head, is refused
crmodel convert --asm-in 4096 -o ci.crm bt.crm || exit 1
crmodel info ci.crm | grep -e '^params' -e '^adaptive' | cut -f1,2,5
finite ci.crm "asm-in 4096: finite code lengths"
crmodel convert --asm-in 50257 --bf16 -o cv.crm bt.crm || exit 1
crmodel convert --bf16 -o bh.crm bt.crm || exit 1
for m in bh cv; do crenc -m $m.crm r.tok | crdec -m $m.crm | crscore -s | cut -f2-5 > $m.s || exit 1; done
cmp -s bh.s cv.s && echo "asm-in 50257: same scores"
crmodel convert --asm-in 1000 -o x.crm bt.crm 2>&1; echo "exit $?"
crmodel convert --asm-in 5000 -o x.crm ci.crm 2>&1; echo "exit $?"
crmodel new -p tiny -o n.crm 2> /dev/null && crmodel convert --asm-in 2000 -o x.crm n.crm 2>&1; echo "exit $?"
for m in tiny_pool tiny_bind tiny_tied tiny_untied tiny_asm tiny_asmin tiny_asmin40; do
    want=$(printf '%016x' "$(crdump "$TOP/tests/ref/${m}_full.state" | awk -F'\t' '$2 == "model.check" { print $3 }')")
    got=$(crmodel info "$TOP/tests/ref/$m.crm" | awk -F'\t' '$1 == "check" { print $2 }')
    [ -n "$want" ] && [ "$want" = "$got" ] && echo "$m: same check" || echo "$m: check $got, fixture $want"
done
