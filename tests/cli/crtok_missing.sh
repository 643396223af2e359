# a file that cannot be opened is reported and skipped: exit 1, but the stream of the
# other files is complete and valid
printf 'Hello' > a.txt
printf ' world' > b.txt
crtok a.txt nosuch b.txt > out.crs
echo "crtok exit $?"
crdump -q out.crs | grep -v '^meta'
echo "crdump exit $?"
crtok -d out.crs
echo
