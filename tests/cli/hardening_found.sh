# What the hostile-user review found (the hardening issue), each reproduced: a FIFO given
# as a model does not hang; crtok -d refuses empty input as every reader does;
# concatenated streams (documents numbered from 0 in each) go through crenc and crdec as
# two streams (tests/unit/test_input.c refuses the inconsistent ones); crdump prints a
# document name with a newline on one line.
crmodel new -p tiny -s block=32 -s latents=2 -o m.crm 2>/dev/null || exit 1
mkfifo fifo
timeout 10 crenc -m ./fifo < /dev/null; echo "fifo model: exit $?"
printf '' | crtok -d; echo "crtok -d on nothing: exit $?"
printf 'one two three four five six seven eight nine ten eleven twelve' > a.txt
crtok -L 32 a.txt > one.tok && cat one.tok one.tok > cat.tok || exit 1
crenc -m m.crm cat.tok | crdec -m m.crm | crscore -d | cut -f 1,2
crenc -m m.crm one.tok one.tok | crdec -m m.crm | crdump | grep -c '^stream'
printf 'x y' > "$(printf 'new\nline')"
crtok "$(printf 'new\nline')" | crdump | grep '^doc'
