# A full disk (here a file size limit, which fails a write the same way: EFBIG instead
# of ENOSPC) while writing a model, a latent file, an -o output or a state file: the
# previous file stays as it was, no temporary is left, and the message names the path
# and the reason (crtrain's checkpoint: crtrain_ckpt_fail). dash counts the limit in
# blocks of 512 bytes, bash in 1024: both are far below what each write needs.
crmodel new -p tiny -s block=16 -s latents=2 -o m.crm 2>/dev/null || exit 1
crmodel new -p tiny -s block=16 -s latents=2 --seed 2 -o new.crm 2>/dev/null || exit 1
head -c 20000 "$TOP/core/input.c" > a.txt && printf 'short text\n' > b.txt
crtok -L 16 a.txt > a.tok && crtok -L 16 b.txt > b.tok || exit 1
crmodel calibrate -o m.crm m.crm a.tok 2>/dev/null || exit 1
crenc -m m.crm -o a.lat a.tok && crenc -m m.crm -o b.lat b.tok || exit 1
crdec -m m.crm -o b.rec b.lat || exit 1
mkdir tree && cp a.txt b.txt tree/ && crtag -m m.crm --state st tree > /dev/null || exit 1
for f in m.crm a.tok b.lat b.rec st; do cp "$f" "$f.was"; done
trap '' XFSZ
check() { # FILE what: the exit status, the file as it was, temporaries, the message
    st=$1; shift
    cmp -s "$1" "$1.was" && same="$1 as it was" || same="$1 CHANGED"
    # shellcheck disable=SC2010 # names made here; a count of what ls shows
    echo "$2: exit $st, $same, $(ls | grep -c '\.tmp') temporaries, $(grep -c "$1: write failed: File too large" err) messages"
}
(ulimit -f 40; crmodel convert --f32 -o m.crm new.crm 2> err); check $? m.crm "crmodel convert"
(ulimit -f 40; crmodel calibrate -o m.crm m.crm a.tok 2> err); check $? m.crm "crmodel calibrate"
(ulimit -f 40; crtrain -p tiny -s block=16 -s latents=2 -B 2 -S 1 -o m.crm a.tok 2> err); check $? m.crm "crtrain"
(ulimit -f 40; crtok -L 16 -o a.tok a.txt b.txt 2> err); check $? a.tok "crtok -o"
(ulimit -f 40; crenc -m m.crm -o b.lat a.tok 2> err); check $? b.lat "crenc -o"
(ulimit -f 40; crenc -m m.crm a.tok | crdec -m m.crm -o b.rec 2> err); check $? b.rec "crdec -o"
# the state: a tree of many files makes a state file larger than the limit
for i in $(seq 1 200); do printf 'file %s of a tree of two hundred\n' $i > tree/f$i.txt; done
(ulimit -f 4; crtag -m m.crm --state st tree > /dev/null 2> err); check $? st "crtag --state"
