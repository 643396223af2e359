# crroute --costs: a line per token, doc start end and the cost of each label that
# --spans decodes (the experts', then unknown's), instead of the spans. The tokens tile
# each document; the costs are those of the score (-c ce: a token's bits, which summed
# over a block are the block's score times its tokens), the same whatever the
# penalties; and with penalties too high to pay, a document's one label is the one of
# least summed cost.
crmodel new -p tiny -s block=32 -s latents=2 -n one -o one.crm 2>/dev/null || exit 1
crmodel new -p tiny -s block=32 -s latents=2 -n two --seed 9 -o two.crm 2>/dev/null || exit 1
crtok -L 32 "$TOP/README.md" > cal.tok || exit 1
crmodel calibrate one.crm cal.tok 2>/dev/null || exit 1
crtok -L 32 "$TOP/cmd/crroute.c" > cal2.tok || exit 1
crmodel calibrate two.crm cal2.tok 2>/dev/null || exit 1
seq 1 150 > a.txt
printf 'int main(void) { return 0; }\n' > tiny.c
head -c 3000 "$TOP/man/crroute.1" > c.txt
for s in 8 32; do
    crtok -L 32 -S $s a.txt tiny.c c.txt > doc$s.tok || exit 1
    for m in one two; do crenc -m $m.crm doc$s.tok | crdec -m $m.crm > doc$s.$m.rec || exit 1; done
done
crroute --costs --header doc8.one.rec doc8.two.rec > costs || exit 1
head -n 1 costs
# the tokens tile each document from 0 to its end
sed 1d costs | awk -F'\t' '
    $1 != doc { if (doc != "") ends[doc] = end; doc = $1; if ($2 != 0) gap++ }
    $1 == doc && NR > 1 && $2 != end && $2 != 0 { gap++ }
    { end = $3; n++ }
    END { ends[doc] = end; for (d in ends) print d, ends[d]; print n > "ntok"; print (gap ? gap " gaps" : "no gaps") > "gaps" }' |
    sort > ends
for f in a.txt c.txt tiny.c; do echo "$f $(wc -c < $f)"; done | sort | cmp -s - ends &&
    echo "each document ends at its size" || { echo "ends differ:"; cat ends; }
cat gaps
crdump doc32.tok | awk -F'\t' '$1 == "" { n++ } END { print n }' | cmp -s - ntok &&
    echo "a line per token" || echo "lines: $(cat ntok), tokens: $(crdump doc32.tok | grep -c '^	')"
# -c ce: over windows that do not overlap, a block's tokens' costs add up to its score
# times its tokens
crroute -R -t 0 -c ce doc32.one.rec doc32.two.rec > blocks
crroute --costs -R -c ce doc32.one.rec doc32.two.rec > tc
awk -F'\t' 'NR == FNR { d[NR] = $1; e[NR] = $4; b1[NR] = $7; b2[NR] = $8; nb = NR; i = 1; next }
    { while (i < nb && ($1 != d[i] || $2 >= e[i])) i++
      c1[i] += $4; c2[i] += $5; n[i]++ }
    END { for (k = 1; k <= nb; k++) {
              x = c1[k] / n[k] - b1[k]; y = c2[k] / n[k] - b2[k]
              if (x < 0) x = -x; if (y < 0) y = -y
              if (!n[k] || x > 1e-3 || y > 1e-3) bad++ }
          print (bad ? bad " blocks differ from" : "blocks: the costs as") " their -c ce scores" }' blocks tc
# overlapping windows: a token's cost is the mean over the windows that cover it, so the
# costs times the windows covering each token add up to the windows' scores times
# their tokens
crroute -R -t 0 -c ce doc8.one.rec doc8.two.rec > blocks8
crroute --costs -R -c ce doc8.one.rec doc8.two.rec > tc8
awk -F'\t' 'NR == FNR { d[NR] = $1; s[NR] = $3; e[NR] = $4; b1[NR] = $7; b2[NR] = $8; nb = NR; next }
    { for (k = 1; k <= nb; k++) if (d[k] == $1 && $2 >= s[k] && $2 < e[k]) {
          n[k]++; t1[$1] += $4; t2[$1] += $5; w++ } }
    END { for (k = 1; k <= nb; k++) { w1[d[k]] += b1[k] * n[k]; w2[d[k]] += b2[k] * n[k] }
          for (x in w1) { y = (w1[x] - t1[x]) / w1[x]; z = (w2[x] - t2[x]) / w2[x]
              if (y < 0) y = -y; if (z < 0) z = -z; if (y > 1e-5 || z > 1e-5) bad++ }
          print (w > NR - nb ? "windows overlap, " : "windows do not overlap, ") \
              (bad ? "costs are not the means" : "costs are the means over them") }' blocks8 tc8
# the costs do not depend on the penalties
crroute --costs -P 1 -l 5 -p 7 doc8.one.rec doc8.two.rec > costs2
sed 1d costs | cmp -s - costs2 &&
    echo "costs as with other penalties" || echo "costs change with the penalties"
# penalties too high to pay: one label per document, the one of least summed cost (on
# raw bits, with a threshold that rejects some: each label wins a document here)
o="-a 0 -b 0 -r 0.9"
crroute -s $o -p 1e12 -l 1e12 -P 1e12 doc8.one.rec doc8.two.rec | cut -f 1,4 > one_label
crroute --costs $o doc8.one.rec doc8.two.rec | awk -F'\t' '{ s1[$1] += $4; s2[$1] += $5; s3[$1] += $6; if (!($1 in o)) o[$1] = ++n; d[o[$1]] = $1 }
    END { for (i = 1; i <= n; i++) { k = d[i]; l = "one"
              if (s2[k] < s1[k]) l = "two"
              if (s3[k] < s1[k] && s3[k] < s2[k]) l = "unknown"
              print k "\t" l } }' | cmp -s - one_label &&
    echo "one label per document, its least summed cost" || { echo "labels differ:"; cat one_label; }
# -R: no unknown column; JSON: the same numbers under "costs"
crroute --costs -R --header doc8.one.rec doc8.two.rec | head -n 1
crroute --costs --json doc8.one.rec doc8.two.rec | head -n 1 | sed 's/[0-9-][0-9.]*/N/g'
crroute --costs --json doc8.one.rec doc8.two.rec |
    sed 's/.*"start":\([0-9]*\),"end":\([0-9]*\),"costs":{"one":\([^,]*\),"two":\([^,]*\),"unknown":\([^}]*\)}}/\1 \2 \3 \4 \5/' > j
sed 1d costs | awk -F'\t' '{ print $2, $3, $4, $5, $6 }' | cmp -s - j && echo "JSON as TSV" || echo "JSON differs"
echo "-- refused"
crroute --costs -t 8 doc8.one.rec doc8.two.rec; echo "exit $?"
crroute --costs -c fit doc8.one.rec; echo "exit $?"
# an input whose second stream comes from another expert: its costs would go under the
# first one's column
cat doc32.one.rec doc32.two.rec > ab.rec
cat doc32.two.rec doc32.one.rec > ba.rec
crroute --costs --header ab.rec ba.rec > /dev/null; echo "exit $?"
