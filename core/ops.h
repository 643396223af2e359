/* Kernels of the transformer autoencoder over plain float arrays.
 * Shapes in comments; T rows (positions), C channels, OC output channels, F FFN width,
 * NH heads, V vocabulary. Kernels never allocate: scratch comes from the caller. */
#ifndef CR_OPS_H
#define CR_OPS_H

#include <stddef.h>
#include <stdint.h>

/* out (T,C) = layernorm(inp (T,C)) * w + b, eps 1e-5; mean, rstd (T) kept for backward
 * (either may be NULL). */
void cr_op_layernorm_fwd(float *out, float *mean, float *rstd, const float *inp,
                         const float *w, const float *b, int T, int C);
/* out (T,OC) = inp (T,C) * w (OC,C)^T + bias (OC, may be NULL). */
void cr_op_matmul_fwd(float *out, const float *inp, const float *w, const float *bias, int T,
                      int C, int OC);
/* Bidirectional multi-head attention. qkv (T,3C) holds q, k, v; out (T,C).
 * Queries see keys [0, Tk) only (Tk <= T: a decoder layer that may look at z alone).
 * att (NH,T,T) receives the softmax weights (row stride T). */
void cr_op_attention_fwd(float *out, float *att, const float *qkv, int T, int Tk, int C,
                         int NH);
/* The same for the queries of rows [q0, T) only: out (T - q0, C) and att (NH, T - q0, T)
 * hold their rows (the last encoder layer, whose token rows nothing reads). */
void cr_op_attention_rows_fwd(float *out, float *att, const float *qkv, int T, int Tk, int q0,
                              int C, int NH);
/* out = GELU(inp), tanh form as in GPT-2; n elements. */
void cr_op_gelu_fwd(float *out, const float *inp, size_t n);
/* out += inp; n elements. */
void cr_op_add(float *out, const float *inp, size_t n);

/* For each row t of h (T,C): logits = h_t * w (V,C)^T, then argmax, the
 * log-probability of target[t] (natural log) and the full softmax when probs is not NULL.
 * logits (chunk,V) is scratch for `chunk` rows at a time. */
void cr_op_head_fwd(const float *h, const float *w, const uint32_t *target, int T, int C,
                    int V, float *logits, int chunk, uint32_t *argmax, float *logp);
/* Its second half, for n rows of logits (n,V) made elsewhere: argmax[r] and, when target
 * is not NULL, logp[r]; either output may be NULL. */
void cr_op_head_pick(const float *logits, int n, int V, const uint32_t *target,
                     uint32_t *argmax, float *logp);

/* log sum exp(x) over a row of n values; *best (if not NULL) gets the first maximum. */
float cr_op_logsumexp(const float *x, int n, int *best);
/* The first maximum of a row of n values (NaNs never win; 0 when x[0] is NaN), as the loop
 * `b = x[k] > x[b] ? k : b` finds it, but vectorised. */
int cr_op_argmax(const float *x, int n);
/* Each of the rows of a (row stride ld) becomes the softmax of scale times its first n
 * values. */
void cr_op_softmax_rows(float *a, int rows, size_t ld, int n, float scale);
/* The gradient through those softmax rows: each row of ds (the gradient of the weights p,
 * row stride ld) becomes p * (ds - rowsum(ds * p)) * scale, the gradient of the scores. */
void cr_op_softmax_rows_bwd(float *ds, const float *p, int rows, size_t ld, int n, float scale);
/* x (n) becomes scale * exp(x - lse): the softmax when lse is the row's log sum exp. */
void cr_op_softmax_lse(float *x, int n, float lse, float scale);

/* Plain loop references for the tests. */
void cr_op_matmul_ref(float *out, const float *inp, const float *w, const float *bias, int T,
                      int C, int OC);
void cr_op_attention_ref(float *out, float *att, const float *qkv, int T, int Tk, int C,
                         int NH);

#endif

/* Backward twins: each adds into its gradient buffers (zeroing is the caller's job). */

/* dinp (T,C) += dout (T,C)-normalised backward; dw, db (C) += ... ; inp, mean, rstd as in
 * the forward pass. */
void cr_op_layernorm_bwd(float *dinp, float *dw, float *db, const float *dout,
                         const float *inp, const float *w, const float *mean,
                         const float *rstd, int T, int C);
/* dinp (T,C) += dout (T,OC) w (OC,C); dw (OC,C) += dout^T inp; dbias (OC) += column sums.
 * dinp or dbias may be NULL. */
void cr_op_matmul_bwd(float *dinp, float *dw, float *dbias, const float *dout,
                      const float *inp, const float *w, int T, int C, int OC);
/* dbias (OC) += the column sums of dout (T,OC). */
void cr_op_bias_bwd(float *dbias, const float *dout, int T, int OC);
/* dqkv (T,3C) += backward of attention given dout (T,C), the saved att (NH,T,T) and qkv.
 * scratch holds T*T floats. */
void cr_op_attention_bwd(float *dqkv, float *scratch, const float *dout, const float *att,
                         const float *qkv, int T, int Tk, int C, int NH);
/* The same for the queries of rows [q0, T) only (cr_op_attention_rows_fwd): dout and att
 * hold their rows; the gradient of every row's keys and values is accumulated. */
void cr_op_attention_rows_bwd(float *dqkv, float *scratch, const float *dout, const float *att,
                              const float *qkv, int T, int Tk, int q0, int C, int NH);
/* dinp += dout * GELU'(inp). */
void cr_op_gelu_bwd(float *dinp, const float *inp, const float *dout, size_t n);

/* The n rows of logits (n,V) become scale * dL/dlogits of the cross-entropy of their
 * targets; returns the sum of -log p(target) (natural log) and counts argmax hits into
 * *hits when not NULL (cr_op_head_bwd's middle, for a head multiplied elsewhere). */
double cr_op_head_grad(float *logits, const uint32_t *target, int n, int V, float scale,
                       long *hits);
/* Loss and gradient of the output head for rows h (T,C) with targets:
 * returns the sum over rows of -log p(target) (natural log); dh (T,C) += scale * dL/dh,
 * dw (V,C) += scale * dL/dw. Also counts argmax hits into *hits when not NULL.
 * logits holds chunk*V floats. */
double cr_op_head_bwd(float *dh, float *dw, const float *h, const float *w,
                      const uint32_t *target, int T, int C, int V, float scale, float *logits,
                      int chunk, long *hits);
