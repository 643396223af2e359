# Data the model cannot take, and numbers out of range, are refused before training, with
# the fix in the message: blocks of another size (exit 1), a fraction where a whole
# number is needed and a number beyond its range (exit 2).
cat "$TOP"/core/*.c | crtok -L 32 > d32.tok
crtrain -p tiny -S 1 -o m.crm d32.tok 2>&1
echo "exit $?"
crtrain -p tiny -B 2.5 -o m.crm d32.tok 2>&1
echo "exit $?"
crtrain -p tiny --ckpt-minutes -1 -o m.crm d32.tok 2>&1
echo "exit $?"
crtrain --version | head -n 1 | cut -d ' ' -f 1,2
echo "exit $?"
[ -e m.crm ] && echo "a model was written"
true
