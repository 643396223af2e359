/* The trainer's insides, shared by core/train.c (forward, backward, AdamW) and
 * core/trainrun.c (the steps and validations of a run, which use its batch buffers).
 * Nothing else includes this file: the rest of cr sees cr_train through train.h. */
#ifndef CR_TRAIN_IMPL_H
#define CR_TRAIN_IMPL_H

#include "asm.h"
#include "train.h"

struct lacts {
    float *x_in, *ln1, *mean1, *rstd1, *qkv, *att, *atty, *x_mid, *ln2, *mean2, *rstd2, *fch,
        *fchg;
};

struct cr_train {
    cr_ae *ae;
    const cr_ae_config *c;
    int B, T, n; /* blocks, rows (n + M) and tokens per block of the current batch */
    size_t np, bytes;
    float *grad, *m, *v;
    cr_ae_params g;
    struct lacts *enc, *dec;
    float *enc_out, *dec_out;   /* (BT,C) */
    float *z, *zmean, *zrstd;   /* (B,M,C), (B*M) */
    float *pool, *prms;         /* bind: the bound pools (B,M,C) and their RMS (B*M) */
    float *emb, *demb;          /* the blocks' token embeddings (B*L,C), their gradient */
    float *h, *hmean, *hrstd;   /* (B*L,C), (B*L) */
    float *dx, *dh, *dz;        /* (BT,C), (B*L,C), (B*M,C) */
    float *d_ln, *d_atty, *d_qkv, *d_f, *d_f2, *scratch, *logits, *bow;
    cr_asm_work *asmw;          /* the adaptive head's scratch (asm_n > 0; then no logits) */
    /* bf16 products (cr_train_use_bf16; NULL: fp32): for each layer, the encoder's then
     * the decoder's, its four matrices (qkv, proj, fc, fc2) packed as they are and
     * transposed (w16[8 l + k], w16[8 l + 4 + k]), packed again before each forward
     * pass; act16, room for an activation transposed (the weight gradients' products) */
    struct cr_mm16 **w16, *act16;
    void *scratch16;            /* the products' rounded rows (cr_mm16_gemm) */
    struct cr_attn16 *attn16;   /* attention's products in bf16 (with w16) */
    /* a full head's in bf16 (with w16): its weights (V,C) as they are and transposed,
     * a chunk of rows transposed, and room for the rounded rows of its products */
    struct cr_mm16 *head16, *headt16, *hc16;
    void *head_scratch;
    int *decays;                /* per parameter tensor: 1 if weight decay applies, -1 if
                                 * AdamW leaves it alone (asm_order) */
    size_t *tsize;
    int ntensors;
    /* the run (cr_train_step, cr_train_validate) */
    uint32_t *batch;            /* (B, L) the windows of a micro-batch */
    size_t *perm, nperm;        /* the order of the blocks in epoch `epoch` */
    long epoch;
    int *zfrom;                 /* (B) the partners of the latent gain */
    uint32_t *freq;             /* (V) token counts of the validation blocks */
};

#endif
