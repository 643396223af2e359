# crlatent project: one line per block in the order of the sets; two distinct blocks lie
# on one line through their mean (x opposite, y 0); the variances of x and y are the first
# two eigenvalues that crlatent pca finds (scores from eigenvectors against eigenvalues
# alone), x centred.
crmodel new -p tiny -o m.crm 2>/dev/null || exit 1
rep() { awk -v w="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf " %s", w }'; }
# shellcheck disable=SC2034 # i only counts the copies
for i in 1 2 3 4; do rep the 64; rep cat 64; done > two.txt
# 600 numbers, 13 a line: about 20 blocks of 64 tokens, fewer than the 64 values of z
awk 'BEGIN { for (i = 1; i <= 600; i++)
    printf "%s%d", (i % 13 ? " " : "\n"), (i * 7919) % 1009 }' > words.txt
for t in two words; do crtok -L 64 $t.txt | crenc -m m.crm > $t.lat || exit 1; done
crlatent project --header two.lat | head -n 1
crlatent project two.lat | awk -F'\t' '{ x[NR] = $2; ay = $3 < 0 ? -$3 : $3; if (ay > my) my = ay }
    END { ok = x[1] != 0 && x[1] + x[2] == 0
          for (i = 3; i <= NR; i++) ok = ok && x[i] == x[2 - i % 2]
          ax = x[1] < 0 ? -x[1] : x[1]
          print NR " blocks; x: " (ok ? "two opposite values, alternating" : "bad") "; y: " \
              (my < 1e-6 * ax ? "0" : "bad " my) }'
crlatent project a=two.lat b=words.lat | cut -f 1 | uniq -c | awk '{ print $2, $1 }'
# 23 blocks of 64 values (the Gram matrix), then 75 (the covariance)
for sets in "two.lat words.lat" "words.lat words.lat words.lat words.lat words.lat"; do
crlatent project $sets > p
crlatent pca -e $sets | awk -F'\t' '$1 == "all" && $2 <= 2 { print $3 }' > ev
awk -F'\t' 'NR == FNR { ev[NR] = $1; next }
    { n++; sx += $2; sy += $3; qx += $2 * $2; qy += $3 * $3 }
    END { vx = (qx - sx * sx / n) / (n - 1); vy = (qy - sy * sy / n) / (n - 1)
          ok = (sx / n) ^ 2 < 1e-10 * vx && vx >= vy
          ok = ok && (vx - ev[1]) ^ 2 < 1e-10 * ev[1] ^ 2 && (vy - ev[2]) ^ 2 < 1e-10 * ev[2] ^ 2
          print n " blocks: " (ok ? "centred; variances of x and y are the first eigenvalues" : \
                "bad: " vx " " vy " " ev[1] " " ev[2]) }' ev p
done
crlatent project --json two.lat | head -n 1 | sed 's/-\{0,1\}[0-9][0-9.e+-]*/N/g'
