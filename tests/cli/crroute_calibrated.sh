# crmodel calibrate writes cal.* into a model; crenc carries them into its latents and
# crdec into its reconstructions, where crroute reads them: calibrated scores near 0 on
# the calibration text itself, rejection that follows its threshold (-r), none with -R.
crmodel new -p tiny -s block=32 -s latents=2 -n one -o one.crm 2>/dev/null || exit 1
crtok -L 32 "$TOP/README.md" > cal.tok || exit 1
crmodel calibrate -o cal.crm --data "the README" one.crm cal.tok 2> err || { cat err; exit 1; }
sed 's/[0-9][0-9.]*/N/g' err
crmodel info cal.crm | grep -c 'cal\.'
crmodel info cal.crm | grep 'cal.data'
crmodel calibrate one.crm cal.tok cal.tok 2>/dev/null && echo "in place"
crenc -m cal.crm cal.tok | crdump - | grep -c '^meta	cal\.'
crenc -m cal.crm cal.tok | crdec -m cal.crm > cal.rec || exit 1
# with the full calibration (-a 1 -b 1) the score is ln(CE per byte over the median) /
# ln(q90): the median block of the calibration text scores 0, its 90th percentile 1
crroute -R -a 1 -b 1 cal.rec | cut -f 7 | sort -g | awk '{ v[NR] = $1 } END { m = v[int(NR / 2) + 1]; print (m > -0.1 && m < 0.1 ? "median score about 0" : "median " m) }'
crroute -R -a 1 -b 1 cal.rec | cut -f 7 | sort -g | awk '{ v[NR] = $1 } END { m = v[int(NR * 0.9 + 0.5)]; print (m > 0.8 && m < 1.2 ? "q90 score about 1" : "q90 " m) }'
# -c fit, ln(that ratio) / ln(q99): 0 at the median, 1 at the rejection threshold
crroute -R -c fit cal.rec | cut -f 7 | sort -g | awk '{ v[NR] = $1 } END { m = v[int(NR / 2) + 1]; print (m > -0.1 && m < 0.1 ? "fit: median about 0" : "fit: median " m) }'
crroute -R -c fit cal.rec | cut -f 7 | sort -g | awk '{ v[NR] = $1 } END { m = v[int(NR * 0.99 + 0.5)]; print (m > 0.8 && m < 1.2 ? "fit: q99 about 1" : "fit: q99 " m) }'
crroute -r 0.5 cal.rec | awk -F'\t' '$5 != "unknown" { bad++ } END { print bad ? "not all rejected" : "-r 0.5: all unknown" }'
crroute -r 1000 cal.rec | awk -F'\t' '$5 == "unknown" { bad++ } END { print bad ? "some rejected" : "-r 1000: none unknown" }'
crroute cal.rec | awk -F'\t' '$5 == "unknown" { u++ } END { print (u <= NR * 0.05 ? "default: at most 5% unknown" : u " of " NR " unknown") }'
# two experts: -a 0 -b 0 compares raw bits, so it routes every block as -c ce does; a
# block is unknown only when neither expert codes it within its threshold, also where
# the winner alone is over it (two is calibrated on other text, so such blocks occur)
crmodel new -p tiny -s block=32 -s latents=2 -n two --seed 9 -o two.crm 2>/dev/null || exit 1
crtok -L 32 "$TOP/cmd/crroute.c" > cal2.tok || exit 1
crmodel calibrate two.crm cal2.tok 2>/dev/null || exit 1
crtok -L 32 "$TOP/man/crroute.1" > doc.tok || exit 1
crenc -m cal.crm doc.tok | crdec -m cal.crm > doc.one.rec || exit 1
crenc -m two.crm doc.tok | crdec -m two.crm > doc.two.rec || exit 1
crroute -R -a 0 -b 0 doc.one.rec doc.two.rec | cut -f 5 > raw.labels
crroute -R -c ce doc.one.rec doc.two.rec | cut -f 5 > ce.labels
cmp -s raw.labels ce.labels && echo "-a 0 -b 0 routes as -c ce" || echo "-a 0 -b 0 differs from -c ce"
sort -u raw.labels | wc -l
for x in 1.2 1.5 2; do
    crroute -r $x doc.one.rec | cut -f 5 > one.u
    crroute -r $x doc.two.rec | cut -f 5 > two.u
    crroute -R -a 0 doc.one.rec doc.two.rec | cut -f 5 > win.u
    crroute -r $x -a 0 doc.one.rec doc.two.rec | cut -f 5 > both.u
    paste one.u two.u win.u both.u | awk -v x=$x '
        ($1 == "unknown" && $2 == "unknown") != ($4 == "unknown") { bad++ }
        ($3 == "one" && $1 == "unknown" || $3 == "two" && $2 == "unknown") && $4 != "unknown" { over++ }
        END { print "-r " x ": " (bad ? bad " blocks wrong" : "unknown where neither fits") \
            (over ? ", not where only the winner is over" : ", no winner alone over") }'
done
echo "-- too little text"
head -c 400 "$TOP/README.md" | crtok -L 32 > small.tok
crmodel calibrate -o x.crm one.crm small.tok; echo "exit $?"
