# A checkpoint whose header claims a model of a billion parameters, in 288 bytes (fuzz_ckpt
# found a 2.4 GB malloc): the loader's memory grows with the values it reads, so under a
# 4 GB limit it is refused as the truncated file it is, not as "out of memory".
tail -c +2 "$TOP/fuzz/regress/fuzz_ckpt/huge_model" > huge.ckpt
printf 'hello world\n' | crtok -L 8 > t.tok
# (AddressSanitizer reserves terabytes of address space: under make asan, no limit)
# shellcheck disable=SC3045 # ulimit -v: dash and bash have it
if [ -n "${CR_SAN:-}" ]; then crtrain --resume huge.ckpt -o out.crm t.tok; echo "exit $?"
else (ulimit -v 4000000; crtrain --resume huge.ckpt -o out.crm t.tok); echo "exit $?"; fi
test ! -e out.crm && echo "no model written"
