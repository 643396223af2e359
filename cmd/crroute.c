/* crroute: routing by reconstruction error. Reads the reconstruction streams of K
 * experts over the same token stream and labels each block, or each stretch of each
 * document, with the expert that rebuilds it best on a calibrated scale, or "unknown"
 * when none of them fits. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/calib.h"
#include "../core/join.h"
#include "../core/linecut.h"
#include "../core/segment.h"
#include "cli.h"

/* -t: blocks of fewer tokens than this share of the stream's block length (crtok -L)
 * are scored with the one before them; chosen with -a and -b by
 * bench/route/tuneblocks.sh on each domain's calibration text */
#define CR_ROUTE_SHORT 0.5

static void usage(FILE *f)
{
    fprintf(f, "usage: crroute [-c bpb|fit|ce|tra] [-a A] [-b B] [-r X | -R] [-t N]\n"
               "               [--spans [-p P] [-l P] [-P P]] [--costs] [--header | --json]\n"
               "               REC REC...\n"
               "Routes each block to the expert that reconstructs it best. Each REC is the\n"
               "reconstruction stream of one expert (crtok | crenc | crdec) over the same\n"
               "token stream: files, FIFOs or process substitutions, in any order.\n"
               "  -c, --score S    bpb: CE per byte over the expert's own held-out median\n"
               "                   to the power A, on the scale of its spread to the power\n"
               "                   B (calibrated; the default), fit: ln(CE per byte over\n"
               "                   the median) / ln(q99), 1 at the rejection threshold,\n"
               "                   ce: CE per token in bits (the paper's raw rule), tra:\n"
               "                   1 - TRA\n"
               "  -a, --median-power A  how much of each expert's median -c bpb takes, 0\n"
               "                   (raw bits) to 1 (default %g for blocks, %g for spans)\n"
               "  -b, --spread-power B  the same for its spread (default %g, %g)\n"
               "  -r, --reject X   label a block unknown when no expert codes it within X\n"
               "                   times its held-out median CE per byte (default: each\n"
               "                   one's held-out q99; with -c ce or tra: when the winner's\n"
               "                   score is above X)\n"
               "  -R, --no-reject  never unknown\n"
               "  -t, --short N    a block of fewer than N tokens (a file's last, mostly)\n"
               "                   is scored together with the block before it in its\n"
               "                   document (default: half the block length, crtok -L;\n"
               "                   0: every block alone)\n"
               "  -s, --spans      segment each document: lines doc start end label, byte\n"
               "                   spans that cover it whole (use overlapping windows,\n"
               "                   crtok -L 512 -S 256)\n"
               "  -p, --penalty P  cost of a change of label in --spans, on the scale of\n"
               "                   the costs (with -a 1 -b 1, a byte at q90 costs 1)\n"
               "                   (default %g)\n"
               "  -l, --line-penalty P  the same at the start of a line (default %g)\n"
               "  -P, --para-penalty P  the same at the start of a paragraph, a line\n"
               "                   after a blank one (default %g)\n"
               "      --costs      instead of the spans, a line per token: doc start end,\n"
               "                   then the cost of each label that the spans are chosen\n"
               "                   by (each expert's, then unknown's unless -R or -c ce\n"
               "                   or tra)\n"
               "      --header     a first line naming the columns\n"
               "      --json       JSON Lines\n"
               "  -h, --help       this help\n"
               "      --version    version\n"
               "Block lines: doc block start end label margin, then each expert's score.\n"
               "See crroute(1).\n", CR_CALIB_BLOCK_A, CR_CALIB_SPAN_A, CR_CALIB_BLOCK_B,
            CR_CALIB_SPAN_B, CR_SEG_PENALTY, CR_SEG_LINE_PENALTY, CR_SEG_PARA_PENALTY);
}

enum { SCORE_BPB, SCORE_FIT, SCORE_CE, SCORE_TRA };

struct opts {
    int score, reject, spans, costs, header, json;
    long short_tokens; /* -t: a block of fewer tokens is judged with the one before it */
    double reject_at, penalty, line_penalty, para_penalty;
    cr_calib_scale scale; /* -a, -b (NAN: the mode's default) */
};

