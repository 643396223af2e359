# crlatent classify: trained on the even blocks, tested on the odd ones. Two sets of three
# distinct blocks each (every one in both halves) are told apart, in either order; a set
# against itself cannot be (the discriminant is 0 and every block goes to A); a set of one
# block and a lone set are refused. With fewer training blocks than values the system is
# solved through the Woodbury identity, with more directly: both are checked.
crmodel new -p tiny -o m.crm 2>/dev/null || exit 1
rep() { awk -v w="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf " %s", w }'; }
for i in 1 2 3 4; do rep the 64; rep cat 64; rep dog 64; done > pets.txt
for i in 1 2 3 4; do rep sun 64; rep car 64; rep tree 64; rep sky 64; done > things.txt
rep the 64 > lone.txt
for i in $(seq 25); do rep the 64; rep cat 64; rep dog 64; done > many-pets.txt
# shellcheck disable=SC2034 # i only counts the copies
for i in $(seq 20); do rep sun 64; rep car 64; rep tree 64; rep sky 64; done > many-things.txt
for t in pets things lone many-pets many-things; do
    crtok -L 64 $t.txt | crenc -m m.crm > $t.lat || exit 1
done
crlatent classify --header pets.lat things.lat
crlatent classify things.lat pets.lat
crlatent classify -r 0.01 things.lat pets.lat | cut -f 5
crlatent classify x=pets.lat y=pets.lat
crlatent classify many-pets.lat many-things.lat
crlatent classify x=many-pets.lat y=many-pets.lat
crlatent classify --json pets.lat things.lat
crlatent classify pets.lat lone.lat 2>&1; echo "exit $?"
crlatent classify pets.lat 2>&1; echo "exit $?"
crlatent classify -r -1 pets.lat things.lat 2>&1; echo "exit $?"
