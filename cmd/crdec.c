/* crdec: latent vectors to reconstructions (predicted tokens and the log-probability of
 * the true ones) with the expert that made them. */
#include <stdlib.h>
#include <string.h>

#include "../core/aefile.h"
#include "../core/fit.h"
#include "../core/input.h"
#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: crdec -m MODEL [-x] [-o FILE] [-f] [-v] [FILE...]\n"
               "Decodes each block of a latent stream: per token the predicted id and the\n"
               "log-probability of the true one (a reconstruction stream, for crscore or\n"
               "crtok -d).\n"
               "  -m, --model MODEL  the expert that made the latents (a file, or a name)\n"
               "  -x, --cross        decode each block from the previous block's latents\n"
               "                     (the first from z = 0): with crscore -g, the latent gain\n"
               "  -o, --output FILE  write to FILE instead of stdout\n"
               "  -f, --force        write records even to a terminal\n"
               "  -v, --verbose      counts and the BLAS kernel on stderr\n"
               "  -h, --help         this help\n"
               "      --version      version, BLAS kernel and CPU path\n"
               "See crdec(1).\n");
}

static int cross; /* -x: decode each block with the previous block's latents */

static struct {
    cr_ae_scratch **s; /* each thread's */
    float **logp;
    uint32_t **argmax;
    int threads;
} dec;

static int act(cli_filter *f, const cr_event *ev, cr_diag *d)
{
    const cr_ae_config *c = &f->ae->cfg;
    int rc;
    if (!ev) { /* the end */
        for (int h = 0; h < dec.threads; h++) {
            cr_ae_scratch_free(dec.s[h]);
            free(dec.logp[h]);
            free(dec.argmax[h]);
        }
        free(dec.s);
        free(dec.logp);
        free(dec.argmax);
        return CR_OK;
    }
    if (ev->type == CR_EV_STREAM) {
        if (!dec.s) {
            f->rec_max = cr_recon_size((uint32_t)c->L);
            if (!(dec.s = calloc((size_t)f->threads, sizeof *dec.s)) ||
                !(dec.logp = calloc((size_t)f->threads, sizeof *dec.logp)) ||
                !(dec.argmax = calloc((size_t)f->threads, sizeof *dec.argmax)))
                return cr_diag_set(d, CR_E_NOMEM, "out of memory");
            for (int h = 0; h < f->threads; h++) {
                dec.threads = h + 1; /* what it holds is freed at the end */
                if (!(dec.logp[h] = malloc((size_t)c->L * sizeof **dec.logp)) ||
                    !(dec.argmax[h] = malloc((size_t)c->L * sizeof **dec.argmax)) ||
                    cr_ae_scratch_new(&dec.s[h], c) < 0)
                    return cr_diag_set(d, CR_E_NOMEM, "out of memory");
            }
        }
        if ((rc = cr_ae_accepts_latents(f->ae, ev->meta, d)) < 0)
            return rc;
        return f->w ? CR_OK : cr_writer_open(&f->w, f->out, CR_KIND_RECON, ev->meta, d);
    }
    return cr_ae_accepts_block(f->ae, &ev->block, d);
}

/* A block's reconstruction, on thread h. -x, the latent gain: the same block from the
 * block before's z (the first block of a stream from z = 0). */
static int work(cli_filter *f, const cr_event *ev, const float *zprev, int h, cli_rec_out *out)
{
    int rc = cr_ae_decode(f->ae, dec.s[h], cross ? zprev : ev->z, (int)ev->block.n,
                          ev->block.ids, dec.argmax[h], dec.logp[h]);
    if (rc < 0)
        return rc;
    cr_recon_write(&ev->block, dec.argmax[h], dec.logp[h], out->p);
    out->type = CR_RECON_BLOCK;
    out->len = (uint32_t)cr_recon_size(ev->block.n);
    return CR_OK;
}

int main(int argc, char **argv)
{
    return cli_filter_main(argc, argv, usage, act, work, CR_KIND_LATENTS, "cross", 'x', &cross);
}