struct expert {
    char name[128];
    cr_calib cal;
    int calibrated;
    double reject_x; /* the threshold: a calibrated score (CE per byte over the median),
                      * or with -c ce or tra a score; INFINITY: never unknown */
    cr_calib_costs costs; /* of --spans, on the scale -a -b */
};

struct router {
    struct opts o;
    int k;
    struct expert ex[CR_JOIN_MAX];
    char doc[CR_DOC_NAME_MAX + 1];
    size_t doclen;
    cr_seg *seg;
    float *cost;     /* (k + 1) x L token costs of a window, for --spans */
    uint64_t *start; /* L byte offsets */
    cr_seg_cut *cut; /* L line cuts (cr_line_cuts) */
    cr_vocab *v;     /* the tokens' bytes, for the cuts */
    uint32_t cap;    /* tokens the three hold */
    double unknown_rate;
    /* the last block of the document (-t): each expert's bits and hits, its tokens and
     * bytes; prev_n 0 before the document's first block */
    double prev_bits[CR_JOIN_MAX], prev_hits[CR_JOIN_MAX];
    uint64_t prev_n, prev_bytes;
    uint64_t short_tokens; /* -t, or its default for the stream's block length */
    /* --costs: the last token traced, printed when the next one shows where it ends */
    int pending, states;   /* states: the cost columns, k or k + 1 with unknown */
    int streams;           /* stream headers seen */
    uint64_t pend_start;
    double pend_cost[CR_JOIN_MAX + 1];
};

static const char *label_of(const struct router *r, int state)
{
    return state < r->k ? r->ex[state].name : "unknown";
}

/* Scores on the calibrated scale (-c bpb or fit), whose rejection needs cal.* */
static int calibrated(const struct router *r)
{
    return r->o.score == SCORE_BPB || r->o.score == SCORE_FIT;
}

/* A stream header of each expert: its name and calibration. The columns follow the
 * first streams' experts: a later stream of an input must come from the same one. */
static int on_streams(struct router *r, const cr_event *ev, cr_diag *d)
{
    int states = r->states;
    for (int i = 0; i < r->k; i++) {
        struct expert *e = &r->ex[i];
        const char *name = NULL;
        char was[sizeof e->name];
        memcpy(was, e->name, sizeof was);
        if (!cr_meta_get_str(ev[i].meta, "model.name", &name))
            snprintf(e->name, sizeof e->name, "expert%d", i + 1);
        else
            snprintf(e->name, sizeof e->name, "%s", name);
        if (r->streams > 0 && strcmp(was, e->name) != 0)
            return cr_diag_set(d, CR_E_MISMATCH, "%s: a stream of the expert '%s' after "
                               "one of '%s' (the columns are the first stream's experts)",
                               ev[i].input, e->name, was);
        e->calibrated = cr_calib_get(&e->cal, ev[i].meta);
        if (!e->calibrated && calibrated(r))
            return cr_diag_set(d, CR_E_VALUE, "%s: the expert '%s' is not calibrated "
                               "(crmodel calibrate), so only -c ce or -c tra can route with it",
                               ev[i].input, e->name);
        e->reject_x = !r->o.reject ? INFINITY : r->o.reject_at > 0 ? r->o.reject_at
                                                                  : e->cal.q99;
        e->costs = cr_calib_costs_of(&e->cal, r->o.scale);
    }
    /* unknown costs the highest threshold per byte, on the spans' scale: text goes
     * unknown in --spans only where no expert is within its own threshold */
    r->unknown_rate = -INFINITY;
    for (int i = 0; i < r->k; i++) {
        double u = calibrated(r) && isfinite(r->ex[i].reject_x)
                       ? cr_calib_cost_rate(&r->ex[i].cal, r->o.scale, r->ex[i].reject_x)
                       : r->ex[i].reject_x;
        if (u > r->unknown_rate)
            r->unknown_rate = u;
    }
    /* --costs shows unknown's only where it can win */
    r->states = r->k + (calibrated(r) && isfinite(r->unknown_rate));
    if (r->streams++ > 0 && r->states != states)
        return cr_diag_set(d, CR_E_MISMATCH, "%s: unknown can win in one stream and not "
                           "in the one before (an expert calibrated in one only)",
                           ev[0].input);
    uint64_t vid, len = 0;
    cr_meta_get_u64(ev[0].meta, "block.tokens", &len);
    r->short_tokens = r->o.short_tokens >= 0 ? (uint64_t)r->o.short_tokens
                                             : (uint64_t)(len * CR_ROUTE_SHORT);
    if (r->v && (!cr_meta_get_u64(ev[0].meta, "tok.vocab_id", &vid) || vid != cr_vocab_id(r->v)))
        return cr_diag_set(d, CR_E_MISMATCH, "%s: tokens of another vocabulary than %s/gpt2: "
                           "--spans needs their bytes to find where lines start",
                           ev[0].input, cli_share_dir());
    for (int i = 0; i < r->k; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(r->ex[i].name, r->ex[j].name) == 0)
                return cr_diag_set(d, CR_E_VALUE, "%s and %s come from experts of one name, "
                                   "'%s'", ev[j].input, ev[i].input, r->ex[i].name);
    return CR_OK;
}

