/* Attention in bf16 (attn16.h): per head, the operand that is read whole by every row
 * (keys, values, or a gradient's rows) is packed as a product's right side, the other
 * is rounded row by row by the product itself. Names as in ops.c's fp32 attention. */
#include "attn16.h"

#include <math.h>
#include <stdlib.h>

#include "mm16.h"
#include "ops.h"

struct cr_attn16 {
    cr_mm16 *m;    /* one packed operand of up to max(T, hs) x max(T, hs) */
    void *scratch; /* the other's rounded rows */
    size_t bytes;
};

cr_attn16 *cr_attn16_new(int T, int C, int NH)
{
    int hs = C / NH, n = T > hs ? T : hs;
    cr_attn16 *w = calloc(1, sizeof *w);
    if (!w || !(w->m = cr_mm16_new(n, n)) ||
        !(w->scratch = malloc(cr_mm16_scratch_bytes(n, n)))) {
        cr_attn16_free(w);
        return NULL;
    }
    w->bytes = cr_mm16_bytes(w->m) + cr_mm16_scratch_bytes(n, n);
    return w;
}

size_t cr_attn16_bytes(const cr_attn16 *w) { return w->bytes; }

void cr_attn16_free(cr_attn16 *w)
{
    if (!w)
        return;
    cr_mm16_free(w->m);
    free(w->scratch);
    free(w);
}

void cr_attn16_fwd(cr_attn16 *w, float *out, float *att, const float *qkv, int T, int Tk,
                   int q0, int C, int NH)
{
    int hs = C / NH, nq = T - q0;
    size_t C3 = 3 * (size_t)C;
    for (int h = 0; h < NH; h++) {
        float *a = att + (size_t)h * T * T;
        const float *q = qkv + (size_t)q0 * C3 + h * hs, *k = qkv + C + h * hs,
                    *v = qkv + 2 * C + h * hs;
        /* a (nq,Tk) = q (nq,hs) k (Tk,hs)^T, then the softmax of its scaled rows */
        cr_mm16_load(w->m, k, Tk, hs, C3, 1);
        cr_mm16_gemm(a, (size_t)T, q, C3, 1, nq, w->m, NULL, 0, w->scratch);
        cr_op_softmax_rows(a, nq, (size_t)T, Tk, 1.0f / sqrtf((float)hs));
        /* out_h (nq,hs) = a (nq,Tk) v (Tk,hs): v packed transposed, (hs,Tk) */
        cr_mm16_load(w->m, v, hs, Tk, 1, C3);
        cr_mm16_gemm(out + h * hs, (size_t)C, a, (size_t)T, 1, nq, w->m, NULL, 0, w->scratch);
    }
}

void cr_attn16_bwd(cr_attn16 *w, float *dqkv, float *ds, const float *dout, const float *att,
                   const float *qkv, int T, int Tk, int q0, int C, int NH)
{
    int hs = C / NH, nq = T - q0;
    size_t C3 = 3 * (size_t)C;
    float scale = 1.0f / sqrtf((float)hs);
    for (int h = 0; h < NH; h++) {
        const float *a = att + (size_t)h * T * T;
        const float *q = qkv + (size_t)q0 * C3 + h * hs, *k = qkv + C + h * hs,
                    *v = qkv + 2 * C + h * hs;
        float *dq = dqkv + (size_t)q0 * C3 + h * hs, *dk = dqkv + C + h * hs,
              *dv = dqkv + 2 * C + h * hs;
        const float *dy = dout + h * hs;
        /* dP (nq,Tk) = dy (nq,hs) v (Tk,hs)^T */
        cr_mm16_load(w->m, v, Tk, hs, C3, 1);
        cr_mm16_gemm(ds, (size_t)T, dy, (size_t)C, 1, nq, w->m, NULL, 0, w->scratch);
        /* dv (Tk,hs) += P^T (Tk,nq) dy (nq,hs): dy packed transposed, (hs,nq) */
        cr_mm16_load(w->m, dy, hs, nq, 1, (size_t)C);
        cr_mm16_gemm(dv, C3, a, 1, (size_t)T, Tk, w->m, NULL, 1, w->scratch);
        /* dS (nq,Tk): through the softmax, times the score scale */
        cr_op_softmax_rows_bwd(ds, a, nq, (size_t)T, Tk, scale);
        /* dq (nq,hs) += dS (nq,Tk) k (Tk,hs): k packed transposed, (hs,Tk) */
        cr_mm16_load(w->m, k, hs, Tk, 1, C3);
        cr_mm16_gemm(dq, C3, ds, (size_t)T, 1, nq, w->m, NULL, 1, w->scratch);
        /* dk (Tk,hs) += dS^T (Tk,nq) q (nq,hs): q packed transposed, (hs,nq) */
        cr_mm16_load(w->m, q, hs, nq, 1, C3);
        cr_mm16_gemm(dk, C3, ds, 1, (size_t)T, Tk, w->m, NULL, 1, w->scratch);
    }
}
