# The GNU parallel recipe of crtag(1), as written there: the tree spread over two local
# job slots, and over "hosts" (--sshlogin with local slots only), gives, merged and
# sorted, the lines of one crtag over the tree, sorted.
for n in one two; do crmodel new -p tiny -s block=32 -s latents=2 -n $n -o $n.crm 2>/dev/null || exit 1; done
crtok -L 32 "$TOP/README.md" > cal.tok || exit 1
crmodel calibrate one.crm cal.tok 2>/dev/null && crmodel calibrate two.crm cal.tok 2>/dev/null || exit 1
mkdir -p share/models && cp one.crm two.crm share/models/ && ln -s "$TOP/share/gpt2" share/gpt2
export CR_SHARE=$PWD/share
mkdir -p corpus/a corpus/b
i=0
for f in "$TOP"/cmd/*.c "$TOP"/man/*.1; do
    i=$((i + 1)); head -c 1200 "$f" > "corpus/$( [ $((i % 2)) = 0 ] && echo a || echo b)/$i.txt"
done
crtag corpus | sort > one.tags || exit 1
# the two command lines of crtag(1), EXAMPLES, with host2 left out (no ssh here)
grep -e '^\$ find corpus.*parallel' "$TOP/man/crtag.1" | sed 's/^\$ //; s/\\-/-/g; s/,2\/host2//' |
while IFS= read -r cmd; do
    sh -c "$cmd" 2>/dev/null || echo "failed: $cmd"
    n=$(find corpus -type f | wc -l)
    if cmp -s tags one.tags && [ "$(wc -l < tags)" -eq "$n" ]; then echo "parallel = one crtag, a line per file"; else echo "differ: $cmd"; fi
done
