/* The run around the trainer, as crtrain(1) describes it for users: its options (what a
 * checkpoint keeps), the learning-rate schedule and the curriculum, the training data and
 * the order it is drawn in, the steps, validation, and what a run records in the model. */
#include "train.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "fit.h"
#include "input.h"
#include "rng.h"
#include "train_impl.h"

/* Ranges and defaults are those of crtrain(1)'s options; a checkpoint outside the ranges is
 * refused. min_lr -1 stands for lr/10, which crtrain resolves before the run starts. */
const cr_train_key cr_train_keys[CR_TRAIN_NKEYS + 1] = {
    [CR_TRAIN_B] = {"train.B", 0, offsetof(cr_train_opts, B), 1, 256, 8},
    [CR_TRAIN_ACCUM] = {"train.accum", 0, offsetof(cr_train_opts, accum), 1, 4096, 1},
    [CR_TRAIN_STEPS] = {"train.steps", 0, offsetof(cr_train_opts, steps), 1, 1e12, 1000},
    [CR_TRAIN_WARMUP] = {"train.warmup", 0, offsetof(cr_train_opts, warmup), 0, 1e9, 100},
    [CR_TRAIN_SEED] = {"train.seed", 0, offsetof(cr_train_opts, seed), 0, 1e15, 1},
    [CR_TRAIN_BOW_FADE] = {"train.bow_fade", 0, offsetof(cr_train_opts, bow_fade), 0, 1e12, 0},
    [CR_TRAIN_START_TOKENS] = {"train.start_tokens", 0, offsetof(cr_train_opts, start_tokens),
                               0, 65536, 0},
    [CR_TRAIN_GROW_EVERY] = {"train.grow_every", 0, offsetof(cr_train_opts, grow_every), 1,
                             1e12, 100},
    [CR_TRAIN_LR] = {"train.lr", 1, offsetof(cr_train_opts, lr), 0, 10, 1e-3},
    [CR_TRAIN_MIN_LR] = {"train.min_lr", 1, offsetof(cr_train_opts, min_lr), 0, 10, -1},
    [CR_TRAIN_WD] = {"train.wd", 1, offsetof(cr_train_opts, wd), 0, 10, 0.1},
    [CR_TRAIN_CLIP] = {"train.clip", 1, offsetof(cr_train_opts, clip), 0, 1e9, 1},
    [CR_TRAIN_BOW] = {"train.bow", 1, offsetof(cr_train_opts, bow), 0, 100, 0},
    [CR_TRAIN_SHORT_EVERY] = {"train.short_every", 0, offsetof(cr_train_opts, short_every), 0,
                              1e12, 0},
    [CR_TRAIN_NKEYS] = {NULL, 0, 0, 0, 0, 0}};

double cr_train_opts_get(const cr_train_opts *o, int i)
{
    const char *at = (const char *)o + cr_train_keys[i].off;
    return cr_train_keys[i].f64 ? *(const double *)at : (double)*(const long *)at;
}

void cr_train_opts_set(cr_train_opts *o, int i, double v)
{
    char *at = (char *)o + cr_train_keys[i].off;
    if (cr_train_keys[i].f64)
        *(double *)at = v;
    else
        *(long *)at = (long)v;
}

void cr_train_opts_default(cr_train_opts *o)
{
    for (int i = 0; cr_train_keys[i].key; i++)
        cr_train_opts_set(o, i, cr_train_keys[i].def);
}

double cr_train_lr(const cr_train_opts *o, long s)
{
    if (s <= o->warmup)
        return o->lr * s / (o->warmup > 0 ? o->warmup : 1);
    double p = (double)(s - o->warmup) / (double)(o->steps - o->warmup > 0 ?
                                                o->steps - o->warmup : 1);
    if (p > 1)
        p = 1;
    return o->min_lr + 0.5 * (o->lr - o->min_lr) * (1 + cos(M_PI * p));
}

int cr_train_window(const cr_train_opts *o, long s, int L)
{
    long n = L;
    if (o->start_tokens > 0 && o->start_tokens < L) {
        n = o->start_tokens;
        for (long k = o->grow_every > 0 ? s / o->grow_every : 0; k > 0 && n < L; k--)
            n *= 2;
    }
    if (n >= L && o->short_every > 0 && (s + 1) % o->short_every == 0 && L >= 64) {
        int sizes = 0; /* 32, 64, ... up to L/2 */
        for (long m = 32; 2 * m <= L; m *= 2)
            sizes++;
        uint64_t h = (uint64_t)o->seed * 0x2545F4914F6CDD1DULL + (uint64_t)s;
        return 32 << (int)(cr_rng_next(&h) % (uint64_t)sizes);
    }
    return n < L ? (int)n : L;
}

long cr_train_micro(const cr_train_opts *o, int n, int L)
{
    return o->accum * (L / n);
}

