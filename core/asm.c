/* The adaptive-softmax head: forward (argmax and log p of targets), loss and backward, and
 * the token order. Rows go through in chunks: the head logits of a chunk in one product,
 * then for each tail cluster the rows that need it, gathered into one product. */
#include "asm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mm16.h"
#include "ops.h"

struct cr_asm_work {
    int chunk;
    size_t bytes;
    float *l0;     /* (chunk, K0 + n) head logits, then their gradient */
    float *lse0;   /* (chunk) log sum exp of the head logits */
    float *cl;     /* (chunk, n) log p(cluster) */
    float *top;    /* (chunk) log p of the best shortlist token */
    float *best;   /* (chunk) log p of the best token so far */
    uint32_t *arg; /* (chunk) its rank */
    float *g, *dg; /* (chunk, C) rows gathered for a cluster, and their gradient */
    float *u, *du; /* (chunk, dim) their projections */
    float *z;      /* (chunk, cluster size) cluster logits, then their gradient */
    int *rows;     /* (chunk) the chunk's rows that a cluster needs */
    float *wh;     /* tied: (K0 + n, C) the head's weights, the shortlist's embeddings gathered */
    float *gwh;    /* tied: (K0 + n, C) their gradient */
    /* cr_asm_work_use_bf16: the head's weights packed as they are and transposed, a chunk
     * of rows transposed, and the products' rounded rows */
    cr_mm16 *wh16, *wht16, *h16;
    void *scratch16;
};

static void *walloc(cr_asm_work *w, size_t n, size_t size)
{
    w->bytes += n * size;
    return malloc(n ? n * size : 1);
}

int cr_asm_work_new(cr_asm_work **out, const cr_ae_config *c, int chunk)
{
    cr_asm_work *w = calloc(1, sizeof *w);
    cr_asm_shape s;
    size_t ch = (size_t)chunk, C = (size_t)c->C, dmax = 1, smax = 1;

    *out = NULL;
    if (!w)
        return CR_E_NOMEM;
    cr_asm_shape_of(c, &s);
    for (int i = 1; i <= s.n; i++) {
        dmax = (size_t)s.dim[i] > dmax ? (size_t)s.dim[i] : dmax;
        smax = (size_t)(s.cut[i + 1] - s.cut[i]) > smax ? (size_t)(s.cut[i + 1] - s.cut[i]) : smax;
    }
    w->chunk = chunk;
    w->l0 = walloc(w, ch * (size_t)(s.K0 + s.n), sizeof(float));
    w->lse0 = walloc(w, ch, sizeof(float));
    w->cl = walloc(w, ch * (size_t)s.n, sizeof(float));
    w->top = walloc(w, ch, sizeof(float));
    w->best = walloc(w, ch, sizeof(float));
    w->arg = walloc(w, ch, sizeof(uint32_t));
    w->g = walloc(w, ch * C, sizeof(float));
    w->dg = walloc(w, ch * C, sizeof(float));
    w->u = walloc(w, ch * dmax, sizeof(float));
    w->du = walloc(w, ch * dmax, sizeof(float));
    w->z = walloc(w, ch * smax, sizeof(float));
    w->rows = walloc(w, ch, sizeof(int));
    if (c->tied) {
        w->wh = walloc(w, (size_t)(s.K0 + s.n) * C, sizeof(float));
        w->gwh = walloc(w, (size_t)(s.K0 + s.n) * C, sizeof(float));
        if (!w->wh || !w->gwh) {
            cr_asm_work_free(w);
            return CR_E_NOMEM;
        }
    }
    if (!w->l0 || !w->lse0 || !w->cl || !w->top || !w->best || !w->arg || !w->g || !w->dg ||
        !w->u || !w->du || !w->z || !w->rows) {
        cr_asm_work_free(w);
        return CR_E_NOMEM;
    }
    *out = w;
    return CR_OK;
}

