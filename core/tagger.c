#include "tagger.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "linecut.h"
#include "window.h"

/* A window waiting for its costs: a copy of the block, and what the segmenter takes. */
typedef struct {
    cr_block b;
    float *cost; /* (k + 1, n): each expert's costs, then unknown's */
    uint64_t *start;
    cr_seg_cut *cut;
    int rc[CR_SEG_MAX_STATES]; /* each expert's pass: CR_OK or why it failed */
} slot;

struct cr_tagger {
    int k;
    int nth; /* threads; as many windows are scored at once, one expert's at a time each */
    const cr_ae *ex[CR_SEG_MAX_STATES];
    cr_ae_scratch **scratch; /* (nth, k): each thread's; of expert e at [h * k + sc[e]] */
    int sc[CR_SEG_MAX_STATES]; /* the expert whose scratch serves e's passes too */
    float **z, **logp;       /* each thread's */
    slot *slots;             /* nth windows, `used` of them waiting */
    int used;
    cr_calib cal[CR_SEG_MAX_STATES];
    cr_calib_costs costs[CR_SEG_MAX_STATES]; /* each expert's, on the scale given */
    double unknown_rate;  /* the cost of a byte of "unknown" */
    uint32_t L, S;
    const cr_vocab *v;
    cr_tok *tok;
    cr_window *win; /* the blocks of crtok -L L -S S */
    cr_seg *seg;
    uint64_t T, bytes;
};

/* cr_tagger_new but for what it leaves in *out when it fails (half a tagger) */
static int tagger_new(cr_tagger **out, const cr_ae *const *experts, int k, const cr_vocab *v,
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
    t->nth = cr_ae_passes(); /* windows scored at once */
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
        for (t->sc[i] = 0; t->sc[i] < i; t->sc[i]++) /* an earlier scratch with room for it */
            if (t->sc[t->sc[i]] == t->sc[i] &&
                cr_ae_scratch_shared(&experts[t->sc[i]]->cfg, &experts[i]->cfg))
                break;
    }
    if (t->S > t->L)
        return cr_diag_set(d, CR_E_ARG, "a stride of %u, beyond the block size %u", t->S, t->L);
    if (!(t->scratch = calloc((size_t)t->nth * k, sizeof *t->scratch)) ||
        !(t->z = calloc((size_t)t->nth, sizeof *t->z)) ||
        !(t->logp = calloc((size_t)t->nth, sizeof *t->logp)) ||
        !(t->slots = calloc((size_t)t->nth, sizeof *t->slots)))
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    for (int h = 0; h < t->nth; h++) {
        slot *w = &t->slots[h];
        for (int i = 0; i < k; i++)
            if (t->sc[i] == i && cr_ae_scratch_new(&t->scratch[h * k + i], &experts[i]->cfg) < 0)
                return cr_diag_set(d, CR_E_NOMEM, "out of memory");
        t->z[h] = malloc(mw * sizeof *t->z[h]);
        t->logp[h] = malloc(t->L * sizeof *t->logp[h]);
        w->b.ids = malloc(t->L * sizeof *w->b.ids);
        w->b.off = malloc((t->L + 1) * sizeof *w->b.off);
        w->cost = malloc((size_t)(k + 1) * t->L * sizeof *w->cost);
        w->start = malloc(t->L * sizeof *w->start);
        w->cut = malloc(t->L * sizeof *w->cut);
        if (!t->z[h] || !t->logp[h] || !w->b.ids || !w->b.off || !w->cost || !w->start ||
            !w->cut)
            return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    }
    if ((rc = cr_window_new(&t->win, t->L, t->S, d)) < 0)
        return rc;
    if ((rc = cr_tok_new(&t->tok, v)) < 0)
        return cr_diag_set(d, rc, "out of memory");
    if ((rc = cr_seg_new(&t->seg, k + 1, penalty[0], emit, arg, d)) < 0)
        return rc;
    return cr_seg_set_breaks(t->seg, penalty[1], penalty[2], d);
}

int cr_tagger_new(cr_tagger **out, const cr_ae *const *experts, int k, const cr_vocab *v,
                  uint32_t stride, const double penalty[3], double reject,
                  cr_calib_scale scale, cr_seg_emit emit, void *arg, cr_diag *d)
{
    int rc = tagger_new(out, experts, k, v, stride, penalty, reject, scale, emit, arg, d);
    if (rc < 0) { /* a failed constructor leaves *out NULL, as every other */
        cr_tagger_free(*out);
        *out = NULL;
    }
    return rc;
}

