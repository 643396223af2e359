#!/bin/sh
# Synthetic mixed documents for segmentation, from held-out units (the development
# documents' Debian prose aside, below): each document
# alternates prose (whole paragraphs of the english held-out documents) and code (whole
# lines of the python and c held-out files), every stretch 100-3000 bytes, with byte-exact
# labels. Deterministic (fixed seed; the same inputs give the same bytes):
#   sh bench/route/mkmix.sh OUTDIR
# writes OUTDIR/mix/NNN.txt, OUTDIR/mix.files (their paths, one a line), OUTDIR/mix.labels
# (TSV doc start end label: byte offsets, half-open, label english|python|c, spans that
# cover each document whole, adjacent spans of one label merged) and OUTDIR/mix.sources
# (TSV doc start end label source source_start source_end: where each stretch came from).
# Paths are absolute. Inputs (CR_DATA, default /tmp/cr-data): en-val.files, py-val.files,
# c-val.files; a missing list of code files is waited for up to CR_MIX_WAIT seconds
# (default 1200), then left out with a warning.
# Variables: CR_MIX_DOCS (60), CR_MIX_SEED (20240613), CR_MIX_MIN (6000) and CR_MIX_MAX
# (20000) bytes per document. A third of the documents take their code from python, a
# third from c, a third draw each code stretch from either (CR_MIX_DOCS=60: 20 of each).
# The first CR_MIX_TEST documents (30) are the test's (bench/route.sh); the rest are for
# development (bench/route/tune.sh chooses crroute's penalties on them). The held-out
# debian-reference and debian-faq documents are the pages that bench/route/mkreal.sh's
# real set tests on, so the development documents take their debian-reference and
# debian-faq prose from the pages of its development set instead (Reference ch01, ch03,
# ch09; FAQ uptodate, customizing, as in mkreal.sh: english training text, in
# CR_DATA/src/english/train): nothing is chosen on text that a benchmark tests on. The
# english expert has seen those pages, and they are larger: Debian text is about a
# quarter of the development documents' prose, a seventh of the test documents'.
# Documents before CR_MIX_TEST do not change with it.
# Also writes OUTDIR/mix.version: the version below and the variables above, the line that
# `sh bench/route/mkmix.sh --stamp` prints (bench/lib.sh's bench_mix makes the set anew
# when the two differ):
# version: 2
set -eu
export CR_MIX_DOCS="${CR_MIX_DOCS:-60}" CR_MIX_SEED="${CR_MIX_SEED:-20240613}" \
    CR_MIX_MIN="${CR_MIX_MIN:-6000}" CR_MIX_MAX="${CR_MIX_MAX:-20000}" CR_MIX_TEST="${CR_MIX_TEST:-30}"
