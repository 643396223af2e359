# share/data/heldout.sh: a domain's held-out list split into calibration (odd files) and
# test (even files) halves, the held-out Debian FAQ and Reference pages in neither, the
# calibration half tokenized; the data script is not run when the list is there.
mkdir -p d/src/english/val/debian-faq d/src/english/val/debian-reference
for i in 1 2 3 4 5; do printf 'Text number %s, a few words.\n' $i > d/src/english/val/t$i.txt; done
printf 'FAQ page.\n' > d/src/english/val/debian-faq/f.txt
printf 'Reference page.\n' > d/src/english/val/debian-reference/r.txt
{ echo "$PWD/d/src/english/val/t1.txt"; echo "$PWD/d/src/english/val/debian-faq/f.txt"
  for i in 2 3 4; do echo "$PWD/d/src/english/val/t$i.txt"; done
  echo "$PWD/d/src/english/val/debian-reference/r.txt"; echo "$PWD/d/src/english/val/t5.txt"
} > d/en-val.files
CRTOK=$(command -v crtok) sh "$TOP/share/data/heldout.sh" english d || exit 1
sed 's|.*/||' d/en-cal.files | tr '\n' ' '; echo "(calibration)"
sed 's|.*/||' d/en-test.files | tr '\n' ' '; echo "(test)"
crdump -q d/en-cal-512.tok | awk -F'\t' '$1 == "doc"' | wc -l
# shellcheck disable=SC2010 # names made here; a count of what ls shows
ls d | grep -c manifest
sh "$TOP/share/data/heldout.sh" nosuch d; echo "exit $?"
