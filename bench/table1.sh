#!/bin/sh
# The paper's Table 1 with the shipped experts (make table1): for every expert and every
# held-out set (its own test text, the other experts' test text, each random kind) the
# tokens, TRA, majority-token TRA, CE in bits per token and per byte of text, and the
# latent gain, beside Tang's (2025) figures. Per token and per byte both matter: random
# printable ASCII is one character a token, so an expert can rebuild it better per token
# than prose while being far worse per byte.
#
#   sh bench/table1.sh [-t] [-z] [WORKDIR]        (default /tmp/cr-bench/table1)
#     -t  tab-separated lines with a header instead of the table
#     -z  only make the held-out sets and the latents; print expert, set, role and the
#         latent stream's path, tab-separated (bench/geometry.sh reads them)
#
# Environment:
#   CR_EXPERTS      "NAME=MODEL ..." (default: every share/models/NAME.crm)
#   CR_DATA         where the data scripts wrote (default /tmp/cr-data): the held-out
#                   lists {py,en,c}-test.files (share/data/heldout.sh writes them) and
#                   the random kinds rand-{ids,ascii,bytes,unicode}-512.tok
#                   (share/data/random.sh); a missing one is named and skipped
#   CR_TABLE_BYTES  bytes of held-out text a set (default 300000), see below
#
# A set of held-out text is a sample of its list, the same for every expert: files longer
# than a quarter of CR_TABLE_BYTES are cut to that (copies in WORKDIR/sets/), then every
# k-th file of the list in its order, k chosen so that the sample holds about
# CR_TABLE_BYTES; so every part of the list (for english: brown, foldoc, fortunes, ...)
# has its chance. The random kinds are used whole (64 to 105 KB of text each).
#
# Per expert M and set S, with crtok -L 512 (blocks that do not overlap):
#   crtok -L 512 -T S.files > S.tok; crenc -m M S.tok > S.lat
#   crdec -m M S.lat > own.rec; crdec -x -m M S.lat > cross.rec
#   crscore -s own.rec             tokens, TRA, CE bits/token, majority TRA
#   crscore -g own.rec cross.rec   latent gain: CE decoding each block from the previous
#                                  block's z minus CE from its own, bits/token
#   bits/byte = CE x tokens / bytes, bytes the sum of the documents' lengths (crdump's
#   docend lines)
# Results are kept under WORKDIR/NAME-CHECK/ (CHECK: the model check) and reused while the
# sample is unchanged; about 20-30 minutes an expert on two busy cores.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build
export CR_SHARE=$top/share LC_ALL=C
data=${CR_DATA:-/tmp/cr-data}
cap=${CR_TABLE_BYTES:-300000}
tsv=0 latents=0
while getopts tz c; do
    case $c in
        t) tsv=1 ;;
        z) latents=1 ;;
        *) echo "usage: sh bench/table1.sh [-t] [-z] [WORKDIR]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
w=${1:-/tmp/cr-bench/table1}
case $cap in
    '' | *[!0-9]*) echo "table1: CR_TABLE_BYTES: '$cap' is not a byte count" >&2; exit 2 ;;
esac
[ "$cap" -ge 4096 ] || { echo "table1: CR_TABLE_BYTES: $cap is below 4096" >&2; exit 2; }
for p in crtok crenc crdec crscore crdump crmodel; do
    [ -x "$b/$p" ] || { echo "table1: $b/$p: not built (run make)" >&2; exit 1; }
done
mkdir -p "$w/sets"
notes=$w/notes
: > "$notes"
note() { echo "$*" >> "$notes"; echo "table1: $*" >&2; }

# the experts: "name path" lines
if [ -n "${CR_EXPERTS:-}" ]; then
    for e in $CR_EXPERTS; do
        case $e in
            ?*=?*) echo "${e%%=*} ${e#*=}" ;;
            *) echo "table1: CR_EXPERTS: '$e' is not NAME=MODEL" >&2; exit 2 ;;
        esac
    done
