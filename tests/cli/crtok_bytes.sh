# any bytes at all (invalid UTF-8, NULs, control characters) come back byte for byte
# through crtok | crtok -d, with or without overlapping windows
fmt=
i=0
while [ $i -lt 256 ]; do fmt="$fmt\\$(printf %03o $i)"; i=$((i + 1)); done
printf "$fmt" > all
i=255
fmt=
while [ $i -ge 0 ]; do fmt="$fmt\\$(printf %03o $i) "; i=$((i - 3)); done
printf "$fmt" > down
# NULs, stray bytes, an overlong '/', a surrogate, a cut character, CRLF, an emoji,
# and a character cut at the very end
printf 'a\000b\377\376 \300\257 \355\240\200 \343\200 caf\303\251\r\n' > mixed
printf '\000\000 \360\237\230\200x\342\202' >> mixed
cat all down mixed all mixed mixed down > in
wc -c < in | tr -d ' '
crtok < in | crtok -d | cmp - in && echo "same bytes"
crtok -L 8 -S 3 < in | crtok -d | cmp - in && echo "same bytes through windows"
crtok -L 1 < in | crtok -d | cmp - in && echo "same bytes one token a block"
