#!/bin/sh
# Extracts a Debian package, pinned by name and version, into DIR:
#   sh share/data/fetch-deb.sh libpython3.11-stdlib=3.11.2-6+deb12u8 /tmp/cr-data/pystdlib
# Set CR_ANY_VERSION=1 to take the archive's current version when the pin is gone.
set -eu
pkg=$1 dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
if ! apt-get download "$pkg" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get download "$pkg" >/dev/null 2>&1 ||
        { [ "${CR_ANY_VERSION:-0}" = 1 ] && apt-get download "${pkg%%=*}" >/dev/null; } ||
        { echo "fetch-deb: cannot download $pkg" >&2; exit 1; }
fi
mkdir -p "$dir"
dpkg-deb -x ./*.deb "$dir"
