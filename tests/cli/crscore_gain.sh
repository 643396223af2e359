# crscore -g: the same stream twice gains nothing; crdec -x gives a stream of the same
# blocks; streams of other blocks are refused.
crmodel new -p tiny -s block=32 -s latents=2 -o m.crm 2>/dev/null || exit 1
crtok -L 32 "$TOP/README.md" | crenc -m m.crm > a.lat || exit 1
crtok -L 32 "$TOP/Makefile" | crenc -m m.crm > b.lat || exit 1
crdec -m m.crm a.lat > a.rec && crdec -x -m m.crm a.lat > ax.rec && crdec -m m.crm b.lat > b.rec || exit 1
crscore -g a.rec a.rec | cut -f5
crscore -g a.rec ax.rec | awk -F'\t' '{ d = $5 - ($4 - $3); print ($2 > 0 && d < 2e-6 && d > -2e-6 ? "ok" : "bad") }'
crscore -g a.rec b.rec > /dev/null 2> err
echo "exit $?"
grep -c 'do not hold the same blocks' err
crscore -g a.rec; echo "exit $?"
