#!/bin/sh
# C source for the c expert: the .c files (no headers, nothing under Documentation/) of
# Debian's linux-source-6.1, fetched by name and pinned version. The kernel holds some
# 600 MB of .c; a fixed list of whole directories below keeps about 18.6 MB for training
# (comparable with the english data) and holds out two whole directories that no training
# unit contains (about 2.0 MB, a filesystem and a network driver), never random files:
#   sh share/data/c.sh OUTDIR [L]
# writes the extracted files under OUTDIR/src/c/linux-source-6.1/ (kernel paths kept), their
# lists OUTDIR/c-{train,val}.files, the token streams OUTDIR/c-train-L.tok and
# OUTDIR/c-val-L.tok (crtok -L L, default 512) and OUTDIR/c.manifest.tsv (source = unit,
# package, version, files, bytes, split, tokens). The training list is in sorted order;
# the held-out list takes one file of each held-out unit in turn, so that the first
# blocks of c-val-L.tok (what crtrain -V validates on) come from every unit. The fetched
# package stays in OUTDIR/src/c-pkg/ (a rerun skips it). Needs apt-get, dpkg-deb, tar, xz.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/cr-data} L=${2:-512}
crtok=${CRTOK:-$here/../../build/crtok}
export LC_ALL=C

pkg=linux-source-6.1 version=6.1.176-1    # bookworm (12.x point release) main
top=linux-source-6.1                        # the tarball's top directory

# split  unit: DIR takes every .c below DIR; DIR/* only the .c directly in DIR. No file
# may fall in two units (checked), so no held-out file is in a training unit.
units='train kernel/*
train kernel/sched
train kernel/time
train mm/*
train fs/*
train fs/ext2
train fs/fat
train fs/proc
train fs/jbd2
train net/core
train net/unix
train net/packet
train net/netlink
train drivers/base
train drivers/tty/*
train drivers/char/*
train drivers/usb/core
train drivers/net/ethernet/realtek
train drivers/virtio
train sound/core/*
val fs/ext4
val drivers/net/ethernet/intel/e1000'

pkgdir=$out/src/c-pkg/$pkg
if [ ! -d "$pkgdir" ]; then
    rm -rf "$pkgdir.part"
    sh "$here/fetch-deb.sh" "$pkg=$version" "$pkgdir.part" >&2
    mv "$pkgdir.part" "$pkgdir"
fi
tarball=$pkgdir/usr/src/$pkg.tar.xz
[ -s "$tarball" ] || { echo "c: no $tarball" >&2; exit 1; }

# members: every .c of a unit, as "split<TAB>unit<TAB>path", in sorted order
src=$out/src/c
rm -rf "$src"
mkdir -p "$src"
tar -tJf "$tarball" | sort | awk -v units="$units" -v top="$top/" '
BEGIN { n = split(units, l, "\n")
        for (i = 1; i <= n; i++) { split(l[i], w, " "); sp[i] = w[1]; u[i] = w[2] } }
index($0, top) == 1 && /\.c$/ && !/\/Documentation\// {
    p = substr($0, length(top) + 1); hit = 0
    for (i = 1; i <= n; i++) {
        d = u[i]
        if (d ~ /\/\*$/) { d = substr(d, 1, length(d) - 1)
              ok = index(p, d) == 1 && substr(p, length(d) + 1) !~ /\// }
        else ok = index(p, d "/") == 1
        if (ok) { if (hit++) { print "c: " p " is in two units" > "/dev/stderr"; exit 1 }
                  printf "%s\t%s\t%s\n", sp[i], u[i], p } } }' > "$src/members.tsv"
echo "$units" | while read -r split unit; do
    awk -F'\t' -v u="$unit" '$2 == u { n++ } END { if (!n) exit 1 }' "$src/members.tsv" ||
        { echo "c: unit $unit has no .c files" >&2; exit 1; }
done
cut -f3 "$src/members.tsv" | sed "s|^|$top/|" > "$src/members.list"
tar -xJf "$tarball" -C "$src" --no-same-owner --verbatim-files-from -T "$src/members.list"

for split in train val; do
    awk -F'\t' -v sp="$split" -v root="$src/$top/" '$1 == sp {
        if (!($2 in k)) k[$2] = ++n
        print (sp == "val" ? ++r[$2] : 0) "\t" k[$2] "\t" root $3 }' "$src/members.tsv" |
        sort -s -n -k1,1 -k2,2 | cut -f3 | while IFS= read -r f; do
        if [ -f "$f" ] && [ ! -L "$f" ] && [ -s "$f" ]; then echo "$f"; fi
    done > "$out/c-$split.files"
    CR_SHARE=$here/.. "$crtok" -v -L "$L" -T "$out/c-$split.files" \
        > "$out/c-$split-$L.tok" 2> "$out/c-$split.log"
done

# manifest: per unit, files, bytes and tokens (from crtok -v)
{
    printf 'source\tpackage\tversion\tfiles\tbytes\tsplit\ttokens\n'
    for split in train val; do
        awk -v sp="$split" -v pk="$pkg" -v ve="$version" -v root="$src/$top/" '
        FNR == NR { split($0, w, "\t"); unit[w[3]] = w[2]
                    if (w[1] == sp && !(w[2] in seen)) { seen[w[2]] = 1; order[++k] = w[2] }
                    next }
        /^crtok: .*: [0-9]+ bytes, [0-9]+ tokens/ {
            path = $2; sub(/:$/, "", path)
            if (index(path, root) == 1) path = substr(path, length(root) + 1)
            s = unit[path]; f[s]++; b[s] += $3; t[s] += $5 }
        END { for (i = 1; i <= k; i++) { s = order[i]
                printf "%s\t%s\t%s\t%d\t%d\t%s\t%d\n", s, pk, ve, f[s], b[s], sp, t[s] } }
        ' "$src/members.tsv" "$out/c-$split.log"
    done
} > "$out/c.manifest.tsv"
rm -f "$out/c-train.log" "$out/c-val.log" "$src/members.list"

awk -F'\t' 'NR > 1 { f[$6] += $4; b[$6] += $5; t[$6] += $7 }
    END { printf "c: %d files, %d bytes, %d tokens for training; %d files, %d bytes, %d tokens held out\n",
        f["train"], b["train"], t["train"], f["val"], b["val"], t["val"] }' "$out/c.manifest.tsv"
