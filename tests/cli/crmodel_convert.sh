# crmodel convert: a bf16 copy is about half the size, keeps the config and metadata,
# scores nearly the same, and rounding it again changes nothing; -n renames.
crmodel new -p tiny -s block=32 -s latents=2 -s pool=1 -s zskip=1 -s bind=1 -s zsplit=2 \
    -n orig -o f.crm 2>/dev/null || exit 1
crmodel convert --bf16 -o h.crm f.crm && crmodel convert --f32 -o f2.crm h.crm &&
    crmodel convert --bf16 -n copy --meta train.data=here -o h2.crm f2.crm || exit 1
f=$(wc -c < f.crm) h=$(wc -c < h.crm)
[ "$h" -lt "$f" ] && [ $((h * 5 / 2)) -gt "$f" ] && echo "smaller"
# shellcheck disable=SC2238 # fc: a file here, not the fc builtin
crmodel info f.crm | grep '^config' > fc && crmodel info h2.crm | grep '^config' > hc &&
    cmp -s fc hc && echo "same config"
crmodel info h2.crm | grep -c 'model.name	copy\|train.data	here'
crmodel info h.crm f2.crm | grep '^check' | uniq | wc -l
crtok -L 32 "$TOP/README.md" > a.tok
for m in f h; do crenc -m $m.crm a.tok | crdec -m $m.crm | crscore -s > $m.txt || exit 1; done
paste f.txt h.txt | awk -F'\t' '{ d = $4 - $10; print ($2 == $8 && d < 0.05 && d > -0.05 ? "same scores" : "differ") }'
crmodel convert -o x.crm f.crm 2>&1; echo "exit $?"
