# crtok -d on streams, read with the shared block reader: concatenated streams, the
# predictions of overlapping windows each position once (as crscore -t counts them), and
# damaged or foreign inputs reported with input, record and byte, the next input decoded
printf 'It was the best of times, it was the worst of times.\n' > a.txt
printf 'Hello world' > b.txt
cat a.txt b.txt > ab.txt
crtok -L 8 -S 3 a.txt > a.tok && crtok -L 4 -e b.txt > b.tok || exit 1
cat a.tok b.tok | crtok -d | cmp -s - ab.txt && echo "concatenated streams"
crmodel new -p tiny -s block=8 -o t.crm 2> /dev/null || exit 1
crtok -L 8 -S 3 "$TOP/README.md" | crenc -m t.crm > r.lat && crdec -m t.crm r.lat > r.rec ||
    exit 1
crtok -d r.rec > pred.txt && crscore -t r.rec | cut -f 6 | crtok -d | cmp -s - pred.txt &&
    echo "predictions: each position once"
crtok -d r.lat a.tok > out; echo "exit $?"
cmp -s out a.txt && echo "the next input still decoded"
# a flipped byte in a late record (the text before it is written, then the next input),
# and a stream cut inside its end record
n=$(wc -c < a.tok)
cp a.tok bad.tok
printf 'X' | dd of=bad.tok bs=1 seek=$((n - 60)) conv=notrunc 2> /dev/null
crtok -d bad.tok b.tok > out; echo "exit $?"
tail -c 11 out; echo
head -c $((n - 10)) a.tok | crtok -d > /dev/null; echo "exit $?"
