# What the scorers of bench/route (segeval.pl, blockeval.pl, paras.pl) share: reading
# label spans, and finding a document of another file among them by path or file name.
package Spans;
use strict;
use warnings;

# A file of spans: "doc start end label" lines (TSV; a header, blank lines and lines
# starting with # skipped) or JSON Lines with those keys, spans of each document from
# byte 0 on, in order. Returns (doc -> [[start, end, label], ...], [docs in order]),
# adjacent spans of one label merged; labels found in %$map (if given) are renamed. Dies
# "PROG: FILE:LINE: ..." on a line that is not a span or a span out of place.
sub read_spans {
    my ($prog, $f, $map) = @_;
    open my $in, "<", $f or die "$prog: $f: $!\n";
    my (%s, @order, $data);
    while (my $l = <$in>) {
        chomp $l; $l =~ s/\r$//;
        next if $l =~ /^\s*(?:#|$)/;
        my ($doc, $st, $en, $lab);
        if ($l =~ /^\s*\{/) {
            ($doc, $st, $en, $lab) = json_span($l) or die "$prog: $f:$.: not a span: $l\n";
        } else {
            ($doc, $st, $en, $lab) = split /\t/, $l;
            if (!defined $en || $st !~ /^\d+$/ || $en !~ /^\d+$/) {
                next unless $data;    # a header, before the first span
                die "$prog: $f:$.: not a span: $l\n";
            }
            die "$prog: $f:$.: no label\n" unless defined $lab && $lab ne "";
        }
        $data = 1;
        $lab = $map->{$lab} if $map && exists $map->{$lab};
        push @order, $doc unless $s{$doc};
        my $sp = $s{$doc} //= [];
        my $want = @$sp ? $sp->[-1][1] : 0;
        die "$prog: $f:$.: $doc: span $st-$en does not start at $want\n" if $st != $want;
        die "$prog: $f:$.: $doc: empty span $st-$en\n" if $en <= $st;
        if (@$sp && $sp->[-1][2] eq $lab) { $sp->[-1][1] = $en }
        else { push @$sp, [$st, $en, $lab] }
    }
    return (\%s, \@order);
}

# doc, start, end and label of a JSON line (crroute --json), or () if one is missing.
sub json_span {
    my ($l) = @_;
    my ($doc) = $l =~ /"doc"\s*:\s*"((?:[^"\\]|\\.)*)"/;
    my ($st) = $l =~ /"start"\s*:\s*(\d+)/;
    my ($en) = $l =~ /"end"\s*:\s*(\d+)/;
    my ($lab) = $l =~ /"label"\s*:\s*"((?:[^"\\]|\\.)*)"/;
    return () unless defined $doc && defined $st && defined $en && defined $lab;
    for ($doc, $lab) {
        s/\\u([0-9a-fA-F]{4})/chr(hex $1)/ge;
        s/\\(.)/$1 eq "n" ? "\n" : $1 eq "t" ? "\t" : $1/ge;
    }
    return ($doc, $st, $en, $lab);
}

# A function from a document's name in another file to its name among @$docs: the same
# path, else the one path of that file name (undef: none, or more than one).
sub namer {
    my ($docs) = @_;
    my (%is, %base);
    for (@$docs) {
        $is{$_} = 1;
        (my $b = $_) =~ s{.*/}{};
        $base{$b} = exists $base{$b} ? undef : $_;
    }
    return sub {
        my ($d) = @_;
        return $d if $is{$d};
        (my $b = $d) =~ s{.*/}{};
        return $base{$b};
    };
}

1;
