# The model's products: bf16 where the CPU has AVX512-BF16 (crenc, crdec, crtag), fp32 with
# CR_MATMUL=fp32, and --version says which; the two give nearly the same scores, and the
# same on a CPU without the instructions; any other CR_MATMUL is refused.
crmodel new -p tiny -s block=32 -s latents=2 -o m.crm 2>/dev/null || exit 1
crtok -L 32 "$TOP/README.md" > a.tok
env -u CR_MATMUL crdec --version | grep -c '^model products: '
CR_MATMUL=fp32 crdec --version | grep '^model products: '
grep -qw avx512_bf16 /proc/cpuinfo && want=bf16 || want=fp32
env -u CR_MATMUL crenc --version | grep '^model products: ' | cut -d' ' -f3 | grep -qx "$want" && echo "the path this CPU has"
# -v says which ran
crtok -L 32 "$TOP/README.md" | env -u CR_MATMUL crenc -v -m m.crm 2>&1 > /dev/null |
    grep -o 'model products: [a-z0-9]*' | cut -d' ' -f3 | grep -qx "$want" && echo "-v: the path this CPU has"
crtok -L 32 "$TOP/README.md" | CR_MATMUL=fp32 crenc -v -m m.crm 2>&1 > /dev/null | grep -o 'model products: [a-z0-9]*'
for m in fp32 auto; do
    CR_MATMUL=$m crenc -m m.crm a.tok | CR_MATMUL=$m crdec -m m.crm | crscore -s > $m.txt || exit 1
done
paste fp32.txt auto.txt | awk -F'\t' '{ t = $3 - $9; c = $4 - $10
    print ($2 == $8 && t < 0.01 && t > -0.01 && c < 0.05 * $4 && c > -0.05 * $4 ? "nearly the same scores" : "differ: " $0) }'
CR_MATMUL=fast crdec -m m.crm < /dev/null > /dev/null 2> err.txt; echo "exit $?"
sed "s/^[^:]*: //" err.txt
CR_MATMUL=fast crtag -m m.crm "$TOP/README.md" > /dev/null 2> err.txt; echo "exit $?"
sed "s/^[^:]*: //" err.txt
