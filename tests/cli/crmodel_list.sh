# crmodel list: the experts of SHARE/models in name order, figures from their metadata
# (- where absent), --header, and JSON Lines with every string escaped; a file that is
# not a model is reported and skipped (exit 1), other files are not models
crmodel new -p tiny -o t.crm 2> /dev/null || exit 1
mkdir -p sh/models empty/models
crmodel convert --f32 -o sh/models/plain.crm t.crm || exit 1
# data and recipe: the description of a shipped expert before crtrain's path and recipe
crmodel convert --f32 --meta data=described --meta train.data=/tmp/x.tok -o sh/models/shipped.crm t.crm || exit 1
crmodel convert --bf16 -n expert --meta train.steps=7 --meta train.recipe=here \
    --meta "train.data=$(printf 'a\tb "q" \\ \001 caf\303\251 \377')" \
    -o sh/models/expert.crm t.crm || exit 1
cp sh/models/plain.crm "sh/models/$(printf 'q"\377').crm"
echo junk > sh/models/junk.crm
echo notes > sh/models/notes.txt
cp t.crm sh/models/.hidden.crm
# sizes are the files' own: checked, then left out
CR_SHARE='sh' crmodel list > tsv 2> err; echo "exit $?"
awk -F'\t' '{print $2}' tsv > sizes
for f in expert plain 'q"' shipped; do cat "sh/models/$f"*.crm | wc -c; done | tr -d ' ' | cmp -s - sizes &&
    echo "sizes ok"
cut -f 1,3- tsv
grep -c '^crmodel: sh/models/junk.crm: ' err
CR_SHARE='sh' crmodel list --header | head -n 1
CR_SHARE='sh' crmodel list --json 2> /dev/null | sed 's/"size":[0-9]*,/"size":N,/'
CR_SHARE=empty crmodel list --header; echo "exit $?"
CR_SHARE=nowhere crmodel list; echo "exit $?"
crmodel list extra; echo "exit $?"
