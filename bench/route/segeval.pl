#!/usr/bin/perl
# Scores a segmentation of mixed documents against their true labels:
#   perl bench/route/segeval.pl [--map TO=FROM,FROM...]... [--tol N] [--name SET]
#        TRUTH.labels PRED.spans [TOKENS]
# TRUTH.labels and PRED.spans: lines "doc start end label" (TSV; byte offsets, end not
# included) whose spans cover each document whole, in order, from byte 0; a header line,
# blank lines and lines starting with # are skipped; JSON Lines with the keys doc, start,
# end and label (crroute --json) are read too. PRED must cover every document of TRUTH
# and end where it ends; documents of PRED that TRUTH does not have are ignored (with a
# note). A PRED document is found in TRUTH by its path, else by its file name when that
# is unique in TRUTH.
# --map TO=FROM,...  predicted labels FROM count as TO (repeatable), e.g. on the real set,
#                    whose truth is english|code: --map code=python,c,unknown
# --tol N            a predicted boundary matches a true one at most N bytes away
#                    (default 64)
# --name SET         a first line "set SET"
# TOKENS             optional lines "doc start" (a token's first byte): adds
#                    token_accuracy, over tokens labelled by the label at their first byte
#                    (bench/route/tokens.sh makes such a file with crtok)
# Prints "key value" lines: docs, bytes, byte_accuracy, byte_recall_LABEL for each true
# label, byte_balanced_accuracy (their mean), spans_LABEL and span_hit_LABEL (true spans,
# and the share of them whose bytes are more than half labelled right), tokens and
# token_accuracy (with TOKENS), boundaries_true, boundaries_pred, boundaries_matched,
# boundary_precision, boundary_recall, boundary_f1, lag_mean (predicted minus true
# position over matched boundaries, bytes) and lag_mean_abs. Boundaries are the label
# changes inside each document (after --map, adjacent spans of one label merged), never
# its start or end; matching is one-to-one, greedy by distance (ties: earlier true
# boundary first). With no boundary predicted, precision is 1 if none is true, else 0.
# boundaries_matched_typed and boundary_f1_typed: the same matching, but a pair counts only
# when the labels on either side agree (english>c matches english>c, never c>english).
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Spans;