void cr_asm_work_free(cr_asm_work *w)
{
    if (!w)
        return;
    free(w->l0); free(w->lse0); free(w->cl); free(w->top); free(w->best); free(w->arg);
    free(w->g); free(w->dg); free(w->u); free(w->du); free(w->z); free(w->rows);
    free(w->wh); free(w->gwh);
    cr_mm16_free(w->wh16); cr_mm16_free(w->wht16); cr_mm16_free(w->h16); free(w->scratch16);
    free(w);
}

int cr_asm_work_use_bf16(cr_asm_work *w, const cr_ae_config *c)
{
    cr_asm_shape s;
    if (w->wh16)
        return 1;
    if (!cr_mm16_available())
        return 0;
    cr_asm_shape_of(c, &s);
    int n1 = s.K0 + s.n, C = c->C, ch = w->chunk;
    size_t b1 = cr_mm16_scratch_bytes(ch, C > n1 ? C : n1), b2 = cr_mm16_scratch_bytes(n1, ch);
    if (!(w->wh16 = cr_mm16_new(n1, C)) || !(w->wht16 = cr_mm16_new(C, n1)) ||
        !(w->h16 = cr_mm16_new(C, ch)) || !(w->scratch16 = malloc(b1 > b2 ? b1 : b2))) {
        cr_mm16_free(w->wh16); cr_mm16_free(w->wht16); cr_mm16_free(w->h16);
        w->wh16 = w->wht16 = w->h16 = NULL;
        return CR_E_NOMEM;
    }
    w->bytes += (b1 > b2 ? b1 : b2) + cr_mm16_bytes(w->wh16) + cr_mm16_bytes(w->wht16) +
                cr_mm16_bytes(w->h16);
    return 1;
}

size_t cr_asm_work_bytes(const cr_asm_work *w)
{
    return w->bytes;
}

/* The cluster (1..n) of rank r, 0 for the shortlist. */
static int cluster_of(const cr_asm_shape *s, int r)
{
    return r < s->K0 ? 0 : cr_asm_cluster(s, (uint32_t)r);
}

/* The head's weights (K0 + n, C): asm_head, or when tied the embeddings of the shortlist's
 * tokens followed by asm_head, gathered into wh (room for K0 + n rows). */
static const float *head_weights(const cr_ae *ae, const cr_asm_shape *s, float *wh)
{
    size_t C = (size_t)ae->cfg.C;
    if (!ae->cfg.tied)
        return ae->p.asm_head;
    for (int r = 0; r < s->K0; r++)
        memcpy(wh + (size_t)r * C,
               ae->p.tok_emb + (size_t)(ae->cfg.asm_in ? (uint32_t)r : ae->order[r]) * C,
               C * sizeof(float));
    memcpy(wh + (size_t)s->K0 * C, ae->p.asm_head, (size_t)s->n * C * sizeof(float));
    return wh;
}

int cr_asm_use_bf16(cr_ae *ae)
{
    cr_asm_shape s;
    cr_asm_shape_of(&ae->cfg, &s);
    int n1 = s.K0 + s.n;
    size_t C = (size_t)ae->cfg.C;
    float *wh = ae->cfg.tied ? malloc((size_t)n1 * C * sizeof *wh) : NULL;
    if (ae->cfg.tied && !wh)
        return CR_E_NOMEM;
    ae->head16 = cr_mm16_pack(head_weights(ae, &s, wh), n1, (int)C);
    free(wh);
    return ae->head16 ? 1 : CR_E_NOMEM;
}

/* Head logits of the n rows h (n,C) with the head's weights wh, or with a bf16 copy of
 * them, w16, when that is not NULL (inference after cr_asm_use_bf16: ae->head16; training
 * after cr_asm_work_use_bf16: w->wh16): l0, lse0, cl, and top, best, arg for the
 * shortlist. */
