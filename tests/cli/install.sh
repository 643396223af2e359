# make install puts under PREFIX what cr(7) FILES says (the programs with their man pages,
# the pages of sections 5 and 7, the share files of its first list); an installed program
# finds its share directory by itself; make uninstall leaves nothing but empty directories
unset CR_SHARE MAKEFLAGS MFLAGS MAKELEVEL
d=$PWD/root
m() { make -s -C "$TOP" B="${CR_BUILD:-build}" DESTDIR="$d" PREFIX=/usr "$@" > log 2>&1 ||
    { cat log; exit 1; }; }
m install
for p in "$TOP"/man/*.1 "$TOP"/man/*.5 "$TOP"/man/*.7; do
    f=${p##*/}
    [ -f "$d/usr/share/man/man${f##*.}/$f" ] || echo "no man${f##*.}/$f"
    [ "${f##*.}" != 1 ] || [ -x "$d/usr/bin/${f%.1}" ] || echo "no bin/${f%.1}"
done
echo "programs and man pages"
# the entries of the first list of FILES in cr(7), as ".It Pa a , b"
sed -n '/^\.Sh FILES/,/^\.El/p' "$TOP/man/cr.7" | sed -n 's/^\.It Pa //p' | tr -d ',' |
    tr ' ' '\n' | sed '/^$/d' > files
[ -s files ] || echo "no files in cr(7) FILES"
while read -r f; do [ -f "$d/usr/share/cr/$f" ] || echo "no share/cr/$f"; done < files
echo "share/cr as cr(7) says"
printf 'Hello world\n' > a.txt
(cd / && "$d/usr/bin/crtok" --ids "$OLDPWD/a.txt")
"$d/usr/bin/crtok" < a.txt | "$d/usr/bin/crtok" -d | cmp - a.txt && echo "round trip"
n=$(ls "$TOP"/share/models/*.crm 2> /dev/null | wc -l)
[ "$("$d/usr/bin/crmodel" list | wc -l)" -eq "$n" ] && echo "crmodel list: the shipped experts"
m uninstall
find "$d" ! -type d
[ -d "$d/usr/share/cr" ] && echo "share/cr is left"
find "$d" -type d | wc -l | tr -d ' '
