/* The trainer: forward with saved activations, backward and AdamW, in the manner of llm.c.
 * The run around it (options, schedules, data, steps, validation) is core/trainrun.c.
 * Rows: a batch holds B blocks of T = L + M rows each. The encoder's rows of a block
 * are its L tokens then its M latent slots; the decoder's are the M latents then the L
 * positions. */
#include "train.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attn16.h"
#include "mm16.h"
#include "ops.h"
#include "train_impl.h"

#define HEAD_CHUNK 128

static float *alloc(cr_train *t, size_t n)
{
    float *p = calloc(n ? n : 1, sizeof(float));
    t->bytes += n * sizeof(float);
    return p;
}

float *cr_train_grad(cr_train *t) { return t->grad; }
float *cr_train_m(cr_train *t) { return t->m; }
float *cr_train_v(cr_train *t) { return t->v; }
size_t cr_train_bytes(const cr_train *t) { return t->bytes; }

static int alloc_acts(cr_train *t, struct lacts *a)
{
    size_t BT = (size_t)t->B * t->T, C = (size_t)t->c->C, F = (size_t)t->c->F;
    a->x_in = alloc(t, BT * C);
    a->ln1 = alloc(t, BT * C);
    a->mean1 = alloc(t, BT);
    a->rstd1 = alloc(t, BT);
    a->qkv = alloc(t, BT * 3 * C);
    a->att = alloc(t, (size_t)t->B * t->c->NH * t->T * t->T);
    a->atty = alloc(t, BT * C);
    a->x_mid = alloc(t, BT * C);
    a->ln2 = alloc(t, BT * C);
    a->mean2 = alloc(t, BT);
    a->rstd2 = alloc(t, BT);
    a->fch = alloc(t, BT * F);
    a->fchg = alloc(t, BT * F);
    return a->x_in && a->ln1 && a->mean1 && a->rstd1 && a->qkv && a->att && a->atty &&
                   a->x_mid && a->ln2 && a->mean2 && a->rstd2 && a->fch && a->fchg
               ? CR_OK
               : CR_E_NOMEM;
}

static void free_acts(struct lacts *a)
{
    free(a->x_in); free(a->ln1); free(a->mean1); free(a->rstd1); free(a->qkv); free(a->att);
    free(a->atty); free(a->x_mid); free(a->ln2); free(a->mean2); free(a->rstd2);
    free(a->fch); free(a->fchg);
}

/* The bf16 copies and workspaces (cr_train_use_bf16), back to none. */
static void free_bf16(cr_train *t)
{
    for (int i = 0; t->w16 && i < 8 * (t->c->Le + t->c->Ld); i++)
        cr_mm16_free(t->w16[i]);
    free(t->w16);
    cr_mm16_free(t->act16);
    free(t->scratch16);
    cr_attn16_free(t->attn16);
    cr_mm16_free(t->head16);
    cr_mm16_free(t->headt16);
    cr_mm16_free(t->hc16);
    free(t->head_scratch);
    t->w16 = NULL, t->act16 = NULL, t->scratch16 = NULL, t->attn16 = NULL;
    t->head16 = t->headt16 = t->hc16 = NULL, t->head_scratch = NULL;
}

void cr_train_free(cr_train *t)
{
    if (!t)
        return;
    for (int l = 0; t->enc && l < t->c->Le; l++)
        free_acts(&t->enc[l]);
    for (int l = 0; t->dec && l < t->c->Ld; l++)
        free_acts(&t->dec[l]);
    free(t->enc); free(t->dec);
    free(t->grad); free(t->m); free(t->v); free(t->g.enc); free(t->g.dec);
    free(t->enc_out); free(t->dec_out); free(t->z); free(t->zmean); free(t->zrstd);
    free(t->pool); free(t->emb); free(t->demb); free(t->prms); free(t->h); free(t->hmean); free(t->hrstd);
    free(t->dx); free(t->dh); free(t->dz);
    free(t->d_ln); free(t->d_atty); free(t->d_qkv); free(t->d_f); free(t->d_f2);
    free(t->scratch); free(t->logits); free(t->bow); free(t->decays); free(t->tsize);
    cr_asm_work_free(t->asmw);
    free_bf16(t);
    free(t->batch); free(t->perm); free(t->zfrom); free(t->freq);
    free(t);
}

