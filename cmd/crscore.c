/* crscore: reconstruction streams to scores as tab-separated text. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/blockrec.h"
#include "../core/stream.h"
#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: crscore [-b | -d | -t | -s] [FILE...]\n"
               "       crscore -g OWN CROSS\n"
               "Scores reconstruction streams (from crdec): token reconstruction accuracy\n"
               "(TRA) and cross-entropy (bits per token), as tab-separated lines.\n"
               "  -b, --blocks    one line per block (the default): doc block start end\n"
               "                  tokens TRA CE model\n"
               "  -d, --docs      one line per document: doc tokens TRA CE model\n"
               "  -t, --tokens    one line per token: doc index start end id predicted CE\n"
               "  -s, --summary   one line per input: input model tokens TRA CE\n"
               "                  majority-TRA (share of the most common token)\n"
               "  -g, --gain      the latent gain: OWN from crdec, CROSS from crdec -x over\n"
               "                  the same latents; prints input tokens CE CE-cross gain,\n"
               "                  gain = CE-cross - CE in bits per token (0: z is ignored)\n"
               "The last of -b -d -t -s -g given wins.\n"
               "  -h, --help      this help\n"
               "Overlapping windows count each token once, in the first block that has it.\n"
               "See crscore(1).\n");
}

enum { BLOCKS, DOCS, TOKENS, SUMMARY, GAIN };

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

static void put_name(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        putchar(s[i] == '\t' || s[i] == '\n' ? ' ' : s[i]);
}

static int score(FILE *in, const char *name, int mode)
{
    static uint32_t ids[CR_BLOCK_MAX_TOKENS], off[CR_BLOCK_MAX_TOKENS + 1];
    static uint32_t am[CR_BLOCK_MAX_TOKENS];
    static float logp[CR_BLOCK_MAX_TOKENS];
    cr_block b = {.ids = ids, .off = off};
    cr_reader *r;
    cr_rec rec;
    cr_diag d;
    cr_docrec dr;
    char doc[CR_DOC_NAME_MAX + 1] = "";
    size_t doclen = 0;
    const char *model = "?";
    char model_buf[256] = "?";
    uint64_t V = 0, next = 0; /* next: first token index of the document not yet counted */
    struct tally dt = {0}, all = {0};
    uint32_t *freq = NULL;
    int rc;

    if ((rc = cr_reader_open(&r, in, CR_KIND_RECON, &d)) < 0) {
        cli_err("%s: %s", name, d.msg);
        return CLI_EXIT_DATA;
    }
    for (rc = 2; rc > 0; rc = cr_reader_next(r, &rec, &d)) {
        if (rc == 2) {
            uint64_t v = 0;
            cr_meta_get_u64(cr_reader_meta(r), "tok.vocab_size", &v);
            if (v == 0 || v > (1u << 24) || (V && v != V)) {
                rc = cr_diag_set(&d, CR_E_FORMAT, "bad or changing tok.vocab_size %llu",
                                 (unsigned long long)v);
                break;
            }
            if (!freq && !(freq = calloc(v, sizeof *freq))) {
                rc = cr_diag_set(&d, CR_E_NOMEM, "out of memory");
                break;
            }
            V = v;
            if (cr_meta_get_str(cr_reader_meta(r), "model.name", &model))
                snprintf(model_buf, sizeof model_buf, "%s", model);
            continue;
        }
        if (rec.type == CR_TOK_DOC) {
            if ((rc = cr_doc_read(&dr, rec.data, rec.len, &d)) < 0) {
                cr_diag_prefix(&d, "record %llu at byte %llu", (unsigned long long)rec.seq,
                               (unsigned long long)rec.pos);
                break;
            }
            memcpy(doc, dr.name, dr.name_len);
            doclen = dr.name_len;
            next = 0;
            memset(&dt, 0, sizeof dt);
        } else if (rec.type == CR_TOK_DOCEND) {
            if (mode == DOCS && dt.n) {
                put_name(doc, doclen);
                printf("\t%llu\t%.6f\t%.6f\t%s\n", (unsigned long long)dt.n,
                       (double)dt.hit / dt.n, dt.ce / dt.n, model_buf);
            }
        } else if (rec.type == CR_REC_BLOCK) {
            if ((rc = cr_recon_read(&b, am, logp, rec.data, rec.len, (uint32_t)V, &d)) < 0) {
                cr_diag_prefix(&d, "record %llu at byte %llu", (unsigned long long)rec.seq,
                               (unsigned long long)rec.pos);
                break;
            }
            struct tally bt = {0};
            for (uint32_t i = 0; i < b.n; i++) {
                add(&bt, b.ids[i], am[i], logp[i]);
                if (b.first + i < next)
                    continue;
                add(&dt, b.ids[i], am[i], logp[i]);
                add(&all, b.ids[i], am[i], logp[i]);
                freq[b.ids[i]]++;
                if (mode == TOKENS) {
                    put_name(doc, doclen);
                    printf("\t%llu\t%llu\t%llu\t%u\t%u\t%.4f\n",
                           (unsigned long long)(b.first + i),
                           (unsigned long long)(b.base + b.off[i]),
                           (unsigned long long)(b.base + b.off[i + 1]), b.ids[i], am[i],
                           -logp[i] / M_LN2);
                }
            }
            if (b.first + b.n > next)
                next = b.first + b.n;
            if (mode == BLOCKS) {
                put_name(doc, doclen);
                printf("\t%llu\t%llu\t%llu\t%u\t%.6f\t%.6f\t%s\n", (unsigned long long)b.index,
                       (unsigned long long)b.base, (unsigned long long)(b.base + b.off[b.n]),
                       b.n, (double)bt.hit / bt.n, bt.ce / bt.n, model_buf);
            }
        }
    }
    if (rc < 0)
        cli_err("%s: %s", name, d.msg);
    else if (mode == SUMMARY) {
        uint32_t top = 0;
        for (uint64_t i = 0; i < V; i++)
            top = freq[i] > top ? freq[i] : top;
        printf("%s\t%s\t%llu\t%.6f\t%.6f\t%.6f\n", name, model_buf, (unsigned long long)all.n,
               all.n ? (double)all.hit / all.n : 0.0, all.n ? all.ce / all.n : 0.0,
               all.n ? (double)top / all.n : 0.0);
    }
    free(freq);
    cr_reader_close(r);
    return rc < 0 ? CLI_EXIT_DATA : CLI_EXIT_OK;
}

