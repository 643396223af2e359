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
    cr_ae_scratch *s;
    float *zprev, *logp;
    uint32_t *argmax;
    unsigned char *rec;
} dec;

static int act(cli_filter *f, const cr_event *ev, cr_diag *d)
{
    const cr_ae_config *c = &f->ae->cfg;
    size_t mw = (size_t)cr_ae_slots(c) * c->C;
    const float *z;
    int rc;
    if (!ev) { /* the end */
        cr_ae_scratch_free(dec.s);
        free(dec.zprev);
        free(dec.logp);
        free(dec.argmax);
        free(dec.rec);
        return CR_OK;
    }
    if (ev->type == CR_EV_STREAM) {
        if (!dec.s) {
            dec.zprev = calloc(mw, sizeof *dec.zprev);
            dec.logp = malloc((size_t)c->L * sizeof *dec.logp);
            dec.argmax = malloc((size_t)c->L * sizeof *dec.argmax);
            dec.rec = malloc(cr_recon_size((uint32_t)c->L));
            if (!dec.zprev || !dec.logp || !dec.argmax || !dec.rec ||
                cr_ae_scratch_new(&dec.s, c) < 0)
                return cr_diag_set(d, CR_E_NOMEM, "out of memory");
        }
        if ((rc = cr_ae_accepts_latents(f->ae, ev->meta, d)) < 0)
            return rc;
        return f->w ? CR_OK : cr_writer_open(&f->w, f->out, CR_KIND_RECON, ev->meta, d);
    }
    if ((rc = cr_ae_accepts_block(f->ae, &ev->block, d)) < 0)
        return rc;
    /* -x, the latent gain: the same block from another block's z (the first block of a
     * stream from z = 0) */
    z = cross ? dec.zprev : ev->z;
    cr_ae_decode(f->ae, dec.s, z, (int)ev->block.n, ev->block.ids, dec.argmax, dec.logp);
    if (cross)
        memcpy(dec.zprev, ev->z, mw * sizeof *dec.zprev);
    cr_recon_write(&ev->block, dec.argmax, dec.logp, dec.rec);
    return cr_writer_put(f->w, CR_RECON_BLOCK, dec.rec, (uint32_t)cr_recon_size(ev->block.n), d);
}

int main(int argc, char **argv)
{
    return cli_filter_main(argc, argv, usage, act, CR_KIND_LATENTS, "cross", 'x', &cross);
}