int cr_train_new(cr_train **out, cr_ae *ae, int B, cr_diag *d)
{
    cr_train *t = calloc(1, sizeof *t);
    const cr_ae_config *c = &ae->cfg;
    *out = NULL;
    if (!t)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    t->ae = ae;
    t->c = c;
    t->B = B;
    t->T = c->L + cr_ae_slots(c);
    t->n = c->L;
    t->np = cr_ae_nparams(c);
    size_t BT = (size_t)B * t->T, C = (size_t)c->C, BL = (size_t)B * c->L;
    size_t BM = (size_t)B * cr_ae_slots(c);
    if (!ae->slab_owned) {
        /* parameters mapped read-only from a file: take a private copy */
        float *s = malloc(t->np * sizeof(float));
        if (!s) {
            free(t);
            return cr_diag_set(d, CR_E_NOMEM, "out of memory");
        }
        memcpy(s, ae->slab, t->np * sizeof(float));
        ae->slab = s;
        ae->slab_owned = 1;
        cr_ae_params_carve(c, ae->slab, &ae->p);
    }
    t->grad = alloc(t, t->np);
    t->m = alloc(t, t->np);
    t->v = alloc(t, t->np);
    t->g.enc = calloc((size_t)c->Le, sizeof *t->g.enc);
    t->g.dec = calloc((size_t)c->Ld, sizeof *t->g.dec);
    t->enc = calloc((size_t)c->Le, sizeof *t->enc);
    t->dec = calloc((size_t)c->Ld, sizeof *t->dec);
    int ok = t->grad && t->m && t->v && t->g.enc && t->g.dec && t->enc && t->dec &&
             cr_ae_params_carve(c, t->grad, &t->g) == CR_OK;
    for (int l = 0; ok && l < c->Le; l++)
        ok = alloc_acts(t, &t->enc[l]) == CR_OK;
    for (int l = 0; ok && l < c->Ld; l++)
        ok = alloc_acts(t, &t->dec[l]) == CR_OK;
    t->enc_out = alloc(t, BT * C);
    t->dec_out = alloc(t, BT * C);
    t->z = alloc(t, BM * C);
    t->zmean = alloc(t, BM);
    t->zrstd = alloc(t, BM);
    t->pool = alloc(t, BM * C);
    t->prms = alloc(t, BM);
    t->emb = alloc(t, BL * C);
    t->demb = alloc(t, BL * C);
    t->h = alloc(t, BL * C);
    t->hmean = alloc(t, BL);
    t->hrstd = alloc(t, BL);
    t->dx = alloc(t, BT * C);
    t->dh = alloc(t, BL * C);
    t->dz = alloc(t, BM * C);
    t->d_ln = alloc(t, BT * C);
    t->d_atty = alloc(t, BT * C);
    t->d_qkv = alloc(t, BT * 3 * C);
    t->d_f = alloc(t, BT * (size_t)c->F);
    t->d_f2 = alloc(t, BT * (size_t)c->F);
    t->scratch = alloc(t, (size_t)t->T * t->T);
    if (c->asm_n) {
        if (cr_asm_work_new(&t->asmw, c, HEAD_CHUNK) == CR_OK)
            t->bytes += cr_asm_work_bytes(t->asmw);
        t->logits = alloc(t, 1);
    } else
        t->logits = alloc(t, (size_t)HEAD_CHUNK * c->V);
    t->bow = alloc(t, (size_t)c->V + 2 * C);
    t->ntensors = cr_ae_ntensors(c);
    t->decays = calloc((size_t)t->ntensors, sizeof *t->decays);
    t->tsize = calloc((size_t)t->ntensors, sizeof *t->tsize);
    t->batch = malloc(BL * sizeof *t->batch);
    t->zfrom = malloc((size_t)B * sizeof *t->zfrom);
    t->freq = malloc((size_t)c->V * sizeof *t->freq);
    t->bytes += BL * sizeof *t->batch + (size_t)B * sizeof *t->zfrom +
                (size_t)c->V * sizeof *t->freq;
    t->epoch = -1;
    ok = ok && t->enc_out && t->dec_out && t->z && t->zmean && t->zrstd && t->pool &&
         t->emb && t->demb &&
         t->prms && t->h && t->hmean && t->hrstd && t->dx && t->dh && t->dz && t->d_ln &&
         t->d_atty && t->d_qkv && t->d_f && t->d_f2 && t->scratch && t->logits && t->bow &&
         (t->asmw || !c->asm_n) &&
         t->decays && t->tsize && t->batch && t->zfrom && t->freq;
    if (ok) {
        struct cr_tdesc *td = malloc((size_t)t->ntensors * sizeof *td);
        if (!td)
            ok = 0;
        else {
            cr_ae_tensors(c, td);
            for (int i = 0; i < t->ntensors; i++) {
                t->tsize[i] = (size_t)td[i].rows * td[i].cols;
                /* matrices decay; vectors, embeddings of positions and slots do not */
                t->decays[i] = td[i].cols > 1 && td[i].rows > 1 &&
                               strstr(td[i].name, "pos") == NULL &&
                               strstr(td[i].name, "lat") == NULL &&
                               strstr(td[i].name, "bind") == NULL;
                if (strcmp(td[i].name, "asm_order") == 0)
                    t->decays[i] = -1;
            }
            free(td);
        }
    }
    if (!ok) {
        cr_train_free(t);
        return cr_diag_set(d, CR_E_NOMEM, "out of memory for training with batches of %d", B);
    }
    *out = t;
    return CR_OK;
}

