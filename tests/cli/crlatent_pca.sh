# crlatent pca: exact answers where the geometry is known whatever the model's weights
# (sets that repeat 1, 2 or 3 distinct blocks span 0, 1 and 2 dimensions), the counts in
# order, and the Gram matrix (fewer blocks than values) and the covariance (more) giving
# the same spectrum.
crmodel new -p tiny -o m.crm 2>/dev/null || exit 1
rep() { awk -v w="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf " %s", w }'; }
for i in 1 2 3 4; do rep the 64; done > one.txt
for i in 1 2 3 4; do rep the 64; rep cat 64; done > two.txt
# shellcheck disable=SC2034 # i only counts the copies
for i in 1 2 3 4; do rep the 64; rep cat 64; rep dog 64; done > three.txt
# 600 numbers, 13 a line: about 20 blocks of 64 tokens, fewer than the 64 values of z
awk 'BEGIN { for (i = 1; i <= 600; i++)
    printf "%s%d", (i % 13 ? " " : "\n"), (i * 7919) % 1009 }' > words.txt
for t in one two three words; do crtok -L 64 $t.txt | crenc -m m.crm > $t.lat || exit 1; done
echo "-- known ranks (variance left out)"
crlatent pca --header one.lat | cut -f 1-3,5-
for t in two three; do crlatent pca $t.lat | cut -f 1-3,5-; done
echo "-- labels, and the row of all sets"
crlatent pca first=one.lat ./two.lat - < three.lat | cut -f 1,2
echo "-- counts in order, at most blocks - 1"
crlatent pca words.lat | awk -F'\t' '{ print ($2 < $3 && $5 >= 1 && $5 <= $6 && $6 <= $7 &&
    $7 <= $8 && $8 <= $2 - 1 && $4 > 0 ? "ordered, fewer blocks than values" : "bad: " $0) }'
echo "-- the spectrum: shares sum to 1; 5 copies (more blocks than values) give the same"
crlatent pca -e --header words.lat | head -n 1
crlatent pca -e words.lat > one.e
awk -F'\t' 'BEGIN { ok = 1 } { s += $4; ok = ok && $3 > 0 && ($2 == 1 || $3 <= last); last = $3 }
    END { ok = ok && s > 1 - NR * 5e-7 && s < 1 + NR * 5e-7 && $5 == "1.000000"
          print (ok ? "sums to 1, descending" : "bad") }' one.e
crlatent pca -e words.lat words.lat words.lat words.lat words.lat | awk '$1 == "all"' > five.e
crlatent pca words.lat words.lat words.lat words.lat words.lat | awk -F'\t' '$1 == "all" {
    print ($2 > $3 ? "more blocks than values" : "bad: " $0) }'
paste one.e five.e | awk -F'\t' '{ d = $4 - $9; if (d < 0) d = -d
    if (d > 1e-6 || $2 != $7) bad++ }
    END { print (NR > 5 && !bad ? "the same spectrum" : "differ on " bad + 0 " of " NR) }'