else
    for f in "$top"/share/models/*.crm; do
        [ -f "$f" ] && echo "$(basename "$f" .crm) $f"
    done
fi > "$w/experts"
[ -s "$w/experts" ] || { echo "table1: no experts (share/models/*.crm, CR_EXPERTS)" >&2; exit 1; }

# The sample of a list (see the header): "path cut" lines, cut = bytes to keep or 0.
sample() {
    while IFS= read -r f; do
        if [ -f "$f" ]; then printf '%s\t%s\n' "$(wc -c < "$f")" "$f"
        else echo "table1: $1: $f: no such file, left out" >&2; fi
    done < "$1" | awk -F'\t' -v cap="$cap" '
        { n = $1 < int(cap / 4) ? $1 : int(cap / 4); size[NR] = n; cut[NR] = n < $1 ? n : 0
          path[NR] = $2; total += n }
        END { k = int((total + cap - 1) / cap); if (k < 1) k = 1
              for (i = 1; i <= NR; i += k) printf "%s\t%d\n", path[i], cut[i] }'
}

# The held-out sets: "name role source" lines in $w/sets.list, their token streams
# $w/sets/NAME.tok and byte counts $w/sets/NAME.bytes. role: text or random.
: > "$w/sets.list"
for d in python:py english:en c:c; do
    name=${d%:*} list=$data/${d#*:}-test.files
    if [ ! -s "$list" ]; then
        note "$name: $list is missing: no held-out $name text" \
            "(share/recipes/expert.sh $name writes it)"
        continue
    fi
    sample "$list" > "$w/sets/$name.sample.new"
    if [ ! -s "$w/sets/$name.sample.new" ]; then
        note "$name: no file of $list could be read"
        continue
    fi
    if ! cmp -s "$w/sets/$name.sample.new" "$w/sets/$name.sample" ||
        [ ! -s "$w/sets/$name.tok" ]; then
        rm -rf "$w/sets/$name"
        mkdir -p "$w/sets/$name"
        i=0
        while IFS="$(printf '\t')" read -r f n; do
            i=$((i + 1))
            if [ "$n" -gt 0 ]; then
                head -c "$n" "$f" > "$w/sets/$name/$i-$(basename "$f")"
                echo "$w/sets/$name/$i-$(basename "$f")"
            else
                echo "$f"
            fi
        done < "$w/sets/$name.sample.new" > "$w/sets/$name.files"
        "$b/crtok" -L 512 -T "$w/sets/$name.files" > "$w/sets/$name.tok"
        "$b/crdump" -q "$w/sets/$name.tok" | awk '$1 == "docend" { s += $3 } END { print s + 0 }' \
            > "$w/sets/$name.bytes"
        mv "$w/sets/$name.sample.new" "$w/sets/$name.sample"
    else
        rm -f "$w/sets/$name.sample.new"
    fi
    echo "$name text $list" >> "$w/sets.list"
done
for k in ids ascii bytes unicode; do
    t=$data/rand-$k-512.tok
    if [ ! -s "$t" ]; then
        note "rand-$k: $t is missing (share/data/random.sh writes it)"
        continue
    fi
    # shellcheck disable=SC3013 # -nt: dash, bash and busybox sh have it (POSIX.1-2024 too)
    if [ ! -s "$w/sets/rand-$k.tok" ] || [ "$t" -nt "$w/sets/rand-$k.tok" ]; then
        cp "$t" "$w/sets/rand-$k.tok"
        "$b/crdump" -q "$t" | awk '$1 == "docend" { s += $3 } END { print s + 0 }' \
            > "$w/sets/rand-$k.bytes"
    fi
    echo "rand-$k random $t" >> "$w/sets.list"
done
[ -s "$w/sets.list" ] || { echo "table1: no held-out set in $data" >&2; exit 1; }

# per expert and set: latents, then (without -z) one row of figures
nsets=$(wc -l < "$w/sets.list")
printf 'expert\tset\trole\ttokens\tbytes\ttra\tmajority\tce_token\tce_byte\tgain\n' > "$w/rows"
while read -r expert model; do
    check=$("$b/crmodel" info "$model" | awk '$1 == "check" { print $2 }')
    [ -n "$check" ] || { echo "table1: $model: not a model" >&2; exit 1; }
    e=$w/$expert-$check
    mkdir -p "$e"
    i=0
    # own text first, then the other experts', then the random kinds
    # shellcheck disable=SC2034 # src takes the rest of the line, unused
    awk -v x="$expert" '{ print ($1 == x ? 0 : $2 == "text" ? 1 : 2), $0 }' "$w/sets.list" |
        sort -s -k1,1n | while read -r order set kind src; do
        i=$((i + 1))
        role=$kind
        [ "$order" -eq 0 ] && role=own
        [ "$role" = text ] && role=other
        tok=$w/sets/$set.tok
        # shellcheck disable=SC3013 # -nt: dash, bash and busybox sh have it (POSIX.1-2024 too)
        if [ ! -s "$e/$set.lat" ] || [ "$tok" -nt "$e/$set.lat" ]; then
            echo "table1: $expert on $set ($i/$nsets): encoding" >&2
            "$b/crenc" -m "$model" -o "$e/$set.lat" "$tok"
        fi
        if [ "$latents" -eq 1 ]; then
            printf '%s\t%s\t%s\t%s\n' "$expert" "$set" "$role" "$e/$set.lat"
            continue
        fi
        # shellcheck disable=SC3013 # -nt: dash, bash and busybox sh have it (POSIX.1-2024 too)
        if [ ! -s "$e/$set.row" ] || [ "$e/$set.lat" -nt "$e/$set.row" ]; then
            echo "table1: $expert on $set ($i/$nsets): decoding" >&2
            "$b/crdec" -m "$model" -o "$e/own.rec" "$e/$set.lat"
            "$b/crdec" -x -m "$model" -o "$e/cross.rec" "$e/$set.lat"
            s=$("$b/crscore" -s "$e/own.rec")
            g=$("$b/crscore" -g "$e/own.rec" "$e/cross.rec")
            rm -f "$e/own.rec" "$e/cross.rec"
            # -s: input tokens tra ce majority model; -g: input tokens ce ce_cross gain model
            printf '%s\t%s\t%s\n' "$(cat "$w/sets/$set.bytes")" "$s" "$g" |
                awk -F'\t' '{ printf "%d\t%s\t%s\t%s\t%s\t%.6f\t%s\n", $3, $1, $4, $6, $5,
                              $1 ? $5 * $3 / $1 : 0, $12 }' > "$e/$set.row.new"
            mv "$e/$set.row.new" "$e/$set.row"
        fi
        printf '%s\t%s\t%s\t%s\n' "$expert" "$set" "$role" "$(cat "$e/$set.row")" >> "$w/rows"
    done
done < "$w/experts"
[ "$latents" -eq 1 ] && exit 0

if [ "$tsv" -eq 1 ]; then
    cat "$w/rows"
    exit 0
fi

# Tang's Table 1: one 87M-parameter expert trained on code, held out by a random split of
# its own repository. Beside our code experts (python, c): own text = held-out code,
# english = Wikipedia, rand-ids = random tokens.
echo "Table 1 (Tang 2025, \"Compression is Routing\") with the shipped experts:"
echo "blocks of 512 GPT-2 tokens -> 8 latents (64x); held-out text: about $cap bytes a set"
echo
awk -F'\t' 'NR == 1 { next }
    function paper(e, s, r) {
        if (e != "python" && e != "c") return "-"
        if (r == "own") return "99.47% held-out code"
        if (s == "english") return "47.76% Wikipedia"
        if (s == "rand-ids") return "0.57% random tokens"
        return "-"
    }
    BEGIN { printf "%-8s %-18s %8s %8s %8s %8s %8s %8s   %s\n", "expert", "held-out set",
            "tokens", "TRA", "majority", "CE b/tok", "CE b/B", "gain", "paper TRA"
            printf "%-8s %-18s %8s %8s %8s %8s %8s %8s   %s\n", "", "", "", "", "TRA",
            "", "", "b/tok", "" }
    $1 != last && NR > 2 { print "" }
    { last = $1
      printf "%-8s %-18s %8d %7.2f%% %7.2f%% %8.3f %8.3f %8.2f   %s\n", $1,
             $2 ($3 == "own" ? " (own)" : ""), $4, 100 * $6, 100 * $7, $8, $9, $10,
             paper($1, $2, $3) }' "$w/rows"
if [ -s "$notes" ]; then
    echo
    sed 's/^/skipped: /' "$notes"
fi
cat <<EOF

CE b/tok, CE b/B: cross-entropy in bits per token and per byte of text; gain: CE with the
z of another block (crdec -x) minus CE with the block's own z, bits per token. Paper TRA:
Tang's code expert (87M parameters, a random split of its own repository), beside our
code experts. Per expert M and held-out set S:
  crtok -L 512 -T S.files | crenc -m M > S.lat
  crdec -m M S.lat | crscore -s                                tokens TRA CE majority
  crdec -m M S.lat > own; crdec -x -m M S.lat > cross; crscore -g own cross     gain
  bits/byte = CE x tokens / bytes (bytes: crdump's docend lines)
Command: make table1 (sh bench/table1.sh [-t] [WORKDIR]; CR_DATA=$data,
CR_TABLE_BYTES=$cap); figures kept in ${w}.
EOF
