# crtok refuses to write records to a terminal (a pty from script(1)) unless -f; text
# from -d may go to one. Skipped when script(1) is missing or cannot make a pty.
command -v script > /dev/null 2>&1 || exit 0
script -qec 'echo x | crtok; echo "exit $?"' /dev/null < /dev/null > raw 2>&1 || exit 0
[ -s raw ] || exit 0
tr -d '\r' < raw > got
cat > want <<'W'
crtok: <stdout>: refusing to write binary records to a terminal
crtok: hint: redirect the output, pipe it into the next program, or use -f
exit 1
W
cmp -s got want || { echo "without -f:"; cat got; exit 1; } >&2
script -qec 'echo 15496 995 | crtok -d; echo; echo "exit $?"' /dev/null < /dev/null 2>&1 |
    tr -d '\r' > got
printf 'Hello world\nexit 0\n' > want
cmp -s got want || { echo "-d:"; cat got; exit 1; } >&2
script -qec 'echo x | crtok -f | wc -c | tr -d " "; echo "exit $?"' /dev/null < /dev/null 2>&1 |
    tr -d '\r' > got
grep -q '^exit 0$' got && ! grep -q refusing got || { echo "-f:"; cat got; exit 1; } >&2
