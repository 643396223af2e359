/* The autoencoder's forward pass for one block at a time, and model set-up. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xxhash.h>

#include "ae.h"
#include "asm.h"
#include "attn16.h"
#include "le.h"
#include "mm16.h"
#include "ops.h"
#include "rng.h"

/* Rows of logits computed at once. OpenBLAS packs the whole head (V x C) for every
 * call, so few rows waste most of the time on packing: at the cpu preset one thread ran
 * at 51 GFLOP/s with 32 rows, 81 with 128, 97 with 512. 256 rows x 50257 = 51 MB. */
#define HEAD_CHUNK 256

/* What a scratch has room for: one made for config a serves config c when c needs no
 * more of any of these (crtag's experts share one scratch a thread this way). */
typedef struct {
    int T, C, NH, hs, F, L; /* rows (L + slots), width, heads, head size, FFN, block */
    int V;                  /* a full head's logits, or 0 */
    int asm_rows, asm_n, asm_dim, asm_size, tied; /* an adaptive head's, or 0 */
} room;

static room room_of(const cr_ae_config *c)
{
    room k = {c->L + cr_ae_slots(c), c->C, c->NH, c->C / c->NH, c->F, c->L, 0, 0, 0, 0, 0, 0};
    cr_asm_shape s;
    if (!c->asm_n) {
        k.V = c->V;
        return k;
    }
    cr_asm_shape_of(c, &s);
    k.asm_rows = s.K0 + s.n;
    k.asm_n = s.n;
    k.tied = c->tied;
    for (int i = 1; i <= s.n; i++) {
        k.asm_dim = s.dim[i] > k.asm_dim ? s.dim[i] : k.asm_dim;
        k.asm_size = s.cut[i + 1] - s.cut[i] > k.asm_size ? s.cut[i + 1] - s.cut[i] : k.asm_size;
    }
    return k;
}

static int room_for(const room *have, const room *need)
{
    if (need->T > have->T || need->C > have->C || need->NH > have->NH ||
        need->hs > have->hs || need->F > have->F || need->L > have->L)
        return 0;
    if (!need->asm_n) /* a full head: logits as wide */
        return have->V >= need->V && need->V > 0;
    return have->asm_n && need->asm_rows <= have->asm_rows && need->asm_n <= have->asm_n &&
           need->asm_dim <= have->asm_dim && need->asm_size <= have->asm_size &&
           (!need->tied || have->tied);
}

int cr_ae_scratch_shared(const cr_ae_config *a, const cr_ae_config *c)
{
    room have = room_of(a), need = room_of(c);
    return room_for(&have, &need);
}

struct cr_ae_scratch {
    room room; /* what it was made for: its buffers hold room.T rows (L + slots) */
    float *x, *ln, *qkv, *att, *atty, *tmp, *fch, *fchg, *logits, *emb;
    float *z;
    cr_asm_work *asmw; /* the adaptive head's scratch, or NULL */
    cr_attn16 *attn16; /* the attention's bf16 workspace where the CPU has AVX512-BF16
                        * (used with a model's bf16 copies), or NULL */
};

int cr_ae_passes(void)
{
    int n = omp_get_max_threads();
    return n < 1 ? 1 : n > CR_AE_PASSES_MAX ? CR_AE_PASSES_MAX : n;
}

int cr_ae_scratch_new(cr_ae_scratch **out, const cr_ae_config *c)
{
    cr_ae_scratch *r = calloc(1, sizeof *r);
    size_t T = (size_t)c->L + cr_ae_slots(c), C = (size_t)c->C;
    *out = NULL;
    if (!r)
        return CR_E_NOMEM;
    r->room = room_of(c);
    r->x = malloc(T * C * sizeof(float));
    r->ln = malloc(T * C * sizeof(float));
    r->qkv = malloc(T * 3 * C * sizeof(float));
    r->att = malloc((size_t)c->NH * T * T * sizeof(float));
    r->atty = malloc(T * C * sizeof(float));
    r->tmp = malloc(T * C * sizeof(float));
    r->fch = malloc(T * (size_t)c->F * sizeof(float));
    r->fchg = malloc(T * (size_t)c->F * sizeof(float));
    r->emb = malloc((size_t)c->L * C * sizeof(float));
    if (c->asm_n)
        cr_asm_work_new(&r->asmw, c, HEAD_CHUNK);
    else
        r->logits = malloc((size_t)HEAD_CHUNK * c->V * sizeof(float));
    if (cr_mm16_available()) /* without it, the attention of a bf16 model runs fp32 */
        r->attn16 = cr_attn16_new((int)T, c->C, c->NH);
    if (!r->x || !r->ln || !r->qkv || !r->att || !r->atty || !r->tmp || !r->fch || !r->fchg ||
        !r->emb || !(r->logits || r->asmw)) {
        cr_ae_scratch_free(r);
        return CR_E_NOMEM;
    }
    *out = r;
    return CR_OK;
}

