#include "tagger.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linecut.h"
#include "window.h"

struct cr_tagger {
    int k;
    const cr_ae *ex[CR_SEG_MAX_STATES];
    cr_ae_scratch *scratch[CR_SEG_MAX_STATES];
    cr_calib cal[CR_SEG_MAX_STATES];
    cr_calib_costs costs[CR_SEG_MAX_STATES]; /* each expert's, on the scale given */
    double unknown_rate;  /* the cost of a byte of "unknown" */
    uint32_t L, S;
    const cr_vocab *v;
    cr_tok *tok;
    cr_window *win; /* the blocks of crtok -L L -S S */
    cr_seg *seg;
    float *z, *logp, *cost;
    uint64_t *start;
    cr_seg_cut *cut;
    uint64_t T, bytes;
};

int cr_tagger_new(cr_tagger **out, const cr_ae *const *experts, int k, const cr_vocab *v,
                  uint32_t stride, const double penalty[3], double reject,
                  cr_calib_scale scale, cr_seg_emit emit, void *arg, cr_diag *d)
{
    cr_tagger *t;
    size_t mw = 0;
    int rc;
    *out = NULL;
    if (k < 1 || k >= CR_SEG_MAX_STATES)
        return cr_diag_set(d, CR_E_ARG, "%d experts (1 to %d)", k, CR_SEG_MAX_STATES - 1);
    if (!(t = calloc(1, sizeof *t)))
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    *out = t;
    t->k = k;
    t->v = v;
    t->L = (uint32_t)experts[0]->cfg.L;
    t->S = stride ? stride : (t->L > 1 ? t->L / 2 : 1); /* by default each token in two windows */
    t->unknown_rate = -INFINITY; /* the highest threshold, as crroute -s */
    for (int i = 0; i < k; i++) {
        const char *name = "?";
        t->ex[i] = experts[i];
        cr_meta_get_str(experts[i]->meta, "model.name", &name);
        if ((uint32_t)experts[i]->cfg.L != t->L)
            return cr_diag_set(d, CR_E_MISMATCH, "expert %s takes blocks of %d tokens, %s "
                               "of %u", name, experts[i]->cfg.L, "the first", t->L);
        if (!cr_calib_get(&t->cal[i], experts[i]->meta))
            return cr_diag_set(d, CR_E_VALUE, "expert %s is not calibrated (crmodel "
                               "calibrate)", name);
        double r = cr_calib_cost_rate(&t->cal[i], scale, reject > 0 ? reject : t->cal[i].q99);
        t->costs[i] = cr_calib_costs_of(&t->cal[i], scale);
        t->unknown_rate = r > t->unknown_rate ? r : t->unknown_rate;
        size_t m = (size_t)cr_ae_slots(&experts[i]->cfg) * experts[i]->cfg.C;
        mw = m > mw ? m : mw;
        if (cr_ae_scratch_new(&t->scratch[i], &experts[i]->cfg) < 0)
            return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    }
    if (t->S > t->L)
        return cr_diag_set(d, CR_E_ARG, "a stride of %u, beyond the block size %u", t->S, t->L);
    t->z = malloc(mw * sizeof *t->z);
    t->logp = malloc(t->L * sizeof *t->logp);
    t->cost = malloc((size_t)(k + 1) * t->L * sizeof *t->cost);
    t->start = malloc(t->L * sizeof *t->start);
    t->cut = malloc(t->L * sizeof *t->cut);
    if (!t->z || !t->logp || !t->cost || !t->start || !t->cut)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    if ((rc = cr_window_new(&t->win, t->L, t->S, d)) < 0)
        return rc;
    if ((rc = cr_tok_new(&t->tok, v)) < 0)
        return cr_diag_set(d, rc, "out of memory");
    if ((rc = cr_seg_new(&t->seg, k + 1, penalty[0], emit, arg, d)) < 0)
        return rc;
    return cr_seg_set_breaks(t->seg, penalty[1], penalty[2], d);
}

void cr_tagger_free(cr_tagger *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->k; i++)
        cr_ae_scratch_free(t->scratch[i]);
    cr_tok_free(t->tok);
    cr_window_free(t->win);
    cr_seg_free(t->seg);
    free(t->z);
    free(t->logp);
    free(t->cost);
    free(t->start);
    free(t->cut);
    free(t);
}

void cr_tagger_begin(cr_tagger *t)
{
    cr_tok_reset(t->tok);
    cr_window_start(t->win, 0);
    cr_seg_reset(t->seg);
    t->T = t->bytes = 0;
}

uint64_t cr_tagger_tokens(const cr_tagger *t) { return t->T; }

/* A block: every expert's costs of its tokens, then the segmenter. */
static int window(cr_tagger *t, const cr_block *b, cr_diag *d)
{
    uint32_t n = b->n;
    for (uint32_t i = 0; i < n; i++) {
        t->start[i] = b->base + b->off[i];
        t->cost[(size_t)t->k * n + i] = (float)(t->unknown_rate * (b->off[i + 1] - b->off[i]));
    }
    for (int e = 0; e < t->k; e++) {
        cr_ae_encode(t->ex[e], t->scratch[e], b->ids, (int)n, t->z);
        cr_ae_decode(t->ex[e], t->scratch[e], t->z, (int)n, b->ids, NULL, t->logp);
        for (uint32_t i = 0; i < n; i++)
            t->cost[(size_t)e * n + i] = (float)cr_calib_cost(
                t->costs[e], -t->logp[i] / M_LN2, (double)(b->off[i + 1] - b->off[i]));
    }
    cr_line_cuts(t->v, b, t->cut);
    return cr_seg_window(t->seg, b->first, n, t->cost, t->start, t->cut, d);
}

int cr_tagger_feed(cr_tagger *t, const unsigned char *p, size_t n, int final, cr_diag *d)
{
    const uint32_t *ids;
    const uint64_t *offs;
    const cr_block *b;
    size_t count;
    int rc;
    if ((rc = cr_tok_feed(t->tok, p, n, final, &ids, &offs, &count, d)) < 0)
        return rc;
    t->bytes += n;
    for (size_t i = 0; i < count; i++) {
        size_t len;
        cr_vocab_bytes(t->v, ids[i], &len);
        t->T++;
        if (cr_window_push(t->win, ids[i], offs[i], offs[i] + len, &b) &&
            (rc = window(t, b, d)) < 0)
            return rc;
    }
    if (!final)
        return CR_OK;
    if (cr_window_end(t->win, &b) && (rc = window(t, b, d)) < 0)
        return rc;
    if ((rc = cr_seg_end(t->seg, t->bytes)) < 0)
        return cr_diag_set(d, rc, "the spans could not be written");
    return CR_OK;
}
