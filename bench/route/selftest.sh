#!/bin/sh
# Checks the segmentation sets and their scorers on made-up predictions:
#   sh bench/route/selftest.sh OUTDIR
# builds the sets in OUTDIR when they are not there (mkmix.sh, mkreal.sh), their token
# lists (tokens.sh), then checks that: the truth scores 1 against itself; boundaries moved
# by 64 bytes all match their own, by 65 or 100 bytes none does (typed F1 0 on the
# synthetic set, whose stretches are at least 100 bytes); --map folds python, c and
# unknown into code; labelling everything english scores the english share of the bytes
# and no boundary; blockeval.pl gives 1 to the majority label of each block; a second
# build of the synthetic set is the same, byte for byte. Prints one line per check and
# exits 1 if one fails.
set -eu
[ $# -eq 1 ] || { echo "usage: sh bench/route/selftest.sh OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
build=${CR_BUILD:-$here/../../build}
[ -s "$out/mix.labels" ] || sh "$here/mkmix.sh" "$out"
[ -s "$out/real.labels" ] || sh "$here/mkreal.sh" "$out"
t=$out/selftest
rm -rf "$t"; mkdir -p "$t"
for s in mix real; do
    [ -s "$out/$s.tokens" ] || sh "$here/tokens.sh" "$out/$s.files" > "$out/$s.tokens"
done

fail=0
check() { # name file key op value
    v=$(awk -v k="$3" '$1 == k { print $2 }' "$2")
    if perl -e 'my ($v, $op, $w) = @ARGV; exit !($v ne "" && ($op eq "=" ? $v == $w :
            $op eq "<" ? $v < $w : $v > $w))' -- "$v" "$4" "$5" 2>/dev/null
    then echo "ok   $1: $3 $v"
    else echo "FAIL $1: $3 $v, want $4 $5"; fail=1
    fi
}
seg() { perl "$here/segeval.pl" "$@"; }

# shift: every internal boundary moved by N bytes (labels of the truth read N bytes
# earlier), spans clipped to the document
shift_spans() {
    perl -e '
    my $n = shift; my (%s, @o);
    while (<>) { chomp; my @f = split /\t/; push @o, $f[0] unless $s{$f[0]}; push @{ $s{$f[0]} }, [@f[1 .. 3]] }
    for my $d (@o) {
        my $sp = $s{$d}; my $len = $sp->[-1][1];
        for my $i (0 .. $#$sp) {
            my ($a, $b, $l) = @{ $sp->[$i] };
            $a = $i ? $a + $n : 0; $b = $i < $#$sp ? $b + $n : $len;
            $a = 0 if $a < 0; $b = $len if $b > $len;
            print "$d\t$a\t$b\t$l\n" if $b > $a;
        }
    }' -- "$@"
}

for s in mix real; do
    seg "$out/$s.labels" "$out/$s.labels" "$out/$s.tokens" > "$t/$s.self"
    check "$s truth against itself" "$t/$s.self" byte_accuracy = 1
    check "$s truth against itself" "$t/$s.self" token_accuracy = 1
    check "$s truth against itself" "$t/$s.self" boundary_f1 = 1
    check "$s truth against itself" "$t/$s.self" lag_mean = 0
done

for n in 30 -30 64 -64 65 -65 100 -100; do
    shift_spans "$n" "$out/mix.labels" > "$t/mix.shift$n"
    seg "$out/mix.labels" "$t/mix.shift$n" > "$t/mix.shift$n.out"
    case $n in
    30|-30) check "mix shifted by $n" "$t/mix.shift$n.out" boundary_f1 = 1
            check "mix shifted by $n" "$t/mix.shift$n.out" lag_mean = "$n" ;;
    64|-64) check "mix shifted by $n" "$t/mix.shift$n.out" boundary_f1_typed = 1 ;;
    *) check "mix shifted by $n" "$t/mix.shift$n.out" boundary_f1_typed = 0 ;;
    esac
done
shift_spans 100 "$out/real.labels" > "$t/real.shift100"
seg "$out/real.labels" "$t/real.shift100" > "$t/real.shift100.out"
check "real shifted by 100" "$t/real.shift100.out" byte_accuracy "<" 1

