# a reader that stops early (head) ends crtok without a message. If SIGPIPE is ignored
# where the suite runs, crtok must instead report the failed write and exit 1.
i=0
while [ $i -lt 16 ]; do
    printf 'The quick brown fox jumps over the lazy dog, again and again. %s\n' $i
    i=$((i + 1))
done > line16
cat line16 line16 line16 line16 line16 line16 line16 line16 > l128
cat l128 l128 l128 l128 l128 l128 l128 l128 > l1k
cat l1k l1k l1k l1k l1k l1k l1k l1k l1k l1k l1k l1k l1k l1k l1k l1k > big.txt  # ~1 MB
{ crtok < big.txt 2> err; echo $? > status; } | head -c 100 > /dev/null
st=$(cat status)
if [ -z "$( (yes | head -c 1 > /dev/null) 2>&1)" ]; then
    [ -s err ] && { echo "stderr: $(cat err)"; exit 1; }
    [ "$st" -gt 128 ] || { echo "exit $st, not killed by SIGPIPE"; exit 1; }
else
    [ "$st" -eq 1 ] && grep -q 'write failed' err || { echo "SIGPIPE ignored: exit $st"; exit 1; }
fi
echo quiet
