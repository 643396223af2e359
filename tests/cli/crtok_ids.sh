# crtok --ids prints plain ids, one line per document (tiktoken's encode_ordinary), with
# -e a 50256 ending each line; crtok -d reads them back to the very bytes
printf 'Hello world\n' > a.txt
printf 'Hello world' > b.txt
: > empty.txt
printf '\377\376 caf\303\251\000x' > bin.txt
crtok --ids a.txt; echo "exit $?"
crtok --ids -e b.txt empty.txt a.txt; echo "exit $?"
printf 'a.txt\nb.txt\n' | crtok --ids -T -; echo "exit $?"
crtok --ids < bin.txt
for f in a.txt b.txt empty.txt bin.txt "$TOP/README.md"; do
    crtok --ids "$f" | crtok -d | cmp -s - "$f" || echo "$f: crtok --ids | crtok -d differs"
done
crtok --ids a.txt b.txt | crtok -d | cmp -s - "$(cat a.txt b.txt > ab.txt; echo ab.txt)" &&
    echo "two documents back one after the other"
# the ids are tiktoken's, as the golden files hold them one per line
for f in "$TOP"/tests/golden/tok/*.txt; do
    crtok --ids "$f" | tr ' ' '\n' | sed '/^$/d' | cmp -s - "${f%.txt}.ids" ||
        echo "$(basename "$f"): ids differ from tiktoken's"
    crtok --ids "$f" | crtok -d | cmp -s - "$f" || echo "$(basename "$f"): not the text back"
done
crtok --ids -v a.txt > /dev/null
crtok --ids missing.txt a.txt; echo "exit $?"
crtok --ids -d a.txt; echo "exit $?"