/* Layer l's four matrices (the encoder's layers, then the decoder's), and their shapes
 * (OC, C): out = inp w^T, w (OC, C). */
static float *layer_matrix(cr_train *t, int l, int k, int *OC, int *C)
{
    const cr_ae_config *c = t->c;
    cr_ae_layer *y = l < c->Le ? &t->ae->p.enc[l] : &t->ae->p.dec[l - c->Le];
    int oc[4] = {3 * c->C, c->C, c->F, c->C}, ic[4] = {c->C, c->C, c->C, c->F};
    float *w[4] = {y->qkv_w, y->proj_w, y->fc_w, y->fc2_w};
    *OC = oc[k], *C = ic[k];
    return w[k];
}

int cr_train_use_bf16(cr_train *t)
{
    const cr_ae_config *c = t->c;
    int nl = c->Le + c->Ld, OC, C, wide = c->F > c->C ? c->F : c->C;
    size_t asm_bytes = t->asmw ? cr_asm_work_bytes(t->asmw) : 0;
    if (t->w16)
        return 1;
    if (!cr_mm16_available())
        return 0;
    if (!(t->w16 = calloc((size_t)8 * nl, sizeof *t->w16)))
        return CR_E_NOMEM;
    for (int l = 0; l < nl; l++)
        for (int k = 0; k < 4; k++) {
            layer_matrix(t, l, k, &OC, &C);
            if (!(t->w16[8 * l + k] = cr_mm16_new(OC, C)) ||
                !(t->w16[8 * l + 4 + k] = cr_mm16_new(C, OC)))
                goto nomem;
        }
    /* an activation of the rows of a batch, transposed: (width, B T); the rows of a
     * product: B T rows of at most that width, or that many rows of B T */
    int BT = t->B * (c->L + cr_ae_slots(c));
    wide = 3 * c->C > wide ? 3 * c->C : wide;
    size_t s1 = cr_mm16_scratch_bytes(BT, wide), s2 = cr_mm16_scratch_bytes(wide, BT);
    if (!(t->act16 = cr_mm16_new(wide, BT)) || !(t->scratch16 = malloc(s1 > s2 ? s1 : s2)) ||
        !(t->attn16 = cr_attn16_new(c->L + cr_ae_slots(c), c->C, c->NH)) ||
        (t->asmw && cr_asm_work_use_bf16(t->asmw, c) < 0))
        goto nomem;
    if (!c->asm_n) { /* the full head */
        size_t h1 = cr_mm16_scratch_bytes(HEAD_CHUNK, c->V > c->C ? c->V : c->C);
        size_t h2 = cr_mm16_scratch_bytes(c->V, HEAD_CHUNK);
        if (!(t->head16 = cr_mm16_new(c->V, c->C)) || !(t->headt16 = cr_mm16_new(c->C, c->V)) ||
            !(t->hc16 = cr_mm16_new(c->C, HEAD_CHUNK)) ||
            !(t->head_scratch = malloc(h1 > h2 ? h1 : h2)))
            goto nomem;
        t->bytes += (h1 > h2 ? h1 : h2) + cr_mm16_bytes(t->head16) + cr_mm16_bytes(t->headt16) +
                    cr_mm16_bytes(t->hc16);
    }
    /* what the copies hold, counted with the rest of the trainer (cr_train_bytes) */
    t->bytes += (s1 > s2 ? s1 : s2) + cr_mm16_bytes(t->act16) + cr_attn16_bytes(t->attn16);
    for (int i = 0; i < 8 * nl; i++)
        t->bytes += cr_mm16_bytes(t->w16[i]);
    if (t->asmw)
        t->bytes += cr_asm_work_bytes(t->asmw) - asm_bytes;
    return 1;
nomem:
    free_bf16(t);
    return CR_E_NOMEM;
}

/* The bf16 copies of the weights as they are now (before each forward pass: the
 * optimizer, or a checkpoint read, changes them in place). */
static void pack_weights(cr_train *t)
{
    int OC, C;
    for (int l = 0; t->w16 && l < t->c->Le + t->c->Ld; l++)
        for (int k = 0; k < 4; k++) {
            const float *w = layer_matrix(t, l, k, &OC, &C);
            cr_mm16_load(t->w16[8 * l + k], w, OC, C, (size_t)C, 1);
            cr_mm16_load(t->w16[8 * l + 4 + k], w, C, OC, 1, (size_t)C);
        }
}

/* The packed copies of layer l of a stack (a layer of t->enc or t->dec) */
static cr_mm16 *const *layer16(cr_train *t, const struct lacts *a, int l)
{
    if (!t->w16)
        return NULL;
    return t->w16 + 8 * (size_t)(a == t->enc ? l : t->c->Le + l);
}