/* What expert i spent on a block: its bits and its tokens rebuilt exactly. */
static void block_cost(const cr_event *ev, double *bits, double *hits)
{
    const cr_block *b = &ev->block;
    *bits = *hits = 0;
    for (uint32_t t = 0; t < b->n; t++) {
        *bits -= ev->logp[t] / M_LN2;
        *hits += ev->argmax[t] == b->ids[t];
    }
}

/* The routing score of expert i for text of n tokens and `bytes` bytes that it codes in
 * `bits` with `hits` tokens exact (lower is better); *x its calibrated score (CE per
 * byte over its median) when the score is calibrated. */
static double block_score(const struct router *r, int i, double bits, double hits,
                          uint64_t n, uint64_t bytes, double *x)
{
    if (r->o.score == SCORE_CE)
        return bits / n;
    if (r->o.score == SCORE_TRA)
        return 1.0 - hits / n;
    *x = cr_calib_score(&r->ex[i].cal, bits, bytes, n);
    return r->o.score == SCORE_FIT ? cr_calib_fit(&r->ex[i].cal, *x)
                                   : cr_calib_block(&r->ex[i].cal, r->o.scale, bits, bytes, n);
}

static void put_block(struct router *r, const cr_event *ev)
{
    const cr_block *b = &ev[0].block;
    double s[CR_JOIN_MAX], bits[CR_JOIN_MAX], hits[CR_JOIN_MAX];
    uint64_t n = b->n, bytes = b->off[b->n];
    int best = 0, second = -1, fits = 0;
    /* a block too short to judge alone (a file's last, mostly) is judged together with
     * the one before it in its document */
    int with_prev = r->prev_n > 0 && n < r->short_tokens;
    for (int i = 0; i < r->k; i++) {
        double x = 0;
        block_cost(&ev[i], &bits[i], &hits[i]);
        s[i] = with_prev ? block_score(r, i, bits[i] + r->prev_bits[i],
                                       hits[i] + r->prev_hits[i], n + r->prev_n,
                                       bytes + r->prev_bytes, &x)
                         : block_score(r, i, bits[i], hits[i], n, bytes, &x);
        if (s[i] < s[best])
            best = i;
        fits += calibrated(r) && !(x > r->ex[i].reject_x); /* within its threshold */
    }
    for (int i = 0; i < r->k; i++)
        if (i != best && (second < 0 || s[i] < s[second]))
            second = i;
    /* unknown: calibrated, when no expert codes the block within its threshold; raw,
     * when the winner's score is above it */
    int state = (calibrated(r) ? !fits : s[best] > r->ex[best].reject_x) ? r->k : best;
    double margin = second < 0 ? 0.0 : s[second] - s[best];
    const char *label = label_of(r, state);
    memcpy(r->prev_bits, bits, sizeof bits);
    memcpy(r->prev_hits, hits, sizeof hits);
    r->prev_n = n;
    r->prev_bytes = bytes;
    if (r->o.json) {
        fputs("{\"doc\":", stdout);
        cli_put_str(1, r->doc, r->doclen);
        printf(",\"block\":%llu,\"start\":%llu,\"end\":%llu,\"label\":",
               (unsigned long long)b->index, (unsigned long long)b->base,
               (unsigned long long)(b->base + b->off[b->n]));
        cli_put_str(1, label, strlen(label));
        printf(",\"margin\":%.6f,\"scores\":{", margin);
        for (int i = 0; i < r->k; i++) {
            printf(i ? "," : "");
            cli_put_str(1, r->ex[i].name, strlen(r->ex[i].name));
            printf(":%.6f", s[i]);
        }
        puts("}}");
        return;
    }
    cli_put_str(0, r->doc, r->doclen);
    printf("\t%llu\t%llu\t%llu\t%s\t%.6f", (unsigned long long)b->index,
           (unsigned long long)b->base, (unsigned long long)(b->base + b->off[b->n]), label,
           margin);
    for (int i = 0; i < r->k; i++)
        printf("\t%.6f", s[i]);
    putchar('\n');
}

