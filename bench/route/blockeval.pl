#!/usr/bin/perl
# Scores per-block routing against the true labels of the bytes:
#   perl bench/route/blockeval.pl [--map TO=FROM,...]... [--pure F] [--name SET]
#        TRUTH.labels PRED.blocks
# TRUTH.labels: lines "doc start end label" (as written by mkmix.sh and mkreal.sh).
# PRED.blocks: crroute's block lines "doc block start end label ..." (TSV, more fields
# ignored, a header line skipped) or its JSON Lines (keys doc, block, start, end, label).
# A block's true label is the label that covers most of its bytes; a block is mixed when
# that label covers less than F of them (--pure, default 0.9), else pure. A PRED document
# is found in TRUTH by its path, else by its file name when that is unique in TRUTH;
# blocks of other documents are ignored (with a note).
# --map TO=FROM,...  predicted labels FROM count as TO (repeatable)
# Prints "key value" lines: docs, blocks, blocks_pure, blocks_mixed,
# block_accuracy_pure, block_accuracy_all, for each true label blocks_pure_LABEL and
# block_recall_pure_LABEL, block_balanced_accuracy_pure (their mean), and pred_LABEL
# (how many blocks got each predicted label, after --map).
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Spans;

my (%map, $name);
my $pure = 0.9;
my @args;
while (@ARGV) {
    my $a = shift @ARGV;
    if ($a eq "--map" || $a =~ /^--map=/) {
        my $v = $a eq "--map" ? shift @ARGV : substr($a, 6);
        die "blockeval: --map TO=FROM,FROM...\n" unless defined $v && $v =~ /^([^=,]+)=(.+)$/;
        my $to = $1;
        $map{$_} = $to for split /,/, $2;
    } elsif ($a eq "--pure" || $a =~ /^--pure=/) {
        $pure = $a eq "--pure" ? shift @ARGV : substr($a, 7);
        die "blockeval: --pure F, 0 < F <= 1\n" unless defined $pure && $pure =~ /^[0-9.]+$/ && $pure > 0 && $pure <= 1;
    } elsif ($a eq "--name" || $a =~ /^--name=/) {
        $name = $a eq "--name" ? shift @ARGV : substr($a, 7);
    } elsif ($a eq "-h" || $a eq "--help") {
        open my $me, "<", $0 or die; <$me>;
        while (<$me>) { last unless s/^# ?//; print }
        exit 0;
    } elsif ($a =~ /^-./) {
        die "blockeval: unknown option $a\n";
    } else { push @args, $a }
}
die "usage: blockeval.pl [--map TO=FROM,...] [--pure F] [--name SET] TRUTH.labels PRED.blocks\n"
    unless @args == 2;
my ($truthf, $predf) = @args;

my ($truth, $order) = Spans::read_spans("blockeval", $truthf);
my %truth = %$truth;
my @order = @$order;
my $name_of = Spans::namer(\@order);

my ($n, $npure, $rpure, $rall, $extra, %seen, %lpure, %lright, %pred) = (0, 0, 0, 0, 0);
open my $in, "<", $predf or die "blockeval: $predf: $!\n";
my $data;
while (my $l = <$in>) {
    chomp $l; $l =~ s/\r$//;
    next if $l =~ /^\s*(?:#|$)/;
    my ($doc, $st, $en, $lab);
    if ($l =~ /^\s*\{/) {
        ($doc, $st, $en, $lab) = Spans::json_span($l) or die "blockeval: $predf:$.: not a block: $l\n";
    } else {
        my @f = split /\t/, $l;
        ($doc, $st, $en, $lab) = @f[0, 2, 3, 4];
        if (!defined $lab || $st !~ /^\d+$/ || $en !~ /^\d+$/) {
            next unless $data;    # a header
            die "blockeval: $predf:$.: not a block: $l\n";
        }
    }
    $data = 1;
    $lab = $map{$lab} if exists $map{$lab};
    my $d = $name_of->($doc);
    if (!defined $d) { $extra++; next }
    my $t = $truth{$d};
    die "blockeval: $predf:$.: block $st-$en is not inside $d (0-$t->[-1][1])\n" if $en > $t->[-1][1] || $en <= $st;
    $seen{$d} = 1;
    my %cov;
    for my $s (@$t) {    # spans are few per document; a linear walk will do
        next if $s->[1] <= $st;
        last if $s->[0] >= $en;
        $cov{ $s->[2] } += ($s->[1] < $en ? $s->[1] : $en) - ($s->[0] > $st ? $s->[0] : $st);
    }
    my ($best) = sort { $cov{$b} <=> $cov{$a} || $a cmp $b } keys %cov;
    my $ok = $lab eq $best ? 1 : 0;
    $n++; $rall += $ok; $pred{$lab}++;
    if ($cov{$best} >= $pure * ($en - $st)) {
        $npure++; $rpure += $ok; $lpure{$best}++; $lright{$best} += $ok;
    }
}
print STDERR "blockeval: $predf: $extra blocks of documents not in $truthf, ignored\n" if $extra;
my $missing = grep { !$seen{$_} } @order;
print STDERR "blockeval: $predf: no blocks for $missing of the ", scalar @order, " documents\n" if $missing;

sub r { my ($a, $b) = @_; $b ? sprintf("%.4f", $a / $b) : "nan" }
print "set $name\n" if defined $name;
print "docs ", scalar(keys %seen), "\nblocks $n\nblocks_pure $npure\nblocks_mixed ", $n - $npure, "\n";
print "block_accuracy_pure ", r($rpure, $npure), "\nblock_accuracy_all ", r($rall, $n), "\n";
my $bal = 0;
for (sort keys %lpure) {
    print "blocks_pure_$_ $lpure{$_}\nblock_recall_pure_$_ ", r($lright{$_}, $lpure{$_}), "\n";
    $bal += $lright{$_} / $lpure{$_};
}
print "block_balanced_accuracy_pure ", r($bal, scalar keys %lpure), "\n";
print "pred_$_ $pred{$_}\n" for sort keys %pred;