/* out (T,OC) = inp (T,C) w^T + bias, in bf16 through w16 when there is one */
static void mm_fwd(cr_train *t, float *out, const float *inp, const float *w,
                   cr_mm16 *const *w16, int k, const float *bias, int T, int C, int OC)
{
    if (w16)
        cr_mm16_gemm(out, (size_t)OC, inp, (size_t)C, 1, T, w16[k], bias, 0, t->scratch16);
    else
        cr_op_matmul_fwd(out, inp, w, bias, T, C, OC);
}

/* cr_op_matmul_bwd, in bf16 through w16 (w transposed, for dinp) and act16 (inp
 * transposed, for dw) when there are */
static void mm_bwd(cr_train *t, float *dinp, float *dw, float *dbias, const float *dout,
                   const float *inp, const float *w, cr_mm16 *const *w16, int k, int T, int C,
                   int OC)
{
    if (!w16) {
        cr_op_matmul_bwd(dinp, dw, dbias, dout, inp, w, T, C, OC);
        return;
    }
    cr_mm16_linear_bwd(dinp, dw, dout, inp, T, C, OC, w16[4 + k], t->act16, t->scratch16);
    if (dbias)
        cr_op_bias_bwd(dbias, dout, T, OC);
}

/* cr_op_head_bwd with the products in bf16: logits = h W^T, dh += dlogits W,
 * dW += dlogits^T h, a chunk of rows at a time; W packed both ways once per call */
static double head_bwd16(cr_train *t, float *dh, float *dw, const float *h, const float *w,
                         const uint32_t *target, int T, float scale, long *hits)
{
    int C = t->c->C, V = t->c->V;
    double loss = 0;
    cr_mm16_load(t->head16, w, V, C, (size_t)C, 1);
    cr_mm16_load(t->headt16, w, C, V, 1, (size_t)C);
    for (int t0 = 0; t0 < T; t0 += HEAD_CHUNK) {
        int n = T - t0 < HEAD_CHUNK ? T - t0 : HEAD_CHUNK;
        const float *hc = h + (size_t)t0 * C;
        cr_mm16_gemm(t->logits, (size_t)V, hc, (size_t)C, 1, n, t->head16, NULL, 0,
                     t->head_scratch);
        loss += cr_op_head_grad(t->logits, target + t0, n, V, scale, hits);
        cr_mm16_linear_bwd(dh + (size_t)t0 * C, dw, t->logits, hc, n, C, V, t->headt16, t->hc16,
                           t->head_scratch);
    }
    return loss;
}

void cr_train_zero_grad(cr_train *t)
{
    memset(t->grad, 0, t->np * sizeof(float));
}

/* Rows [q0, T) of each block through the MLP half of layer w (after attention wrote
 * y->atty): x_mid = x_in + proj(atty); out = x_mid + fc2(gelu(fc(ln2(x_mid)))). */
static void mlp_fwd(cr_train *t, const cr_ae_layer *w, cr_mm16 *const *w16, struct lacts *y,
                    float *out, int q0)
{
    const cr_ae_config *c = t->c;
    int T = t->T, C = c->C, F = c->F;
    /* all rows in one product each, or the rows of each block (few: the latents) */
    int groups = q0 ? t->B : 1, rows = q0 ? T - q0 : t->B * T;
    for (int b = 0; b < groups; b++) {
        size_t r0 = (size_t)b * T + (size_t)q0;
        float *xm = y->x_mid + r0 * C, *ln2 = y->ln2 + r0 * C, *fch = y->fch + r0 * F;
        float *fchg = y->fchg + r0 * F, *o = out + r0 * C;
        mm_fwd(t, xm, y->atty + r0 * C, w->proj_w, w16, 1, w->proj_b, rows, C, C);
        cr_op_add(xm, y->x_in + r0 * C, (size_t)rows * C);
        cr_op_layernorm_fwd(ln2, y->mean2 + r0, y->rstd2 + r0, xm, w->ln2_w, w->ln2_b, rows, C);
        mm_fwd(t, fch, ln2, w->fc_w, w16, 2, w->fc_b, rows, C, F);
        cr_op_gelu_fwd(fchg, fch, (size_t)rows * F);
        mm_fwd(t, o, fchg, w->fc2_w, w16, 3, w->fc2_b, rows, F, C);
        cr_op_add(o, xm, (size_t)rows * C);
    }
}

/* Runs nl layers over the rows in a[0].x_in; the result goes to x_out. The last layer
 * computes rows [q0_last, T) of each block only beyond their keys and values (the
 * encoder's latents: its token rows are read by nothing). */