void cr_ae_scratch_free(cr_ae_scratch *r)
{
    if (!r)
        return;
    free(r->x); free(r->ln); free(r->qkv); free(r->att); free(r->atty);
    free(r->tmp); free(r->fch); free(r->fchg); free(r->logits); free(r->emb);
    cr_asm_work_free(r->asmw);
    cr_attn16_free(r->attn16);
    free(r);
}

/* r has room for a pass of a model of config c */
static int scratch_serves(const cr_ae_scratch *r, const cr_ae_config *c)
{
    room need = room_of(c);
    return room_for(&r->room, &need);
}

/* out (T,OC) = inp (T,C) w^T + bias: by the bf16 copy of w when there is one */
static void matmul(float *out, const float *inp, const float *w, const cr_mm16 *w16,
                   const float *bias, int T, int C, int OC)
{
    if (w16)
        cr_mm16_mul(out, inp, T, w16, bias);
    else
        cr_op_matmul_fwd(out, inp, w, bias, T, C, OC);
}

int cr_ae_use_bf16(cr_ae *ae)
{
    const cr_ae_config *c = &ae->cfg;
    if (!cr_mm16_available() || c->C > CR_MM16_MAX_K || c->F > CR_MM16_MAX_K)
        return 0;
    for (int l = 0; l < c->Le + c->Ld; l++) {
        cr_ae_layer *y = l < c->Le ? &ae->p.enc[l] : &ae->p.dec[l - c->Le];
        if ((!y->qkv16 && !(y->qkv16 = cr_mm16_pack(y->qkv_w, 3 * c->C, c->C))) ||
            (!y->proj16 && !(y->proj16 = cr_mm16_pack(y->proj_w, c->C, c->C))) ||
            (!y->fc16 && !(y->fc16 = cr_mm16_pack(y->fc_w, c->F, c->C))) ||
            (!y->fc2_16 && !(y->fc2_16 = cr_mm16_pack(y->fc2_w, c->C, c->F))))
            return CR_E_NOMEM;
    }
    if (ae->head16)
        return 1;
    if (c->asm_n) /* the adaptive head's shortlist and cluster rows */
        return cr_asm_use_bf16(ae);
    return (ae->head16 = cr_mm16_pack(ae->p.head, c->V, c->C)) ? 1 : CR_E_NOMEM;
}

/* x (T,C) += attn(ln1(x)) over keys [0,Tk); x += mlp(ln2(x)); all rows give keys and
 * values, but only rows [q0, T) are computed beyond them (q0 > 0 in the last encoder
 * layer: only its latent rows are read, so its token rows are not worth computing). */
static void layer_fwd(const cr_ae_config *c, const cr_ae_layer *w, cr_ae_scratch *r, int T,
                      int Tk, int q0)
{
    size_t C = (size_t)c->C, F = (size_t)c->F, nq = (size_t)(T - q0);
    float *xq = r->x + (size_t)q0 * C;
    cr_op_layernorm_fwd(r->ln, NULL, NULL, r->x, w->ln1_w, w->ln1_b, T, c->C);
    matmul(r->qkv, r->ln, w->qkv_w, w->qkv16, w->qkv_b, T, c->C, 3 * c->C);
    if (w->qkv16 && r->attn16) /* a model in bf16 (cr_ae_use_bf16) */
        cr_attn16_fwd(r->attn16, r->atty, r->att, r->qkv, T, Tk, q0, c->C, c->NH);
    else
        cr_op_attention_rows_fwd(r->atty, r->att, r->qkv, T, Tk, q0, c->C, c->NH);
    matmul(r->tmp, r->atty, w->proj_w, w->proj16, w->proj_b, (int)nq, c->C, c->C);
    cr_op_add(xq, r->tmp, nq * C);
    cr_op_layernorm_fwd(r->ln, NULL, NULL, xq, w->ln2_w, w->ln2_b, (int)nq, c->C);
    matmul(r->fch, r->ln, w->fc_w, w->fc16, w->fc_b, (int)nq, c->C, c->F);
    cr_op_gelu_fwd(r->fchg, r->fch, nq * F);
    matmul(r->tmp, r->fchg, w->fc2_w, w->fc2_16, w->fc2_b, (int)nq, c->F, c->C);
    cr_op_add(xq, r->tmp, nq * C);
}

