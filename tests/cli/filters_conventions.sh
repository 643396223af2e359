# crenc, crdec, crscore and crdump as users expect: --version; one message per mismatch
# naming both sides and the fix; a partial -o file removed on failure; crscore's one
# column order with --header and --json; -s naming a redirected file; stdin refused when
# it is a terminal.
crmodel new -p tiny -s block=32 -s latents=2 -n tiny32 -o m.crm 2>/dev/null || exit 1
crmodel new -p tiny -s block=32 -s latents=2 --seed 7 -o other.crm 2>/dev/null || exit 1
for p in crenc crdec crscore crdump; do
    $p --version | head -n 1 | sed 's/ [0-9][0-9.]*$/ VERSION/'
done
printf 'print("hello")\n' > a.py
crtok -L 32 a.py > a.tok && crtok -L 64 a.py > a64.tok || exit 1
echo "-- mismatches"
crenc -m m.crm a64.tok 2>&1 >/dev/null | sed 's/^/  /'
crenc -m m.crm a.tok > a.lat || exit 1
crdec -m other.crm a.lat 2>&1 >/dev/null | sed 's/model [0-9a-f]\{16\}/model X/g; s/^/  /'
echo "-- partial output"
cat a.tok a64.tok > mixed.tok
crenc -m m.crm -o out.lat mixed.tok 2>/dev/null; echo "  exit $?"
[ -e out.lat ] && echo "  out.lat left behind" || echo "  out.lat removed"
crenc -m m.crm -o /dev/null a.tok; echo "  /dev/null: exit $?"
echo "-- crscore"
crdec -m m.crm a.lat > a.rec || exit 1
for mode in -b -d -t -s; do
    crscore $mode --header a.rec | head -n 1
    crscore $mode a.rec | head -n 1 | awk -F'\t' '{ print NF " columns" }'
done
crscore -s --json a.rec | sed 's/"tra":[0-9.]*,"ce":[0-9.]*,"majority":[0-9.]*/SCORES/'
crscore -s < a.rec | cut -f 1,2 | sed "s|.*/||"
crscore -s a.rec < /dev/null | cut -f 1,2
crscore -d a.rec | cut -f 1,2
printf 'x\ty\n' > 'tab	name.py'
crtok -L 32 'tab	name.py' | crenc -m m.crm | crdec -m m.crm | crscore -d --json | cut -c 1-22
echo "-- a bare name finds SHARE/models/NAME.crm"
mkdir -p share/models && cp m.crm share/models/tiny32.crm
CR_SHARE=$PWD/share crenc -m tiny32 a.tok | CR_SHARE=$PWD/share crdec -m tiny32 | crscore -s | cut -f 2,6
CR_SHARE=$PWD/share crenc -m nosuch a.tok 2>&1 >/dev/null | sed "s|$PWD/share|SHARE|; s/^/  /"
echo "-- terminal"
# script(1) (bsdutils, essential on Debian) gives crenc a terminal on stdin
script -qec 'crenc -m m.crm; echo "exit $?"' /dev/null </dev/null 2>&1 | tr -d '\r' | grep -v '^$' | head -n 3
