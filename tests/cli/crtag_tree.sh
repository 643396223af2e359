# crtag over a tree with two calibrated experts: one line per file in name order, files
# that cannot be tagged reported with their reason (and exit 1), spans that cover each
# file whole, JSON Lines, a list of paths from stdin (NUL- or newline-separated).
for n in one two; do
    crmodel new -p tiny -s block=32 -s latents=2 -n $n --seed ${#n}$n -o $n.crm 2>/dev/null ||
        crmodel new -p tiny -s block=32 -s latents=2 -n $n -o $n.crm 2>/dev/null || exit 1
done
crtok -L 32 "$TOP/README.md" > cal.tok || exit 1
crmodel calibrate one.crm cal.tok 2>/dev/null && crmodel calibrate two.crm cal.tok 2>/dev/null || exit 1
mkdir -p tree/sub tree/empty-dir
head -c 2000 "$TOP/README.md" > tree/a.md
head -c 1500 "$TOP/cmd/crtag.c" > tree/sub/b.c
printf 'x = 1\n' > tree/c.py
: > tree/empty.txt
printf 'abc\000def' > tree/bin.dat
ln -s .. tree/sub/loop                # a link to a directory: not followed
t="crtag -m one.crm -m two.crm -S 16"
$t tree > out.tsv 2> err.txt; echo "exit $?"
cut -f 1,2 out.tsv | sed 's/\t\(one\|two\|unknown\)$/\tLABEL/'
awk -F'\t' '$2 !~ /^skipped/ && (NF != 7 || length($3) != 16) { bad++ }
            $2 !~ /^skipped/ { s = $5 + $6 + $7; if (s < 0.999 || s > 1.001) bad++ }
            END { print bad ? "bad file lines" : "file lines: path label xxh3 size shares" }' out.tsv
sort err.txt
echo "-- spans"
$t -s tree/a.md tree/sub/b.c > spans.tsv || exit 1
awk -F'\t' -v a="$(wc -c < tree/a.md)" -v b="$(wc -c < tree/sub/b.c)" '
    BEGIN { len["tree/a.md"] = a; len["tree/sub/b.c"] = b }
    $1 != f { if (f != "" && at != len[f]) bad++; f = $1; at = 0 }
    { if ($2 != at || $3 <= $2) bad++; at = $3 }
    END { if (at != len[f]) bad++; print bad ? "spans broken" : "spans cover each file" }' spans.tsv
echo "-- json, header"
$t --json tree/c.py | sed 's/"label":"[a-z]*"/"label":L/; s/"xxh3":"[0-9a-f]*"/"xxh3":H/; s/[0-9]\.[0-9]*/N/g'
$t --header tree/c.py | head -n 1
echo "-- a list on stdin"
printf 'tree/c.py\ntree/a.md\n' | $t - | cut -f 1
printf 'tree/c.py\000tree/a.md\000' | $t - | cut -f 1
echo "-- the same lines as crroute over the pipelines"
crtok -L 32 -S 16 tree/a.md > a.tok
for n in one two; do crenc -m $n.crm a.tok | crdec -m $n.crm > a.$n.rec; done
crroute -s a.one.rec a.two.rec > a.route
$t -s tree/a.md > a.tag
cmp -s a.route a.tag && echo "crtag -s = crroute -s" || diff a.route a.tag | head -5