void cr_ae_embed(const cr_ae *ae, const uint32_t *ids, int n, float *emb)
{
    const cr_ae_config *c = &ae->cfg;
    const cr_ae_params *p = &ae->p;
    size_t C = (size_t)c->C;
    cr_asm_shape s;
    uint32_t R = (uint32_t)cr_ae_emb_rows(c);

    if (c->asm_in)
        cr_asm_shape_of(c, &s);
    for (int i = 0; i < n; i++) {
        float *e = emb + (size_t)i * C;
        uint32_t r = c->asm_in ? ae->rank[ids[i]] : ids[i];
        if (r < R) {
            memcpy(e, p->tok_emb + (size_t)r * C, C * sizeof(float));
            continue;
        }
        int k = cr_asm_cluster(&s, r);
        /* e (C) = out_k[r - cut] (dim) proj_k (dim, C) */
        size_t dim = (size_t)s.dim[k];
        const float *o = p->asm_out[k - 1] + (r - (uint32_t)s.cut[k]) * dim;
        memset(e, 0, C * sizeof(float));
        for (size_t j = 0; j < dim; j++)
            for (size_t q = 0; q < C; q++)
                e[q] += o[j] * p->asm_proj[k - 1][j * C + q];
    }
}

void cr_ae_enc_input(const cr_ae *ae, const uint32_t *ids, int n, float *x, float *pool,
                     float *rms, float *emb)
{
    const cr_ae_config *c = &ae->cfg;
    const cr_ae_params *p = &ae->p;
    size_t C = (size_t)c->C;
    int S = cr_ae_slots(c);

    cr_ae_embed(ae, ids, n, emb);
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < C; k++)
            x[i * C + k] = emb[i * C + k] + p->enc_pos[i * C + k];
    memcpy(x + (size_t)n * C, p->enc_lat, (size_t)S * C * sizeof(float));
    if (c->bind)
        for (int j = 0; j < S; j++) {
            float *pj = pool + (size_t)j * C;
            float r = cr_ae_bind_pool(c, emb, p->enc_bind, n, j, pj);
            if (rms)
                rms[j] = r;
            cr_op_add(x + (size_t)(n + j) * C, pj, C);
        }
    else if (c->pool)
        for (int j = 0; j < S; j++) {
            int a = cr_ae_seg_start(j, n, S), e = cr_ae_seg_start(j + 1, n, S);
            float *xj = x + (size_t)(n + j) * C;
            for (int i = a; i < e; i++)
                for (size_t k = 0; k < C; k++)
                    xj[k] += emb[i * C + k] / (float)(e - a);
        }
}

void cr_ae_dec_input(const cr_ae *ae, const float *z, int n, float *x)
{
    const cr_ae_config *c = &ae->cfg;
    const cr_ae_params *p = &ae->p;
    size_t C = (size_t)c->C, M = (size_t)cr_ae_slots(c);
    int S = (int)M;

    for (size_t k = 0; k < M * C; k++)
        x[k] = z[k] + p->dec_zpos[k];
    memcpy(x + M * C, p->dec_pos, (size_t)n * C * sizeof(float));
    if (c->zskip)
        for (int i = 0; i < n; i++) {
            int j = cr_ae_seg_of(i, n, S);
            const float *zj = z + (size_t)j * C;
            float *xi = x + (M + (size_t)i) * C;
            if (c->bind) {
                const float *b = p->dec_bind + (size_t)(i - cr_ae_seg_start(j, n, S)) * C;
                for (size_t k = 0; k < C; k++)
                    xi[k] += b[k] * zj[k];
            } else
                cr_op_add(xi, zj, C);
        }
}

int cr_ae_encode(const cr_ae *ae, cr_ae_scratch *r, const uint32_t *ids, int n, float *z)
{
    const cr_ae_config *c = &ae->cfg;
    const cr_ae_params *p = &ae->p;
    size_t C = (size_t)c->C;
    int S = cr_ae_slots(c), T = n + S;

    if (n < 1 || n > c->L || !scratch_serves(r, c))
        return CR_E_ARG;
    for (int i = 0; i < n; i++)
        if (ids[i] >= (uint32_t)c->V)
            return CR_E_VALUE;
    cr_ae_enc_input(ae, ids, n, r->x, r->tmp, NULL, r->emb);
    for (int l = 0; l < c->Le; l++)
        layer_fwd(c, &p->enc[l], r, T, T, l == c->Le - 1 ? n : 0);
    cr_op_layernorm_fwd(z, NULL, NULL, r->x + (size_t)n * C, p->enc_lnf_w, p->enc_lnf_b,
                        S, c->C);
    return CR_OK;
}

