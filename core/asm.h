/* The adaptive-softmax head (Grave et al., 2017) of a model with asm_n > 0: a softmax over
 * [the K0 most frequent tokens ; one logit per tail cluster], and in each tail cluster a
 * softmax over its tokens from a narrower projection of the hidden state (cr_asm_shape in
 * ae.h). It is exact over the whole vocabulary: for every token t of rank r,
 *   log p(t) = l0[r] - lse(l0)                                  (r < K0)
 *   log p(t) = l0[K0 + i - 1] - lse(l0) + z_i[r - cut[i]] - lse(z_i)   (r in cluster i)
 * with l0 = asm_head h and z_i = asm_out_i (asm_proj_i h), so the probabilities of all V
 * tokens sum to 1 and every token has a finite code length. The argmax is exact too: a tail
 * cluster is computed only when its own probability reaches that of the best shortlist
 * token, since no token inside it can beat that token otherwise. Ties go to the lower rank. */
#ifndef CR_ASM_H
#define CR_ASM_H

#include <stddef.h>
#include <stdint.h>

#include "ae.h"

/* Scratch for the head, for up to chunk rows at a time. */
typedef struct cr_asm_work cr_asm_work;
int cr_asm_work_new(cr_asm_work **out, const cr_ae_config *c, int chunk);
void cr_asm_work_free(cr_asm_work *w);
/* Bytes it holds. */
size_t cr_asm_work_bytes(const cr_asm_work *w);

/* For each row t of h (T,C): argmax[t] (token id) and, when target is not NULL, logp[t] the
 * natural log-probability of target[t] (ids < V). Either output may be NULL. Only the tail
 * clusters that the argmax or a target needs are computed. */
void cr_asm_fwd(const cr_ae *ae, cr_asm_work *w, const float *h, const uint32_t *target,
                int T, uint32_t *argmax, float *logp);

/* Packs the bf16 copy of the head's shortlist and cluster rows into ae->head16 (mm16.h;
 * cr_ae_use_bf16 calls it): 1, or CR_E_NOMEM. */
int cr_asm_use_bf16(cr_ae *ae);

/* Makes cr_asm_bwd multiply by the head's rows in bf16 (mm16.h: the head's logits, their
 * gradient's products with the rows and with the weights), the weights rounded again at
 * each call: 1, 0 where the CPU cannot (fp32 then), or CR_E_NOMEM. For training
 * (cr_train_use_bf16); the tail clusters' small products stay fp32. */
int cr_asm_work_use_bf16(cr_asm_work *w, const cr_ae_config *c);

/* Loss and gradient over rows h (T,C) with targets: returns the sum of -log p(target);
 * dh (T,C) += scale * dL/dh and the asm_* tensors of g += scale * dL/dw. Counts the rows whose
 * argmax is the target into *hits when not NULL. */
double cr_asm_bwd(const cr_ae *ae, cr_asm_work *w, float *dh, cr_ae_params *g, const float *h,
                  const uint32_t *target, int T, float scale, long *hits);

/* Sets the order of ae (which must own its parameters) from token counts (V): most frequent
 * first, ties by id (counts NULL: the ids in order); writes asm_order and decodes it
 * (cr_ae_asm_sync). The caller rehashes. */
int cr_asm_order_set(cr_ae *ae, const uint64_t *counts, cr_diag *d);

/* A copy *out of src (which has the adaptive head) with adaptive input of R rows (asm_in R,
 * from K0 to V, or 1 for K0; cr_ae_config): the token of rank r < R keeps its embedding,
 * a later one is embedded by the head's tail tensors from then on. Every other tensor and
 * the metadata are copied. src may already have adaptive input of at least R rows. So a
 * model trained without adaptive input sheds the rows of tokens it never saw (the last
 * ranks) and their weight in the file. */
int cr_asm_input(const cr_ae *src, int R, cr_ae **out, cr_diag *d);

#endif
