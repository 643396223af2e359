# an unknown flag is a usage error: exit 2, the usage on stderr, nothing on stdout
crtok -Z > out 2> err
st=$?
[ -s out ] && echo "stdout not empty"
grep -q '^usage: crtok' err && echo "usage on stderr"
head -n 1 err
exit $st
