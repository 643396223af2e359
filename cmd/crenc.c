/* crenc: token blocks to latent vectors with one expert. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../core/aefile.h"
#include "../core/blockrec.h"
#include "../core/stream.h"
#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: crenc -m MODEL [-b] [-o FILE] [-f] [-v] [FILE...]\n"
               "Encodes each block of a token stream into the model's M latent vectors.\n"
               "  -m, --model MODEL  the expert (a cr model file)\n"
               "  -b, --bf16         write the latents as bf16 (half the size) instead of fp32\n"
               "  -o, --output FILE  write to FILE instead of stdout\n"
               "  -f, --force        write records even to a terminal\n"
               "  -v, --verbose      counts and the BLAS kernel on stderr\n"
               "  -h, --help         this help\n"
               "See crenc(1).\n");
}

/* Checks that a token stream's header fits the model; d says why not. */
static int fits(const cr_meta *m, const cr_ae *ae, cr_diag *d)
{
    uint64_t vid = 0, mvid = 0, L = 0, V = 0;
    cr_meta_get_u64(m, "tok.vocab_id", &vid);
    cr_meta_get_u64(m, "tok.vocab_size", &V);
    cr_meta_get_u64(m, "block.tokens", &L);
    if (cr_meta_get_u64(ae->meta, "tok.vocab_id", &mvid) && vid != mvid)
        return cr_diag_set(d, CR_E_MISMATCH, "tokens of vocabulary %016llx, the model was made "
                           "for %016llx", (unsigned long long)vid, (unsigned long long)mvid);
    if (V != (uint64_t)ae->cfg.V)
        return cr_diag_set(d, CR_E_MISMATCH, "tokens of a %llu-token vocabulary, the model has "
                           "%d", (unsigned long long)V, ae->cfg.V);
    if (L != (uint64_t)ae->cfg.L)
        return cr_diag_set(d, CR_E_MISMATCH, "blocks of %llu tokens, the model takes blocks of "
                           "%d (crtok -L %d)", (unsigned long long)L, ae->cfg.L, ae->cfg.L);
    return CR_OK;
}

static int bf16; /* -b: latents as bf16 */

static int run(cr_ae *ae, FILE *in, const char *name, FILE *out, cr_writer **w, int verbose)
{
    static uint32_t ids[CR_BLOCK_MAX_TOKENS], off[CR_BLOCK_MAX_TOKENS + 1];
    const cr_ae_config *c = &ae->cfg;
    int MC = cr_ae_slots(c) * c->C, rc;
    cr_block b = {.ids = ids, .off = off};
    cr_reader *r = NULL;
    cr_ae_run *run = NULL;
    cr_rec rec;
    cr_diag d;
    float *z = malloc((size_t)MC * sizeof *z);
    unsigned char *buf = malloc(cr_lat_size((uint32_t)c->L, MC, bf16));
    uint64_t blocks = 0;

    if (!z || !buf || cr_ae_run_new(&run, c) < 0) {
        rc = cr_diag_set(&d, CR_E_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = cr_reader_open(&r, in, CR_KIND_TOKENS, &d)) < 0)
        goto done;
    for (rc = 2; rc > 0; rc = cr_reader_next(r, &rec, &d)) {
        if (rc == 2) {
            if ((rc = fits(cr_reader_meta(r), ae, &d)) < 0)
                break;
            if (!*w) {
                cr_meta *m = cr_meta_new();
                const char *mn = "unnamed";
                cr_meta_get_str(ae->meta, "model.name", &mn);
                cr_meta_merge(m, cr_reader_meta(r));
                cr_meta_set_u64(m, "model.check", ae->check);
                cr_meta_set_str(m, "model.name", mn);
                cr_meta_set_u64(m, "latent.slots", (uint64_t)c->M);
                cr_meta_set_u64(m, "latent.width", (uint64_t)(MC / c->M));
                cr_meta_set_str(m, "latent.dtype", bf16 ? "bf16" : "f32");
                rc = cr_writer_open(w, out, CR_KIND_LATENTS, m, &d);
                cr_meta_free(m);
                if (rc < 0)
                    break;
            }
            continue;
        }
        if (rec.type != CR_TOK_BLOCK) {
            if ((rc = cr_writer_put(*w, rec.type, rec.data, rec.len, &d)) < 0)
                break;
            continue;
        }
        if ((rc = cr_block_read(&b, rec.data, rec.len, (uint32_t)c->V, &d)) < 0) {
            cr_diag_prefix(&d, "record %llu at byte %llu", (unsigned long long)rec.seq,
                           (unsigned long long)rec.pos);
            break;
        }
        if (b.L != (uint32_t)c->L) {
            rc = cr_diag_set(&d, CR_E_MISMATCH, "record %llu at byte %llu: a block cut with "
                             "-L %u, the model takes %d", (unsigned long long)rec.seq,
                             (unsigned long long)rec.pos, b.L, c->L);
            break;
        }
        cr_ae_encode(ae, run, b.ids, (int)b.n, z);
        cr_lat_write(&b, z, MC, bf16, buf);
        if ((rc = cr_writer_put(*w, CR_LAT_BLOCK, buf, (uint32_t)cr_lat_size(b.n, MC, bf16),
                                &d)) < 0)
            break;
        blocks++;
    }
done:
    cr_reader_close(r);
    cr_ae_run_free(run);
    free(z);
    free(buf);
    return cli_filter_end(rc, &d, name, out, *w, verbose, blocks);
}

int main(int argc, char **argv)
{
    return cli_filter_main(argc, argv, usage, run, "bf16", 'b', &bf16);
}