int cr_ae_decode(const cr_ae *ae, cr_ae_scratch *r, const float *z, int n, const uint32_t *target,
                 uint32_t *argmax, float *logp)
{
    const cr_ae_config *c = &ae->cfg;
    const cr_ae_params *p = &ae->p;
    size_t C = (size_t)c->C, M = (size_t)cr_ae_slots(c);
    int S = (int)M, T = n + S;

    if (n < 1 || n > c->L || !scratch_serves(r, c))
        return CR_E_ARG;
    cr_ae_dec_input(ae, z, n, r->x);
    for (int l = 0; l < c->Ld; l++)
        layer_fwd(c, &p->dec[l], r, T, l < c->zattn ? S : T, 0);
    cr_op_layernorm_fwd(r->ln, NULL, NULL, r->x + M * C, p->dec_lnf_w, p->dec_lnf_b, n, c->C);
    if (target)
        for (int i = 0; i < n; i++)
            if (target[i] >= (uint32_t)c->V)
                return CR_E_VALUE;
    if (c->asm_n)
        cr_asm_fwd(ae, r->asmw, r->ln, target, n, argmax, target ? logp : NULL);
    else if (ae->head16) /* the full head's bf16 copy (cr_ae_use_bf16) */
        for (int t0 = 0; t0 < n; t0 += HEAD_CHUNK) {
            int k = n - t0 < HEAD_CHUNK ? n - t0 : HEAD_CHUNK;
            cr_mm16_mul(r->logits, r->ln + (size_t)t0 * c->C, k, ae->head16, NULL);
            cr_op_head_pick(r->logits, k, c->V, target ? target + t0 : NULL,
                            argmax ? argmax + t0 : NULL, target && logp ? logp + t0 : NULL);
        }
    else
        cr_op_head_fwd(r->ln, p->head, target, n, c->C, c->V, r->logits, HEAD_CHUNK, argmax,
                       target ? logp : NULL);
    return CR_OK;
}

void cr_ae_rehash(cr_ae *ae)
{
    /* the config takes part: the same weights with another zattn, pool or zskip are
     * another model. Parameters are hashed as little-endian fp32 (the host's order on
     * the machines cr builds for; see le.h). bind, zsplit and asm join the config words only
     * when set, so the checks of models without them stay what they were. */
    const cr_ae_config *c = &ae->cfg;
    unsigned char cfg[17 * 4];
    int v[17] = {c->V, c->C, c->NH, c->Le, c->Ld, c->F, c->L, c->M, c->tied, c->zattn,
                 c->pool, c->zskip, c->bind, c->zsplit > 1 ? c->zsplit : 1, c->asm_n, c->asm_k0,
                 c->asm_in};
    size_t nw = c->asm_in ? 17 : c->asm_n ? 16 : v[13] > 1 ? 14 : c->bind ? 13 : 12;
    for (size_t i = 0; i < nw; i++)
        cr_put32(cfg + 4 * i, (uint32_t)v[i]);
    ae->check = XXH3_64bits_withSeed(ae->slab, cr_ae_nparams(c) * sizeof(float),
                                     XXH3_64bits(cfg, nw * 4));
}

int cr_ae_asm_sync(cr_ae *ae, cr_diag *d)
{
    size_t V = (size_t)ae->cfg.V;
    const float *o = ae->p.asm_order;

    if (!ae->cfg.asm_n)
        return CR_OK;
    if (!ae->order && (!(ae->order = malloc(V * sizeof *ae->order)) ||
                       !(ae->rank = malloc(V * sizeof *ae->rank))))
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    memset(ae->rank, 0xff, V * sizeof *ae->rank);
    for (size_t r = 0; r < V; r++) {
        uint32_t id = 0;
        for (int k = 2; k >= 0; k--) {
            float x = o[3 * r + (size_t)k];
            if (!(x >= 0 && x <= 255 && x == (float)(int)x))
                return cr_diag_set(d, CR_E_FORMAT, "asm_order: rank %zu holds %g, not a byte",
                                   r, (double)x);
            id = id << 8 | (uint32_t)x;
        }
        if (id >= V || ae->rank[id] != UINT32_MAX)
            return cr_diag_set(d, CR_E_FORMAT, "asm_order is not an order of the vocabulary: "
                               "token %u at rank %zu", id, r);
        ae->order[r] = id;
        ae->rank[id] = (uint32_t)r;
    }
    return CR_OK;
}

