/* bf16 matrix products where the CPU has AVX512-BF16 (chosen at run time): for inference,
 * and for training's products of weights and activations.
 *
 * A matrix w (N,K) is packed, rounded to bf16 as the instructions round (to nearest,
 * ties to even; a denormal as zero; beyond bf16's range, |x| > 3.39e38, to infinity); each
 * product out (T,N) = a (T,K) w^T + bias rounds a the same way and sums the products in
 * fp32 (vdpbf16ps). The error is that of the rounded inputs: about
 * 2e-3 of the largest output on random values; on the shipped experts held-out TRA and
 * CE stay within 0.005 and 0.03 bits of fp32 (bench/bf16.sh; the kernel's edges in
 * tests/unit/test_mm16.c). A packed copy does not follow later changes of w.
 *
 * Inference packs a model's weights once:
 *     if (cr_mm16_available()) w16 = cr_mm16_pack(w, N, K);
 *     cr_mm16_mul(out, inp, T, w16, bias);     ...     cr_mm16_free(w16);
 * Training packs again what changes (weights after each update, activations), into room
 * made once, and reads either operand in either orientation through strides:
 *     m = cr_mm16_new(Nmax, Kmax);
 *     cr_mm16_load(m, inp, C, T, 1, C);                  (inp (T,C) transposed: (C,T))
 *     cr_mm16_gemm(dw, C, dout, 1, OC, OC, m, NULL, 1, scratch);   (dw (OC,C) += dout^T inp) */
#ifndef CR_MM16_H
#define CR_MM16_H

#include <stddef.h>

typedef struct cr_mm16 cr_mm16;

/* 1 when this CPU (and its OS) can run the bf16 kernel, else 0. */
int cr_mm16_available(void);
/* w (N,K) row-major packed for cr_mm16_mul; NULL when out of memory, when the CPU lacks
 * the instructions, or when K is above CR_MM16_MAX_K (a model's widths). */
#define CR_MM16_MAX_K 4096
cr_mm16 *cr_mm16_pack(const float *w, int N, int K);
/* Room for matrices of up to N x K (K up to CR_MM16_MAX_K_ANY), filled by cr_mm16_load;
 * NULL as cr_mm16_pack. */
#define CR_MM16_MAX_K_ANY (1 << 24)
cr_mm16 *cr_mm16_new(int N, int K);
/* Packs into m the (N,K) matrix whose element (j,k) is w[j * rs + k * cs]: rs = K, cs = 1
 * for a row-major w, rs = 1, cs = N' for the transpose of a row-major (K,N') one. 0, or
 * -1 (m unchanged) when it is larger than m has room for. */
int cr_mm16_load(cr_mm16 *m, const float *w, int N, int K, size_t rs, size_t cs);
void cr_mm16_free(cr_mm16 *m);
/* The bytes m holds. */
size_t cr_mm16_bytes(const cr_mm16 *m);
/* out (T,N) = inp (T,K) w^T, plus bias (N) when not NULL. */
void cr_mm16_mul(float *out, const float *inp, int T, const cr_mm16 *w, const float *bias);
/* The same with out's rows ldo floats apart, a's element (i,k) at a[i * rs + k * cs],
 * added to what out holds when acc is 1; a rounded into scratch
 * (cr_mm16_scratch_bytes(T, K) bytes; NULL: allocated for the call). */
void cr_mm16_gemm(float *out, size_t ldo, const float *a, size_t rs, size_t cs, int T,
                  const cr_mm16 *w, const float *bias, int acc, void *scratch);
size_t cr_mm16_scratch_bytes(int T, int K);
/* The backward of out = inp w^T for a layer, in bf16: dinp (T,C) += dout (T,OC) w through
 * wt, w (OC,C) packed transposed, when dinp is not NULL; dw (OC,C) += dout^T inp, inp
 * packed transposed into act (room for (C,T)); scratch for the larger of
 * cr_mm16_scratch_bytes(T, OC) and (OC, T). */
void cr_mm16_linear_bwd(float *dinp, float *dw, const float *dout, const float *inp, int T,
                        int C, int OC, const cr_mm16 *wt, cr_mm16 *act, void *scratch);

#endif