/* The bag-of-words weight of step s (from 0), fading linearly to 0 by bow_fade. */
static float bow_at(const cr_train_opts *o, long s)
{
    if (o->bow_fade <= 0)
        return (float)o->bow;
    return s >= o->bow_fade ? 0.0f : (float)(o->bow * (1.0 - (double)s / o->bow_fade));
}

int cr_train_data_add(cr_train_data *dt, const cr_block *b, cr_diag *d)
{
    size_t L;
    if (!dt->L)
        dt->L = (int)b->L;
    L = (size_t)dt->L;
    if (b->n != L) {
        dt->skipped++;
        return CR_OK;
    }
    if (dt->n == dt->cap) {
        size_t cap = dt->cap ? dt->cap * 2 : 1024;
        uint32_t *p = realloc(dt->ids, cap * L * sizeof *p);
        if (!p)
            return cr_diag_set(d, CR_E_NOMEM, "out of memory after %zu blocks", dt->n);
        dt->ids = p;
        dt->cap = cap;
    }
    memcpy(dt->ids + dt->n * L, b->ids, L * sizeof *b->ids);
    dt->n++;
    return CR_OK;
}

int cr_train_data_read(cr_train_data *dt, cr_input *in, const cr_ae *ae, cr_diag *d)
{
    cr_event ev;
    int rc;

    dt->L = ae->cfg.L;
    while ((rc = cr_input_next(in, &ev, d)) != CR_EV_END) {
        if (rc == CR_EV_STREAM && (rc = cr_ae_accepts_tokens(ae, ev.meta, d)) < 0)
            cr_event_where(&ev, d);
        else if (rc == CR_EV_DOC)
            dt->docs++;
        else if (rc == CR_EV_BLOCK)
            rc = cr_train_data_add(dt, &ev.block, d);
        if (rc < 0)
            return rc;
    }
    return CR_OK;
}

void cr_train_data_free(cr_train_data *dt)
{
    free(dt->ids);
    memset(dt, 0, sizeof *dt);
}

long cr_train_asm_order(cr_ae *ae, const cr_train_data *dt, cr_diag *d)
{
    size_t V = (size_t)ae->cfg.V, n = dt->n * (size_t)dt->L;
    uint64_t *counts = calloc(V, sizeof *counts);
    long seen = 0;
    int rc;

    if (!counts)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (dt->ids[i] < V)
            seen += counts[dt->ids[i]]++ == 0;
    rc = cr_asm_order_set(ae, counts, d);
    free(counts);
    if (rc < 0)
        return rc;
    cr_ae_rehash(ae);
    return seen;
}

void cr_train_pos_at(cr_train_pos *p, const cr_train_opts *o, long step, int L)
{
    p->step = step;
    p->drawn = p->tokens = 0;
    for (long s = 0; s < step; s++) {
        int n = cr_train_window(o, s, L);
        uint64_t blocks = (uint64_t)cr_train_micro(o, n, L) * (uint64_t)o->B;
        p->drawn += blocks;
        p->tokens += blocks * (uint64_t)n;
    }
}

/* The order of blocks in epoch e: a permutation from the seed. */
static void permutation(size_t *perm, size_t n, long seed, long epoch)
{
    uint64_t s = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + (uint64_t)epoch;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(cr_rng_next(&s) % i), tmp = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = tmp;
    }
}

/* Fills the batch with B windows of n tokens: draw k of the run is a window of block
 * perm[k % blocks] of epoch k / blocks, at an offset that k and the seed decide. */
static void draw(cr_train *t, const cr_train_opts *o, const cr_train_data *data, uint64_t k0,
                 int n)
{
    size_t L = (size_t)data->L;
    for (long b = 0; b < o->B; b++) {
        uint64_t k = k0 + (uint64_t)b, h = k * 0x9E3779B97F4A7C15ULL + (uint64_t)o->seed;
        long ep = (long)(k / data->n);
        if (ep != t->epoch) {
            permutation(t->perm, data->n, o->seed, ep);
            t->epoch = ep;
        }
        size_t at = (size_t)((h >> 17) % (L - (size_t)n + 1));
        memcpy(t->batch + (size_t)b * n, data->ids + t->perm[k % data->n] * L + at,
               (size_t)n * sizeof *t->batch);
    }
}