static void stack_fwd(cr_train *t, const cr_ae_layer *w, struct lacts *a, int nl,
                      float *x_out, int zattn, int q0_last)
{
    const cr_ae_config *c = t->c;
    int T = t->T, BT = t->B * T, C = c->C, NH = c->NH;
    for (int l = 0; l < nl; l++) {
        struct lacts *y = &a[l];
        float *out = l + 1 < nl ? a[l + 1].x_in : x_out;
        int Tk = l < zattn ? cr_ae_slots(c) : T, q0 = l + 1 == nl ? q0_last : 0;
        cr_op_layernorm_fwd(y->ln1, y->mean1, y->rstd1, y->x_in, w[l].ln1_w, w[l].ln1_b, BT, C);
        cr_mm16 *const *w16 = layer16(t, a, l);
        mm_fwd(t, y->qkv, y->ln1, w[l].qkv_w, w16, 0, w[l].qkv_b, BT, C, 3 * C);
        for (int b = 0; b < t->B; b++) {
            float *o = y->atty + ((size_t)b * T + q0) * C, *att = y->att + (size_t)b * NH * T * T;
            const float *qkv = y->qkv + (size_t)b * T * 3 * C;
            if (t->attn16)
                cr_attn16_fwd(t->attn16, o, att, qkv, T, Tk, q0, C, NH);
            else
                cr_op_attention_rows_fwd(o, att, qkv, T, Tk, q0, C, NH);
        }
        mlp_fwd(t, &w[l], w16, y, out, q0);
    }
}

/* dx holds the gradient of the stack's output (rows [q0_last, T) of each block only, the
 * others zero, when the last layer computed those rows only); leaves that of its input. */
static void stack_bwd(cr_train *t, const cr_ae_layer *w, cr_ae_layer *g, struct lacts *a,
                      int nl, float *dx, int zattn, int q0_last)
{
    const cr_ae_config *c = t->c;
    int T = t->T, BT = t->B * T, C = c->C, F = c->F, NH = c->NH;
    size_t nC = (size_t)BT * C, nF = (size_t)BT * F;
    for (int l = nl - 1; l >= 0; l--) {
        struct lacts *y = &a[l];
        int Tk = l < zattn ? cr_ae_slots(c) : T, q0 = l + 1 == nl ? q0_last : 0;
        int groups = q0 ? t->B : 1, rows = q0 ? T - q0 : BT;
        cr_mm16 *const *w16 = layer16(t, a, l);
        memset(t->d_f, 0, nF * sizeof(float));
        memset(t->d_f2, 0, nF * sizeof(float));
        memset(t->d_ln, 0, nC * sizeof(float));
        memset(t->d_atty, 0, nC * sizeof(float));
        for (int b = 0; b < groups; b++) {
            size_t r0 = (size_t)b * T + (size_t)q0, oC = r0 * C, oF = r0 * F;
            mm_bwd(t, t->d_f + oF, g[l].fc2_w, g[l].fc2_b, dx + oC, y->fchg + oF, w[l].fc2_w,
                   w16, 3, rows, F, C);
            cr_op_gelu_bwd(t->d_f2 + oF, y->fch + oF, t->d_f + oF, (size_t)rows * F);
            mm_bwd(t, t->d_ln + oC, g[l].fc_w, g[l].fc_b, t->d_f2 + oF, y->ln2 + oC, w[l].fc_w,
                   w16, 2, rows, C, F);
            cr_op_layernorm_bwd(dx + oC, g[l].ln2_w, g[l].ln2_b, t->d_ln + oC, y->x_mid + oC,
                                w[l].ln2_w, y->mean2 + r0, y->rstd2 + r0, rows, C);
            mm_bwd(t, t->d_atty + oC, g[l].proj_w, g[l].proj_b, dx + oC, y->atty + oC,
                   w[l].proj_w, w16, 1, rows, C, C);
        }
        memset(t->d_qkv, 0, 3 * nC * sizeof(float));
        for (int b = 0; b < t->B; b++) {
            float *dqkv = t->d_qkv + (size_t)b * T * 3 * C;
            const float *dy = t->d_atty + ((size_t)b * T + q0) * C;
            const float *att = y->att + (size_t)b * NH * T * T;
            const float *qkv = y->qkv + (size_t)b * T * 3 * C;
            if (t->attn16)
                cr_attn16_bwd(t->attn16, dqkv, t->scratch, dy, att, qkv, T, Tk, q0, C, NH);
            else
                cr_op_attention_rows_bwd(dqkv, t->scratch, dy, att, qkv, T, Tk, q0, C, NH);
        }
        memset(t->d_ln, 0, nC * sizeof(float));
        mm_bwd(t, t->d_ln, g[l].qkv_w, g[l].qkv_b, t->d_qkv, y->ln1, w[l].qkv_w, w16, 0, BT, C,
               3 * C);
        cr_op_layernorm_bwd(dx, g[l].ln1_w, g[l].ln1_b, t->d_ln, y->x_in, w[l].ln1_w, y->mean1,
                            y->rstd1, BT, C);
    }
}

/* The gradient de (n,C) of the embeddings of the n tokens ids (cr_ae_embed) into g: rows
 * of tok_emb, or with adaptive input (asm_in R) the rows of the first R ranks and, for a later
 * (tail) token, its asm.I.out row and asm.I.proj. */
