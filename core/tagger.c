#include "tagger.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct cr_tagger {
    int k;
    const cr_ae *ex[CR_SEG_MAX_STATES];
    cr_ae_scratch *scratch[CR_SEG_MAX_STATES];
    cr_calib cal[CR_SEG_MAX_STATES];
    double unknown_rate; /* the cost of a byte of "unknown" */
    uint32_t L, S;
    const cr_vocab *v;
    cr_tok *tok;
    cr_seg *seg;
    float *z, *logp, *cost;
    uint64_t *start;
    /* the document's tokens not yet left behind by the windows: [base, T) */
    uint32_t *ids;
    uint64_t *offs;
    size_t cap;
    uint64_t base, T, next, bytes;
    int last_done; /* the window that holds the last token is done */
};

int cr_tagger_new(cr_tagger **out, const cr_ae *const *experts, int k, const cr_vocab *v,
                  uint32_t stride, double penalty, double reject, cr_seg_emit emit, void *arg,
                  cr_diag *d)
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
    t->unknown_rate = INFINITY;
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
        double r = reject > 0 ? reject : t->cal[i].q99;
        t->unknown_rate = r < t->unknown_rate ? r : t->unknown_rate;
        size_t m = (size_t)cr_ae_slots(&experts[i]->cfg) * experts[i]->cfg.C;
        mw = m > mw ? m : mw;
        if (cr_ae_scratch_new(&t->scratch[i], &experts[i]->cfg) < 0)
            return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    }
    if (t->S > t->L)
        return cr_diag_set(d, CR_E_ARG, "a stride of %u, beyond the block size %u", t->S, t->L);
    t->cap = 2 * (size_t)t->L + 1;
    t->z = malloc(mw * sizeof *t->z);
    t->logp = malloc(t->L * sizeof *t->logp);
    t->cost = malloc((size_t)(k + 1) * t->L * sizeof *t->cost);
    t->start = malloc(t->L * sizeof *t->start);
    t->ids = malloc(t->cap * sizeof *t->ids);
    t->offs = malloc(t->cap * sizeof *t->offs);
    if (!t->z || !t->logp || !t->cost || !t->start || !t->ids || !t->offs)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    if ((rc = cr_tok_new(&t->tok, v)) < 0)
        return cr_diag_set(d, rc, "out of memory");
    return cr_seg_new(&t->seg, k + 1, penalty, emit, arg, d);
}

void cr_tagger_free(cr_tagger *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->k; i++)
        cr_ae_scratch_free(t->scratch[i]);
    cr_tok_free(t->tok);
    cr_seg_free(t->seg);
    free(t->z);
    free(t->logp);
    free(t->cost);
    free(t->start);
    free(t->ids);
    free(t->offs);
    free(t);
}

void cr_tagger_begin(cr_tagger *t)
{
    cr_tok_reset(t->tok);
    cr_seg_reset(t->seg);
    t->base = t->T = t->next = t->bytes = 0;
    t->last_done = 0;
}

uint64_t cr_tagger_tokens(const cr_tagger *t) { return t->T; }

/* The window of n tokens at t->next: every expert's costs, then the segmenter. */
static int window(cr_tagger *t, uint32_t n, cr_diag *d)
{
    size_t at = (size_t)(t->next - t->base);
    const uint32_t *ids = t->ids + at;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t end = t->next + i + 1 < t->T ? t->offs[at + i + 1] : t->bytes;
        t->start[i] = t->offs[at + i];
        t->cost[(size_t)t->k * n + i] = (float)(t->unknown_rate * (double)(end - t->start[i]));
    }
    for (int e = 0; e < t->k; e++) {
        cr_ae_encode(t->ex[e], t->scratch[e], ids, (int)n, t->z);
        cr_ae_decode(t->ex[e], t->scratch[e], t->z, (int)n, ids, NULL, t->logp);
        for (uint32_t i = 0; i < n; i++)
            t->cost[(size_t)e * n + i] = (float)(-t->logp[i] / M_LN2 / t->cal[e].bpb_median);
    }
    return cr_seg_window(t->seg, t->next, n, t->cost, t->start, d);
}

/* Every window that the tokens so far complete (with final, the rest of them), as crtok
 * -L -S cuts them: up to and including the first that holds the last token. */
static int windows(cr_tagger *t, int final, cr_diag *d)
{
    int rc;
    while (!t->last_done && t->next < t->T) {
        uint64_t left = t->T - t->next;
        if (!final && left <= t->L) /* the end offset of its last token is not known yet */
            break;
        uint32_t n = left < t->L ? (uint32_t)left : t->L;
        if ((rc = window(t, n, d)) < 0)
            return rc;
        t->last_done = t->next + n == t->T && final;
        t->next += t->S;
    }
    /* drop the tokens that no window will need again */
    if (t->next > t->base) {
        size_t drop = (size_t)((t->next < t->T ? t->next : t->T) - t->base);
        memmove(t->ids, t->ids + drop, (size_t)(t->T - t->base - drop) * sizeof *t->ids);
        memmove(t->offs, t->offs + drop, (size_t)(t->T - t->base - drop) * sizeof *t->offs);
        t->base += drop;
    }
    return CR_OK;
}

int cr_tagger_feed(cr_tagger *t, const unsigned char *p, size_t n, int final, cr_diag *d)
{
    const uint32_t *ids;
    const uint64_t *offs;
    size_t count;
    int rc;
    if ((rc = cr_tok_feed(t->tok, p, n, final, &ids, &offs, &count, d)) < 0)
        return rc;
    t->bytes += n;
    for (size_t i = 0; i < count; i++) {
        if (t->T - t->base == t->cap) {
            /* windows are taken as soon as they are whole, so this holds at most a
             * window and a feed's tokens */
            size_t cap = 2 * t->cap;
            uint32_t *a = realloc(t->ids, cap * sizeof *a);
            if (a)
                t->ids = a;
            uint64_t *b = realloc(t->offs, cap * sizeof *b);
            if (b)
                t->offs = b;
            if (!a || !b)
                return cr_diag_set(d, CR_E_NOMEM, "out of memory");
            t->cap = cap;
        }
        t->ids[t->T - t->base] = ids[i];
        t->offs[t->T - t->base] = offs[i];
        t->T++;
        /* keep the buffer at about a window: take the windows as they complete */
        if (t->T - t->base > 2 * (uint64_t)t->L && (rc = windows(t, 0, d)) < 0)
            return rc;
    }
    if ((rc = windows(t, final, d)) < 0)
        return rc;
    if (final && (rc = cr_seg_end(t->seg, t->bytes)) < 0)
        return cr_diag_set(d, rc, "the spans could not be written");
    return CR_OK;
}
