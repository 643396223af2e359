# FIFOs and devices where a regular file is expected (a model, a checkpoint, a state
# file) are refused at once, never waited on; in a tree or a list they are skipped with
# their reason. Paths with a newline, a tab, a backslash, bytes that are not UTF-8 or a
# leading dash come out once each, on one line, and read back: \xNN in text (as crdump),
# escapes in JSON.
crmodel new -p tiny -s block=16 -s latents=2 -o m.crm 2>/dev/null || exit 1
head -c 6000 "$TOP/core/input.c" > held.txt && crtok -L 16 held.txt > held.tok || exit 1
crmodel calibrate -o m.crm m.crm held.tok 2>/dev/null || exit 1
printf 'some text to read\n' > a.txt && crtok -L 16 a.txt > a.tok || exit 1
mkfifo f
for c in "crenc -m f a.tok" "crdec -m /dev/zero" "crmodel info f" "crmodel calibrate f a.tok" \
         "crtrain -m f -o x.crm a.tok" "crtrain --resume f -o x.crm a.tok" \
         "crtrain --resume /dev/zero -o x.crm a.tok" "crtag -m f a.txt" \
         "crtag -m m.crm --state f a.txt" "crtag -m m.crm --state /dev/null a.txt"; do
    timeout 10 $c < /dev/null > /dev/null 2> err
    echo "$c: exit $? $(grep -c 'not a regular file' err)"
done
mkdir t && printf 'print(1)\n' > "t/$(printf 'new\nline.py')" && printf 'x\n' > "t/$(printf 'a\tb')"
printf 'x\n' > "t/$(printf 'x\377y')" && printf 'x\n' > t/-n && printf 'x\n' > 't/a\b'
mkfifo t/fifo && ln -s /dev/zero t/zero
crtag -m m.crm t | cut -f 1,2
crtag --json -m m.crm t | sed 's/,"xxh3.*//'
find t ! -type d -print0 | crtag -m m.crm - 2> /dev/null | cut -f 1,2 | sort | uniq -c | sed 's/^ *//'
find t -name '*line*' -print0 | crtok -0 -T - | crdump | grep '^doc'