/* The next reconstruction block of r (other records skipped); 1, 0 at the end, or < 0. */
static int next_block(cr_reader *r, cr_block *b, uint32_t *am, float *logp, cr_diag *d)
{
    cr_rec rec;
    int rc;
    while ((rc = cr_reader_next(r, &rec, d)) > 0) {
        uint64_t V = 0;
        if (rc == 2 || rec.type != CR_REC_BLOCK)
            continue;
        cr_meta_get_u64(cr_reader_meta(r), "tok.vocab_size", &V);
        if ((rc = cr_recon_read(b, am, logp, rec.data, rec.len, (uint32_t)V, d)) < 0)
            return cr_diag_prefix(d, "record %llu at byte %llu", (unsigned long long)rec.seq,
                                  (unsigned long long)rec.pos);
        return 1;
    }
    return rc;
}

/* -g: the latent gain, CE of the blocks decoded from other latents (crdec -x) minus CE
 * from their own, over the same blocks in the same order. */
static int gain(const char *own_path, const char *cross_path)
{
    static uint32_t ids[2][CR_BLOCK_MAX_TOKENS], off[2][CR_BLOCK_MAX_TOKENS + 1];
    static uint32_t am[2][CR_BLOCK_MAX_TOKENS];
    static float logp[2][CR_BLOCK_MAX_TOKENS];
    const char *path[2] = {own_path, cross_path};
    FILE *f[2] = {NULL, NULL};
    cr_reader *r[2] = {NULL, NULL};
    cr_block b[2] = {{.ids = ids[0], .off = off[0]}, {.ids = ids[1], .off = off[1]}};
    double ce[2] = {0, 0};
    uint64_t n = 0;
    cr_diag d;
    int rc = 0, k, status = CLI_EXIT_DATA;

    for (k = 0; k < 2; k++) {
        if (!(f[k] = cli_open_in(path[k])))
            goto done;
        if ((rc = cr_reader_open(&r[k], f[k], CR_KIND_RECON, &d)) < 0) {
            cli_err("%s: %s", cli_name(path[k], 0), d.msg);
            goto done;
        }
    }
    for (;;) {
        int got[2];
        for (k = 0; k < 2; k++)
            if ((got[k] = next_block(r[k], &b[k], am[k], logp[k], &d)) < 0) {
                cli_err("%s: %s", cli_name(path[k], 0), d.msg);
                goto done;
            }
        if (!got[0] && !got[1])
            break;
        if (got[0] != got[1] || b[0].doc != b[1].doc || b[0].index != b[1].index ||
            b[0].n != b[1].n || memcmp(b[0].ids, b[1].ids, b[0].n * sizeof *b[0].ids)) {
            cli_err("%s and %s do not hold the same blocks (after %llu tokens)",
                    cli_name(path[0], 0), cli_name(path[1], 0), (unsigned long long)n);
            goto done;
        }
        for (uint32_t i = 0; i < b[0].n; i++) {
            ce[0] -= logp[0][i] / M_LN2;
            ce[1] -= logp[1][i] / M_LN2;
        }
        n += b[0].n;
    }
    if (n)
        printf("%s\t%llu\t%.6f\t%.6f\t%.6f\n", cli_name(path[0], 0), (unsigned long long)n,
               ce[0] / n, ce[1] / n, (ce[1] - ce[0]) / n);
    status = CLI_EXIT_OK;
done:
    for (k = 0; k < 2; k++) {
        cr_reader_close(r[k]);
        cli_close_in(f[k]);
    }
    return status;
}

int main(int argc, char **argv)
{
    static const struct option longs[] = {
        {"blocks", 0, 0, 'b'}, {"docs", 0, 0, 'd'}, {"tokens", 0, 0, 't'},
        {"summary", 0, 0, 's'}, {"gain", 0, 0, 'g'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c, mode = BLOCKS, status = CLI_EXIT_OK;

    cli_init(argv);
    while ((c = getopt_long(argc, argv, "bdtsgh", longs, NULL)) != -1) {
        switch (c) {
        case 'b': mode = BLOCKS; break;
        case 'd': mode = DOCS; break;
        case 't': mode = TOKENS; break;
        case 's': mode = SUMMARY; break;
        case 'g': mode = GAIN; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (mode == GAIN) {
        if (argc - optind != 2) {
            cli_err("-g takes two reconstruction streams: OWN (crdec) and CROSS (crdec -x)");
            return CLI_EXIT_USAGE;
        }
        status = gain(argv[optind], argv[optind + 1]);
        int cs = cli_close_out(stdout, "-");
        return status > cs ? status : cs;
    }
    for (int i = optind; i < argc || i == optind; i++) {
        const char *path = i < argc ? argv[i] : "-";
        FILE *f = cli_open_in(path);
        int s = f ? score(f, cli_name(path, 0), mode) : CLI_EXIT_DATA;
        if (s > status)
            status = s;
        cli_close_in(f);
    }
    int cs = cli_close_out(stdout, "-");
    return status > cs ? status : cs;
}
