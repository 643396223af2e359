# -h prints the usage to stdout, nothing to stderr, and exits 0
crtok -h > out 2> err
st=$?
head -n 1 out | cut -d " " -f 1-2
[ -s err ] && echo "stderr: $(cat err)"
grep -q -- '-L, --block N' out && echo "lists -L"
exit $st