/* Allocates the struct and layer tables; the slab is the caller's business. */
int cr_ae_alloc(cr_ae **out, const cr_ae_config *c, cr_diag *d)
{
    cr_ae *ae = calloc(1, sizeof *ae);
    int rc;
    *out = NULL;
    if ((rc = cr_ae_config_check(c, d)) < 0) {
        free(ae);
        return rc;
    }
    if (!ae || !(ae->meta = cr_meta_new()) ||
        !(ae->p.enc = calloc((size_t)c->Le, sizeof *ae->p.enc)) ||
        !(ae->p.dec = calloc((size_t)c->Ld, sizeof *ae->p.dec))) {
        cr_ae_free(ae);
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    }
    ae->cfg = *c;
    *out = ae;
    return CR_OK;
}

int cr_ae_new_random(cr_ae **out, const cr_ae_config *c, uint64_t seed, cr_diag *d)
{
    cr_ae *ae;
    size_t np = cr_ae_nparams(c);
    int rc;

    *out = NULL;
    if ((rc = cr_ae_alloc(&ae, c, d)) < 0)
        return rc;
    if (!(ae->slab = malloc(np * sizeof(float))) ||
        cr_ae_params_carve(c, ae->slab, &ae->p) < 0) {
        cr_ae_free(ae);
        return cr_diag_set(d, CR_E_NOMEM, "out of memory for %zu parameters", np);
    }
    ae->slab_owned = 1;
    int n = cr_ae_ntensors(c);
    struct cr_tdesc *t = malloc((size_t)n * sizeof *t);
    if (!t) {
        cr_ae_free(ae);
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    }
    cr_ae_tensors(c, t);
    float *q = ae->slab;
    double resid = 0.02 / sqrt(2.0 * (c->Le + c->Ld));
    for (int i = 0; i < n; i++) {
        size_t k = (size_t)t[i].rows * t[i].cols;
        const char *nm = strrchr(t[i].name, '.');
        nm = nm ? nm + 1 : t[i].name;
        int is_ln_w = strstr(nm, "ln") && nm[strlen(nm) - 1] == 'w';
        int is_bias = nm[strlen(nm) - 1] == 'b' && nm[strlen(nm) - 2] == '_';
        double sd = strcmp(nm, "proj_w") == 0 || strcmp(nm, "fc2_w") == 0 ? resid : 0.02;
        if (strcmp(nm, "asm_order") == 0) /* the ids in order, until data gives counts */
            ;
        else if (strcmp(nm, "dec_bind") == 0) /* the same signs as enc_bind, just before */
            memcpy(q, q - k, k * sizeof(float));
        else if (strcmp(nm, "enc_bind") == 0)
            for (size_t j = 0; j < k; j++)
                q[j] = cr_rng_normal(&seed) < 0 ? -1.0f : 1.0f;
        else
            for (size_t j = 0; j < k; j++)
                q[j] = is_ln_w ? 1.0f : is_bias ? 0.0f : (float)(sd * cr_rng_normal(&seed));
        q += k;
    }
    free(t);
    if (c->asm_n && (rc = cr_asm_order_set(ae, NULL, d)) < 0) {
        cr_ae_free(ae);
        return rc;
    }
    cr_ae_rehash(ae);
    *out = ae;
    return CR_OK;
}

void cr_ae_free(cr_ae *ae)
{
    if (!ae)
        return;
    if (ae->slab_owned)
        free(ae->slab);
    if (ae->map)
        munmap(ae->map, ae->map_len);
    cr_meta_free(ae->meta);
    for (int l = 0; l < ae->cfg.Le + ae->cfg.Ld && ae->p.enc && ae->p.dec; l++) {
        cr_ae_layer *y = l < ae->cfg.Le ? &ae->p.enc[l] : &ae->p.dec[l - ae->cfg.Le];
        cr_mm16_free(y->qkv16), cr_mm16_free(y->proj16);
        cr_mm16_free(y->fc16), cr_mm16_free(y->fc2_16);
    }
    cr_mm16_free(ae->head16);
    free(ae->p.enc);
    free(ae->p.dec);
    free(ae->order);
    free(ae->rank);
    free(ae);
}
