# crlatent: what it refuses, with messages naming the input: a token stream, a missing
# file, latents of two models (standard input named as such), a stream cut short; a label
# given as LABEL=FILE; usage errors (no command, an unknown one, an option of another
# command) exit 2, with the usage; --help and --version.
crmodel new -p tiny -o m.crm 2>/dev/null || exit 1
crmodel new -p tiny --seed 2 -o m2.crm 2>/dev/null || exit 1
crmodel new -p tiny -s latents=3 -o m3.crm 2>/dev/null || exit 1
printf 'print("hello")\n' > a.py
crtok -L 64 a.py > a.tok || exit 1
crenc -m m.crm a.tok > a.lat && crenc -m m2.crm a.tok > b.lat || exit 1
crenc -m m3.crm a.tok > c.lat || exit 1
head -c 400 a.lat > cut.lat
r() {
    crlatent "$@" > out 2> err; echo "exit $? $(wc -l < out) lines"
    head -n 2 err | sed 's/model [0-9a-f]\{16\}/model X/g; s/^/  /'
}
r pca a.tok
r pca a.lat nosuch.lat
r pca a.lat b.lat
r project a.lat - < c.lat
r pca cut.lat
r pca x=a.lat < /dev/null
cut -f 1,2 out
r
r pcb a.lat
r project -e a.lat
r pca -r 2 a.lat
crlatent --help | head -n 1; echo "exit $?"
crlatent --version | head -n 1 | sed 's/ [0-9][0-9.]*$/ VERSION/'
