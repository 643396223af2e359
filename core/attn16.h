/* Attention's four products (forward) and its backward's four in bf16 (core/mm16.h), for
 * the rows of one block: what cr_op_attention_rows_fwd and _bwd compute in fp32, with
 * each product's operands rounded to bf16 and summed in fp32; the softmax and its
 * gradient stay fp32. A workspace holds one head's packed operand and the rounded rows
 * of the other, for blocks of up to T rows:
 *
 *     w = cr_attn16_new(T, C, NH);     (NULL: out of memory, or no AVX512-BF16)
 *     for each block: cr_attn16_fwd(w, out, att, qkv, T, Tk, q0, C, NH);
 *     ... cr_attn16_bwd(w, dqkv, ds, dout, att, qkv, T, Tk, q0, C, NH);
 *     cr_attn16_free(w); */
#ifndef CR_ATTN16_H
#define CR_ATTN16_H

#include <stddef.h>

typedef struct cr_attn16 cr_attn16;

cr_attn16 *cr_attn16_new(int T, int C, int NH);
void cr_attn16_free(cr_attn16 *w);
/* The bytes it holds. */
size_t cr_attn16_bytes(const cr_attn16 *w);
/* As cr_op_attention_rows_fwd: the queries of rows [q0, T) of qkv (T,3C) over keys
 * [0, Tk) into out (T - q0, C), their softmax weights into att (NH heads of T x T, the
 * first T - q0 rows). */
void cr_attn16_fwd(cr_attn16 *w, float *out, float *att, const float *qkv, int T, int Tk,
                   int q0, int C, int NH);
/* As cr_op_attention_rows_bwd: dqkv (T,3C) += the gradient, from dout (T - q0, C) and
 * att of those rows and qkv; ds holds T*T floats. */
void cr_attn16_bwd(cr_attn16 *w, float *dqkv, float *ds, const float *dout, const float *att,
                   const float *qkv, int T, int Tk, int q0, int C, int NH);

#endif
