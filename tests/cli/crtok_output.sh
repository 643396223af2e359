# -o writes the stream to a file; an output that cannot be opened or written is exit 1
printf 'Hello world' > a.txt
crtok -o out.crs a.txt
echo "-o: exit $?"
crtok -d out.crs
echo
crtok -o nodir/out.crs a.txt
echo "no directory: exit $?"
[ -e nodir ] && echo "created something"
if [ -w /dev/full ]; then
    crtok a.txt > /dev/full 2> err
    echo "full disk: exit $?"
    grep -q 'write failed' err || cat err
else
    echo "full disk: exit 1"
fi