/* --spans: each window's token costs on the calibrated scale, unknown included. */
static int seg_window(struct router *r, const cr_event *ev, cr_diag *d)
{
    const cr_block *b = &ev[0].block;
    uint32_t n = b->n;
    for (uint32_t t = 0; t < n; t++) {
        double bytes = b->off[t + 1] - b->off[t];
        r->start[t] = b->base + b->off[t];
        for (int i = 0; i < r->k; i++) {
            double bits = -ev[i].logp[t] / M_LN2;
            r->cost[(size_t)i * n + t] =
                (float)(r->o.score == SCORE_CE    ? bits
                        : r->o.score == SCORE_TRA ? (ev[i].argmax[t] != b->ids[t])
                                                  : cr_calib_cost(r->ex[i].costs, bits, bytes));
        }
        /* unknown: as if an expert scored these bytes at the rejection threshold */
        r->cost[(size_t)r->k * n + t] =
            calibrated(r) && isfinite(r->unknown_rate)
                ? (float)(r->unknown_rate * bytes) : 1e30f;
    }
    cr_line_cuts(r->v, b, r->cut);
    return cr_seg_window(r->seg, b->first, n, r->cost, r->start, r->cut, d);
}

/* Room for the costs, offsets and cuts of a window of n tokens. */
static int grow(struct router *r, uint32_t n, cr_diag *d)
{
    float *c = realloc(r->cost, (size_t)(r->k + 1) * n * sizeof *c);
    if (c)
        r->cost = c;
    uint64_t *st = realloc(r->start, (size_t)n * sizeof *st);
    if (st)
        r->start = st;
    cr_seg_cut *ct = realloc(r->cut, (size_t)n * sizeof *ct);
    if (ct)
        r->cut = ct;
    if (!c || !st || !ct)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    r->cap = n;
    return CR_OK;
}

static int put_span(void *arg, uint64_t start, uint64_t end, int state)
{
    struct router *r = arg;
    const char *label = label_of(r, state);
    if (r->o.costs)
        return 0;
    if (r->o.json) {
        fputs("{\"doc\":", stdout);
        cli_put_str(1, r->doc, r->doclen);
        printf(",\"start\":%llu,\"end\":%llu,\"label\":", (unsigned long long)start,
               (unsigned long long)end);
        cli_put_str(1, label, strlen(label));
        puts("}");
    } else {
        cli_put_str(0, r->doc, r->doclen);
        printf("\t%llu\t%llu\t%s\n", (unsigned long long)start, (unsigned long long)end,
               label);
    }
    return 0;
}

/* --costs: the pending token's line, now that its end is known. */
static void put_costs(struct router *r, uint64_t end)
{
    if (!r->pending)
        return;
    r->pending = 0;
    if (r->o.json) {
        fputs("{\"doc\":", stdout);
        cli_put_str(1, r->doc, r->doclen);
        printf(",\"start\":%llu,\"end\":%llu,\"costs\":{", (unsigned long long)r->pend_start,
               (unsigned long long)end);
        for (int i = 0; i < r->states; i++) {
            const char *label = label_of(r, i);
            printf(i ? "," : "");
            cli_put_str(1, label, strlen(label));
            printf(":%.6f", r->pend_cost[i]);
        }
        puts("}}");
        return;
    }
    cli_put_str(0, r->doc, r->doclen);
    printf("\t%llu\t%llu", (unsigned long long)r->pend_start, (unsigned long long)end);
    for (int i = 0; i < r->states; i++)
        printf("\t%.6f", r->pend_cost[i]);
    putchar('\n');
}

