# -e ends every document, empty ones too, with <|endoftext|> (50256) as its last token;
# crtok -d drops it again (it spans no bytes)
printf 'Hello world' > a.txt
: > empty.txt
printf "Second document, it's longer.\n" > b.txt
crtok -e -L 4 a.txt empty.txt b.txt > out.crs
crdump out.crs | awk -F'\t' '
    $1 == "doc" { last = ""; eot = 0 }
    $1 == "" { last = $2 " (" $4 " bytes)"; eot += $2 == 50256 }
    $1 == "docend" { print "doc " $2 ": " $4 ", last id " last ", " eot " eot" }'
crtok -d out.crs > back
cat a.txt empty.txt b.txt | cmp - back && echo "decodes to the text"
# without -e there is none
crtok -L 4 a.txt | crdump | awk -F'\t' '$1 == "" && $2 == 50256 { n++ } END { print n + 0 " eot" }'
