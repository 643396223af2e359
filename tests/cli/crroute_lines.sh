# crroute -s: where a change of label may fall. With two random calibrated experts the
# labels flip often when changes are free; -p bounds changes inside a line, -l at a
# line's start, -P at a paragraph's (a line after a blank one). Checked on the README:
# every change lands on the first byte of a line, or of a paragraph, when only that is
# cheap; none at all when nothing is; crtag draws the same spans as the pipeline.
crmodel new -p tiny -s block=32 -s latents=2 -n one -o one.crm 2>/dev/null || exit 1
crmodel new -p tiny -s block=32 -s latents=2 -n two --seed 9 -o two.crm 2>/dev/null || exit 1
crtok -L 32 "$TOP/README.md" > cal.tok || exit 1
for m in one two; do crmodel calibrate $m.crm cal.tok 2>/dev/null || exit 1; done
head -c 6000 "$TOP/README.md" > doc.md
crtok -L 32 -S 8 doc.md > doc.tok || exit 1
for m in one two; do crenc -m $m.crm doc.tok | crdec -m $m.crm > doc.$m.rec || exit 1; done
# the kind of byte each span starts on: line (after a newline), para (after a blank
# line), doc (0), or in (inside a line)
kinds() {
    perl -e 'open my $f, "<", "doc.md" or die; my $t = do { local $/; <$f> };
        while (<STDIN>) { my (undef, $s) = split /\t/;
            my $k = $s == 0 ? "doc" : substr($t, 0, $s) =~ /\n[ \t\r]*\n\z/ ? "para"
                  : substr($t, $s - 1, 1) eq "\n" ? "line" : "in"; $n{$k}++ }
        print join(" ", map { $n{$_} ? "$_" : () } qw(doc para line in)), "\n"'
}
crroute -s -R -p 1e-6 -l 1e-6 -P 1e-6 doc.one.rec doc.two.rec > free.spans || exit 1
echo "free everywhere: $(kinds < free.spans)"
awk -F'\t' '$4 == last { bad++ } { last = $4 } END { print bad ? bad " spans of the label before" : "each span of another label than the one before" }' free.spans
echo "paragraphs only: $(crroute -s -R -p 1e9 -l 1e9 -P 1e-6 doc.one.rec doc.two.rec | kinds)"
echo "lines only: $(crroute -s -R -p 1e9 -l 1e-6 -P 1e9 doc.one.rec doc.two.rec | kinds)"
echo "nowhere: $(crroute -s -R -p 1e9 -l 1e9 -P 1e9 doc.one.rec doc.two.rec | kinds)"
# crtag: the same spans as crtok | crenc | crdec | crroute -s at its stride, any penalties
crtok -L 32 -S 16 doc.md > doc16.tok || exit 1
for m in one two; do crenc -m $m.crm doc16.tok | crdec -m $m.crm > doc16.$m.rec || exit 1; done
crroute -s -p 5 -l 2 -P 0.5 doc16.one.rec doc16.two.rec | cut -f 2- > route.spans
crtag -s -m one.crm -m two.crm -S 16 -p 5 -l 2 -P 0.5 doc.md | cut -f 2- > tag.spans
cmp -s route.spans tag.spans && echo "crtag -s = crroute -s" || diff route.spans tag.spans | head -5
# crtag scores as many windows at once as it has threads, one expert's pass on each: the
# same spans on any number, for a document and for the next one after it, with experts
# of one shape (one workspace per thread) and of another (latents 4: one of its own)
crmodel new -p tiny -s block=32 -s latents=4 -n three --seed 5 -o three.crm 2>/dev/null || exit 1
crmodel calibrate three.crm cal.tok 2>/dev/null || exit 1
head -c 3000 "$TOP/man/crtag.1" > doc2.md
: > both.spans
for d in doc doc2; do
    crtok -L 32 -S 16 $d.md > $d.3.tok || exit 1
    for m in one two three; do crenc -m $m.crm $d.3.tok | crdec -m $m.crm > $d.3.$m.rec || exit 1; done
    crroute -s -p 5 -l 2 -P 0.5 $d.3.one.rec $d.3.two.rec $d.3.three.rec | cut -f 2- >> both.spans
done
for n in 1 2 3 5; do
    OMP_NUM_THREADS=$n crtag -s -m one.crm -m two.crm -m three.crm -S 16 -p 5 -l 2 -P 0.5 doc.md doc2.md |
        cut -f 2- | cmp -s both.spans - || echo "crtag -s on $n threads differs"
done
echo "crtag -s on 1, 2, 3, 5 threads = crroute -s, two documents"
# and at another scale of the costs (-a, -b), which changes the spans
crroute -s -a 0.1 -b 1 -p 5 -l 2 -P 0.5 doc16.one.rec doc16.two.rec | cut -f 2- > route2.spans
crtag -s -a 0.1 -b 1 -m one.crm -m two.crm -S 16 -p 5 -l 2 -P 0.5 doc.md | cut -f 2- > tag2.spans
cmp -s route2.spans tag2.spans && echo "crtag -s -a -b = crroute -s -a -b" || diff route2.spans tag2.spans | head -5
cmp -s route.spans route2.spans && echo "-a -b change nothing" || echo "-a -b change the spans"
echo "-- errors"
crroute -s -P -1 doc.one.rec doc.two.rec; echo "exit $?"
crtag -l x doc.md; echo "exit $?"
CR_SHARE=nowhere crroute -s doc.one.rec doc.two.rec; echo "exit $?"