static void embed_bwd(const cr_ae *ae, cr_ae_params *g, const uint32_t *ids, int n,
                      const float *de)
{
    const cr_ae_config *c = &ae->cfg;
    size_t C = (size_t)c->C;
    cr_asm_shape s;
    uint32_t R = (uint32_t)cr_ae_emb_rows(c);

    if (c->asm_in)
        cr_asm_shape_of(c, &s);
    for (int i = 0; i < n; i++) {
        const float *e = de + (size_t)i * C;
        uint32_t r = c->asm_in ? ae->rank[ids[i]] : ids[i];
        if (r < R) {
            cr_op_add(g->tok_emb + (size_t)r * C, e, C);
            continue;
        }
        int k = cr_asm_cluster(&s, r);
        /* emb = o proj: do += proj e, dproj += o^T e */
        size_t dim = (size_t)s.dim[k], row = (r - (uint32_t)s.cut[k]) * dim;
        const float *o = ae->p.asm_out[k - 1] + row, *pr = ae->p.asm_proj[k - 1];
        float *go = g->asm_out[k - 1] + row, *gp = g->asm_proj[k - 1];
        for (size_t j = 0; j < dim; j++) {
            float acc = 0;
            for (size_t q = 0; q < C; q++) {
                acc += pr[j * C + q] * e[q];
                gp[j * C + q] += o[j] * e[q];
            }
            go[j] += acc;
        }
    }
}

/* Row of the bind tensors for token i of segment j. */
static size_t bind_row(size_t i, size_t j, size_t L, size_t M)
{
    return i - (size_t)cr_ae_seg_start((int)j, (int)L, (int)M);
}

/* Encoder input rows, encoder, z. */
static void encode(cr_train *t, const uint32_t *ids)
{
    const cr_ae_config *c = t->c;
    const cr_ae_params *p = &t->ae->p;
    size_t C = (size_t)c->C, T = (size_t)t->T, L = (size_t)t->n, M = (size_t)cr_ae_slots(c);
    pack_weights(t);
    for (int b = 0; b < t->B; b++)
        cr_ae_enc_input(t->ae, ids + b * L, (int)L, t->enc[0].x_in + b * T * C,
                        t->pool + b * M * C, t->prms + b * M, t->emb + b * L * C);
    stack_fwd(t, p->enc, t->enc, c->Le, t->enc_out, 0, (int)L);
    for (int b = 0; b < t->B; b++)
        cr_op_layernorm_fwd(t->z + b * M * C, t->zmean + b * M, t->zrstd + b * M,
                            t->enc_out + (b * T + L) * C, p->enc_lnf_w, p->enc_lnf_b, (int)M,
                            c->C);
}

/* Decoder input rows from z (block b uses the latent of block zfrom[b]), decoder, h. */
static void decode(cr_train *t, const int *zfrom)
{
    const cr_ae_config *c = t->c;
    const cr_ae_params *p = &t->ae->p;
    size_t C = (size_t)c->C, T = (size_t)t->T, L = (size_t)t->n, M = (size_t)cr_ae_slots(c);
    for (int b = 0; b < t->B; b++)
        cr_ae_dec_input(t->ae, t->z + (size_t)(zfrom ? zfrom[b] : b) * M * C, (int)L,
                        t->dec[0].x_in + b * T * C);
    stack_fwd(t, p->dec, t->dec, c->Ld, t->dec_out, c->zattn, 0);
    for (int b = 0; b < t->B; b++)
        cr_op_layernorm_fwd(t->h + b * L * C, t->hmean + b * L, t->hrstd + b * L,
                            t->dec_out + (b * T + M) * C, p->dec_lnf_w, p->dec_lnf_b, (int)L,
                            c->C);
}

void cr_train_eval(cr_train *t, const uint32_t *ids, int B, int n, const int *zfrom,
                     cr_train_stats *st)
{
    const cr_ae_config *c = t->c;
    int saved = t->B, BL;
    t->B = B;
    t->n = n;
    t->T = n + cr_ae_slots(c);
    BL = B * n;
    encode(t, ids);
    decode(t, zfrom);
    for (int r0 = 0; r0 < BL && c->asm_n; r0 += HEAD_CHUNK) {
        int n = BL - r0 < HEAD_CHUNK ? BL - r0 : HEAD_CHUNK;
        uint32_t am[HEAD_CHUNK];
        float lp[HEAD_CHUNK];
        cr_asm_fwd(t->ae, t->asmw, t->h + (size_t)r0 * c->C, ids + r0, n, am, lp);
        for (int i = 0; i < n; i++) {
            st->loss -= lp[i];
            st->hits += am[i] == ids[r0 + i];
        }
    }
    for (int r0 = 0; r0 < BL && !c->asm_n; r0 += HEAD_CHUNK) {
        int n = BL - r0 < HEAD_CHUNK ? BL - r0 : HEAD_CHUNK;
        uint32_t am[HEAD_CHUNK];
        float lp[HEAD_CHUNK];
        cr_op_head_fwd(t->h + (size_t)r0 * c->C, t->ae->p.head, ids + r0, n, c->C, c->V,
                       t->logits, HEAD_CHUNK, am, lp);
        for (int i = 0; i < n; i++) {
            st->loss -= lp[i];
            st->hits += am[i] == ids[r0 + i];
        }
    }
    st->n += BL;
    t->B = saved;
}

