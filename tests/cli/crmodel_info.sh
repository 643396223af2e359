# crmodel info and convert take a file or the name of a shipped expert (SHARE/models/
# NAME.crm, shown as that file); info --json gives the same as the text, one object per
# model, strings escaped; tabs and line breaks in text values become spaces
crmodel new -p tiny -s latents=4 -o t.crm 2> /dev/null || exit 1
mkdir -p sh/models
crmodel convert --f32 -n named --meta "train.data=$(printf 'x\ty\nz "q"')" \
    -o sh/models/named.crm t.crm || exit 1
CR_SHARE='sh' crmodel info named | grep -v '^check'
CR_SHARE='sh' crmodel info --json named > j
sed 's/"check":"[0-9a-f]*"/"check":C/' j
# the check is the text's, and several models give one line each
c=$(crmodel info t.crm | awk -F'\t' '$1 == "check" {print $2}')
grep -q "\"check\":\"$c\"" j && echo "same check"
CR_SHARE='sh' crmodel info --json t.crm named | wc -l | tr -d ' '
CR_SHARE='sh' crmodel convert --bf16 -o c.crm named && crmodel info c.crm | grep 'model.name'
# a name that is neither a file here nor a shipped expert
CR_SHARE='sh' crmodel info nosuch t.crm > out 2> err; echo "exit $?"
grep -c '^model' out
grep -c 'nosuch' err
CR_SHARE='sh' crmodel info --json; echo "exit $?"
