# crroute -t N: a block of fewer than N tokens that follows another block of its document
# is scored with that block (bits and bytes of the two added); the others, and every block
# with -t 0, alone. Checked against the scores of -t 0, pooled here by hand: with -a 0
# -b 0 a score is ln(bits / bytes), so bits = bytes * exp(score).
crmodel new -p tiny -s block=32 -s latents=2 -n one -o one.crm 2>/dev/null || exit 1
crmodel new -p tiny -s block=32 -s latents=2 -n two --seed 9 -o two.crm 2>/dev/null || exit 1
crtok -L 32 "$TOP/README.md" > cal.tok || exit 1
crmodel calibrate one.crm cal.tok 2>/dev/null || exit 1
crmodel calibrate two.crm cal.tok 2>/dev/null || exit 1
# documents whose last blocks are short (12, 5 and 16 tokens), and one of a single short
# block (11 tokens)
seq 1 150 > a.txt
seq 1000 1100 | tr '\n' ' ' > b.txt
printf 'int main(void) { return 0; }\n' > tiny.c
seq 5 5 600 > c.txt
crtok -L 32 a.txt b.txt tiny.c c.txt > doc.tok || exit 1
for m in one two; do crenc -m $m.crm doc.tok | crdec -m $m.crm > doc.$m.rec || exit 1; done
crdump -q doc.tok | awk -F'\t' '$1 == "block" { split($6, t, "[ /]"); print t[2] }' > tokens
crroute -R -t 0 -a 0 -b 0 doc.one.rec doc.two.rec > alone
for n in 13 32; do
    crroute -R -t $n -a 0 -b 0 doc.one.rec doc.two.rec > joined
    paste tokens alone joined | awk -F'\t' -v n=$n '
        { tok = $1; doc = $2; by = $5 - $4; a1 = $8; a2 = $9; j1 = $16; j2 = $17 }
        $3 != $11 || $4 != $12 || $5 != $13 { span++ }
        { e1 = a1; e2 = a2; first = doc != pdoc }
        !first && tok < 32 && tok >= n { left++ }
        !first && tok < n {
            pooled++
            e1 = log((pb * exp(p1) + by * exp(a1)) / (pb + by))
            e2 = log((pb * exp(p2) + by * exp(a2)) / (pb + by))
        }
        { d = e1 - j1; if (d < 0) d = -d; if (d > 1e-4) sc++
          d = e2 - j2; if (d < 0) d = -d; if (d > 1e-4) sc++
          lab = e1 < e2 ? "one" : "two"; if (lab != $14) wrong++
          if (first && tok < n) firstshort++
          pdoc = doc; pb = by; p1 = a1; p2 = a2 }
        END { printf "-t %d: %d blocks scored with the one before, %d short ones alone, %d short and first\n",
                  n, pooled, left, firstshort
              printf "%s as pooled by hand, %s, %s\n", (sc ? sc " scores" : "scores"),
                  (wrong ? wrong " labels wrong" : "labels their argmin"),
                  (span ? "spans changed" : "spans their own") }'
done
# the default is half the block length (crtok -L 32: -t 16; 256 for the shipped experts)
crroute -R -t 16 -a 0 -b 0 doc.one.rec doc.two.rec > half
crroute -R -a 0 -b 0 doc.one.rec doc.two.rec | cmp -s - half && echo "default as -t 16" || echo "default differs from -t 16"
cmp -s half joined && echo "-t 16 as -t 32" || echo "-t 16 differs from -t 32"
echo "-- refused"
crroute -s -t 8 doc.one.rec doc.two.rec; echo "exit $?"
crroute -t -1 doc.one.rec; echo "exit $?"
