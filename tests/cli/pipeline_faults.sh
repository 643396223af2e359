# Faults in pipelines: an upstream that dies mid-stream makes every downstream reader
# (crenc, crdec, crscore, crroute, crdump, crtok -d) report a stream cut short and exit 1;
# a downstream that goes away ends the upstream quietly (no message), crroute and crlatent too.
crmodel new -p tiny -s block=32 -s latents=2 -o m.crm 2>/dev/null || exit 1
crmodel new -p tiny -s block=32 -s latents=2 -n other -o o.crm 2>/dev/null || exit 1
# shellcheck disable=SC2034 # i only counts the copies
for i in 1 2 3 4 5 6 7 8; do cat "$TOP/README.md"; done > big.txt
crtok -L 32 big.txt > big.tok && crenc -m m.crm big.tok > big.lat && crdec -m m.crm big.lat > big.rec || exit 1
crenc -m o.crm big.tok | crdec -m o.crm > other.rec || exit 1
cut() { head -c $(($(wc -c < "$1") / 2)) "$1"; }
cut big.tok | crenc -m m.crm > /dev/null 2> e1; echo "crenc: exit $? $(grep -c 'without an end record\|cut short' e1)"
cut big.lat | crdec -m m.crm > /dev/null 2> e2; echo "crdec: exit $? $(grep -c 'without an end record\|cut short' e2)"
cut big.rec | crscore -s > /dev/null 2> e3; echo "crscore: exit $? $(grep -c 'without an end record\|cut short' e3)"
cut big.rec | crroute -c ce - other.rec > /dev/null 2> e4; echo "crroute: exit $? $(grep -c 'without an end record\|cut short' e4)"
cut big.tok | crdump > /dev/null 2> e5; echo "crdump: exit $? $(grep -c 'without an end record\|cut short' e5)"
cut big.tok | crtok -d > /dev/null 2> e6; echo "crtok -d: exit $? $(grep -c 'without an end record\|cut short' e6)"
# a reader that goes away: the writer stops without a word
for p in "crtok -L 32 big.txt" "crenc -m m.crm big.tok" "crdec -m m.crm big.lat" \
         "crscore -t big.rec" "crdump big.tok" "crtok -d big.tok" \
         "crroute -c ce -s big.rec other.rec" "crlatent project big.lat"; do
    { $p 2> err; } | head -c 100 > /dev/null
    [ -s err ] && echo "$p: said $(head -n 1 err)" || echo "$p: quiet"
done