/* Bag-of-words head on the mean of z: loss and its gradient into dz and the head. */
static double bow_backward(cr_train *t, const uint32_t *ids, float scale)
{
    const cr_ae_config *c = t->c;
    size_t C = (size_t)c->C, M = (size_t)cr_ae_slots(c), L = (size_t)t->n;
    float *lg = t->bow, *mz = t->bow + c->V;
    double loss = 0;
    for (int b = 0; b < t->B; b++) {
        const float *zb = t->z + b * M * C;
        for (size_t k = 0; k < C; k++) {
            float s = 0;
            for (size_t j = 0; j < M; j++)
                s += zb[j * C + k];
            mz[k] = s / (float)M;
        }
        cr_op_matmul_fwd(lg, mz, t->ae->p.head, NULL, 1, c->C, c->V);
        float mx = lg[0];
        for (int i = 1; i < c->V; i++)
            mx = lg[i] > mx ? lg[i] : mx;
        double sum = 0;
        for (int i = 0; i < c->V; i++) {
            lg[i] = expf(lg[i] - mx);
            sum += lg[i];
        }
        for (int i = 0; i < c->V; i++)
            lg[i] = (float)(lg[i] / sum) * scale;
        /* target: the block's token distribution; the loss reads the probabilities
         * before any of them becomes a gradient */
        for (size_t i = 0; i < L; i++)
            loss -= log(lg[ids[b * L + i]] / scale + 1e-30) / (double)L;
        for (size_t i = 0; i < L; i++)
            lg[ids[b * L + i]] -= scale / (float)L;
        float *dm = t->bow + c->V + C; /* C floats */
        memset(dm, 0, C * sizeof(float));
        cr_op_matmul_bwd(dm, t->g.head, NULL, lg, mz, t->ae->p.head, 1, c->C, c->V);
        for (size_t j = 0; j < M; j++)
            for (size_t k = 0; k < C; k++)
                t->dz[(b * M + j) * C + k] += dm[k] / (float)M;
    }
    return loss;
}

