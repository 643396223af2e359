# A run stopped after 3 steps and resumed to 6 gives the same model as 6 steps at once;
# SIGTERM leaves a checkpoint and says how to resume.
cat "$TOP"/core/*.c | crtok -L 64 > d.tok
T="crtrain -p tiny -B 2 --warmup 0 --lr 1e-3 --min-lr 1e-3 --seed 3"
$T -S 6 -o a.crm d.tok 2>/dev/null || exit 1
$T -S 3 -o b.crm d.tok 2>/dev/null || exit 1
crtrain --resume b.crm.ckpt -S 6 -o b.crm d.tok 2>/dev/null || exit 1
a=$(crmodel info a.crm | grep '^check')
b=$(crmodel info b.crm | grep '^check')
[ -n "$a" ] && [ "$a" = "$b" ] && echo "resumed run matches" || echo "differs: $a / $b"
# the same with short windows on every second step: the checkpoint keeps --short-every,
# and the run differs from one on full blocks only
$T --short-every 2 -S 6 -o s.crm d.tok 2>/dev/null || exit 1
$T --short-every 2 -S 3 -o t.crm d.tok 2>/dev/null || exit 1
crtrain --resume t.crm.ckpt -S 6 -o t.crm d.tok 2>/dev/null || exit 1
s=$(crmodel info s.crm | grep '^check')
t=$(crmodel info t.crm | grep '^check')
[ -n "$s" ] && [ "$s" = "$t" ] && echo "resumed run with short windows matches" || echo "differs: $s / $t"
[ "$s" != "$a" ] && echo "short windows change the run"
$T -S 100000 -o c.crm -c c.ckpt d.tok 2> err &
pid=$!
sleep 2
kill -TERM $pid
wait $pid
echo "exit $?"
[ -s c.ckpt ] && echo "checkpoint written"
grep -o 'resume with --resume c.ckpt' err
crtrain --resume c.ckpt -S 1 -o c.crm d.tok 2>&1 | grep -c 'resuming c.ckpt'