my (%map, $tol, $name) = ();
$tol = 64;
my @args;
while (@ARGV) {
    my $a = shift @ARGV;
    if ($a eq "--map" || $a =~ /^--map=/) {
        my $v = $a eq "--map" ? shift @ARGV : substr($a, 6);
        die "segeval: --map TO=FROM,FROM...\n" unless defined $v && $v =~ /^([^=,]+)=(.+)$/;
        my $to = $1;
        $map{$_} = $to for split /,/, $2;
    } elsif ($a eq "--tol" || $a =~ /^--tol=/) {
        $tol = $a eq "--tol" ? shift @ARGV : substr($a, 6);
        die "segeval: --tol N\n" unless defined $tol && $tol =~ /^\d+$/;
    } elsif ($a eq "--name" || $a =~ /^--name=/) {
        $name = $a eq "--name" ? shift @ARGV : substr($a, 7);
    } elsif ($a eq "-h" || $a eq "--help") {
        open my $me, "<", $0 or die; <$me>;
        while (<$me>) { last unless s/^# ?//; print }
        exit 0;
    } elsif ($a =~ /^-./) {
        die "segeval: unknown option $a\n";
    } else { push @args, $a }
}
die "usage: segeval.pl [--map TO=FROM,...] [--tol N] [--name SET] TRUTH.labels PRED.spans [TOKENS]\n"
    unless @args == 2 || @args == 3;
my ($truthf, $predf, $tokf) = @args;

my ($truth, $torder) = Spans::read_spans("segeval", $truthf);
my ($pred0) = Spans::read_spans("segeval", $predf, \%map);
die "segeval: $truthf: no spans\n" unless @$torder;

# PRED's documents in TRUTH's names
my $name_of = Spans::namer($torder);
my (%pred, $extra);
for my $d (keys %$pred0) {
    my $t = $name_of->($d);
    if (!defined $t) { $extra++; next }
    die "segeval: $predf: two documents are $t\n" if $pred{$t};
    $pred{$t} = $pred0->{$d};
}
print STDERR "segeval: $predf: $extra documents not in $truthf, ignored\n" if $extra;
for my $d (@$torder) {
    die "segeval: $predf: no spans for $d\n" unless $pred{$d};
    my ($te, $pe) = ($truth->{$d}[-1][1], $pred{$d}[-1][1]);
    die "segeval: $predf: $d ends at byte $pe, not $te\n" if $te != $pe;
}

my ($bytes, $right, %lbytes, %lright, %nspan, %hit) = (0, 0);
my ($nt, $np, $nm, $nmt, $lag, $alag) = (0, 0, 0, 0, 0, 0);
for my $d (@$torder) {
    my ($t, $p) = ($truth->{$d}, $pred{$d});
    # bytes: walk both span lists together
    my ($i, $j) = (0, 0);
    my @spanright = (0) x @$t;
    while ($i < @$t && $j < @$p) {
        my $lo = $t->[$i][0] > $p->[$j][0] ? $t->[$i][0] : $p->[$j][0];
        my $hi = $t->[$i][1] < $p->[$j][1] ? $t->[$i][1] : $p->[$j][1];
        if ($hi > $lo && $t->[$i][2] eq $p->[$j][2]) { $right += $hi - $lo; $spanright[$i] += $hi - $lo }
        if ($t->[$i][1] <= $p->[$j][1]) { $i++ } else { $j++ }
    }
    for my $k (0 .. $#$t) {
        my ($l, $n) = ($t->[$k][2], $t->[$k][1] - $t->[$k][0]);
        $bytes += $n; $lbytes{$l} += $n; $lright{$l} += $spanright[$k];
        $nspan{$l}++; $hit{$l} += 2 * $spanright[$k] > $n ? 1 : 0;
    }
    # boundaries
    my @tb = map { $t->[$_][0] } 1 .. $#$t;
    my @pb = map { $p->[$_][0] } 1 .. $#$p;
    my @tk = map { "$t->[$_ - 1][2]>$t->[$_][2]" } 1 .. $#$t;    # kinds: from>to
    my @pk = map { "$p->[$_ - 1][2]>$p->[$_][2]" } 1 .. $#$p;
    $nt += @tb; $np += @pb;
    my @pairs;
    my $lo = 0;
    for my $a (0 .. $#tb) {
        $lo++ while $lo < @pb && $pb[$lo] < $tb[$a] - $tol;
        for (my $b = $lo; $b < @pb && $pb[$b] <= $tb[$a] + $tol; $b++) {
            push @pairs, [abs($pb[$b] - $tb[$a]), $a, $b];
        }
    }
    @pairs = sort { $a->[0] <=> $b->[0] || $a->[1] <=> $b->[1] || $a->[2] <=> $b->[2] } @pairs;
    my (%ta, %pa, %tta, %tpa);
    for my $q (@pairs) {    # typed: the same labels on either side
        next if $tta{$q->[1]} || $tpa{$q->[2]} || $tk[$q->[1]] ne $pk[$q->[2]];
        $tta{$q->[1]} = $tpa{$q->[2]} = 1;
        $nmt++;
    }
    for my $q (@pairs) {
        next if $ta{$q->[1]} || $pa{$q->[2]};
        $ta{$q->[1]} = $pa{$q->[2]} = 1;
        $nm++;
        $lag += $pb[$q->[2]] - $tb[$q->[1]];
        $alag += $q->[0];
    }
}

# tokens: the label at each token's first byte
my ($ntok, $tokright);
if (defined $tokf) {
    open my $in, "<", $tokf or die "segeval: $tokf: $!\n";
    my %tok;
    while (<$in>) {
        chomp; next if /^\s*(?:#|$)/;
        my ($d, $s) = split /\t/;
        die "segeval: $tokf:$.: not \"doc start\": $_\n" unless defined $s && $s =~ /^\d+$/;
        my $t = $name_of->($d);
        next unless defined $t;
        push @{ $tok{$t} }, $s;
    }
    ($ntok, $tokright) = (0, 0);
    for my $d (@$torder) {
        my ($t, $p) = ($truth->{$d}, $pred{$d});
        my ($i, $j) = (0, 0);
        for my $s (sort { $a <=> $b } @{ $tok{$d} || [] }) {
            next if $s >= $t->[-1][1];
            $i++ while $t->[$i][1] <= $s;
            $j++ while $p->[$j][1] <= $s;
            $ntok++;
            $tokright++ if $t->[$i][2] eq $p->[$j][2];
        }
    }
    print STDERR "segeval: $tokf: no tokens of these documents\n" unless $ntok;
}

sub r { my ($a, $b) = @_; $b ? sprintf("%.4f", $a / $b) : "nan" }
my $prec = $np ? $nm / $np : ($nt ? 0 : 1);
my $rec = $nt ? $nm / $nt : 1;
my $f1 = $prec + $rec > 0 ? 2 * $prec * $rec / ($prec + $rec) : 0;
print "set $name\n" if defined $name;
print "docs ", scalar @$torder, "\n";
print "bytes $bytes\n";
print "byte_accuracy ", r($right, $bytes), "\n";
my @labs = sort keys %lbytes;
my $bal = 0;
for (@labs) { print "byte_recall_$_ ", r($lright{$_}, $lbytes{$_}), "\n"; $bal += $lright{$_} / $lbytes{$_} }
print "byte_balanced_accuracy ", r($bal, scalar @labs), "\n";
for (@labs) { print "spans_$_ $nspan{$_}\nspan_hit_$_ ", r($hit{$_}, $nspan{$_}), "\n" }
if (defined $ntok) { print "tokens $ntok\ntoken_accuracy ", r($tokright, $ntok), "\n" }
print "boundaries_true $nt\nboundaries_pred $np\nboundaries_matched $nm\n";
printf "boundary_precision %.4f\nboundary_recall %.4f\nboundary_f1 %.4f\n", $prec, $rec, $f1;
my $tprec = $np ? $nmt / $np : ($nt ? 0 : 1);
my $trec = $nt ? $nmt / $nt : 1;
print "boundaries_matched_typed $nmt\n";
printf "boundary_f1_typed %.4f\n", $tprec + $trec > 0 ? 2 * $tprec * $trec / ($tprec + $trec) : 0;
print "lag_mean ", ($nm ? sprintf("%.1f", $lag / $nm) : "nan"), "\n";
print "lag_mean_abs ", ($nm ? sprintf("%.1f", $alag / $nm) : "nan"), "\n";
