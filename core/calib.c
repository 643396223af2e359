#include "calib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ae.h"
#include "fit.h"
#include "input.h"

static const struct {
    const char *key;
    size_t off;
} keys[] = {
    {"cal.bpb_median", offsetof(cr_calib, bpb_median)},
    {"cal.bpt_median", offsetof(cr_calib, bpt_median)},
    {"cal.q90", offsetof(cr_calib, q90)},
    {"cal.q99", offsetof(cr_calib, q99)},
    {"cal.q999", offsetof(cr_calib, q999)},
};

int cr_calib_get(cr_calib *c, const cr_meta *m)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        double *v = (double *)((char *)c + keys[i].off);
        if (!cr_meta_get_f64(m, keys[i].key, v) || !(*v > 0) || *v > 1e6)
            return 0;
    }
    cr_meta_get_u64(m, "cal.blocks", &c->blocks);
    cr_meta_get_u64(m, "cal.bytes", &c->bytes);
    return 1;
}

int cr_calib_set(const cr_calib *c, cr_meta *m, const char *data)
{
    int rc = CR_OK;
    for (size_t i = 0; rc == CR_OK && i < sizeof keys / sizeof keys[0]; i++)
        rc = cr_meta_set_f64(m, keys[i].key, *(const double *)((const char *)c + keys[i].off));
    if (rc == CR_OK)
        rc = cr_meta_set_u64(m, "cal.blocks", c->blocks);
    if (rc == CR_OK)
        rc = cr_meta_set_u64(m, "cal.bytes", c->bytes);
    if (rc == CR_OK && data)
        rc = cr_meta_set_str(m, "cal.data", data);
    return rc;
}

int cr_calib_copy(cr_meta *dst, const cr_meta *src)
{
    int rc = CR_OK;
    for (int i = 0; rc == CR_OK && i < src->n; i++) {
        const cr_meta_entry *e = &src->e[i];
        if (strncmp(e->key, "cal.", 4) != 0)
            continue;
        rc = e->type == CR_META_U64   ? cr_meta_set_u64(dst, e->key, e->u)
             : e->type == CR_META_F64 ? cr_meta_set_f64(dst, e->key, e->f)
                                      : cr_meta_set_str(dst, e->key, e->s);
    }
    return rc;
}

double cr_calib_score(const cr_calib *c, double bits, double bytes, double tokens)
{
    if (bytes > 0)
        return bits / bytes / c->bpb_median;
    return tokens > 0 ? bits / tokens / c->bpt_median : 0.0;
}

/* ln q90, and q90 - 1, kept away from 0 (a held-out set of nearly equal blocks) */
static double log_spread(const cr_calib *c) { return c->q90 > 1.001 ? log(c->q90) : log(1.001); }
static double spread(const cr_calib *c) { return c->q90 > 1.001 ? c->q90 - 1 : 0.001; }

double cr_calib_block(const cr_calib *c, cr_calib_scale s, double bits, double bytes,
                      double tokens)
{
    double n = bytes > 0 ? bytes : tokens, m = bytes > 0 ? c->bpb_median : c->bpt_median;
    double r = n > 0 ? bits / n : 0.0;
    if (!(r > 1e-12))
        r = 1e-12; /* a block rebuilt for free: kept finite, so that scores still compare */
    return (log(r) - s.a * log(m)) / pow(log_spread(c), s.b);
}

double cr_calib_fit(const cr_calib *c, double x)
{
    if (!(x > 1e-12))
        x = 1e-12;
    return log(x) / (c->q99 > 1.001 ? log(c->q99) : log(1.001));
}

cr_calib_costs cr_calib_costs_of(const cr_calib *c, cr_calib_scale s)
{
    double over = pow(spread(c), -s.b);
    return (cr_calib_costs){pow(c->bpb_median, -s.a) * over, s.a * over};
}

double cr_calib_cost_rate(const cr_calib *c, cr_calib_scale s, double x)
{
    return cr_calib_cost(cr_calib_costs_of(c, s), x * c->bpb_median, 1.0);
}