static void head_rows(const cr_ae *ae, const cr_asm_shape *s, cr_asm_work *w, const float *wh,
                      const cr_mm16 *w16, const float *h, int n)
{
    int n1 = s->K0 + s->n;
    if (w16)
        cr_mm16_gemm(w->l0, (size_t)n1, h, (size_t)ae->cfg.C, 1, n, w16, NULL, 0, w->scratch16);
    else
        cr_op_matmul_fwd(w->l0, h, wh, NULL, n, ae->cfg.C, n1);
#pragma omp parallel for if (n > 16)
    for (int r = 0; r < n; r++) {
        const float *x = w->l0 + (size_t)r * n1;
        int b = cr_op_argmax(x, s->K0);
        float lse = cr_op_logsumexp(x, n1, NULL);
        w->lse0[r] = lse;
        w->top[r] = w->best[r] = x[b] - lse;
        w->arg[r] = (uint32_t)b;
        for (int i = 0; i < s->n; i++)
            w->cl[(size_t)r * s->n + i] = x[s->K0 + i] - lse;
    }
}

/* Cluster i for the k rows of h listed in w->rows: g (k,C) the rows, u (k,dim) = g proj^T,
 * z (k,size) = u out^T. */
static void cluster_fwd(const cr_ae *ae, const cr_asm_shape *s, cr_asm_work *w, int i,
                        const float *h, int k)
{
    size_t C = (size_t)ae->cfg.C;
    for (int j = 0; j < k; j++)
        memcpy(w->g + (size_t)j * C, h + (size_t)w->rows[j] * C, C * sizeof(float));
    cr_op_matmul_fwd(w->u, w->g, ae->p.asm_proj[i - 1], NULL, k, (int)C, s->dim[i]);
    cr_op_matmul_fwd(w->z, w->u, ae->p.asm_out[i - 1], NULL, k, s->dim[i],
                     s->cut[i + 1] - s->cut[i]);
}

/* Row r needs cluster i for the argmax: its probability reaches the best shortlist token's. */
static int argmax_needs(const cr_asm_shape *s, const cr_asm_work *w, int r, int i)
{
    return w->cl[(size_t)r * s->n + i - 1] >= w->top[r];
}

void cr_asm_fwd(const cr_ae *ae, cr_asm_work *w, const float *h, const uint32_t *target,
                int T, uint32_t *argmax, float *logp)
{
    cr_asm_shape s;
    size_t C = (size_t)ae->cfg.C;
    int n1;

    cr_asm_shape_of(&ae->cfg, &s);
    n1 = s.K0 + s.n;
    const float *wh = ae->head16 ? NULL : head_weights(ae, &s, w->wh);
    if (!target)
        logp = NULL;
    for (int t0 = 0; t0 < T; t0 += w->chunk) {
        int n = T - t0 < w->chunk ? T - t0 : w->chunk;
        const float *hc = h + (size_t)t0 * C;
        head_rows(ae, &s, w, wh, ae->head16, hc, n);
        if (logp)
            for (int r = 0; r < n; r++) {
                int rk = (int)ae->rank[target[t0 + r]];
                if (rk < s.K0)
                    logp[t0 + r] = w->l0[(size_t)r * n1 + rk] - w->lse0[r];
            }
        for (int i = 1; i <= s.n; i++) {
            int k = 0, size = s.cut[i + 1] - s.cut[i];
            for (int r = 0; r < n; r++) {
                int rk = logp ? (int)ae->rank[target[t0 + r]] : -1;
                if ((rk >= s.cut[i] && rk < s.cut[i + 1]) || (argmax && argmax_needs(&s, w, r, i)))
                    w->rows[k++] = r;
            }
            if (!k)
                continue;
            cluster_fwd(ae, &s, w, i, hc, k);
#pragma omp parallel for if (k > 16)
            for (int j = 0; j < k; j++) {
                int r = w->rows[j], b;
                const float *z = w->z + (size_t)j * size;
                float lse = cr_op_logsumexp(z, size, &b), base = w->cl[(size_t)r * s.n + i - 1];
                float cand = base + z[b] - lse;
                if (cand > w->best[r]) {
                    w->best[r] = cand;
                    w->arg[r] = (uint32_t)(s.cut[i] + b);
                }
                int rk = logp ? (int)ae->rank[target[t0 + r]] : -1;
                if (rk >= s.cut[i] && rk < s.cut[i + 1])
                    logp[t0 + r] = base + z[rk - s.cut[i]] - lse;
            }
        }
        if (argmax)
            for (int r = 0; r < n; r++)
                argmax[t0 + r] = ae->order[w->arg[r]];
    }
}

