# crtrain's products: bf16 where the CPU has AVX512-BF16, fp32 with CR_MATMUL=fp32, and its
# -v line says which; the two learn alike (the losses of a few steps stay close, the
# weights differ only where bf16 ran), each run is the same twice over; any other
# CR_MATMUL is refused before anything is written.
cat "$TOP"/core/*.c | crtok -L 64 > d.tok
T="crtrain -p tiny -B 4 -S 8 --warmup 0 --lr 1e-3 --seed 3"
grep -qw avx512_bf16 /proc/cpuinfo && want=bf16 || want=fp32
for m in fp32 auto; do
    CR_MATMUL=$m $T -v --log $m.tsv -o $m.crm d.tok 2> $m.err || { cat $m.err; exit 1; }
    CR_MATMUL=$m $T -o $m-2.crm d.tok 2> /dev/null || exit 1
    [ "$(crmodel info $m.crm | grep '^check')" = "$(crmodel info $m-2.crm | grep '^check')" ] &&
        echo "$m: the same model twice"
done
grep -o 'model products [a-z0-9]*' fp32.err
crmodel info fp32.crm | grep 'train.matmul'
crmodel info auto.crm | grep 'train.matmul' | cut -f3 | grep -qx "$want" && echo "the model says which"
grep -o 'model products [a-z0-9]*' auto.err | cut -d' ' -f3 | grep -qx "$want" && echo "auto: the path this CPU has"
paste fp32.tsv auto.tsv | awk -F'\t' 'NR > 1 { d = $4 - $15; d = d < 0 ? -d : d; if (d > m) m = d }
    END { print (m < 0.05 ? "losses within 0.05 bits" : "losses differ by " m) }'
# the weights differ where bf16 ran (its rounding reaches every update), not elsewhere
a=$(crmodel info fp32.crm | grep '^check') b=$(crmodel info auto.crm | grep '^check')
{ [ "$want" = bf16 ] && [ "$a" != "$b" ]; } || { [ "$want" = fp32 ] && [ "$a" = "$b" ]; } &&
    echo "auto's weights as its path makes them"
CR_MATMUL=fast $T -o x.crm d.tok > /dev/null 2> err.txt; echo "exit $?"
sed "s/^[^:]*: //" err.txt
[ -e x.crm ] || echo "nothing written"
# refused before the model is read: the message is CR_MATMUL's, not the missing file's
CR_MATMUL=fast crtrain -m missing.crm -o y.crm d.tok > /dev/null 2> err.txt; echo "exit $?"
sed "s/^[^:]*: //" err.txt
