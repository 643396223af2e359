/* crenc: token blocks to latent vectors with one expert. */
#include <stdlib.h>

#include "../core/aefile.h"
#include "../core/calib.h"
#include "../core/fit.h"
#include "../core/input.h"
#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: crenc -m MODEL [-b] [-o FILE] [-f] [-v] [FILE...]\n"
               "Encodes each block of a token stream into the model's M latent vectors.\n"
               "  -m, --model MODEL  the expert: a cr model file, or the name of a shipped\n"
               "                     expert (python; see crmodel list)\n"
               "  -b, --bf16         write the latents as bf16 (half the size) instead of fp32\n"
               "  -o, --output FILE  write to FILE instead of stdout\n"
               "  -f, --force        write records even to a terminal\n"
               "  -v, --verbose      counts and the BLAS kernel on stderr\n"
               "  -h, --help         this help\n"
               "      --version      version, BLAS kernel and CPU path\n"
               "See crenc(1).\n");
}

static int bf16; /* -b: latents as bf16 */

static struct {
    cr_ae_scratch **s; /* each thread's */
    float **z;
    int mw, threads;
} enc;

/* The stream's latent header: the token stream's, the model and the latent shape. */
static int open_output(cli_filter *f, const cr_meta *tokens, cr_diag *d)
{
    cr_meta *m = cr_meta_new();
    const char *name = "unnamed";
    int rc;
    if (!m)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    cr_meta_get_str(f->ae->meta, "model.name", &name);
    cr_meta_merge(m, tokens);
    cr_meta_set_u64(m, "model.check", f->ae->check);
    cr_meta_set_str(m, "model.name", name);
    cr_meta_set_u64(m, "latent.slots", (uint64_t)f->ae->cfg.M);
    cr_meta_set_u64(m, "latent.width", (uint64_t)(enc.mw / f->ae->cfg.M));
    cr_meta_set_str(m, "latent.dtype", bf16 ? "bf16" : "f32");
    cr_calib_copy(m, f->ae->meta); /* for crroute, at the other end of the pipeline */
    rc = cr_writer_open(&f->w, f->out, CR_KIND_LATENTS, m, d);
    cr_meta_free(m);
    return rc;
}

static int act(cli_filter *f, const cr_event *ev, cr_diag *d)
{
    const cr_ae_config *c = &f->ae->cfg;
    int rc;
    if (!ev) { /* the end */
        for (int h = 0; h < enc.threads; h++) {
            cr_ae_scratch_free(enc.s[h]);
            free(enc.z[h]);
        }
        free(enc.s);
        free(enc.z);
        return CR_OK;
    }
    if (ev->type == CR_EV_STREAM) {
        if (!enc.s) {
            enc.mw = cr_ae_slots(c) * c->C;
            f->rec_max = cr_lat_size((uint32_t)c->L, enc.mw, bf16);
            if (!(enc.s = calloc((size_t)f->threads, sizeof *enc.s)) ||
                !(enc.z = calloc((size_t)f->threads, sizeof *enc.z)))
                return cr_diag_set(d, CR_E_NOMEM, "out of memory");
            for (int h = 0; h < f->threads; h++) {
                enc.threads = h + 1; /* what it holds is freed at the end */
                if (!(enc.z[h] = malloc((size_t)enc.mw * sizeof **enc.z)) ||
                    cr_ae_scratch_new(&enc.s[h], c) < 0)
                    return cr_diag_set(d, CR_E_NOMEM, "out of memory");
            }
        }
        if ((rc = cr_ae_accepts_tokens(f->ae, ev->meta, d)) < 0)
            return rc;
        return f->w ? CR_OK : open_output(f, ev->meta, d);
    }
    return cr_ae_accepts_block(f->ae, &ev->block, d);
}

/* A block's latents, on thread h. */
static int work(cli_filter *f, const cr_event *ev, const float *zprev, int h, cli_rec_out *out)
{
    int rc;
    (void)zprev;
    if ((rc = cr_ae_encode(f->ae, enc.s[h], ev->block.ids, (int)ev->block.n, enc.z[h])) < 0)
        return rc;
    cr_lat_write(&ev->block, enc.z[h], enc.mw, bf16, out->p);
    out->type = CR_LAT_BLOCK;
    out->len = (uint32_t)cr_lat_size(ev->block.n, enc.mw, bf16);
    return CR_OK;
}

int main(int argc, char **argv)
{
    return cli_filter_main(argc, argv, usage, act, work, CR_KIND_TOKENS, "bf16", 'b', &bf16);
}
