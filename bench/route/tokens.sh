#!/bin/sh
# The tokens of documents, for segeval.pl's token accuracy: lines "doc start" (TSV), the
# document as named in LIST and the byte offset of each token's first byte, each token
# once (zero-length tokens left out):
#   sh bench/route/tokens.sh LIST > TOKENS
# LIST: paths one a line (mix.files, real.files). Tokenizes with crtok (CRTOK, default
# build/crtok) and reads the offsets back with crdump (CRDUMP, default build/crdump).
set -eu
[ $# -eq 1 ] || { echo "usage: sh bench/route/tokens.sh LIST > TOKENS" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
crtok=${CRTOK:-$here/../../build/crtok}
crdump=${CRDUMP:-$here/../../build/crdump}
CR_SHARE=$here/../../share nice -n 10 "$crtok" -T "$1" | nice -n 10 "$crdump" |
awk -F'\t' '
$1 == "doc" { name[$2] = $3; next }
$1 == "block" { split($2, w, " "); d = w[2]; next }
$1 == "" && NF >= 4 && $4 > 0 && (!(d in last) || $3 > last[d]) { print name[d] "\t" $3; last[d] = $3 }'
