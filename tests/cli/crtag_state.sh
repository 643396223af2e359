# crtag --state: a second run over an unchanged tree scores nothing and prints the same
# lines; a changed file is the only one scored (and, with --changed, the only one
# printed); other experts, another penalty, another scale of the costs (-a, -b) or other
# products (CR_MATMUL, where the CPU makes them differ) score everything again; a
# damaged state file is refused; a second run while one holds the
# state exits at once. Then the crontab line of crtag(1),
# run as written.
for n in one two; do crmodel new -p tiny -s block=32 -s latents=2 -n $n -o $n.crm 2>/dev/null || exit 1; done
crtok -L 32 "$TOP/README.md" > cal.tok || exit 1
crmodel calibrate one.crm cal.tok 2>/dev/null && crmodel calibrate two.crm cal.tok 2>/dev/null || exit 1
mkdir -p tree/d
for i in 1 2 3 4 5 6; do head -c $((i * 300)) "$TOP/README.md" > tree/f$i.md; done
head -c 900 "$TOP/Makefile" > tree/d/Makefile
unset CR_MATMUL # the default products (auto) but where a line sets them
t="crtag -m one.crm -m two.crm -S 16 -v"
$t --state st tree > run1.tsv 2> err1 || exit 1
sed 's/, [0-9.]* MB$//' err1
$t --state st tree > run2.tsv 2> err2 || exit 1
sed 's/, [0-9.]* MB$//' err2
cmp -s run1.tsv run2.tsv && echo "the same lines from the state"
printf 'more\n' >> tree/f3.md
$t --state st --changed tree > run3.tsv 2> err3 || exit 1
sed 's/, [0-9.]* MB$//' err3
cut -f 1 run3.tsv
echo "-- other experts"
crtag -m one.crm -S 16 -v --state st tree 2>&1 >/dev/null | sed 's/, [0-9.]* MB$//'
echo "-- another paragraph penalty"
$t -P 7 --state st tree 2>&1 >/dev/null | sed 's/, [0-9.]* MB$//'
echo "-- another scale of the costs"
$t -P 7 -a 0.3 --state st tree 2>&1 >/dev/null | sed 's/, [0-9.]* MB$//'
$t -P 7 -a 0.3 --state st tree 2>&1 >/dev/null | sed 's/, [0-9.]* MB$//'
$t -P 7 -a 0.3 -b 1 --state st tree 2>&1 >/dev/null | sed 's/, [0-9.]* MB$//'
echo "-- other products (CR_MATMUL)"
# where the CPU has AVX512-BF16 the default runs bf16, and a state it wrote is not
# fp32's; elsewhere both run fp32 and the state is reused; the state says which ran
grep -qw avx512_bf16 /proc/cpuinfo && want=7 mode=bf16 || want=0 mode=fp32
crdump st | grep -q "tag.matmul	$mode" && echo "the state names the products"
CR_MATMUL=fp32 $t -P 7 -a 0.3 -b 1 --state st tree 2> err6 > /dev/null || exit 1
[ "$(sed -n 's/.* \([0-9]*\) scored.*/\1/p' err6)" = "$want" ] && echo "fp32 after auto: scored again as the CPU says"
crdump st | grep -c "tag.matmul	fp32"
CR_MATMUL=fp32 $t -P 7 -a 0.3 -b 1 --state st tree 2>&1 >/dev/null | sed 's/, [0-9.]* MB$//'
$t -P 7 -a 0.3 -b 1 --state st tree 2> err6 > /dev/null || exit 1
[ "$(sed -n 's/.* \([0-9]*\) scored.*/\1/p' err6)" = "$want" ] && echo "auto after fp32: the same"
echo "-- damaged"
cp st good.st
size=$(wc -c < st)
printf 'X' | dd of=st bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
$t --state st tree > /dev/null 2> err4; echo "exit $?"
head -n 1 err4 | sed 's/record [0-9]* at byte [0-9]*/record N at byte P/'
cp good.st st
echo "-- locked"
# flock(1), of util-linux (essential on Debian), holds the lock meanwhile
flock st.lock sh -c "$t --state st tree > /dev/null 2> err5; echo \"exit \$?\"; cat err5"
echo "-- crontab line of crtag(1)"
line=$(grep '^15 2 \* \* \* crtag' "$TOP/man/crtag.1" | sed 's/\\-/-/g')
cmd=$(printf '%s\n' "$line" | cut -d ' ' -f 6-)
export HOME=$PWD/home
mkdir -p "$HOME/.cache" "$HOME/corpus" && cp tree/f1.md tree/f2.md "$HOME/corpus/"
mkdir -p share/models && cp one.crm two.crm share/models/ && ln -s "$TOP/share/gpt2" share/gpt2
export CR_SHARE=$PWD/share
sh -c "$cmd" && sh -c "$cmd" || { echo "the crontab line failed"; exit 1; }
printf 'tonight\n' >> "$HOME/corpus/f2.md"
sh -c "$cmd" || exit 1
cut -f 1 "$HOME/corpus.log" | sed "s|$HOME|HOME|"
