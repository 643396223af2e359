# crtok -d also reads plain whitespace-separated id lists
echo "15496 995" | crtok -d
echo " exit $?"
printf '15496\n\t995\n  13\n' | crtok -d
echo " exit $?"
printf '' | crtok -d          # nothing is not an empty stream: refused, as by every reader
echo "empty: exit $?"
# an id beyond the vocabulary, and text that is neither ids nor a stream
echo "15496 50257" | crtok -d
echo " exit $?"
echo "hello" | crtok -d
echo "exit $?"
