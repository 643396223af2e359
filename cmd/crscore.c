/* crscore: reconstruction streams to scores, as tab-separated lines or JSON Lines. */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/input.h"
#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: crscore [-b | -d | -t | -s] [--header | --json] [FILE...]\n"
               "       crscore -g [--header | --json] OWN CROSS\n"
               "Scores reconstruction streams (from crdec): token reconstruction accuracy\n"
               "(TRA) and cross-entropy (CE, bits per token). Every mode keeps one column\n"
               "order: what is scored, where, tokens, TRA, CE, majority, model.\n"
               "  -b, --blocks    one line per block (the default):\n"
               "                  doc block start end tokens tra ce model\n"
               "  -d, --docs      one line per document: doc tokens tra ce majority model\n"
               "  -t, --tokens    one line per token: doc index start end id predicted ce model\n"
               "  -s, --summary   one line per input: input tokens tra ce majority model\n"
               "                  (majority: the TRA of always guessing the commonest token)\n"
               "  -g, --gain      the latent gain: OWN from crdec, CROSS from crdec -x over\n"
               "                  the same latents: input tokens ce ce_cross gain model,\n"
               "                  gain = ce_cross - ce in bits per token (0: z is ignored)\n"
               "The last of -b -d -t -s -g given wins.\n"
               "      --header    a first line naming the columns\n"
               "      --json      JSON Lines (one object per line, keys as the column names)\n"
               "  -h, --help      this help\n"
               "      --version   version\n"
               "Overlapping windows count each token once, in the first block that has it.\n"
               "See crscore(1).\n");
}

enum { BLOCKS, DOCS, TOKENS, SUMMARY, GAIN };
static const char *const columns[] = {
    [BLOCKS] = "doc block start end tokens tra ce model",
    [DOCS] = "doc tokens tra ce majority model",
    [TOKENS] = "doc index start end id predicted ce model",
    [SUMMARY] = "input tokens tra ce majority model",
    [GAIN] = "input tokens ce ce_cross gain model",
};
static int mode = BLOCKS, json;

/* One output line: fields in the order of columns[mode]. A field is a string (s, n) or
 * a number (with its printf precision). */
typedef struct field {
    const char *s;
    size_t n;
    double v;
    int prec; /* -1: a string; 0: an integer */
} field;

static field str(const char *s, size_t n) { return (field){.s = s, .n = n, .prec = -1}; }
static field num(double v, int prec) { return (field){.v = v, .prec = prec}; }

static void put_line(const field *fl)
{
    const char *c = columns[mode];
    if (json)
        putchar('{');
    for (int i = 0; *c; i++) {
        size_t k = strcspn(c, " ");
        if (json) {
            printf("%s\"%.*s\":", i ? "," : "", (int)k, c);
            if (fl[i].prec < 0)
                cli_json_str(stdout, fl[i].s, fl[i].n);
        } else if (i) {
            putchar('\t');
        }
        if (fl[i].prec < 0 && !json)
            cli_put_str(0, fl[i].s, fl[i].n);
        else if (fl[i].prec >= 0 && json && !isfinite(fl[i].v))
            printf("null"); /* JSON has no infinity: a log-probability of -inf */
        else if (fl[i].prec >= 0)
            printf("%.*f", fl[i].prec, fl[i].v);
        c += k + (c[k] == ' ');
    }
    puts(json ? "}" : "");
}

static void put_header(void)
{
    if (json)
        return;
    for (const char *c = columns[mode]; *c; c++)
        putchar(*c == ' ' ? '\t' : *c);
    putchar('\n');
}

struct tally {
    uint64_t n, hit;
    double ce; /* bits */
};

static void add(struct tally *t, uint32_t id, uint32_t am, float logp)
{
    t->n++;
    t->hit += am == id;
    t->ce += -logp / M_LN2;
}

static double share(uint64_t a, uint64_t n) { return n ? (double)a / n : 0.0; }

/* Counts of each token id, for the majority TRA (the share of the commonest id). */
struct counts {
    uint32_t *freq;
    uint32_t V, top;
};

static int count(struct counts *c, uint32_t id, cr_diag *d)
{
    if (!c->freq && !(c->freq = calloc(c->V, sizeof *c->freq)))
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    if (++c->freq[id] > c->top)
        c->top = c->freq[id];
    return CR_OK;
}

static void counts_reset(struct counts *c)
{
    if (c->freq)
        memset(c->freq, 0, c->V * sizeof *c->freq);
    c->top = 0;
}

/* The state of one input while it is scored. */
struct input {
    char model[256];
    const char *name; /* for -s */
    char doc[CR_DOC_NAME_MAX + 1];
    size_t doclen;
    uint64_t docs;
    cr_tokens_seen seen;
    struct tally dt, all;
    struct counts dc, ac; /* per document, per input */
};

