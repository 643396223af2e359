#!/bin/sh
# Builds the tokenizer benchmark corpus: ~42 MB of code, English prose and
# non-Latin text, taken only from Debian packages fetched by exact name and
# version.  Reproducible: same packages -> byte-identical corpus.
#
#   sh bench/tok/corpus.sh [OUT]        (default /tmp/cr-bench/corpus.txt)
#
# Prints the composition (bytes per part) and the corpus sha256, and writes
# OUT.manifest with the same table.  Parts are concatenated in the fixed order
# below; within a part, files in byte-sorted path order (LC_ALL=C); *.gz files
# are decompressed; a file goes in only if it is valid UTF-8 (iconv).
#
# Needs apt-get, dpkg-deb, iconv, gzip, sha256sum.  If a pinned version has
# left the archive, the script stops; with CR_BENCH_ANY_VERSION=1 it takes the
# candidate version instead and says so (the corpus then differs).
set -eu
export LC_ALL=C

out=${1:-/tmp/cr-bench/corpus.txt}
mkdir -p "$(dirname "$out")"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cr-bench-corpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# part NAME PACKAGE VERSION DIR-IN-PACKAGE FIND-PREDICATES...
# (one line per part: the table the script works from)
parts() {
    cat <<'EOF'
code_python    libpython3.11-stdlib 3.11.2-6+deb12u8 usr/lib/python3.11                        -name *.py
code_c         openafs-modules-dkms 1.8.9-1+deb12u1  usr/src                                   -name *.[ch]
code_ts        node-typescript      4.8.4+ds1-2      usr/share/nodejs/typescript/lib           -name *.d.ts
en_pydoc       python3.11-doc       3.11.2-6+deb12u8 usr/share/doc/python3.11/html/_sources    -name *.rst.txt
en_fortunes    fortunes             1:1.99.1-7.3     usr/share/games/fortunes                  ! -name *.dat
ja_man         manpages-ja          0.5.0.0.20221215+dfsg-1 usr/share/man/ja/man1              -name *.gz
zh_man         manpages-zh          1.6.4.0-1        usr/share/man/zh_CN/man1                  -name *.gz
ru_man         manpages-ru          4.18.1-1         usr/share/man/ru                          -name *.gz
ru_fortunes    fortunes-ru          1.52-3.1         usr/share/games/fortunes/ru               ! -name *.dat
EOF
}

as_root_opt=
[ "$(id -u)" = 0 ] && as_root_opt="-o APT::Sandbox::User=root"

fetch() { # pkg version dir -> prints the version actually used
    pkg=$1 ver=$2 dir=$3
    mkdir -p "$dir"
    # apt-cache finds nothing before the first 'apt-get update'
    if ! apt-cache show "$pkg=$ver" >/dev/null 2>&1; then
        if [ ! -e "$tmp/.updated" ]; then
            apt-get update -qq >/dev/null 2>&1 || true
            : > "$tmp/.updated"
        fi
    fi
    if ! apt-cache show "$pkg=$ver" >/dev/null 2>&1; then
        if [ "${CR_BENCH_ANY_VERSION:-0}" = 1 ]; then
            cand=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
            echo "corpus.sh: WARNING: $pkg=$ver not available, using $cand (corpus differs)" >&2
            ver=$cand
        else
            echo "corpus.sh: $pkg=$ver is not in the archive; available:" >&2
            apt-cache policy "$pkg" >&2 || true
            echo "corpus.sh: update the pin, or set CR_BENCH_ANY_VERSION=1" >&2
            exit 1
        fi
    fi
    # shellcheck disable=SC2086
    (cd "$dir" && apt-get download -qq $as_root_opt "$pkg=$ver" >/dev/null)
    set -- "$dir"/*.deb
    [ -f "$1" ] || { echo "corpus.sh: download of $pkg=$ver failed" >&2; exit 1; }
    dpkg-deb -x "$1" "$dir/root"
    echo "$ver"
}

: > "$out.tmp"
: > "$tmp/table"
parts | while read -r name pkg ver sub pred; do
    used=$(fetch "$pkg" "$ver" "$tmp/$name")
    root=$tmp/$name/root
    [ -d "$root/$sub" ] || { echo "corpus.sh: $pkg has no $sub" >&2; exit 1; }
    # $pred is "-name PATTERN" or "! -name PATTERN"; split it without globbing
    set -f
    # shellcheck disable=SC2086
    set -- $pred
    set +f
    (cd "$root" && find "$sub" -type f "$@" -print) | sort > "$tmp/$name.list"
    nfiles=0 nskip=0
    : > "$tmp/$name.txt"
    while IFS= read -r f; do
        case $f in
        *.gz) gzip -dc "$root/$f" > "$tmp/one" ;;
        *) cat "$root/$f" > "$tmp/one" ;;
        esac
        if iconv -f UTF-8 -t UTF-8 "$tmp/one" > /dev/null 2>&1; then
            cat "$tmp/one" >> "$tmp/$name.txt"
            nfiles=$((nfiles + 1))
        else
            nskip=$((nskip + 1))
        fi
    done < "$tmp/$name.list"
    bytes=$(wc -c < "$tmp/$name.txt")
    cat "$tmp/$name.txt" >> "$out.tmp"
    printf '%-12s %10d bytes %5d files (%d not UTF-8, skipped)  %s=%s:/%s\n' \
        "$name" "$bytes" "$nfiles" "$nskip" "$pkg" "$used" "$sub" >> "$tmp/table"
    rm -rf "${tmp:?}/${name:?}" "$tmp/$name.txt"
done

mv "$out.tmp" "$out"
total=$(wc -c < "$out")
sum=$(sha256sum "$out" | cut -d' ' -f1)
{
    cat "$tmp/table"
    printf '%-12s %10d bytes  sha256 %s\n' total "$total" "$sum"
} | tee "$out.manifest"
echo "corpus.sh: wrote $out"