stamp="$(sed -n 's/^# version: //p' "$0") test=$CR_MIX_TEST docs=$CR_MIX_DOCS seed=$CR_MIX_SEED min=$CR_MIX_MIN max=$CR_MIX_MAX"
[ "${1-}" = --stamp ] && [ $# -eq 1 ] && { echo "$stamp"; exit 0; }
[ $# -eq 1 ] || { echo "usage: sh bench/route/mkmix.sh OUTDIR | --stamp" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
data=${CR_DATA:-/tmp/cr-data}
wait_max=${CR_MIX_WAIT:-1200}
export LC_ALL=C

# a list is ready when it is not empty, has not changed for 30 seconds and every file in
# it is there (a list from an earlier run may be there while the files are redone)
ready() {
    [ -s "$1" ] && perl -e 'exit 1 if -M $ARGV[0] < 30 / 86400;
        open my $f, "<", $ARGV[0] or exit 1;
        while (<$f>) { chomp; exit 1 if /\S/ && !-f }
        exit 0' "$1"
}
lists=
for l in en py c; do
    f=$data/$l-val.files
    waited=0
    until ready "$f"; do
        if [ "$l" = en ] || [ "$waited" -ge "$wait_max" ]; then break; fi
        [ "$waited" -eq 0 ] && echo "mkmix: waiting for $f (up to ${wait_max}s)" >&2
        sleep 15; waited=$((waited + 15))
    done
    if ready "$f"; then lists="$lists $f"
    elif [ "$l" = en ]; then echo "mkmix: no $f (run share/data/english.sh)" >&2; exit 1
    else echo "mkmix: no $f after ${wait_max}s: no $(echo $l | sed s/py/python/) code" >&2
        lists="$lists -"
    fi
done

# the pages of mkreal.sh's development set, whose prose the development documents take
devpages="debian-reference/ch01 debian-reference/ch03 debian-reference/ch09 debian-faq/faq-uptodate debian-faq/faq-customizing"
if [ "$CR_MIX_DOCS" -gt "$CR_MIX_TEST" ]; then
    for p in $devpages; do
        [ -s "$data/src/english/train/$p.txt" ] ||
            { echo "mkmix: no $data/src/english/train/$p.txt (run share/data/english.sh)" >&2; exit 1; }
    done
fi
rm -rf "$out/mix" "$out/mix.version"
mkdir -p "$out/mix"
# shellcheck disable=SC2016,SC2086
CR_MIX_STAMP=$stamp CR_MIX_TRAIN=$data/src/english/train CR_MIX_DEVPAGES=$devpages \
    nice -n 10 perl -e '
use strict; use warnings;
my ($out, $en, $py, $c) = @ARGV;
my ($ndoc, $seed, $ntest) = ($ENV{CR_MIX_DOCS}, $ENV{CR_MIX_SEED}, $ENV{CR_MIX_TEST});
my ($dmin, $dmax) = ($ENV{CR_MIX_MIN}, $ENV{CR_MIX_MAX});
# the sources of mkreal.sh: for the development documents, the pages of its development set
my %devpages;
for (split " ", $ENV{CR_MIX_DEVPAGES}) { my ($src, $page) = split m{/}; push @{ $devpages{$src} }, $page }
my $train = $ENV{CR_MIX_TRAIN};
my ($smin, $smax) = (100, 3000);    # bytes per stretch, its blank line included

# xorshift32: the same numbers on every perl
my $x = ($seed & 0xffffffff) || 1;
sub rnd {    # uniform in [0, 1)
    $x ^= ($x << 13) & 0xffffffff; $x ^= $x >> 17; $x ^= ($x << 5) & 0xffffffff;
    return $x / 4294967296;
}
sub pick { my $n = shift; int(rnd() * $n) }
rnd() for 1 .. 8;

sub slurp { open my $f, "<:raw", $_[0] or die "mkmix: $_[0]: $!\n"; local $/; <$f> }
sub lines_of { my $l = shift; return () if $l eq "-"; open my $f, "<", $l or die; map { chomp; $_ } grep { /\S/ } <$f> }

# prose: documents by source (the directory above each file), each as its paragraphs
# (text between blank lines, trailing blanks off) with their byte offsets
sub paragraphs {
    my $t = slurp($_[0]);
    my @par;
    while ($t =~ /((?:[^\n]*\S[^\n]*(?:\n|\z))+)/g) {
        my ($s, $body) = ($-[1], $1);
        $body =~ s/\s+\z//;
        push @par, [$s, $body];
    }
    return \@par;
}
my (%prose, %devprose, @sources);
for my $p (lines_of($en)) {
    my $par = paragraphs($p);
    (my $src = $p) =~ s{/[^/]+$}{}; $src =~ s{.*/}{};
    next unless @$par;
    push @sources, $src unless $prose{$src};
    push @{ $prose{$src} }, { path => $p, par => $par, used => {} };
}
die "mkmix: no prose\n" unless @sources;
for my $src ($ndoc > $ntest ? @sources : ()) {
    $devprose{$src} = $prose{$src}, next unless $devpages{$src};
    $devprose{$src} = [map { { path => $_, par => paragraphs($_), used => {} } }
                       map { "$train/$src/$_.txt" } @{ $devpages{$src} }];
}

# code: files with their lines (each with its newline; a last line without one gets one)
my %code;
for my $kind (["python", $py], ["c", $c]) {
    my @f = lines_of($kind->[1]);
    $code{$kind->[0]} = [map { { path => $_, used => [] } } @f] if @f;
}
my @kinds = sort keys %code;
die "mkmix: no code files\n" unless @kinds;
print STDERR "mkmix: prose from ", join(" ", map { "$_ (" . @{ $prose{$_} } . " docs)" } @sources),
    "; code from ", join(" ", map { "$_ (" . @{ $code{$_} } . " files)" } @kinds),
    $ndoc > $ntest ? "; documents $ntest.. take " . join(" ", map { "$_ from " . @{ $devprose{$_} } . " development pages" } grep { $devpages{$_} } @sources) . " instead" : "", "\n";

sub target { my $r = rnd(); int($smin + ($smax - $smin) * $r * $r) }    # leans short

# one prose stretch: consecutive paragraphs of one document, joined by blank lines,
# that come to a target length; each paragraph is used once in the whole set; from the
# documents of each source given (\%prose, or \%devprose for the development documents)
sub prose_stretch {
    my $docs = shift;
    for (1 .. 1000) {
        my $src = $sources[pick(scalar @sources)];
        my $d = $docs->{$src}[pick(scalar @{ $docs->{$src} })];
        my $par = $d->{par};
        my $i = pick(scalar @$par);
        my $want = target();
        my ($text, $j) = ("", $i);
        while ($j < @$par && !$d->{used}{$j}) {
            my $next = $text eq "" ? $par->[$j][1] : "$text\n\n$par->[$j][1]";
            last if length($next) + 2 > $smax;
            $text = $next; $j++;
            last if length($text) + 2 >= $want;
        }
        next if length($text) + 2 < $smin;
        $d->{used}{$_} = 1 for $i .. $j - 1;
        my $s = $par->[$i][0];
        return ($text, "$d->{path}\t$s\t" . ($par->[$j - 1][0] + length $par->[$j - 1][1]));
    }
    die "mkmix: out of prose\n";
}

# one code stretch: whole consecutive lines of one file, no blank line at either end,
# no byte of the file used twice in the set
sub code_stretch {
    my $kind = shift;
    my $files = $code{$kind};
    for (1 .. 1000) {
        my $f = $files->[pick(scalar @$files)];
        $f->{text} //= slurp($f->{path});
        my $t = $f->{text};
        next if length($t) < $smin;
        unless ($f->{lines}) {    # line starts
            my @ls = (0); push @ls, pos($t) while $t =~ /\n/g; pop @ls if $ls[-1] == length $t;
            $f->{lines} = \@ls;
        }
        my $ls = $f->{lines};
        my $i = pick(scalar @$ls);
        $i++ while $i < @$ls && substr($t, $ls->[$i], ($i + 1 < @$ls ? $ls->[$i + 1] : length $t) - $ls->[$i]) !~ /\S/;
        next if $i >= @$ls;
        my $want = target();
        my ($s, $e, $j) = ($ls->[$i], $ls->[$i], $i);
        while ($j < @$ls) {
            my $ne = $j + 1 < @$ls ? $ls->[$j + 1] : length $t;
            my $body = substr($t, $s, $ne - $s); $body =~ s/\s+\z//;
            last if length($body) + 2 > $smax;
            $e = $ne; $j++;
            last if length($body) + 2 >= $want;
        }
        my $body = substr($t, $s, $e - $s); $body =~ s/\s+\z//;
        next if length($body) + 2 < $smin;
        $e = $s + length $body;
        next if grep { $s < $_->[1] && $_->[0] < $e } @{ $f->{used} };
        push @{ $f->{used} }, [$s, $e];
        return ($body, "$f->{path}\t$s\t$e");
    }
    die "mkmix: out of $kind code\n";
}

my $nk = @kinds;
open my $files, ">", "$out/mix.files" or die;
open my $labels, ">", "$out/mix.labels" or die;
open my $srcs, ">", "$out/mix.sources" or die;
my %bytes;
for my $n (0 .. $ndoc - 1) {
    # kinds of code: python, c, both, in turn over thirds of the set
    my $third = int($n * 3 / $ndoc);
    my @code = $nk == 1 ? @kinds : $third == 0 ? ("python") : $third == 1 ? ("c") : @kinds;
    my $size = $dmin + pick($dmax - $dmin + 1);
    my $isprose = rnd() < 0.5;
    my ($doc, @spans) = ("");
    my $path = sprintf "%s/mix/%03d.txt", $out, $n;
    while (length($doc) < $size) {
        my ($label, $text, $from);
        if ($isprose) { $label = "english"; ($text, $from) = prose_stretch($n < $ntest ? \%prose : \%devprose) }
        else { $label = $code[pick(scalar @code)]; ($text, $from) = code_stretch($label) }
        $text .= "\n\n";    # a stretch ends with its newline and a blank line
        print $srcs "$path\t" . length($doc) . "\t" . (length($doc) + length $text) . "\t$label\t$from\n";
        if (@spans && $spans[-1][2] eq $label) { $spans[-1][1] += length $text }
        else { push @spans, [length $doc, length($doc) + length $text, $label] }
        $doc .= $text;
        $isprose = !$isprose;
    }
    chop $doc; $spans[-1][1]--;    # the last stretch ends with its newline
    open my $o, ">:raw", $path or die "$path: $!";
    print $o $doc; close $o;
    print $files "$path\n";
    for (@spans) { print $labels "$path\t$_->[0]\t$_->[1]\t$_->[2]\n"; $bytes{$_->[2]} += $_->[1] - $_->[0] }
}
close $_ for $files, $labels, $srcs;
open my $ver, ">", "$out/mix.version" or die; print $ver "$ENV{CR_MIX_STAMP}\n"; close $ver;
printf STDERR "mkmix: %d documents, %s\n", $ndoc,
    join(", ", map { "$_ $bytes{$_} bytes" } sort keys %bytes);
' "$out" $lists
