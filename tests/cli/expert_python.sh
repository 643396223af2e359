# The shipped Python expert (share/models/python.crm) rebuilds Python it never saw, this
# repository's own bench/twin.py, far better than English prose, this README: lower CE
# and higher TRA, and z carries the block (crdec -x from another block's z is worse).
m=$TOP/share/models/python.crm
[ -f "$m" ] || { echo "no shipped Python expert"; exit 1; }
for f in bench/twin.py README.md; do
    crtok -L 512 "$TOP/$f" | crenc -m "$m" > "${f##*/}.lat" || exit 1
    crdec -m "$m" "${f##*/}.lat" > "${f##*/}.rec" || exit 1
done
crdec -x -m "$m" twin.py.lat > twin.py.x.rec || exit 1
# crscore -s: input tokens tra ce majority model
crscore -s twin.py.rec README.md.rec | awk -F'\t' '
    NR == 1 { tp = $3; cp = $4 }
    NR == 2 { te = $3; ce = $4 }
    END {
        if (tp > te && cp + 2 < ce) print "Python routes to its expert"
        else print "no routing signal: Python TRA " tp " CE " cp ", prose TRA " te " CE " ce
    }'
crscore -g twin.py.rec twin.py.x.rec | awk -F'\t' '{ print ($5 > 1 ? "z carries the block" : "z ignored: gain " $5) }'