/* The name -s gives an input read from stdin: the file redirected to it, else the one
 * document's name when it holds one, else "<stdin>". */
static const char *stdin_name(const struct input *s)
{
    static char path[PATH_MAX];
    struct stat st;
    ssize_t n;
    if (fstat(0, &st) == 0 && S_ISREG(st.st_mode) &&
        (n = readlink("/proc/self/fd/0", path, sizeof path - 1)) > 0) {
        path[n] = 0;
        return path;
    }
    if (s->docs == 1) {
        memcpy(path, s->doc, s->doclen);
        path[s->doclen] = 0;
        return path;
    }
    return "<stdin>";
}

static int on_stream(struct input *s, const cr_event *ev, cr_diag *d)
{
    uint64_t v = 0;
    const char *model = "?";
    cr_meta_get_u64(ev->meta, "tok.vocab_size", &v);
    if (s->ac.V && v != s->ac.V)
        return cr_diag_set(d, CR_E_FORMAT, "tok.vocab_size changes from %u to %llu", s->ac.V,
                           (unsigned long long)v);
    s->ac.V = s->dc.V = (uint32_t)v;
    cr_meta_get_str(ev->meta, "model.name", &model);
    snprintf(s->model, sizeof s->model, "%s", model);
    return CR_OK;
}

static int on_block(struct input *s, const cr_event *ev, cr_diag *d)
{
    const cr_block *b = &ev->block;
    struct tally bt = {0};
    uint32_t from = cr_tokens_new(&s->seen, b);
    int rc;
    for (uint32_t i = 0; i < b->n; i++) {
        add(&bt, b->ids[i], ev->argmax[i], ev->logp[i]);
        if (i < from)
            continue;
        add(&s->dt, b->ids[i], ev->argmax[i], ev->logp[i]);
        add(&s->all, b->ids[i], ev->argmax[i], ev->logp[i]);
        if ((rc = count(&s->dc, b->ids[i], d)) < 0 || (rc = count(&s->ac, b->ids[i], d)) < 0)
            return rc;
        if (mode == TOKENS)
            put_line((field[]){str(s->doc, s->doclen), num((double)(b->first + i), 0),
                               num((double)(b->base + b->off[i]), 0),
                               num((double)(b->base + b->off[i + 1]), 0), num(b->ids[i], 0),
                               num(ev->argmax[i], 0), num(-ev->logp[i] / M_LN2, 4),
                               str(s->model, strlen(s->model))});
    }
    if (mode == BLOCKS)
        put_line((field[]){str(s->doc, s->doclen), num((double)b->index, 0),
                           num((double)b->base, 0), num((double)(b->base + b->off[b->n]), 0),
                           num(b->n, 0), num(share(bt.hit, bt.n), 6), num(bt.ce / bt.n, 6),
                           str(s->model, strlen(s->model))});
    return CR_OK;
}

/* Scores every input in turn; returns the exit status. */
static int score(char *const *paths, int npaths)
{
    struct input s = {.model = "?"};
    cr_input *in;
    cr_event ev;
    cr_diag d;
    int rc, status = CLI_EXIT_OK;

    if (cr_input_open(&in, (const char *const *)paths, npaths, CR_KIND_RECON, &d) < 0) {
        cli_err("%s", d.msg);
        return CLI_EXIT_DATA;
    }
    while ((rc = cr_input_next(in, &ev, &d)) != CR_EV_END) {
        if (rc == CR_EV_STREAM)
            rc = on_stream(&s, &ev, &d);
        else if (rc == CR_EV_DOC) {
            memcpy(s.doc, ev.doc.name, ev.doc.name_len);
            s.doclen = ev.doc.name_len;
            s.docs++;
            cr_tokens_seen_reset(&s.seen);
            memset(&s.dt, 0, sizeof s.dt);
            counts_reset(&s.dc);
        } else if (rc == CR_EV_BLOCK) {
            rc = on_block(&s, &ev, &d);
        } else if (rc == CR_EV_DOCEND && mode == DOCS && s.dt.n) {
            put_line((field[]){str(s.doc, s.doclen), num((double)s.dt.n, 0),
                               num(share(s.dt.hit, s.dt.n), 6), num(s.dt.ce / s.dt.n, 6),
                               num(share(s.dc.top, s.dt.n), 6),
                               str(s.model, strlen(s.model))});
        } else if (rc == CR_EV_INPUT_END) {
            if (mode == SUMMARY) {
                const char *name = strcmp(ev.input, "<stdin>") ? ev.input : stdin_name(&s);
                put_line((field[]){str(name, strlen(name)), num((double)s.all.n, 0),
                                   num(share(s.all.hit, s.all.n), 6),
                                   num(s.all.n ? s.all.ce / s.all.n : 0.0, 6),
                                   num(share(s.ac.top, s.all.n), 6),
                                   str(s.model, strlen(s.model))});
            }
            free(s.ac.freq);
            free(s.dc.freq);
            s = (struct input){.model = "?"};
        }
        if (rc < 0) {
            /* an error ends that input; the others are still scored */
            if (ev.type == CR_EV_STREAM || ev.type == CR_EV_BLOCK) {
                cr_event_where(&ev, &d);
                cr_input_skip(in);
            }
            fflush(stdout);
            cli_err("%s", d.msg);
            status = CLI_EXIT_DATA;
            free(s.ac.freq);
            free(s.dc.freq);
            s = (struct input){.model = "?"};
        }
    }
    free(s.ac.freq);
    free(s.dc.freq);
    cr_input_close(in);
    return status;
}

