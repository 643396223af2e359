/* crdec: latent vectors to reconstructions (predicted tokens and the log-probability of
 * the true ones) with the expert that made them. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../core/aefile.h"
#include "../core/blockrec.h"
#include "../core/stream.h"
#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: crdec -m MODEL [-x] [-o FILE] [-f] [-v] [FILE...]\n"
               "Decodes each block of a latent stream: per token the predicted id and the\n"
               "log-probability of the true one (a reconstruction stream, for crscore or\n"
               "crtok -d).\n"
               "  -m, --model MODEL  the expert that made the latents\n"
               "  -x, --cross        decode each block from the previous block's latents\n"
               "                     (the first from z = 0): with crscore -g, the latent gain\n"
               "  -o, --output FILE  write to FILE instead of stdout\n"
               "  -f, --force        write records even to a terminal\n"
               "  -v, --verbose      counts and the BLAS kernel on stderr\n"
               "  -h, --help         this help\n"
               "See crdec(1).\n");
}

static int cross; /* -x: decode each block with the previous block's latents */

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
    float *z = malloc((size_t)MC * sizeof *z), *logp = malloc((size_t)c->L * sizeof *logp);
    float *zprev = calloc((size_t)MC, sizeof *zprev), *ztmp = malloc((size_t)MC * sizeof *z);
    uint32_t *am = malloc((size_t)c->L * sizeof *am);
    unsigned char *buf = malloc(cr_recon_size((uint32_t)c->L));
    uint64_t blocks = 0, check = 0;

    if (!z || !logp || !am || !buf || !zprev || !ztmp || cr_ae_run_new(&run, c) < 0) {
        rc = cr_diag_set(&d, CR_E_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = cr_reader_open(&r, in, CR_KIND_LATENTS, &d)) < 0)
        goto done;
    cr_reader_set_max_len(r, (uint32_t)cr_lat_size(CR_BLOCK_MAX_TOKENS, MC, 0));
    int bf16 = 0;
    for (rc = 2; rc > 0; rc = cr_reader_next(r, &rec, &d)) {
        if (rc == 2) {
            const char *mn = "?";
            cr_meta_get_u64(cr_reader_meta(r), "model.check", &check);
            cr_meta_get_str(cr_reader_meta(r), "model.name", &mn);
            if (check != ae->check) {
                rc = cr_diag_set(&d, CR_E_MISMATCH, "latents were made with model %016llx "
                                 "(%s), but -m gives model %016llx",
                                 (unsigned long long)check, mn, (unsigned long long)ae->check);
                break;
            }
            const char *dt = "f32";
            cr_meta_get_str(cr_reader_meta(r), "latent.dtype", &dt);
            if (strcmp(dt, "f32") != 0 && strcmp(dt, "bf16") != 0) {
                rc = cr_diag_set(&d, CR_E_FORMAT, "latents of type '%s' (f32 or bf16)", dt);
                break;
            }
            bf16 = strcmp(dt, "bf16") == 0;
            if (!*w && (rc = cr_writer_open(w, out, CR_KIND_RECON, cr_reader_meta(r), &d)) < 0)
                break;
            continue;
        }
        if (rec.type != CR_LAT_BLOCK) {
            if ((rc = cr_writer_put(*w, rec.type, rec.data, rec.len, &d)) < 0)
                break;
            continue;
        }
        if ((rc = cr_lat_read(&b, z, MC, bf16, rec.data, rec.len, (uint32_t)c->V, &d)) < 0) {
            cr_diag_prefix(&d, "record %llu at byte %llu", (unsigned long long)rec.seq,
                           (unsigned long long)rec.pos);
            break;
        }
        if (b.n > (uint32_t)c->L) {
            rc = cr_diag_set(&d, CR_E_VALUE, "record %llu: a block of %u tokens, the model "
                             "takes %d", (unsigned long long)rec.seq, b.n, c->L);
            break;
        }
        if (cross) {
            /* the latent gain: the same block from another block's z (the first block of
             * a stream from z = 0) */
            memcpy(ztmp, z, (size_t)MC * sizeof *z);
            memcpy(z, zprev, (size_t)MC * sizeof *z);
            memcpy(zprev, ztmp, (size_t)MC * sizeof *z);
        }
        cr_ae_decode(ae, run, z, (int)b.n, b.ids, am, logp);
        cr_recon_write(&b, am, logp, buf);
        if ((rc = cr_writer_put(*w, CR_REC_BLOCK, buf, (uint32_t)cr_recon_size(b.n), &d)) < 0)
            break;
        blocks++;
    }
done:
    cr_reader_close(r);
    cr_ae_run_free(run);
    free(z);
    free(zprev);
    free(ztmp);
    free(logp);
    free(am);
    free(buf);
    return cli_filter_end(rc, &d, name, out, *w, verbose, blocks);
}

int main(int argc, char **argv)
{
    return cli_filter_main(argc, argv, usage, run, "cross", 'x', &cross);
}
