# -T reads document paths from a list, one per line (blank lines skipped), or with -0
# NUL-separated as find -print0 writes them; - is stdin
tab=$(printf '\t')
mkdir docs
printf 'first' > docs/a.txt
printf 'second one' > 'docs/b c.txt'
printf 'docs/a.txt\n\ndocs/b c.txt\n' > list
crtok -T list | crdump -q | grep '^doc'
echo "-T exit $?"
printf 'docs/b c.txt\ndocs/a.txt' | crtok -T - | crdump -q | grep "^doc$tab"
find docs -name '*.txt' -print0 | sort -z | crtok -T - -0 | crdump -q | grep "^doc$tab"
find docs -name '*.txt' -print0 | sort -z | crtok -T - -0 | crtok -d
echo
# -T takes no FILE operands and no -d
crtok -T list docs/a.txt > /dev/null
echo "with FILE: exit $?"
crtok -T list -d > /dev/null
echo "with -d: exit $?"