double cr_asm_bwd(const cr_ae *ae, cr_asm_work *w, float *dh, cr_ae_params *g, const float *h,
                  const uint32_t *target, int T, float scale, long *hits)
{
    cr_asm_shape s;
    size_t C = (size_t)ae->cfg.C;
    double loss = 0;
    long hit = 0;
    int n1;

    cr_asm_shape_of(&ae->cfg, &s);
    n1 = s.K0 + s.n;
    const float *wh = head_weights(ae, &s, w->wh);
    float *gh = ae->cfg.tied ? w->gwh : g->asm_head;
    if (ae->cfg.tied)
        memset(gh, 0, (size_t)n1 * C * sizeof(float));
    if (w->wh16) { /* the weights as they are now, as they are and transposed */
        cr_mm16_load(w->wh16, wh, n1, (int)C, C, 1);
        cr_mm16_load(w->wht16, wh, (int)C, n1, 1, C);
    }
    for (int t0 = 0; t0 < T; t0 += w->chunk) {
        int n = T - t0 < w->chunk ? T - t0 : w->chunk;
        const float *hc = h + (size_t)t0 * C;
        float *dhc = dh + (size_t)t0 * C;
        head_rows(ae, &s, w, wh, w->wh16, hc, n);
        for (int i = 1; i <= s.n; i++) {
            int k = 0, kt, size = s.cut[i + 1] - s.cut[i], dim = s.dim[i];
            /* the rows whose target is in the cluster first: they carry the gradient */
            for (int r = 0; r < n; r++)
                if (cluster_of(&s, (int)ae->rank[target[t0 + r]]) == i)
                    w->rows[k++] = r;
            kt = k;
            for (int r = 0; hits && r < n; r++)
                if (cluster_of(&s, (int)ae->rank[target[t0 + r]]) != i &&
                    argmax_needs(&s, w, r, i))
                    w->rows[k++] = r;
            if (!k)
                continue;
            cluster_fwd(ae, &s, w, i, hc, k);
#pragma omp parallel for reduction(+ : loss) if (k > 16)
            for (int j = 0; j < k; j++) {
                int r = w->rows[j], b;
                float *z = w->z + (size_t)j * size;
                float lse = cr_op_logsumexp(z, size, &b), base = w->cl[(size_t)r * s.n + i - 1];
                if (base + z[b] - lse > w->best[r]) {
                    w->best[r] = base + z[b] - lse;
                    w->arg[r] = (uint32_t)(s.cut[i] + b);
                }
                if (j < kt) {
                    int y = (int)ae->rank[target[t0 + r]] - s.cut[i];
                    loss += (double)lse - z[y];
                    cr_op_softmax_lse(z, size, lse, scale);
                    z[y] -= scale;
                }
            }
            if (!kt)
                continue;
            /* z now holds dL/dz for the first kt rows */
            memset(w->du, 0, (size_t)kt * dim * sizeof(float));
            memset(w->dg, 0, (size_t)kt * C * sizeof(float));
            cr_op_matmul_bwd(w->du, g->asm_out[i - 1], NULL, w->z, w->u, ae->p.asm_out[i - 1],
                             kt, dim, size);
            cr_op_matmul_bwd(w->dg, g->asm_proj[i - 1], NULL, w->du, w->g,
                             ae->p.asm_proj[i - 1], kt, (int)C, dim);
            for (int j = 0; j < kt; j++)
                cr_op_add(dhc + (size_t)w->rows[j] * C, w->dg + (size_t)j * C, C);
        }
#pragma omp parallel for reduction(+ : loss, hit) if (n > 16)
        for (int r = 0; r < n; r++) {
            int rk = (int)ae->rank[target[t0 + r]], i = cluster_of(&s, rk);
            int c = i ? s.K0 + i - 1 : rk;
            float *x = w->l0 + (size_t)r * n1;
            loss += (double)w->lse0[r] - x[c];
            hit += w->arg[r] == (uint32_t)rk;
            cr_op_softmax_lse(x, n1, w->lse0[r], scale);
            x[c] -= scale;
        }
        if (w->wh16) /* dhc += dl0 wh; gh += dl0^T hc */
            cr_mm16_linear_bwd(dhc, gh, w->l0, hc, n, (int)C, n1, w->wht16, w->h16,
                               w->scratch16);
        else
            cr_op_matmul_bwd(dhc, gh, NULL, w->l0, hc, wh, n, (int)C, n1);
    }
    if (ae->cfg.tied) { /* the shortlist's rows back to the embeddings */
        for (int r = 0; r < s.K0; r++)
            cr_op_add(g->tok_emb + (size_t)(ae->cfg.asm_in ? (uint32_t)r : ae->order[r]) * C,
                      gh + (size_t)r * C, C);
        cr_op_add(g->asm_head, gh + (size_t)s.K0 * C, (size_t)s.n * C);
    }
    if (hits)
        *hits += hit;
    return loss;
}

