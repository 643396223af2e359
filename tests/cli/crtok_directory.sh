# a directory is not a document: reported and skipped like a missing file
mkdir dir
printf 'Hello' > a.txt
crtok dir a.txt > out.crs
echo "crtok exit $?"
crdump -q out.crs | grep '^doc'
echo "crdump exit $?"
crtok -d dir
echo "crtok -d exit $?"
crdump dir
echo "crdump exit $?"
