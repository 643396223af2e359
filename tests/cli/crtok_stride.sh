# -S greater than -L is a usage error, reported before anything is read or written
crtok -L 4 -S 5 > out
st=$?
[ -s out ] && echo "wrote output"
exit $st
