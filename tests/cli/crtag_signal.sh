# SIGTERM (or SIGINT) during crtag --state: the file being scored is dropped, the state
# keeps the files done and, for those the run did not reach, the last run's entries; the
# message says so and how to go on, the status is 1, and the same command then scores
# only the rest. The paths come NUL-separated from a FIFO held open, so crtag is still
# running when the signal comes (it walks each path as soon as it arrives).
crmodel new -p tiny -s block=16 -s latents=2 -o m.crm 2>/dev/null || exit 1
head -c 6000 "$TOP/core/input.c" > held.txt && crtok -L 16 held.txt > held.tok || exit 1
crmodel calibrate -o m.crm m.crm held.tok 2>/dev/null || exit 1
mkdir tree && for i in 1 2 3 4 5 6; do echo "file $i, first version" > tree/f$i; done
crtag -m m.crm --state st tree > /dev/null || exit 1
for i in 1 2; do echo "file $i, second version" > tree/f$i; done
mkfifo list
crtag -m m.crm --state st - < list > out 2> err &
pid=$!
exec 3> list
printf 'tree/f1\0tree/f2\0' >&3
sleep 2
kill -TERM $pid
wait $pid; echo "exit $?"
exec 3>&-
done=$(sed -n 's/.*stopped by signal 15 after \([0-9]*\) files; st holds them: run the same command again to go on$/\1/p' err)
[ -n "$done" ] && echo "stopped, says how to go on" || cat err
[ "$done" -le 2 ] && echo "at most the two files given"
scored=$(crtag -v -m m.crm --state st tree 2>&1 > /dev/null | sed -n 's/.* \([0-9]*\) scored, .*/\1/p')
# f1 and f2 changed, f3-f6 did not: only what the stopped run did not score is left
[ "$((done + scored))" -eq 2 ] && echo "the same command scores only the rest"