int cr_calib_add(cr_calib_acc *a, double bits, uint64_t bytes, uint32_t tokens, cr_diag *d)
{
    if (bytes == 0 || tokens == 0)
        return CR_OK;
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 1024;
        double *p = realloc(a->bpb, cap * sizeof *p), *q;
        if (!p)
            return cr_diag_set(d, CR_E_NOMEM, "out of memory");
        a->bpb = p;
        if (!(q = realloc(a->bpt, cap * sizeof *q)))
            return cr_diag_set(d, CR_E_NOMEM, "out of memory");
        a->bpt = q;
        a->cap = cap;
    }
    a->bpb[a->n] = bits / (double)bytes;
    a->bpt[a->n++] = bits / tokens;
    a->bytes += bytes;
    return CR_OK;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of n sorted values (nearest rank). */
static double quantile(const double *v, size_t n, double q)
{
    size_t k = (size_t)(q * (double)n);
    return v[k < n ? k : n - 1];
}

int cr_calib_finish(cr_calib_acc *a, cr_calib *c, cr_diag *d)
{
    if (a->n < 10)
        return cr_diag_set(d, CR_E_VALUE, "%zu held-out blocks are too few to calibrate on "
                           "(at least 10)", a->n);
    qsort(a->bpb, a->n, sizeof *a->bpb, cmp);
    qsort(a->bpt, a->n, sizeof *a->bpt, cmp);
    memset(c, 0, sizeof *c);
    c->bpb_median = quantile(a->bpb, a->n, 0.5);
    c->bpt_median = quantile(a->bpt, a->n, 0.5);
    if (!(c->bpb_median > 0) || !(c->bpt_median > 0))
        return cr_diag_set(d, CR_E_VALUE, "a median CE of 0: the held-out text is rebuilt "
                           "perfectly, nothing to calibrate against");
    c->q90 = quantile(a->bpb, a->n, 0.90) / c->bpb_median;
    c->q99 = quantile(a->bpb, a->n, 0.99) / c->bpb_median;
    c->q999 = quantile(a->bpb, a->n, 0.999) / c->bpb_median;
    c->blocks = a->n;
    c->bytes = a->bytes;
    return CR_OK;
}

void cr_calib_acc_free(cr_calib_acc *a)
{
    free(a->bpb);
    free(a->bpt);
    memset(a, 0, sizeof *a);
}

int cr_calib_measure(const cr_ae *ae, cr_input *in, cr_calib_acc *a, cr_diag *d)
{
    const cr_ae_config *c = &ae->cfg;
    size_t mw = (size_t)cr_ae_slots(c) * c->C;
    float *z = malloc(mw * sizeof *z), *logp = malloc((size_t)c->L * sizeof *logp);
    cr_ae_scratch *s = NULL;
    cr_event ev;
    int rc = CR_OK;
    if (!z || !logp || cr_ae_scratch_new(&s, c) < 0)
        rc = cr_diag_set(d, CR_E_NOMEM, "out of memory");
    while (rc >= 0 && (rc = cr_input_next(in, &ev, d)) > 0) {
        if (rc == CR_EV_STREAM && (rc = cr_ae_accepts_tokens(ae, ev.meta, d)) < 0)
            cr_event_where(&ev, d);
        if (rc != CR_EV_BLOCK)
            continue;
        const cr_block *b = &ev.block;
        if ((rc = cr_ae_accepts_block(ae, b, d)) < 0) {
            cr_event_where(&ev, d);
            break;
        }
        double bits = 0;
        cr_ae_encode(ae, s, b->ids, (int)b->n, z);
        cr_ae_decode(ae, s, z, (int)b->n, b->ids, NULL, logp);
        for (uint32_t i = 0; i < b->n; i++)
            bits -= logp[i] / M_LN2;
        rc = cr_calib_add(a, bits, b->off[b->n], b->n, d);
    }
    cr_ae_scratch_free(s);
    free(z);
    free(logp);
    return rc;
}
