#!/bin/sh
# Adding a domain without touching the others (the experts issue): the held-out blocks of
# python, english and c routed by python and english alone, then with the c expert added.
# python.crm and english.crm are the same files in both runs (their model checks are
# printed); only the calibrated rule and the rejection thresholds of each expert, stored
# in its own file, take part, so adding c needs nothing but c.crm.
#   sh bench/addc.sh          (CR_C_MODEL: the c expert, default share/models/c.crm;
#                              the data of bench/route.sh in CR_DATA)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
c=${CR_C_MODEL:-$top/share/models/c.crm}
export PATH="$top/build:$PATH" CR_SHARE=$top/share
for m in python english; do
    crmodel info --json "$m" | sed -n 's/.*"check":"\([0-9a-f]*\)".*/'"$m"' check \1/p'
done
echo "# before: python and english"
CR_EXPERTS="python english" CR_DOMAINS="python english c" CR_SECTIONS="blocks noise" \
    sh "$top/bench/route.sh"
echo
echo "# after: python, english and c ($c)"
CR_EXPERTS="python english c=$c" CR_DOMAINS="python english c" CR_SECTIONS="blocks noise" \
    sh "$top/bench/route.sh"
