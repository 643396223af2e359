# crroute over the reconstruction streams of two experts: one line per block with every
# expert's score, JSON Lines, spans that cover each document whole (checked against the
# document's length), and streams that part ways or end early are errors naming where.
crmodel new -p tiny -s block=32 -s latents=2 -n one -o one.crm 2>/dev/null || exit 1
crmodel new -p tiny -s block=32 -s latents=2 -n two --seed 9 -o two.crm 2>/dev/null || exit 1
seq 1 700 | tr "\n" " " > a.txt && seq 5000 5300 > b.txt    # text of fixed bytes
crtok -L 32 -S 8 a.txt b.txt > ab.tok && crtok -L 32 -S 8 a.txt > a.tok || exit 1
for m in one two; do
    crenc -m $m.crm ab.tok | crdec -m $m.crm > ab.$m.rec || exit 1
    crenc -m $m.crm a.tok | crdec -m $m.crm > a.$m.rec || exit 1
done
blocks=$(crdump ab.tok | grep -c '^block')
crroute -c ce ab.one.rec ab.two.rec > blocks.tsv || exit 1
[ "$(wc -l < blocks.tsv)" -eq "$blocks" ] && echo "a line per block"
awk -F'\t' 'NF != 8 || ($5 != "one" && $5 != "two") || $6 < 0 { bad++ } END { print bad ? "bad lines" : "8 columns, a label, a margin" }' blocks.tsv
awk -F'\t' '{ best = ($7 < $8 ? "one" : "two"); if (best != $5) bad++ } END { print bad ? "not argmin" : "argmin CE" }' blocks.tsv
crroute -c ce --header ab.two.rec ab.one.rec | head -n 1
crroute -c ce --json ab.one.rec ab.two.rec | head -n 1 | sed 's/[0-9][0-9.]*/N/g'
# spans: contiguous, from 0 to each document's length
crroute -c ce --spans ab.one.rec ab.two.rec > spans.tsv || exit 1
awk -F'\t' -v a="$(wc -c < a.txt)" -v b="$(wc -c < b.txt)" '
    $1 != doc { if (doc != "" && at != len[doc]) bad++; doc = $1; at = 0 }
    { if ($2 != at || $3 <= $2) bad++; at = $3 }
    BEGIN { len["a.txt"] = a; len["b.txt"] = b }
    END { if (at != len[doc]) bad++; print bad ? "spans broken" : "spans cover each document" }' spans.tsv
echo "-- errors"
crroute -c ce ab.one.rec a.two.rec > /dev/null; echo "exit $?"
head -c 2000 ab.two.rec > cut.rec
crroute -c ce ab.one.rec cut.rec > /dev/null; echo "exit $?"
crroute ab.one.rec ab.two.rec > /dev/null; echo "exit $?"
crroute -c xx ab.one.rec; echo "exit $?"
crroute -a 1.5 ab.one.rec; echo "exit $?"
crroute -s -c fit ab.one.rec; echo "exit $?"
crroute -c ce -a 0 ab.one.rec; echo "exit $?"
crroute -c fit ab.one.rec > /dev/null; echo "exit $?"
