# A damaged checkpoint is refused with exit 1 and a message that names it and what is
# wrong (cr-checkpoint(5)): cut short, two streams, a flipped byte, another kind of stream.
cat "$TOP"/core/*.c | crtok -L 64 > d.tok
crtrain -p tiny -B 2 -S 1 -o m.crm d.tok 2> /dev/null || exit 1
head -c 5000000 m.crm.ckpt > cut.ckpt
cat m.crm.ckpt m.crm.ckpt > two.ckpt
cp m.crm.ckpt flip.ckpt
printf 'U' | dd of=flip.ckpt bs=1 seek=3000000 conv=notrunc 2> /dev/null
for c in cut.ckpt two.ckpt flip.ckpt d.tok; do
    crtrain --resume $c -o x.crm d.tok 2>&1
    echo "exit $?"
done
[ -e x.crm ] && echo "a model was written"
true
