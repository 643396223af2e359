# --version: the program, cr's version and the BLAS kernels on stdout, exit 0 (crmodel
# and crtok, before any other argument is needed)
crmodel --version > out 2> err; echo "exit $?"
head -n 1 out | cut -d ' ' -f 1-2
grep -c '^BLAS: ' out
[ -s err ] && cat err
crtok --version > out 2> err; echo "exit $?"
head -n 1 out | cut -d ' ' -f 1-2
grep -c '^BLAS: ' out
[ -s err ] && cat err
crtok --version --vocab /nonexistent > /dev/null; echo "exit $?"
