/* bf16 matrix products (mm16.h): tiles of 8 rows by 32 columns of fp32 sums, each step
 * one pair of k: a row's two bf16 values broadcast against the pairs of 32 columns. */
#include "mm16.h"

#include "bf16.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CR_MM16_X86 1
#endif

enum { MR = 8, NR = 32 }; /* a tile: MR rows by NR columns */

struct cr_mm16 {
    int N, K, kp;    /* kp: pairs of k, K rounded up to even over 2 */
    uint32_t *panel; /* (N / NR rounded up) panels of kp x NR pairs, zero past N and K */
};

int cr_mm16_available(void)
{
#ifdef CR_MM16_X86
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16");
    }
    return known;
#else
    return 0;
#endif
}

cr_mm16 *cr_mm16_pack(const float *w, int N, int K)
{
    if (!cr_mm16_available() || N < 1 || K < 1 || K > CR_MM16_MAX_K)
        return NULL;
    cr_mm16 *m = malloc(sizeof *m);
    int kp = (K + 1) / 2, np = (N + NR - 1) / NR;
    if (!m || !(m->panel = calloc((size_t)np * kp * NR, sizeof *m->panel))) {
        free(m);
        return NULL;
    }
    m->N = N, m->K = K, m->kp = kp;
    for (int j = 0; j < N; j++)
        for (int k = 0; k < K; k++) {
            uint32_t h = cr_f32_to_bf16(w[(size_t)j * K + k]);
            m->panel[((size_t)(j / NR) * kp + k / 2) * NR + j % NR] |= k % 2 ? h << 16 : h;
        }
    return m;
}

void cr_mm16_free(cr_mm16 *m)
{
    if (m)
        free(m->panel);
    free(m);
}

#ifdef CR_MM16_X86
/* one row of inp (K wide) as bf16 pairs into o (kp), zero past K */
__attribute__((target("avx512f,avx512bf16"))) static void round_row(const float *r, int K,
                                                                    uint32_t *o)
{
    int k = 0;
    for (; k + 32 <= K; k += 32) {
        __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(r + k + 16), _mm512_loadu_ps(r + k));
        _mm512_storeu_si512((void *)(o + k / 2), (__m512i)v);
    }
    for (; k < K; k += 2)
        o[k / 2] = cr_f32_to_bf16(r[k]) | (uint32_t)(k + 1 < K ? cr_f32_to_bf16(r[k + 1]) : 0) << 16;
}

/* the T rows of inp as bf16 pairs into a (kp a row), and rows past T up to a multiple of
 * MR zero (the parallel loop outside the target function: clang's OpenMP outlining would
 * not carry the attribute) */
static void round_rows(const float *inp, int T, int K, int kp, uint32_t *a)
{
    int Tp = (T + MR - 1) / MR * MR;
#pragma omp parallel for if (T >= 64) schedule(static)
    for (int i = 0; i < Tp; i++) {
        if (i < T)
            round_row(inp + (size_t)i * K, K, a + (size_t)i * kp);
        else
            memset(a + (size_t)i * kp, 0, (size_t)kp * sizeof *a);
    }
}

/* out rows [0, rows) of one tile: a (MR rows of kp pairs) times one panel, columns from
 * col (left of them inside N), plus bias */
__attribute__((target("avx512f,avx512bf16"))) static void tile(const uint32_t *a, int kp,
                                                               const uint32_t *panel,
                                                               float *out, int ldo, int rows,
                                                               int left, const float *bias)
{
    __m512 acc[MR][2];
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++)
        acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int k = 0; k < kp; k++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512((const void *)(panel + (size_t)k * NR));
        __m512bh b1 = (__m512bh)_mm512_loadu_si512((const void *)(panel + (size_t)k * NR + 16));
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++) {
            __m512bh x = (__m512bh)_mm512_set1_epi32((int)a[(size_t)r * kp + k]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, b1);
        }
    }
    __mmask16 m0 = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
    __mmask16 m1 = left >= 32 ? 0xffff : left <= 16 ? 0 : (__mmask16)((1u << (left - 16)) - 1);
    __m512 c0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    __m512 c1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
    for (int r = 0; r < rows; r++) {
        _mm512_mask_storeu_ps(out + (size_t)r * ldo, m0, _mm512_add_ps(acc[r][0], c0));
        _mm512_mask_storeu_ps(out + (size_t)r * ldo + 16, m1, _mm512_add_ps(acc[r][1], c1));
    }
}
#endif

void cr_mm16_mul(float *out, const float *inp, int T, const cr_mm16 *w, const float *bias)
{
#ifdef CR_MM16_X86
    int N = w->N, K = w->K, kp = w->kp, np = (N + NR - 1) / NR;
    uint32_t *a = malloc((size_t)(T + MR - 1) / MR * MR * kp * sizeof *a);
    if (!a) { /* out of memory: one value at a time, the inputs rounded alike */
        for (int i = 0; i < T; i++)
            for (int j = 0; j < N; j++) {
                float s = bias ? bias[j] : 0.0f;
                for (int k = 0; k < K; k++) {
                    uint32_t pr = w->panel[((size_t)(j / NR) * kp + k / 2) * NR + j % NR];
                    s += cr_bf16_to_f32((uint16_t)(k % 2 ? pr >> 16 : pr & 0xffff)) *
                         cr_bf16_to_f32(cr_f32_to_bf16(inp[(size_t)i * K + k]));
                }
                out[(size_t)i * N + j] = s;
            }
        return;
    }
    round_rows(inp, T, K, kp, a);
    /* a panel of the weights at a time (it stays in cache), every tile of rows against it */
#pragma omp parallel for if ((long)T * N * K > 1L << 20) schedule(static)
    for (int p = 0; p < np; p++)
        for (int t = 0; t < T; t += MR)
            tile(a + (size_t)t * kp, kp, w->panel + (size_t)p * kp * NR,
                 out + (size_t)t * N + p * NR, N, T - t < MR ? T - t : MR, N - p * NR,
                 bias ? bias + p * NR : NULL);
    free(a);
#else
    (void)out, (void)inp, (void)T, (void)w, (void)bias; /* cr_mm16_pack gave no w here */
#endif
}