static int trace_token(void *arg, uint64_t start, const double *cost)
{
    struct router *r = arg;
    put_costs(r, start);
    r->pending = 1;
    r->pend_start = start;
    memcpy(r->pend_cost, cost, (size_t)r->states * sizeof *cost);
    return 0;
}

static void put_header(const struct router *r)
{
    if (r->o.json)
        return;
    if (r->o.costs) {
        printf("doc\tstart\tend");
        for (int i = 0; i < r->states; i++)
            printf("\t%s", label_of(r, i));
        putchar('\n');
        return;
    }
    if (r->o.spans) {
        puts("doc\tstart\tend\tlabel");
        return;
    }
    printf("doc\tblock\tstart\tend\tlabel\tmargin");
    for (int i = 0; i < r->k; i++)
        printf("\t%s", r->ex[i].name);
    putchar('\n');
}

static int route(struct router *r, char *const *paths, int k)
{
    static cr_event ev[CR_JOIN_MAX];
    cr_join *j;
    cr_diag d;
    int rc, headers = 0;

    r->k = k;
    if (r->o.spans) {
        char vdir[4096];
        snprintf(vdir, sizeof vdir, "%s/gpt2", cli_share_dir());
        if (cr_vocab_load(&r->v, vdir, &d) < 0) {
            cli_err("%s", d.msg);
            cli_err("hint: --spans reads the vocabulary under CR_SHARE (the share directory)");
            return CLI_EXIT_DATA;
        }
    }
    if ((rc = cr_join_open(&j, (const char *const *)paths, k, CR_KIND_RECON, &d)) < 0 ||
        (rc = cr_seg_new(&r->seg, k + 1, r->o.penalty, put_span, r, &d)) < 0 ||
        (rc = cr_seg_set_breaks(r->seg, r->o.line_penalty, r->o.para_penalty, &d)) < 0) {
        cli_err("%s", d.msg);
        cr_join_close(j);
        cr_seg_free(r->seg);
        cr_vocab_free(r->v);
        return CLI_EXIT_DATA;
    }
    if (r->o.costs)
        cr_seg_set_trace(r->seg, trace_token, r);
    while ((rc = cr_join_next(j, ev, &d)) > 0) {
        switch (rc) {
        case CR_EV_STREAM:
            if ((rc = on_streams(r, ev, &d)) < 0)
                break;
            if (r->o.header && !headers++)
                put_header(r);
            break;
        case CR_EV_DOC:
            memcpy(r->doc, ev[0].doc.name, ev[0].doc.name_len);
            r->doclen = ev[0].doc.name_len;
            r->prev_n = 0;
            cr_seg_reset(r->seg);
            break;
        case CR_EV_BLOCK:
            if (!r->o.spans) {
                put_block(r, ev);
                break;
            }
            if (ev[0].block.n > r->cap && (rc = grow(r, ev[0].block.n, &d)) < 0)
                break;
            if ((rc = seg_window(r, ev, &d)) < 0)
                cr_event_where(&ev[0], &d);
            break;
        case CR_EV_DOCEND:
            if (r->o.spans && (rc = cr_seg_end(r->seg, ev[0].doc.bytes)) < 0)
                cr_diag_set(&d, rc, "out of memory for the spans of a document");
            put_costs(r, ev[0].doc.bytes);
            break;
        }
        if (rc < 0)
            break;
    }
    if (rc < 0)
        cli_err("%s", d.msg);
    cr_join_close(j);
    cr_seg_free(r->seg);
    free(r->cost);
    free(r->start);
    free(r->cut);
    cr_vocab_free(r->v);
    return rc < 0 ? CLI_EXIT_DATA : CLI_EXIT_OK;
}

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option longs[] = {
        {"score", 1, 0, 'c'}, {"median-power", 1, 0, 'a'}, {"spread-power", 1, 0, 'b'},
        {"reject", 1, 0, 'r'}, {"no-reject", 0, 0, 'R'}, {"short", 1, 0, 't'},
        {"spans", 0, 0, 's'}, {"penalty", 1, 0, 'p'},
        {"line-penalty", 1, 0, 'l'}, {"para-penalty", 1, 0, 'P'}, {"header", 0, 0, 'H'},
        {"json", 0, 0, 'j'}, {"costs", 0, 0, 'C'}, {"help", 0, 0, 'h'},
        {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    int c;
    *o = (struct opts){.score = SCORE_BPB, .reject = 1, .penalty = CR_SEG_PENALTY,
                       .line_penalty = CR_SEG_LINE_PENALTY,
                       .para_penalty = CR_SEG_PARA_PENALTY, .scale = {NAN, NAN},
                       .short_tokens = -1};
    while ((c = getopt_long(argc, argv, "c:a:b:r:Rt:sp:l:P:h", longs, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->score = !strcmp(optarg, "bpb")   ? SCORE_BPB
                       : !strcmp(optarg, "fit") ? SCORE_FIT
                       : !strcmp(optarg, "ce")  ? SCORE_CE
                       : !strcmp(optarg, "tra") ? SCORE_TRA
                                                : -1;
            if (o->score < 0) {
                cli_err("-c %s: the score is bpb, fit, ce or tra", optarg);
                return -1;
            }
            break;
        case 'r':
        case 'p':
        case 'l':
        case 'P':
        case 'a':
        case 'b': {
            double *x = c == 'r'   ? &o->reject_at
                        : c == 'p' ? &o->penalty
                        : c == 'l' ? &o->line_penalty
                        : c == 'P' ? &o->para_penalty
                        : c == 'a' ? &o->scale.a
                                   : &o->scale.b;
            const char name[3] = {'-', (char)c, 0};
            int power = c == 'a' || c == 'b'; /* from 0 to 1; the others above 0 */
            if (isnan(*x = cli_number(optarg, name, 0, power ? 1 : INFINITY,
                                      power ? 0 : CLI_NUM_ABOVE)))
                return -1;
            break;
        }
        case 'R': o->reject = 0; break;
        case 't':
            if ((o->short_tokens = cli_count(optarg, "-t", 0, 1L << 30)) < 0)
                return -1;
            break;
        case 's': o->spans = 1; break;
        case 'C': o->costs = o->spans = 1; break;
        case 'H': o->header = 1; break;
        case 'j': o->json = 1; break;
        case 'h': usage(stdout); return 1;
        case 'V': cli_version(); return 1;
        default: usage(stderr); return -1;
        }
    }
    const char *seg = o->costs ? "--costs" : "--spans";
    if (o->spans && o->score == SCORE_FIT) {
        cli_err("-c fit scores blocks; %s takes -c bpb, ce or tra", seg);
        return -1;
    }
    if (o->score != SCORE_BPB && o->score != SCORE_FIT && o->reject_at == 0)
        o->reject = 0; /* rejection is on the calibrated scale, unless a threshold is given */
    if (o->score != SCORE_BPB && (!isnan(o->scale.a) || !isnan(o->scale.b))) {
        cli_err("-a and -b scale the calibrated score, -c bpb");
        return -1;
    }
    if (o->spans && o->short_tokens >= 0) {
        cli_err("-t joins short blocks; %s judges every token by its windows", seg);
        return -1;
    }
    if (isnan(o->scale.a))
        o->scale.a = o->spans ? CR_CALIB_SPAN_A : CR_CALIB_BLOCK_A;
    if (isnan(o->scale.b))
        o->scale.b = o->spans ? CR_CALIB_SPAN_B : CR_CALIB_BLOCK_B;
    if (argc - optind < 1 || argc - optind > CR_JOIN_MAX) {
        cli_err("give the reconstruction streams of 1 to %d experts", CR_JOIN_MAX);
        usage(stderr);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct router r;
    cli_init(argv);
    int p = parse(argc, argv, &r.o);
    if (p)
        return p < 0 ? CLI_EXIT_USAGE : cli_close_out(stdout, "-");
    if (cli_refuse_tty_in(argv + optind, argc - optind))
        return CLI_EXIT_USAGE;
    int status = route(&r, argv + optind, argc - optind);
    int cs = cli_close_out(stdout, "-");
    return status > cs ? status : cs;
}
