# counts outside their range are usage errors (exit 2); -S equal to -L is fine
for args in "-L 0" "-L 65537" "-L x" "-S 0" "-L 8 -S 8" "-L 65536"; do
    crtok $args < /dev/null > out 2> err
    echo "$args: exit $? $(head -n 1 err)"
done