/* The next reconstruction block of in (other events skipped); 1, 0 at the end, or < 0. */
static int next_block(cr_input *in, cr_event *ev, cr_diag *d)
{
    int rc;
    while ((rc = cr_input_next(in, ev, d)) > 0)
        if (rc == CR_EV_BLOCK)
            return 1;
    return rc;
}

/* -g: the latent gain, CE of the blocks decoded from other latents (crdec -x) minus CE
 * from their own, over the same blocks in the same order. */
static int gain(char *const *path)
{
    cr_input *in[2] = {NULL, NULL};
    cr_event ev[2];
    cr_diag d;
    double ce[2] = {0, 0};
    uint64_t n = 0;
    int k, status = CLI_EXIT_DATA;
    char model[256] = "?";

    for (k = 0; k < 2; k++)
        if (cr_input_open(&in[k], (const char *const *)path + k, 1, CR_KIND_RECON, &d) < 0)
            goto fail;
    for (;;) {
        int got[2];
        for (k = 0; k < 2; k++)
            if ((got[k] = next_block(in[k], &ev[k], &d)) < 0)
                goto fail;
        if (!got[0] && !got[1])
            break;
        const cr_block *a = &ev[0].block, *b = &ev[1].block;
        if (got[0] != got[1] || a->doc != b->doc || a->index != b->index || a->n != b->n ||
            memcmp(a->ids, b->ids, a->n * sizeof *a->ids)) {
            cli_err("%s and %s do not hold the same blocks (after %llu tokens)",
                    cli_name(path[0], 0), cli_name(path[1], 0), (unsigned long long)n);
            goto done;
        }
        const char *m = NULL;
        if (n == 0 && cr_meta_get_str(ev[0].meta, "model.name", &m))
            snprintf(model, sizeof model, "%s", m);
        for (uint32_t i = 0; i < a->n; i++) {
            ce[0] -= ev[0].logp[i] / M_LN2;
            ce[1] -= ev[1].logp[i] / M_LN2;
        }
        n += a->n;
    }
    if (n) {
        const char *name = cli_name(path[0], 0);
        put_line((field[]){str(name, strlen(name)), num((double)n, 0), num(ce[0] / n, 6),
                           num(ce[1] / n, 6), num((ce[1] - ce[0]) / n, 6),
                           str(model, strlen(model))});
    }
    status = CLI_EXIT_OK;
    goto done;
fail:
    cli_err("%s", d.msg);
done:
    for (k = 0; k < 2; k++)
        cr_input_close(in[k]);
    return status;
}

int main(int argc, char **argv)
{
    static const struct option longs[] = {
        {"blocks", 0, 0, 'b'}, {"docs", 0, 0, 'd'}, {"tokens", 0, 0, 't'},
        {"summary", 0, 0, 's'}, {"gain", 0, 0, 'g'}, {"header", 0, 0, 'H'},
        {"json", 0, 0, 'j'}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    int c, header = 0, status;

    cli_init(argv);
    while ((c = getopt_long(argc, argv, "bdtsgh", longs, NULL)) != -1) {
        switch (c) {
        case 'b': mode = BLOCKS; break;
        case 'd': mode = DOCS; break;
        case 't': mode = TOKENS; break;
        case 's': mode = SUMMARY; break;
        case 'g': mode = GAIN; break;
        case 'H': header = 1; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        case 'V': cli_version(); return cli_close_out(stdout, "-");
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (mode == GAIN && argc - optind != 2) {
        cli_err("-g takes two reconstruction streams: OWN (crdec) and CROSS (crdec -x)");
        return CLI_EXIT_USAGE;
    }
    if (cli_refuse_tty_in(argv + optind, argc - optind))
        return CLI_EXIT_USAGE;
    if (header)
        put_header();
    status = mode == GAIN ? gain(argv + optind) : score(argv + optind, argc - optind);
    int cs = cli_close_out(stdout, "-");
    return status > cs ? status : cs;
}
