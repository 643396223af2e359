#!/bin/sh
# Real mixed documents for segmentation: the held-out pages of the english expert's
# DocBook sources, the Debian Reference (debian-reference-en 2.100: ch05, ch11) and the
# Debian FAQ (debian-faq 11.1: pkgtools, support), turned into plain text as
# share/data/english.sh does, but with the command and code blocks (<pre>, screen,
# programlisting, literallayout, synopsis) kept, verbatim, as paragraphs of their own:
#   sh bench/route/mkreal.sh OUTDIR [dev]
# writes OUTDIR/real/{ref-ch05,ref-ch11,faq-pkgtools,faq-support}.txt, OUTDIR/real.files
# (their paths) and OUTDIR/real.labels (TSV doc start end label: byte offsets, half-open,
# label english for prose, code for the blocks; spans cover each document whole, adjacent
# spans of one label merged). Paragraphs are separated by a blank line, which belongs to
# the paragraph before it. As in english.sh, tables, navigation and tables of contents are
# dropped, and inline <code> longer than 60 characters; shorter inline code stays in its
# prose paragraph and is labelled english. Dropping the code blocks again gives back
# english.sh's held-out text; the script checks that when that text is at hand.
# The HTML comes from CR_DATA/src/english-pkg (CR_DATA default /tmp/cr-data, where
# english.sh leaves it), else is fetched into OUTDIR/pkg with share/data/fetch-deb.sh.
# With dev: the development set instead, OUTDIR/realdev{/,.files,.labels}, made the same
# way from pages that are not held out (Reference ch01, ch03, ch09; FAQ uptodate,
# customizing): their prose is english training text, so the english expert fits it
# better than it fits the test pages; only bench/route/tune.sh uses them, to choose the
# paragraph penalty, which the test pages never choose.
set -eu
[ $# -eq 1 ] || [ $# -eq 2 ] && [ "${2-dev}" = dev ] ||
    { echo "usage: sh bench/route/mkreal.sh OUTDIR [dev]" >&2; exit 2; }
set=real; [ $# -eq 2 ] && set=realdev
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
data=${CR_DATA:-/tmp/cr-data}
export LC_ALL=C

pkgdir() { # source package version -> its extracted tree
    if [ -d "$data/src/english-pkg/$1/usr" ]; then echo "$data/src/english-pkg/$1"; return; fi
    d=$out/pkg/$1
    if [ ! -d "$d" ]; then
        rm -rf "$d.part"
        sh "$here/../../share/data/fetch-deb.sh" "$2=$3" "$d.part" >&2
        mv "$d.part" "$d"
    fi
    echo "$d"
}
ref=$(pkgdir debian-reference debian-reference-en 2.100)/usr/share/debian-reference
faq=$(pkgdir debian-faq debian-faq 11.1)/usr/share/doc/debian/FAQ

v=$data/src/english/val
if [ $set = real ]; then
    pages="$ref/ch05.en.html ref-ch05 $v/debian-reference/ch05.txt
           $ref/ch11.en.html ref-ch11 $v/debian-reference/ch11.txt
           $faq/pkgtools.en.html faq-pkgtools $v/debian-faq/faq-pkgtools.txt
           $faq/support.en.html faq-support $v/debian-faq/faq-support.txt"
else # (the prose of these pages is also that of mkmix.sh's development documents: keep alike)
    pages="$ref/ch01.en.html ref-ch01 - $ref/ch03.en.html ref-ch03 - $ref/ch09.en.html ref-ch09 -
           $faq/uptodate.en.html faq-uptodate - $faq/customizing.en.html faq-customizing -"
fi
rm -rf "${out:?}/$set"
mkdir -p "$out/$set"
: > "$out/$set.labels"
: > "$out/$set.files"
# shellcheck disable=SC2016
nice -n 10 perl -e '
use strict; use warnings; use Encode qw(decode encode);
my ($out, $set, @pages) = @ARGV;
my %ent = (amp => "&", lt => "<", gt => ">", quot => "\"", apos => "\x27", nbsp => " ");
sub ents {
    my $p = shift;
    $p =~ s/&#x([0-9a-f]+);/chr(hex $1)/gei;
    $p =~ s/&#([0-9]+);/chr($1)/ge;
    $p =~ s/&([a-z]+);/exists $ent{$1} ? $ent{$1} : "&$1;"/ge;
    return $p;
}
open my $files, ">>", "$out/$set.files" or die;
open my $labels, ">>", "$out/$set.labels" or die;
my ($ok, $checked, %bytes, %blocks) = (1, 0);
while (my ($f, $name, $val) = splice @pages, 0, 3) {
    open my $in, "<:encoding(UTF-8)", $f or die "mkreal: $f: $!\n";
    my $t = do { local $/; <$in> };
    # the html2text of english.sh, step by step, but for the blocks, kept as \x02N\x03
    $t =~ s{^.*?<body[^>]*>}{}s;
    $t =~ s{<(script|style)\b.*?</\1>}{}gsi;
    $t =~ s{<div class="(?:navheader|navfooter|toc|list-of-tables|list-of-figures|list-of-examples)">.*?</div>}{}gs;
    $t =~ s{<div class="(?:table|informaltable)">.*?<br class="\w+-break" */>}{\x01}gs;
    $t =~ s{<table\b.*?</table>}{\x01}gsi;
    my @code;
    $t =~ s{<(pre|screen|programlisting|literallayout|synopsis)\b[^>]*>(.*?)</\1>}{
        push @code, $2; "\x01\x02" . $#code . "\x03\x01" }gsie;
    $t =~ s{<code\b[^>]*>(.*?)</code>}{ (length($1) > 60 || $1 =~ /\n/) ? "" : $1 }gsei;
    $t =~ s{</?(?:p|div|li|ul|ol|dl|dt|dd|h[1-6]|br|tr|td|th|blockquote|hr)\b[^>]*>}{\x01}gi;
    $t =~ s{<[^>]*>}{}gs;
    my @par;    # [text, label]
    for my $p (split /\x01/, $t) {
        if ($p =~ /^\x02(\d+)\x03$/) {    # a block: tags off, white space kept
            my $c = $code[$1];
            $c =~ s{<[^>]*>}{}gs;
            $c = ents($c);
            $c =~ s/^(?:[ \t]*\n)+//; $c =~ s/\s+\z//;
            push @par, [$c, "code"] if $c =~ /\S/;
            next;
        }
        $p =~ s/\s+/ /g; $p =~ s/^ //; $p =~ s/ $//;
        $p = ents($p);
        push @par, [$p, "english"] if $p =~ /\S/;
    }
    my $path = "$out/$set/$name.txt";
    open my $o, ">:raw", $path or die "$path: $!";
    my ($pos, @spans) = (0);
    for my $i (0 .. $#par) {
        my $b = encode("UTF-8", $par[$i][0] . ($i < $#par ? "\n\n" : "\n"));
        print $o $b;
        my $l = $par[$i][1];
        $blocks{$l}++;
        if (@spans && $spans[-1][2] eq $l) { $spans[-1][1] += length $b }
        else { push @spans, [$pos, $pos + length $b, $l] }
        $pos += length $b;
    }
    close $o;
    print $files "$path\n";
    for (@spans) { print $labels "$path\t$_->[0]\t$_->[1]\t$_->[2]\n"; $bytes{$_->[2]} += $_->[1] - $_->[0] }
    # check: the prose alone is the held-out text of english.sh
    if ($val ne "-" && -f $val) {
        open my $v, "<:raw", $val or die; my $want = do { local $/; <$v> };
        my $got = encode("UTF-8", join("\n\n", map { $_->[0] } grep { $_->[1] eq "english" } @par) . "\n");
        $checked++;
        if ($got ne $want) { $ok = 0; print STDERR "mkreal: warning: the prose of $name differs from $val\n" }
    }
}
printf STDERR "mkreal: %s; blocks %s%s\n",
    join(", ", map { "$_ $bytes{$_} bytes" } sort keys %bytes),
    join(", ", map { "$_ $blocks{$_}" } sort keys %blocks),
    $checked ? ($ok ? "; prose equals english.sh\x27s held-out text ($checked documents)" : "") : "";
' "$out" "$set" $pages
echo "mkreal: $(wc -l < "$out/$set.files") documents in $out/$set"
