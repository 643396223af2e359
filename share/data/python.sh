#!/bin/sh
# Python source for the python expert: the .py files of Debian's libpython3.11-stdlib and
# libpython3.11-minimal, python3-django, python3-twisted and python3-sqlalchemy, fetched
# by name and pinned version, without tests (no path with a test/ or tests/ directory, no
# test_*.py). Whole units are held out for validation, never random files: all of twisted,
# and the stdlib packages asyncio/, xml/ and email/ (see val_units below):
#   sh share/data/python.sh OUTDIR [L]
# writes the lists OUTDIR/py-{train,val}.files, the token streams OUTDIR/py-train-L.tok and
# OUTDIR/py-val-L.tok (crtok -L L, default 512) and OUTDIR/python.manifest.tsv (source = unit,
# package, version, files, bytes, split, tokens). The training list is in sorted order; the
# held-out list takes one file of each held-out unit in turn, so that the first blocks
# of py-val-L.tok (what crtrain -V validates on) come from every unit. Fetched packages stay
# in OUTDIR/src/py-pkg/ (a rerun skips them). Needs apt-get, dpkg-deb.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/cr-data} L=${2:-512}
crtok=${CRTOK:-$here/../../build/crtok}
export LC_ALL=C

# unit  package  version  directory of its files (inside the package)
pins='stdlib libpython3.11-stdlib 3.11.2-6+deb12u8 usr/lib/python3.11
minimal libpython3.11-minimal 3.11.2-6+deb12u8 usr/lib/python3.11
django python3-django 3:3.2.25-0+deb12u3 usr/lib/python3/dist-packages/django
sqlalchemy python3-sqlalchemy 1.4.46+ds1-1 usr/lib/python3/dist-packages/sqlalchemy
twisted python3-twisted 22.4.0-4+deb12u1 usr/lib/python3/dist-packages/twisted'

# held out: whole packages (a unit name) or whole stdlib packages (unit/directory)
val_units='stdlib/asyncio stdlib/xml minimal/email twisted'

pkgdir=$out/src/py-pkg
mkdir -p "$pkgdir"

# members, as "unit<TAB>split<TAB>path", in sorted order within each package
: > "$out/py.members"
echo "$pins" | while read -r unit pkg version dir; do
    d=$pkgdir/$pkg
    if [ ! -d "$d" ]; then
        rm -rf "$d.part"
        sh "$here/fetch-deb.sh" "$pkg=$version" "$d.part" >&2
        mv "$d.part" "$d"
    fi
    [ -d "$d/$dir" ] || { echo "python: no $dir in $pkg" >&2; exit 1; }
    find "$d/$dir" -name '*.py' -type f -size +0 | sort |
    awk -v root="$d/$dir/" -v unit="$unit" -v val="$val_units" '
    BEGIN { n = split(val, v, " "); for (i = 1; i <= n; i++) held[v[i]] = 1 }
    { p = substr($0, length(root) + 1) }
    p ~ /(^|\/)tests?\// || p ~ /(^|\/)test_[^\/]*\.py$/ { next }
    { u = unit; top = p; sub(/\/.*/, "", top)
      if (p ~ /\// && ((unit "/" top) in held)) u = unit "/" top
      printf "%s\t%s\t%s\n", u, (u in held) ? "val" : "train", $0 }'
done >> "$out/py.members"
for u in $val_units; do
    awk -F'\t' -v u="$u" '$1 == u { n++ } END { if (!n) exit 1 }' "$out/py.members" ||
        { echo "python: held-out unit $u has no files" >&2; exit 1; }
done

awk -F'\t' '$2 == "train" { print $3 }' "$out/py.members" > "$out/py-train.files"
awk -F'\t' '$2 == "val" { if (!($1 in k)) k[$1] = ++n; print ++r[$1] "\t" k[$1] "\t" $3 }' \
    "$out/py.members" | sort -n -k1,1 -k2,2 | cut -f3 > "$out/py-val.files"
for split in train val; do
    CR_SHARE=$here/.. "$crtok" -v -L "$L" -T "$out/py-$split.files" \
        > "$out/py-$split-$L.tok" 2> "$out/py-$split.log"
done

# manifest: per unit and split, files, bytes and tokens (from crtok -v)
{
    printf 'source\tpackage\tversion\tfiles\tbytes\tsplit\ttokens\n'
    for split in train val; do
        awk -v sp="$split" -v pins="$pins" '
        BEGIN { n = split(pins, l, "\n")
                for (i = 1; i <= n; i++) { split(l[i], p, " "); pk[p[1]] = p[2]; ve[p[1]] = p[3] } }
        FNR == NR { split($0, w, "\t"); unit[w[3]] = w[1]
                    if (w[2] == sp && !(w[1] in seen)) { seen[w[1]] = 1; order[++k] = w[1] }
                    next }
        /^crtok: .*: [0-9]+ bytes, [0-9]+ tokens/ {
            path = $2; sub(/:$/, "", path)
            s = unit[path]; f[s]++; b[s] += $3; t[s] += $5 }
        END { for (i = 1; i <= k; i++) { s = order[i]; u = s; sub(/\/.*/, "", u)
                printf "%s\t%s\t%s\t%d\t%d\t%s\t%d\n", s, pk[u], ve[u], f[s], b[s], sp, t[s] } }
        ' "$out/py.members" "$out/py-$split.log"
    done
} > "$out/python.manifest.tsv"
rm -f "$out/py-train.log" "$out/py-val.log" "$out/py.members"

awk -F'\t' 'NR > 1 { f[$6] += $4; b[$6] += $5; t[$6] += $7 }
    END { printf "python: %d files, %d bytes, %d tokens for training; %d files, %d bytes, %d tokens held out\n",
        f["train"], b["train"], t["train"], f["val"], b["val"], t["val"] }' "$out/python.manifest.tsv"
