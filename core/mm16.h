/* bf16 matrix products for inference, where the CPU has AVX512-BF16 (chosen at run time).
 *
 * A weight matrix w (N,K) is packed once, rounded to bf16 (to nearest, ties to even); each
 * product out (T,N) = inp (T,K) w^T + bias rounds inp to bf16 the same way and sums the
 * products in fp32 (vdpbf16ps). (Values beyond bf16's range, |x| > 3.39e38, may round to
 * infinity in inp where the weights saturate.) The error is that of the rounded inputs:
 * about 2e-3 of the largest output on random values, and on the shipped experts held-out
 * TRA and CE stay within 0.005 and 0.03 bits of fp32 (bench/bf16.sh; the kernel's edges
 * in tests/unit/test_mm16.c). The packed copy does not follow later changes of w: for
 * models that do not train.
 *
 *     if (cr_mm16_available()) w16 = cr_mm16_pack(w, N, K);
 *     cr_mm16_mul(out, inp, T, w16, bias);     ...     cr_mm16_free(w16); */
#ifndef CR_MM16_H
#define CR_MM16_H

typedef struct cr_mm16 cr_mm16;

/* 1 when this CPU (and its OS) can run the bf16 kernel, else 0. */
int cr_mm16_available(void);
/* w (N,K) packed for cr_mm16_mul; NULL when out of memory, when the CPU lacks the
 * instructions, or when K is above CR_MM16_MAX_K. */
#define CR_MM16_MAX_K 4096
cr_mm16 *cr_mm16_pack(const float *w, int N, int K);
void cr_mm16_free(cr_mm16 *m);
/* out (T,N) = inp (T,K) w^T, plus bias (N) when not NULL. */
void cr_mm16_mul(float *out, const float *inp, int T, const cr_mm16 *w, const float *bias);

#endif
