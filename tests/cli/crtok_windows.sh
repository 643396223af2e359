# -L 8 -S 3: blocks of 8 tokens start every 3 tokens, the last one may be short, every
# token of every document is in some block with the same id wherever it appears, and
# crtok -d stitches the overlapping windows back into the text
printf 'It was the best of times, it was the worst of times, it was the age of wisdom.\n' \
    > long.txt
printf 'Hi there' > short.txt
: > empty.txt
printf 'One two three four five six seven eight nine' > nine.txt
crtok -L 8 -S 3 long.txt short.txt empty.txt nine.txt > out.crs
crdump out.crs | awk -F'\t' '
    function fail(m) { print "doc " doc ": " m; bad = 1 }
    $1 == "doc" { doc = $2; nb = 0; top = 0; delete id }
    $1 == "block" {
        split($4, f, " "); split($6, t, "[ /]"); first = f[2]; n = t[2]; L = t[3]
        if (first != 3 * nb) fail("block " nb " starts at token " first)
        if (nb > 0 && prev_n != 8) fail("a short block before the last")
        if (first > top) fail("tokens " top "-" first - 1 " are in no block")
        nb++; prev_n = n; k = first
    }
    $1 == "" {
        if ((k in id) && id[k] != $2) fail("token " k " is " id[k] " and " $2)
        id[k] = $2; k++; if (k > top) top = k
    }
    $1 == "docend" {
        split($4, t, " ")
        if (top != t[1]) fail("blocks cover " top " of " t[1] " tokens")
        print "doc " doc ": " t[1] " tokens in " nb " blocks" (bad ? "" : ", all covered")
    }'
crtok -d out.crs > back
cat long.txt short.txt empty.txt nine.txt | cmp - back && echo "decodes to the text"
