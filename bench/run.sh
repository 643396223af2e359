#!/bin/sh
# All benchmarks; each prints what it measured.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
sh "$here/tok.sh"
for b in "$here"/ae.sh "$here"/train.sh; do
    [ -f "$b" ] && sh "$b"
done
exit 0
