# crenc -b writes bf16 latents, about half the bytes, that crdec reads to nearly the same
# scores; a latent stream naming another type is refused.
crmodel new -p tiny -s block=32 -s latents=2 -o m.crm 2>/dev/null || exit 1
crtok -L 32 "$TOP/README.md" > a.tok
crenc -m m.crm a.tok > f.lat && crenc -b -m m.crm a.tok > h.lat || exit 1
crdump h.lat | grep -c 'latent.dtype	bf16'
f=$(wc -c < f.lat) h=$(wc -c < h.lat)
[ "$h" -lt "$f" ] && [ $((h * 3)) -gt "$f" ] && echo "smaller"
crdec -m m.crm f.lat | crscore -s > f.txt && crdec -m m.crm h.lat | crscore -s > h.txt || exit 1
paste f.txt h.txt | awk -F'\t' '{ d = $4 - $10; print ($2 == $8 && d < 0.01 && d > -0.01 ? "same scores" : "differ") }'
