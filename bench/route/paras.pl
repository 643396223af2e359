#!/usr/bin/perl
# How far the costs that crroute -s decodes separate the labels, paragraph by paragraph,
# before any penalty: what a segmentation can at best get from them where text changes
# domain at paragraph starts (as on both mixed sets):
#   perl bench/route/paras.pl [--map TO=FROM,...]... [--prose LABEL] [--name SET]
#        TRUTH.labels COSTS
# TRUTH.labels: "doc start end label" spans (as segeval.pl reads); the documents are read
# from the paths they name. COSTS: crroute --costs --header (TSV: doc start end, then a
# column of costs per label, named in the header). A paragraph is a run of lines that are
# not blank with the blank lines after it; its true label is the one of most of its bytes,
# its cost under each label the sum over the tokens that start in it.
# --map TO=FROM,...  cost labels FROM count as TO (repeatable), as in segeval.pl
# --prose LABEL      the label whose margin is scored (default english)
# --name SET         a first line "set SET"
# Prints "key value" lines: paragraphs, paragraphs_mixed (true label under 90% of its
# bytes), paragraphs_LABEL and cheapest_LABEL (the share of LABEL's paragraphs whose
# cheapest cost label, after --map, is LABEL) for each true label, cheapest_accuracy (over
# all paragraphs), cheapest_balanced (the mean of the cheapest_LABEL), prose_margin_auroc
# (the prose label's cost minus the cheapest other's, unknown included, true prose
# paragraphs against the rest: 1 when every other paragraph costs the prose label more,
# relatively, than every prose one), and prose_cheaper_code: the share of the other
# paragraphs that the prose label codes more cheaply than any other label. Cost labels
# count after --map (the prose label's cost is the least of the columns mapped to it).
# Exit status 1 on bad input, 2 on bad usage.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Spans;
$SIG{__DIE__} = sub { print STDERR $_[0]; exit 1 };
sub usage { print STDERR @_; exit 2 }

