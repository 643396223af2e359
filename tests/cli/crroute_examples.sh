# The EXAMPLES of crroute(1), run as written (from a directory where share/ is the source
# tree's, with the shipped experts): each must succeed, and print what the page shows,
# up to the digits of decimal numbers (the kernels, chosen at run time, differ in the
# last digits from one CPU to another) and the spacing of the columns.
command -v bash > /dev/null || { echo "no bash for the process substitutions"; exit 1; }
ln -s "$TOP/share" share
awk '/^\.Sh EXAMPLES/ { on = 1; next }
     /^\.Sh / { on = 0 }
     on && /^\.Bd -literal/ { n++; inb = 1; cont = 0; printf "" > ("ex" n ".sh"); printf "" > ("ex" n ".want"); next }
     on && /^\.Ed/ { inb = 0; next }
     !inb { next }
     cont || /^\$ / || /^> / {
         line = $0; if (!cont) line = substr(line, 3)
         print line > ("ex" n ".sh"); cont = $0 ~ /\\e$/; next }
     { print > ("ex" n ".want") }
     END { print n + 0 > "count" }' "$TOP/man/crroute.1"
n=$(cat count)
[ "$n" -ge 3 ] || echo "only $n examples"
norm() { sed -E 's/-?[0-9]+\.[0-9]+/N/g; s/[[:space:]]+/ /g; s/ $//' "$1"; }
i=1
while [ "$i" -le "$n" ]; do
    sed 's/\\-/-/g; s/\\e/\\/g' "ex$i.sh" > "run$i.sh"
    if ! bash -e "run$i.sh" > "ex$i.got" 2> "ex$i.err"; then
        echo "example $i failed:"; cat "run$i.sh" "ex$i.err"
    elif [ -s "ex$i.want" ] && [ "$(norm "ex$i.want")" != "$(norm "ex$i.got")" ]; then
        echo "example $i printed what the page does not show:"; diff "ex$i.want" "ex$i.got"
    elif [ -s "ex$i.want" ]; then
        echo "example $i: as shown ($(wc -l < "ex$i.got") lines)"
    else
        echo "example $i: ran"
    fi
    i=$((i + 1))
done