int cr_train_step(cr_train *t, const cr_train_opts *o, const cr_train_data *data,
                  cr_train_pos *p, cr_train_step_stats *out, cr_diag *d)
{
    int L = t->c->L, n = cr_train_window(o, p->step, L);
    long micro = cr_train_micro(o, n, L);
    float bow = bow_at(o, p->step);

    memset(out, 0, sizeof *out);
    if (o->B != t->B)
        return cr_diag_set(d, CR_E_ARG, "micro-batches of %ld blocks on a trainer made for %d",
                           o->B, t->B);
    if (data->L != L || data->n == 0)
        return cr_diag_set(d, CR_E_ARG, "no blocks of %d tokens to train on", L);
    if (t->nperm != data->n) {
        size_t *perm = realloc(t->perm, data->n * sizeof *perm);
        if (!perm)
            return cr_diag_set(d, CR_E_NOMEM, "out of memory for %zu blocks", data->n);
        t->perm = perm;
        t->nperm = data->n;
        t->epoch = -1;
    }
    cr_train_zero_grad(t);
    for (long a = 0; a < micro; a++) {
        draw(t, o, data, p->drawn + (uint64_t)a * (uint64_t)o->B, n);
        cr_train_backward(t, t->batch, (int)o->B, n, bow, 1.0f / (float)micro, &out->st);
    }
    p->drawn += (uint64_t)micro * (uint64_t)o->B;
    double loss = out->st.loss / (double)out->st.n;
    if (!isfinite(loss) || loss > 1e3)
        return cr_diag_set(d, CR_E_NUMERIC, "loss %g at step %ld", loss, p->step + 1);
    out->gnorm = cr_train_clip(t, o->clip);
    out->lr = cr_train_lr(o, p->step + 1);
    cr_train_adamw(t, (float)out->lr, (float)o->wd, 0.9f, 0.95f, 1e-8f, p->step + 1);
    p->step++;
    p->tokens += (uint64_t)out->st.n;
    out->n = n;
    return CR_OK;
}

void cr_train_validate(cr_train *t, const cr_train_data *v, size_t K, cr_train_val *out)
{
    cr_train_stats own = {0}, other = {0}, own_paired = {0};
    size_t nb = K < v->n ? K : v->n, L = (size_t)v->L, B = (size_t)t->B;
    uint32_t top = 0;

    memset(t->freq, 0, (size_t)t->c->V * sizeof *t->freq);
    for (size_t i = 0; i < nb * L; i++)
        if (++t->freq[v->ids[i]] > top)
            top = t->freq[v->ids[i]];
    for (size_t b0 = 0; b0 < nb; b0 += B) {
        int n = (int)(nb - b0 < B ? nb - b0 : B);
        const uint32_t *ids = v->ids + b0 * L;
        cr_train_stats here = {0};
        cr_train_eval(t, ids, n, (int)L, NULL, &here);
        own.loss += here.loss;
        own.hits += here.hits;
        own.n += here.n;
        if (n > 1) {
            own_paired.loss += here.loss;
            own_paired.n += here.n;
            for (int i = 0; i < n; i++)
                t->zfrom[i] = (i + 1) % n;
            cr_train_eval(t, ids, n, (int)L, t->zfrom, &other);
        }
    }
    out->ce = out->tra = out->maj = NAN;
    if (own.n) {
        out->ce = own.loss / own.n / M_LN2;
        out->tra = (double)own.hits / own.n;
        out->maj = (double)top / own.n;
    }
    /* the gain compares like with like: own CE over the blocks that had a partner */
    out->gain = NAN;
    if (other.n && own_paired.n)
        out->gain = (other.loss / other.n - own_paired.loss / own_paired.n) / M_LN2;
}

int cr_train_meta(cr_meta *m, const cr_train_opts *o, const cr_train_pos *p,
                  const cr_train_data *train, const cr_train_val *v,
                  const char *const *files, int nfiles, cr_diag *d)
{
    static const char *const old[] = {"train.step", "train.B", "train.accum", "train.warmup",
                                      "train.seed", "train.bow_fade", "train.min_lr",
                                      "train.start_tokens", "train.grow_every", "train.wd",
                                      "train.clip", "train.short_every", "val.tra", "val.ce_bits",
                                      "val.majority_tra", "val.latent_gain_bits"};
    char data[1024] = "";
    size_t at = 0;
    int rc = CR_OK; /* the setters return 0 or a negative code: any failure leaves it < 0 */

    for (int i = 0; i < nfiles && at < sizeof data - 1; i++)
        at += (size_t)snprintf(data + at, sizeof data - at, "%s%s", i ? " " : "", files[i]);
    for (size_t k = 0; k < sizeof old / sizeof old[0]; k++)
        cr_meta_del(m, old[k]);
    rc |= cr_meta_set_str(m, "model.origin", "crtrain");
    rc |= cr_meta_set_str(m, "train.data", data);
    rc |= cr_meta_set_u64(m, "train.docs", train->docs);
    rc |= cr_meta_set_u64(m, "train.blocks", train->n);
    rc |= cr_meta_set_u64(m, "train.steps", (uint64_t)p->step);
    rc |= cr_meta_set_u64(m, "train.tokens", p->tokens);
    rc |= cr_meta_set_f64(m, "train.lr", o->lr);
    rc |= cr_meta_set_f64(m, "train.bow", o->bow);
    if (v) {
        rc |= cr_meta_set_f64(m, "val.tra", v->tra);
        rc |= cr_meta_set_f64(m, "val.ce_bits", v->ce);
        rc |= cr_meta_set_f64(m, "val.majority_tra", v->maj);
        rc |= cr_meta_set_f64(m, "val.latent_gain_bits", v->gain);
    }
    return rc < 0 ? cr_diag_set(d, CR_E_NOMEM, "out of memory") : CR_OK;
}