my (%map, $name);
my $prose = "english";
my @args;
while (@ARGV) {
    my $a = shift @ARGV;
    if ($a eq "--map") {
        my $v = shift @ARGV;
        usage("paras: --map TO=FROM,FROM...\n") unless defined $v && $v =~ /^([^=,]+)=(.+)$/;
        my $to = $1;
        $map{$_} = $to for split /,/, $2;
    } elsif ($a eq "--prose") {
        $prose = shift @ARGV;
        usage("paras: --prose LABEL\n") unless defined $prose;
    } elsif ($a eq "--name") {
        $name = shift @ARGV;
    } elsif ($a eq "-h" || $a eq "--help") {
        open my $me, "<", $0 or die; <$me>;
        while (<$me>) { last unless s/^# ?//; print }
        exit 0;
    } elsif ($a =~ /^-./) {
        usage("paras: unknown option $a\n");
    } else { push @args, $a }
}
usage("usage: paras.pl [--map TO=FROM,...] [--prose LABEL] [--name SET] TRUTH.labels COSTS\n")
    unless @args == 2;
my ($truthf, $costf) = @args;

my ($truth, $order) = Spans::read_spans("paras", $truthf);
my %truth = %$truth;
my @order = @$order;
die "paras: $truthf: no spans\n" unless @order;

# the costs: doc -> [[start, [cost per label]], ...]
open my $c, "<", $costf or die "paras: $costf: $!\n";
my $h = <$c>;
die "paras: $costf: no header (crroute --costs --header)\n" unless defined $h && $h =~ /^doc\tstart\tend\t/;
chomp $h;
my @head = split /\t/, $h;
my @labels = @head[3 .. $#head];
my @as = map { exists $map{$_} ? $map{$_} : $_ } @labels;
my @pi = grep { $as[$_] eq $prose } 0 .. $#labels;    # the prose label's columns
my @oi = grep { $as[$_] ne $prose } 0 .. $#labels;    # the others'
die "paras: $costf: no costs of $prose\n" unless @pi;
my %cost;
my $name_of = Spans::namer(\@order);
while (<$c>) {
    chomp;
    my ($d, $s, $e, @v) = split /\t/;
    die "paras: $costf:$.: not a token line\n" unless defined $e && @v == @labels;
    my $k = $name_of->($d);
    next unless defined $k;
    push @{ $cost{$k} }, [$s, \@v];
}

my (%n, %right, $mixed, @pos, @neg, $cheaper);
my $all = 0;
for my $d (@order) {
    die "paras: $costf: no costs for $d\n" unless $cost{$d};
    open my $f, "<:raw", $d or die "paras: $d: $!\n";
    my $text = do { local $/; <$f> };
    # paragraphs: lines that are not blank, then the blank lines after them
    my @para;
    my ($at, $blank) = (0, 0);
    while ($text =~ /\G([^\n]*(?:\n|\z))/gc && length $1) {
        my $line = $1;
        my $b = $line !~ /\S/;
        push @para, [$at, $at] if !@para || ($blank && !$b);
        $para[-1][1] = $at + length $line;
        $at += length $line;
        $blank = $b;
    }
    my ($ti, $si, $toks, $spans) = (0, 0, $cost{$d}, $truth{$d});
    for my $p (@para) {
        my ($ps, $pe) = @$p;
        # the true label of most of its bytes
        my %by;
        $si++ while $si < @$spans && $spans->[$si][1] <= $ps;
        for (my $j = $si; $j < @$spans && $spans->[$j][0] < $pe; $j++) {
            my $lo = $spans->[$j][0] > $ps ? $spans->[$j][0] : $ps;
            my $hi = $spans->[$j][1] < $pe ? $spans->[$j][1] : $pe;
            $by{ $spans->[$j][2] } += $hi - $lo;
        }
        my ($lab) = sort { $by{$b} <=> $by{$a} || $a cmp $b } keys %by;
        next unless defined $lab;
        $mixed++ if $by{$lab} < 0.9 * ($pe - $ps);
        my @sum = (0) x @labels;
        my $nt = 0;
        $ti++ while $ti < @$toks && $toks->[$ti][0] < $ps;
        while ($ti < @$toks && $toks->[$ti][0] < $pe) {
            $sum[$_] += $toks->[$ti][1][$_] for 0 .. $#labels;
            $ti++; $nt++;
        }
        next unless $nt;
        my ($best) = sort { $sum[$a] <=> $sum[$b] || $a <=> $b } 0 .. $#labels;
        my ($mine) = sort { $a <=> $b } map { $sum[$_] } @pi;
        my ($other) = sort { $a <=> $b } map { $sum[$_] } @oi;
        $n{$lab}++; $all++;
        $right{$lab}++ if $as[$best] eq $lab;
        my $m = $mine - (defined $other ? $other : 0);
        if ($lab eq $prose) { push @neg, $m } else { push @pos, $m; $cheaper++ if $m < 0 }
    }
}

# AUROC of the margin: other paragraphs (positives) above prose ones
my $auroc = "nan";
if (@pos && @neg) {
    my @all = sort { $a->[0] <=> $b->[0] } (map { [$_, 1] } @pos), (map { [$_, 0] } @neg);
    my ($rank, $sum) = (0, 0);
    for (my $i = 0; $i < @all;) {
        my $j = $i;
        $j++ while $j < @all && $all[$j][0] == $all[$i][0];
        my $r = ($i + 1 + $j) / 2;    # mean rank of ties
        $sum += $r * grep { $_->[1] } @all[$i .. $j - 1];
        $i = $j;
    }
    $auroc = sprintf "%.4f", ($sum - @pos * (@pos + 1) / 2) / (@pos * @neg);
}
print "set $name\n" if defined $name;
print "paragraphs $all\n";
print "paragraphs_mixed ", $mixed // 0, "\n";
for my $l (sort keys %n) {
    printf "paragraphs_%s %d\ncheapest_%s %.4f\n", $l, $n{$l}, $l, ($right{$l} // 0) / $n{$l};
}
printf "cheapest_accuracy %.4f\n", $all ? (sum(values %right) / $all) : 0;
printf "cheapest_balanced %.4f\n", %n ? sum(map { ($right{$_} // 0) / $n{$_} } keys %n) / keys %n : 0;
print "prose_margin_auroc $auroc\n";
printf "prose_cheaper_code %s\n", @pos ? sprintf("%.4f", ($cheaper // 0) / @pos) : "nan";

sub sum { my $s = 0; $s += $_ for @_; $s }