# code blocks relabelled python, c or unknown in turn, long ones cut in two labels
perl -F'\t' -lane 'BEGIN { @k = qw(python c unknown) }
    if ($F[3] ne "code") { print join "\t", @F; next }
    my $l = $k[$i++ % 3];
    if ($F[2] - $F[1] > 40) { my $m = $F[1] + 20; print join "\t", $F[0], $F[1], $m, $l;
        print join "\t", $F[0], $m, $F[2], $k[$i++ % 3] }
    else { print join "\t", @F[0 .. 2], $l }' "$out/real.labels" > "$t/real.relabelled"
seg --map code=python,c,unknown "$out/real.labels" "$t/real.relabelled" > "$t/real.map.out"
check "real, code as python/c/unknown, --map" "$t/real.map.out" byte_accuracy = 1
check "real, code as python/c/unknown, --map" "$t/real.map.out" boundary_f1 = 1
seg "$out/real.labels" "$t/real.relabelled" > "$t/real.nomap.out"
check "real, code as python/c/unknown, no --map" "$t/real.nomap.out" byte_recall_code = 0

# everything english: accuracy is the english share, no boundary
for s in mix real; do
    awk -F'\t' -v OFS='\t' '{ e[$1] = $3; if (!($1 in seen)) { seen[$1] = 1; o[++n] = $1 } }
        END { for (i = 1; i <= n; i++) print o[i], 0, e[o[i]], "english" }' "$out/$s.labels" > "$t/$s.english"
    seg "$out/$s.labels" "$t/$s.english" > "$t/$s.english.out"
    share=$(awk -F'\t' '{ n += $3 - $2; if ($4 == "english") e += $3 - $2 } END { printf "%.4f", e / n }' "$out/$s.labels")
    check "$s all english" "$t/$s.english.out" byte_accuracy = "$share"
    check "$s all english" "$t/$s.english.out" boundary_f1 = 0
done

# blocks of 512 tokens (stride 64): the majority label of each is right by definition
for s in mix real; do
    CR_SHARE=$here/../../share nice -n 10 "$build/crtok" -L 512 -S 64 -T "$out/$s.files" |
        "$build/crdump" -q | perl -e '
        my ($lab) = @ARGV; my (%t, %name);
        open my $l, "<", $lab or die; while (<$l>) { chomp; my @f = split /\t/; push @{ $t{$f[0]} }, [@f[1 .. 3]] }
        while (<STDIN>) {
            chomp; my @f = split /\t/;
            if ($f[0] eq "doc") { $name{$f[1]} = $f[2]; next }
            next unless $f[0] eq "block";
            my ($d) = $f[1] =~ /(\d+)/; my ($i) = $f[2] =~ /(\d+)/; my ($s, $e) = $f[4] =~ /(\d+)-(\d+)/;
            my %c; for (@{ $t{ $name{$d} } }) { my $lo = $_->[0] > $s ? $_->[0] : $s; my $hi = $_->[1] < $e ? $_->[1] : $e;
                $c{ $_->[2] } += $hi - $lo if $hi > $lo }
            my ($m) = sort { $c{$b} <=> $c{$a} || $a cmp $b } keys %c;
            print "$name{$d}\t$i\t$s\t$e\t$m\t0\n";
        }' "$out/$s.labels" > "$t/$s.blocks"
    perl "$here/blockeval.pl" "$out/$s.labels" "$t/$s.blocks" > "$t/$s.blocks.out"
    check "$s blocks, majority label" "$t/$s.blocks.out" block_accuracy_all = 1
    awk -F'\t' -v OFS='\t' '{ $5 = "english"; print }' "$t/$s.blocks" > "$t/$s.blocks.english"
    perl "$here/blockeval.pl" "$out/$s.labels" "$t/$s.blocks.english" > "$t/$s.blocks.english.out"
    check "$s blocks, all english" "$t/$s.blocks.english.out" block_accuracy_all "<" 1
done

# the same synthetic set again
CR_MIX_WAIT=0 sh "$here/mkmix.sh" "$t/again" 2>/dev/null
cat "$out"/mix/*.txt > "$t/mix.all"
cat "$t"/again/mix/*.txt > "$t/again.all"
if sed "s|$t/again/|$out/|" "$t/again/mix.labels" | cmp -s - "$out/mix.labels" &&
    cmp -s "$t/mix.all" "$t/again.all"
then echo "ok   mix rebuilt: the same bytes and labels"
else echo "FAIL mix rebuilt: differs"; fail=1
fi
exit $fail
