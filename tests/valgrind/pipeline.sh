# Every program on small inputs, the way users chain them, and their error paths: run by
# tests/valgrind.sh with each program under valgrind (the blocks and models are small so
# that this takes minutes, not hours: valgrind runs code about 50 times slower). Each
# line says what a step gave; a step that fails says so, and valgrind's logs are checked
# after the run.
set -u
say() { echo "$1: exit $2"; }
crmodel new -p tiny -s block=16 -s latents=2 -n one -o one.crm; say "crmodel new" $?
crmodel new -p tiny -s block=16 -s latents=2 -n two --seed 9 -o two.crm; say "crmodel new" $?
printf 'def f(x):\n    return x + 1\n\nprint(f(41))\n' > a.py
printf 'The quick brown fox jumps over the lazy dog, twice.\n' > b.txt
crtok -L 16 -S 8 a.py b.txt > ab.tok; say "crtok" $?
crtok -o ab2.tok -L 16 -S 8 a.py b.txt; say "crtok -o" $?
cmp -s ab.tok ab2.tok && echo "crtok -o: same stream"
crtok --ids b.txt > b.ids; say "crtok --ids" $?
crtok -d ab.tok > back.txt; say "crtok -d" $?
cat a.py b.txt | cmp -s - back.txt && echo "crtok -d: the text again"
crdump ab.tok > /dev/null; say "crdump" $?
for m in one two; do
    crenc -m $m.crm ab.tok > ab.$m.lat; say "crenc $m" $?
    crdec -m $m.crm ab.$m.lat > ab.$m.rec; say "crdec $m" $?
done
crenc -b -m one.crm -o ab.bf16.lat ab.tok; say "crenc -b -o" $?
crdec -x -m one.crm ab.one.lat > ab.x.rec; say "crdec -x" $?
for f in -b -d -t -s; do crscore $f ab.one.rec > /dev/null; say "crscore $f" $?; done
crscore -g ab.one.rec ab.x.rec > /dev/null; say "crscore -g" $?
seq 1 80 | tr '\n' ' ' > held.txt && crtok -L 16 -S 8 held.txt > held.tok
crmodel calibrate -o one.cal.crm one.crm held.tok; say "crmodel calibrate" $?
crmodel calibrate -o two.cal.crm two.crm held.tok; say "crmodel calibrate" $?
crmodel info --json one.cal.crm > /dev/null; say "crmodel info" $?
crmodel convert --bf16 -o one.bf16.crm one.cal.crm; say "crmodel convert" $?
for m in one two; do
    crenc -m $m.cal.crm ab.tok | crdec -m $m.cal.crm > ab.$m.cal.rec; say "crenc | crdec $m" $?
done
crroute -c ce ab.one.rec ab.two.rec > /dev/null; say "crroute -c ce" $?
crroute --json ab.one.cal.rec ab.two.cal.rec > /dev/null; say "crroute" $?
crroute -s ab.two.cal.rec ab.one.cal.rec > /dev/null; say "crroute -s" $?
crlatent pca ab.one.lat > /dev/null; say "crlatent pca" $?
crenc -m one.crm held.tok > held.one.lat
crlatent classify ab.one.lat held.one.lat > /dev/null; say "crlatent classify" $?
mkdir tree && cp a.py b.txt tree/ && printf 'x\0y' > tree/bin && : > tree/empty
crtag -m one.cal.crm -m two.cal.crm --state st tree > /dev/null; say "crtag --state" $?
crtag -m one.cal.crm -m two.cal.crm --state st --changed tree; say "crtag --changed" $?
printf 'tree/a.py\ntree/b.txt\n' | crtag -s -m one.cal.crm -m two.cal.crm - > /dev/null
say "crtag -s -" $?
crtrain -p tiny -s block=16 -s latents=2 -B 2 -S 2 --warmup 0 -V ab.tok -o t.crm -c t.ckpt ab.tok 2> err
say "crtrain" $?
crtrain --resume t.ckpt -S 1 -o t2.crm ab.tok 2> err; say "crtrain --resume" $?
# error paths: each must fail cleanly (and free what it took)
head -c 300 ab.tok | crenc -m one.crm > /dev/null 2>&1; say "crenc, cut stream" $?
head -c 200 ab.one.rec | crroute -c ce - ab.two.rec > /dev/null 2>&1; say "crroute, cut stream" $?
head -c 200 ab.one.rec | crscore > /dev/null 2>&1; say "crscore, cut stream" $?
cp one.crm bad.crm && printf 'X' | dd of=bad.crm bs=1 seek=5000 conv=notrunc 2> /dev/null
crenc -m bad.crm ab.tok > /dev/null 2>&1; say "crenc, damaged model" $?
crenc -m missing.crm ab.tok > /dev/null 2>&1; say "crenc, missing model" $?
crdec -m two.crm ab.one.lat > /dev/null 2>&1; say "crdec, another model's latents" $?
crroute -c ce ab.one.rec > /dev/null 2>&1; say "crroute, one expert" $?
crtok --no-such-flag > /dev/null 2>&1; say "crtok, bad flag" $?
printf 'junk' > junk.crs; crdump junk.crs > /dev/null 2>&1; say "crdump, junk" $?
crtag -m one.crm --state junk.crs tree > /dev/null 2>&1; say "crtag, junk state" $?
crtrain --resume one.crm -o x.crm ab.tok > /dev/null 2>&1; say "crtrain, model as checkpoint" $?
trap '' XFSZ
cp one.bf16.crm keep.crm
(ulimit -f 100; crmodel convert --bf16 -o one.bf16.crm one.cal.crm 2> /dev/null); say "crmodel convert, file too large" $?
# shellcheck disable=SC2010 # counts the temporaries this test made itself
cmp -s keep.crm one.bf16.crm && echo "the previous model intact, $(ls | grep -c tmp) temporaries"