void cr_train_backward(cr_train *t, const uint32_t *ids, int B, int n, float bow,
                         float grad_scale, cr_train_stats *st)
{
    t->n = n;
    t->T = n + cr_ae_slots(t->c);
    const cr_ae_config *c = t->c;
    const cr_ae_params *p = &t->ae->p;
    cr_ae_params *g = &t->g;
    size_t C = (size_t)c->C, T = (size_t)t->T, L = (size_t)t->n, M = (size_t)cr_ae_slots(c);
    int saved = t->B;
    t->B = B;
    size_t BL = (size_t)B * L, BT = (size_t)B * T;

    encode(t, ids);
    decode(t, NULL);
    memset(t->dh, 0, BL * C * sizeof(float));
    if (c->asm_n)
        st->loss += cr_asm_bwd(t->ae, t->asmw, t->dh, g, t->h, ids, (int)BL,
                               grad_scale / (float)BL, &st->hits);
    else if (t->head16)
        st->loss += head_bwd16(t, t->dh, g->head, t->h, p->head, ids, (int)BL,
                               grad_scale / (float)BL, &st->hits);
    else
        st->loss += cr_op_head_bwd(t->dh, g->head, t->h, p->head, ids, (int)BL, c->C, c->V,
                                   grad_scale / (float)BL, t->logits, HEAD_CHUNK, &st->hits);
    st->n += (long)BL;

    /* decoder */
    memset(t->dx, 0, BT * C * sizeof(float));
    for (int b = 0; b < B; b++)
        cr_op_layernorm_bwd(t->dx + (b * T + M) * C, g->dec_lnf_w, g->dec_lnf_b,
                            t->dh + b * L * C, t->dec_out + (b * T + M) * C, p->dec_lnf_w,
                            t->hmean + b * L, t->hrstd + b * L, (int)L, c->C);
    stack_bwd(t, p->dec, g->dec, t->dec, c->Ld, t->dx, c->zattn, 0);
    for (int b = 0; b < B; b++) {
        const float *d = t->dx + b * T * C;
        memcpy(t->dz + b * M * C, d, M * C * sizeof(float));
        cr_op_add(g->dec_zpos, d, M * C);
        cr_op_add(g->dec_pos, d + M * C, L * C);
        if (c->zskip)
            for (size_t i = 0; i < L; i++) {
                size_t j = (size_t)cr_ae_seg_of((int)i, (int)L, (int)M);
                float *dzj = t->dz + (b * M + j) * C;
                const float *di = d + (M + i) * C;
                if (c->bind) {
                    size_t r = bind_row(i, j, L, M) * C;
                    const float *zj = t->z + (b * M + j) * C;
                    for (size_t k = 0; k < C; k++) {
                        dzj[k] += p->dec_bind[r + k] * di[k];
                        g->dec_bind[r + k] += zj[k] * di[k];
                    }
                } else
                    cr_op_add(dzj, di, C);
            }
    }
    if (bow > 0)
        st->bow_loss += bow_backward(t, ids, bow * grad_scale / (float)B);

    /* encoder */
    memset(t->dx, 0, BT * C * sizeof(float));
    for (int b = 0; b < B; b++)
        cr_op_layernorm_bwd(t->dx + (b * T + L) * C, g->enc_lnf_w, g->enc_lnf_b,
                            t->dz + b * M * C, t->enc_out + (b * T + L) * C, p->enc_lnf_w,
                            t->zmean + b * M, t->zrstd + b * M, (int)M, c->C);
    stack_bwd(t, p->enc, g->enc, t->enc, c->Le, t->dx, 0, (int)L);
    for (int b = 0; b < B; b++) {
        const float *d = t->dx + b * T * C, *emb = t->emb + b * L * C;
        float *de = t->demb + b * L * C; /* the gradient of the block's embeddings */
        memcpy(de, d, L * C * sizeof(float));
        cr_op_add(g->enc_pos, d, L * C);
        cr_op_add(g->enc_lat, d + L * C, M * C);
        if (c->bind)
            for (size_t j = 0; j < M; j++) {
                /* out = u / rms(u): du = (dout - out * mean(dout * out)) / rms */
                const float *dj = d + (L + j) * C, *pj = t->pool + (b * M + j) * C;
                float *du = t->bow; /* C floats of scratch */
                double dot = 0;
                for (size_t k = 0; k < C; k++)
                    dot += (double)dj[k] * pj[k];
                float mdot = (float)(dot / (double)C), r = t->prms[b * M + j];
                for (size_t k = 0; k < C; k++)
                    du[k] = (dj[k] - pj[k] * mdot) / r;
                size_t a = (size_t)cr_ae_seg_start((int)j, (int)L, (int)M);
                size_t e = (size_t)cr_ae_seg_start((int)j + 1, (int)L, (int)M);
                for (size_t i = a; i < e; i++) {
                    float *ge = de + i * C, *gb = g->enc_bind + (i - a) * C;
                    const float *te = emb + i * C;
                    const float *bv = p->enc_bind + (i - a) * C;
                    for (size_t k = 0; k < C; k++) {
                        ge[k] += du[k] * bv[k];
                        gb[k] += du[k] * te[k];
                    }
                }
            }
        else if (c->pool)
            for (size_t j = 0; j < M; j++) {
                size_t a = (size_t)cr_ae_seg_start((int)j, (int)L, (int)M);
                size_t e = (size_t)cr_ae_seg_start((int)j + 1, (int)L, (int)M);
                for (size_t i = a; i < e; i++)
                    for (size_t k = 0; k < C; k++)
                        de[i * C + k] += d[(L + j) * C + k] / (float)(e - a);
            }
        embed_bwd(t->ae, g, ids + b * L, (int)L, de);
    }
    t->B = saved;
}

double cr_train_clip(cr_train *t, double max_norm)
{
    double ss = 0;
#pragma omp parallel for reduction(+ : ss)
    for (size_t i = 0; i < t->np; i++)
        ss += (double)t->grad[i] * t->grad[i];
    double norm = sqrt(ss);
    if (max_norm > 0 && norm > max_norm) {
        float s = (float)(max_norm / norm);
#pragma omp parallel for
        for (size_t i = 0; i < t->np; i++)
            t->grad[i] *= s;
    }
    return norm;
}

void cr_train_adamw(cr_train *t, float lr, float wd, float beta1, float beta2, float eps,
                      long step)
{
    float c1 = 1.0f - powf(beta1, (float)step), c2 = 1.0f - powf(beta2, (float)step);
    size_t off = 0;
    float *w = t->ae->slab;
    for (int i = 0; i < t->ntensors; i++) {
        float decay = t->decays[i] > 0 ? wd : 0.0f;
        size_t end = off + t->tsize[i];
        if (t->decays[i] < 0) {
            off = end;
            continue;
        }
#pragma omp parallel for if (end - off > 65536)
        for (size_t k = off; k < end; k++) {
            float gk = t->grad[k];
            t->m[k] = beta1 * t->m[k] + (1 - beta1) * gk;
            t->v[k] = beta2 * t->v[k] + (1 - beta2) * gk * gk;
            float mh = t->m[k] / c1, vh = t->v[k] / c2;
            w[k] -= lr * (mh / (sqrtf(vh) + eps) + decay * w[k]);
        }
        off = end;
    }
}