void cr_tagger_free(cr_tagger *t)
{
    if (!t)
        return;
    for (int h = 0; t->slots && h < t->nth; h++) {
        slot *w = &t->slots[h];
        for (int i = 0; t->scratch && i < t->k; i++)
            cr_ae_scratch_free(t->scratch[h * t->k + i]);
        free(t->z ? t->z[h] : NULL);
        free(t->logp ? t->logp[h] : NULL);
        free(w->b.ids);
        free(w->b.off);
        free(w->cost);
        free(w->start);
        free(w->cut);
    }
    free(t->scratch);
    free(t->z);
    free(t->logp);
    free(t->slots);
    cr_tok_free(t->tok);
    cr_window_free(t->win);
    cr_seg_free(t->seg);
    free(t);
}

void cr_tagger_begin(cr_tagger *t)
{
    cr_tok_reset(t->tok);
    cr_window_start(t->win, 0);
    cr_seg_reset(t->seg);
    t->T = t->bytes = 0;
    t->used = 0;
}

uint64_t cr_tagger_tokens(const cr_tagger *t) { return t->T; }

/* Expert e's costs of the tokens of waiting window w, on thread h. */
static void score(cr_tagger *t, slot *w, int e, int h)
{
    const cr_block *b = &w->b;
    uint32_t n = b->n;
    cr_ae_scratch *r = t->scratch[h * t->k + t->sc[e]];
    if ((w->rc[e] = cr_ae_encode(t->ex[e], r, b->ids, (int)n, t->z[h])) < 0 ||
        (w->rc[e] = cr_ae_decode(t->ex[e], r, t->z[h], (int)n, b->ids, NULL, t->logp[h])) < 0)
        return;
    for (uint32_t i = 0; i < n; i++)
        w->cost[(size_t)e * n + i] = (float)cr_calib_cost(
            t->costs[e], -t->logp[h][i] / M_LN2, (double)(b->off[i + 1] - b->off[i]));
}

/* The waiting windows: every expert's costs of each, one (window, expert) pass to a
 * thread, the model's own loops run serially inside it (a nested region), so that the
 * threads never wait for each other within a pass (where passes shared the threads they
 * met dozens of times in each: 27.3 s against 21.4 on two cores, bench/out/spin.txt);
 * then the segmenter, window by window in order. */
static int flush(cr_tagger *t, cr_diag *d)
{
    int used = t->used, tasks = used * t->k, rc;
    t->used = 0; /* whatever happens below, the slots are free again */
#pragma omp parallel for schedule(dynamic, 1) num_threads(tasks < t->nth ? tasks : t->nth)
    for (int j = 0; j < tasks; j++) {
        omp_set_num_threads(1); /* this task's loops: serial even in a team of one */
        score(t, &t->slots[j / t->k], j % t->k, omp_get_thread_num());
    }
    for (int i = 0; i < used; i++) {
        slot *w = &t->slots[i];
        for (int e = 0; e < t->k; e++)
            if (w->rc[e] < 0)
                return cr_diag_set(d, w->rc[e], "expert %d of %d could not score tokens "
                                   "%llu to %llu", e + 1, t->k, (unsigned long long)w->b.first,
                                   (unsigned long long)(w->b.first + w->b.n));
        if ((rc = cr_seg_window(t->seg, w->b.first, w->b.n, w->cost, w->start, w->cut, d)) < 0)
            return rc;
    }
    return CR_OK;
}

/* A block: kept (its copy, its unknown costs, its line starts) until nth are waiting. */
static int window(cr_tagger *t, const cr_block *b, cr_diag *d)
{
    slot *w = &t->slots[t->used++];
    uint32_t n = b->n;
    cr_block_copy(&w->b, b);
    for (uint32_t i = 0; i < n; i++) {
        w->start[i] = b->base + b->off[i];
        w->cost[(size_t)t->k * n + i] = (float)(t->unknown_rate * (b->off[i + 1] - b->off[i]));
    }
    cr_line_cuts(t->v, b, w->cut);
    return t->used < t->nth ? CR_OK : flush(t, d);
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
    if (t->used && (rc = flush(t, d)) < 0)
        return rc;
    if ((rc = cr_seg_end(t->seg, t->bytes)) < 0)
        return cr_diag_set(d, rc, "the spans could not be written");
    return CR_OK;
}
