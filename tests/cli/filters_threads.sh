# crenc and crdec work on as many blocks at once as they have threads, each block's pass
# on a thread of its own: the same bytes on 1, 2, 3 and 5 threads, over many documents
# of overlapping windows and a second stream after the first, with bf16 latents and -x;
# and every record between the blocks (each document's start and end) stays in its place.
crmodel new -p tiny -s block=32 -s latents=2 -o m.crm 2>/dev/null || exit 1
ls "$TOP"/core/*.h | head -n 12 > list
mkdir empty && for i in $(seq 1 700); do : > empty/$i.txt; done
ls empty/* | head -n 650 >> list # 1300 records with no block between them
cp "$TOP/core/ae.h" last.h && echo "$PWD/last.h" >> list
crtok -L 32 -S 8 -T list > a.tok || exit 1
crtok -L 32 "$TOP/README.md" > b.tok || exit 1
cat a.tok b.tok > ab.tok
for n in 1 2 3 5; do
    OMP_NUM_THREADS=$n crenc -m m.crm ab.tok > lat.$n || exit 1
    OMP_NUM_THREADS=$n crenc -b -m m.crm ab.tok > latb.$n || exit 1
    OMP_NUM_THREADS=$n crdec -m m.crm lat.1 > rec.$n || exit 1
    OMP_NUM_THREADS=$n crdec -x -m m.crm lat.1 latb.1 > recx.$n || exit 1
done
for k in lat latb rec recx; do
    same=yes
    for n in 2 3 5; do cmp -s $k.1 $k.$n || same=no; done
    echo "$k: the same on 1, 2, 3 and 5 threads: $same"
done
# the records in order: D a document's start, B a block, E its end, S a stream's header
order() {
    crdump -q "$1" | awk '$1 == "stream" { printf "S" } $1 == "doc" { printf "D" }
        $1 == "block" { printf "B" } $1 == "docend" { printf "E" }
        $1 == "record" { printf "%s", $4 == 1 ? "D" : $4 == 3 ? "E" : "B" } END { print "" }'
}
order ab.tok > want
for f in lat.2 latb.5 rec.3; do order $f | cmp -s want - && echo "$f: records in place" || echo "$f: records out of place"; done
echo "streams: $(tr -cd S < want | wc -c)"
# -x: each stream's first block from z = 0, so two streams give the one twice
crdec -x -m m.crm lat.1 > x1 && crdec -x -m m.crm lat.1 lat.1 > x2 || exit 1
cat x1 x1 | cmp -s - x2 && echo "-x: two streams = the one twice" || echo "-x: the second stream differs"
# a write that fails: one message, exit 1
crenc -m m.crm ab.tok > /dev/full 2> err; echo "full disk: exit $?, $(wc -l < err) message"
