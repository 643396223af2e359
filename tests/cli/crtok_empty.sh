# an empty input is one document of 0 bytes and no blocks; with -e its only token is
# <|endoftext|>
crtok < /dev/null | crdump | grep -v '^meta'
crtok -e < /dev/null | crdump | grep -v '^meta'
crtok < /dev/null | crtok -d | wc -c | tr -d ' '