/* Token counts with their ids, for the order. */
struct tcount {
    uint64_t n;
    uint32_t id;
};

static int by_count(const void *a, const void *b)
{
    const struct tcount *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

int cr_asm_order_set(cr_ae *ae, const uint64_t *counts, cr_diag *d)
{
    size_t V = (size_t)ae->cfg.V;
    struct tcount *t = malloc(V * sizeof *t);
    float *o = ae->p.asm_order;

    if (!t)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    for (size_t i = 0; i < V; i++) {
        t[i].n = counts ? counts[i] : 0;
        t[i].id = (uint32_t)i;
    }
    if (counts)
        qsort(t, V, sizeof *t, by_count);
    for (size_t r = 0; r < V; r++) {
        o[3 * r] = (float)(t[r].id & 255);
        o[3 * r + 1] = (float)(t[r].id >> 8 & 255);
        o[3 * r + 2] = (float)(t[r].id >> 16);
    }
    free(t);
    return cr_ae_asm_sync(ae, d);
}

int cr_asm_input(const cr_ae *src, int R, cr_ae **out, cr_diag *d)
{
    cr_ae_config c = src->cfg;
    size_t C = (size_t)c.C, rows = (size_t)cr_ae_emb_rows(&src->cfg);
    cr_ae *ae;
    int rc;

    *out = NULL;
    if (!c.asm_n)
        return cr_diag_set(d, CR_E_VALUE, "adaptive input needs the adaptive head (ae.asm)");
    c.asm_in = R;
    if ((rc = cr_ae_config_check(&c, d)) < 0)
        return rc;
    size_t nr = (size_t)cr_ae_emb_rows(&c);
    if (nr > rows)
        return cr_diag_set(d, CR_E_VALUE, "adaptive input of %zu rows from a model that has "
                           "only %zu", nr, rows);
    if ((rc = cr_ae_alloc(&ae, &c, d)) < 0)
        return rc;
    size_t np = cr_ae_nparams(&c), rest = np - nr * C;
    if (!(ae->slab = malloc(np * sizeof(float))) || cr_meta_merge(ae->meta, src->meta) < 0 ||
        cr_ae_params_carve(&c, ae->slab, &ae->p) < 0) {
        cr_ae_free(ae);
        return cr_diag_set(d, CR_E_NOMEM, "out of memory for %zu parameters", np);
    }
    ae->slab_owned = 1;
    /* rank r's row: row r already, or the row of its token */
    for (size_t r = 0; r < nr; r++)
        memcpy(ae->p.tok_emb + r * C,
               src->p.tok_emb + (src->cfg.asm_in ? r : src->order[r]) * C, C * sizeof(float));
    /* every other tensor comes after tok_emb, in the same order and shape */
    memcpy(ae->p.tok_emb + nr * C, src->p.tok_emb + rows * C, rest * sizeof(float));
    if ((rc = cr_ae_asm_sync(ae, d)) < 0) {
        cr_ae_free(ae);
        return rc;
    }
    cr_ae_rehash(ae);
    *out = ae;
    return CR_OK;
}
