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
    int Nmax, Kmax;  /* the largest matrix it has room for */
    uint32_t *panel; /* (N / NR rounded up) panels of kp x NR pairs, zero past N and K */
    uint32_t *row;   /* one row's pairs, while loading a row-major matrix */
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

cr_mm16 *cr_mm16_new(int N, int K)
{
    if (!cr_mm16_available() || N < 1 || K < 1 || K > CR_MM16_MAX_K_ANY)
        return NULL;
    cr_mm16 *m = calloc(1, sizeof *m);
    size_t kp = ((size_t)K + 1) / 2, np = ((size_t)N + NR - 1) / NR;
    if (!m || !(m->panel = calloc(np * kp * NR, sizeof *m->panel)) ||
        !(m->row = malloc(kp * sizeof *m->row))) {
        cr_mm16_free(m);
        return NULL;
    }
    m->N = m->Nmax = N, m->K = m->Kmax = K, m->kp = (int)kp;
    return m;
}

cr_mm16 *cr_mm16_pack(const float *w, int N, int K)
{
    if (K > CR_MM16_MAX_K)
        return NULL;
    cr_mm16 *m = cr_mm16_new(N, K);
    if (m)
        cr_mm16_load(m, w, N, K, (size_t)K, 1);
    return m;
}

void cr_mm16_free(cr_mm16 *m)
{
    if (m) {
        free(m->panel);
        free(m->row);
    }
    free(m);
}

size_t cr_mm16_bytes(const cr_mm16 *m)
{
    size_t kp = ((size_t)m->Kmax + 1) / 2, np = ((size_t)m->Nmax + NR - 1) / NR;
    return (np * kp * NR + kp) * sizeof(uint32_t);
}

/* One value as the instructions round it (vcvtneps2bf16), so that the vector paths and
 * the scalar edges agree: to nearest even, a denormal input as zero, a value beyond
 * bf16's range to infinity, a NaN a quiet NaN. */
static inline uint16_t to_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffff) > 0x7f800000)
        return (uint16_t)((u >> 16) | 0x40);
    if ((u & 0x7f800000) == 0)
        return (uint16_t)((u >> 16) & 0x8000);
    return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

/* a pair of bf16 values as the kernel takes them: lo at even k, hi at odd k */
static inline uint32_t pair(float lo, float hi)
{
    return to_bf16(lo) | (uint32_t)to_bf16(hi) << 16;
}

#ifdef CR_MM16_X86
/* 16 pairs of two runs of 16 fp32 values: lo[i] and hi[i] into the i-th pair */
__attribute__((target("avx512f,avx512bf16"))) static inline __m512i pairs16(const float *lo,
                                                                          const float *hi)
{
    __m512i l = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(lo)));
    __m512i h = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(hi)));
    return _mm512_or_si512(l, _mm512_slli_epi32(h, 16));
}

/* one row of K consecutive values as pairs into o (kp), zero past K */
__attribute__((target("avx512f,avx512bf16"))) static void round_row(const float *r, int K,
                                                                    uint32_t *o)
{
    int k = 0;
    for (; k + 32 <= K; k += 32) {
        __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(r + k + 16), _mm512_loadu_ps(r + k));
        _mm512_storeu_si512((void *)(o + k / 2), (__m512i)v);
    }
    for (; k < K; k += 2)
        o[k / 2] = pair(r[k], k + 1 < K ? r[k + 1] : 0.0f);
}

/* panel p of m from an (N,K) matrix whose element (j,k) is w[j * rs + k], a row at a time */
static void load_rows(cr_mm16 *m, int p, const float *w, size_t rs, uint32_t *row)
{
    uint32_t *dst = m->panel + (size_t)p * m->kp * NR;
    for (int jj = 0; jj < NR; jj++) {
        int j = p * NR + jj;
        if (j < m->N)
            round_row(w + (size_t)j * rs, m->K, row);
        else
            memset(row, 0, (size_t)m->kp * sizeof *row);
        for (int kk = 0; kk < m->kp; kk++)
            dst[(size_t)kk * NR + jj] = row[kk];
    }
}

/* panel p of m from an (N,K) matrix whose element (j,k) is w[j + k * cs] (a transposed
 * row-major matrix): a pair of its rows at a time, 16 columns in a step */
__attribute__((target("avx512f,avx512bf16"))) static void load_cols(cr_mm16 *m, int p,
                                                                    const float *w, size_t cs)
{
    uint32_t *dst = m->panel + (size_t)p * m->kp * NR;
    int j0 = p * NR, K = m->K;
    for (int kk = 0; kk < m->kp; kk++, dst += NR) {
        const float *lo = w + (size_t)(2 * kk) * cs, *hi = 2 * kk + 1 < K ? lo + cs : lo;
        for (int jj = 0; jj < NR; jj += 16) {
            int j = j0 + jj;
            if (j + 16 <= m->N && 2 * kk + 1 < K)
                _mm512_storeu_si512((void *)(dst + jj), pairs16(lo + j, hi + j));
            else
                for (int q = 0; q < 16; q++)
                    dst[jj + q] = j + q < m->N ? pair(lo[j + q], 2 * kk + 1 < K ? hi[j + q] : 0.0f)
                                               : 0;
        }
    }
}
#endif

int cr_mm16_load(cr_mm16 *m, const float *w, int N, int K, size_t rs, size_t cs)
{
    if (N < 1 || K < 1 || N > m->Nmax || K > m->Kmax)
        return -1;
#ifdef CR_MM16_X86
    int np = (N + NR - 1) / NR;
    m->N = N, m->K = K, m->kp = (K + 1) / 2;
    if (cs == 1) {
        for (int p = 0; p < np; p++)
            load_rows(m, p, w, rs, m->row);
    } else if (rs == 1) {
#pragma omp parallel for if ((long)N * K > 1L << 18) schedule(static)
        for (int p = 0; p < np; p++)
            load_cols(m, p, w, cs);
    } else {
        for (int p = 0; p < np; p++)
            for (int kk = 0; kk < m->kp; kk++)
                for (int jj = 0; jj < NR; jj++) {
                    int j = p * NR + jj, k = 2 * kk;
                    const float *e = j < N ? w + (size_t)j * rs + (size_t)k * cs : NULL;
                    m->panel[((size_t)p * m->kp + kk) * NR + jj] =
                        e ? pair(e[0], k + 1 < K ? e[cs] : 0.0f) : 0;
                }
    }
    return 0;
#else
    (void)w, (void)rs, (void)cs; /* cr_mm16_new gave no m here */
    return -1;
#endif
}

#ifdef CR_MM16_X86
/* pairs kk0.. (16 of them, or those left) of the T rows of a transposed matrix (element
 * (i,k) at a[i + k * cs]) into o (kp a row): 16 rows by 16 pairs at a time, rounded 16
 * values in a step along the source's rows, then turned through a small block */
__attribute__((target("avx512f,avx512bf16"))) static void round_cols(const float *a, size_t cs,
                                                                     int T, int K, int kp,
                                                                     int kk0, uint32_t *o)
{
    uint32_t blk[16][16];
    int nk = kp - kk0 < 16 ? kp - kk0 : 16, i0 = 0;
    for (; i0 + 16 <= T; i0 += 16) {
        for (int q = 0; q < nk; q++) {
            int kk = kk0 + q;
            const float *lo = a + (size_t)(2 * kk) * cs + i0;
            if (2 * kk + 1 < K)
                _mm512_storeu_si512((void *)blk[q], pairs16(lo, lo + cs));
            else
                for (int i = 0; i < 16; i++)
                    blk[q][i] = pair(lo[i], 0.0f);
        }
        for (int i = 0; i < 16; i++)
            for (int q = 0; q < nk; q++)
                o[(size_t)(i0 + i) * kp + kk0 + q] = blk[q][i];
    }
    for (int i = i0; i < T; i++) /* the last rows, fewer than 16 */
        for (int q = 0; q < nk; q++) {
            int kk = kk0 + q;
            const float *lo = a + (size_t)(2 * kk) * cs + i;
            o[(size_t)i * kp + kk] = pair(lo[0], 2 * kk + 1 < K ? lo[cs] : 0.0f);
        }
}

/* the T rows of a (element (i,k) at a[i * rs + k * cs]) as bf16 pairs into o (kp a row),
 * and rows past T up to a multiple of MR zero (the parallel loops outside the target
 * functions: clang's OpenMP outlining would not carry the attribute) */
static void round_rows(const float *a, size_t rs, size_t cs, int T, int K, int kp,
                       uint32_t *o)
{
    int Tp = (T + MR - 1) / MR * MR;
    memset(o + (size_t)T * kp, 0, (size_t)(Tp - T) * kp * sizeof *o);
    if (cs == 1) {
#pragma omp parallel for if (T >= 64) schedule(static)
        for (int i = 0; i < T; i++)
            round_row(a + (size_t)i * rs, K, o + (size_t)i * kp);
    } else if (rs == 1) { /* a transposed row-major matrix: its rows are a's columns */
        int kb = (kp + 15) / 16;
#pragma omp parallel for if ((long)T * K >= 1L << 16) schedule(static)
        for (int b = 0; b < kb; b++)
            round_cols(a, cs, T, K, kp, b * 16, o);
    } else {
        for (int i = 0; i < T; i++)
            for (int kk = 0; kk < kp; kk++) {
                const float *e = a + (size_t)i * rs + (size_t)(2 * kk) * cs;
                o[(size_t)i * kp + kk] = pair(e[0], 2 * kk + 1 < K ? e[cs] : 0.0f);
            }
    }
}

/* out rows [0, rows) of one tile: a (MR rows of kp pairs) times one panel, columns from
 * col (left of them inside N), plus bias, plus what out held when acc */
__attribute__((target("avx512f,avx512bf16"))) static void tile(const uint32_t *a, int kp,
                                                               const uint32_t *panel,
                                                               float *out, size_t ldo, int rows,
                                                               int left, const float *bias,
                                                               int acc)
{
    __m512 s[MR][2];
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++)
        s[r][0] = s[r][1] = _mm512_setzero_ps();
    for (int k = 0; k < kp; k++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512((const void *)(panel + (size_t)k * NR));
        __m512bh b1 = (__m512bh)_mm512_loadu_si512((const void *)(panel + (size_t)k * NR + 16));
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++) {
            __m512bh x = (__m512bh)_mm512_set1_epi32((int)a[(size_t)r * kp + k]);
            s[r][0] = _mm512_dpbf16_ps(s[r][0], x, b0);
            s[r][1] = _mm512_dpbf16_ps(s[r][1], x, b1);
        }
    }
    __mmask16 m0 = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
    __mmask16 m1 = left >= 32 ? 0xffff : left <= 16 ? 0 : (__mmask16)((1u << (left - 16)) - 1);
    /* the second half's address is formed only where a column of it is in the matrix
     * (a pointer past an array's end is undefined even when nothing is read through it) */
    __m512 c0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    __m512 c1 = bias && m1 ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
    for (int r = 0; r < rows; r++) {
        float *o = out + (size_t)r * ldo;
        __m512 v0 = _mm512_add_ps(s[r][0], c0), v1 = _mm512_add_ps(s[r][1], c1);
        if (acc)
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, o));
        _mm512_mask_storeu_ps(o, m0, v0);
        if (m1) {
            if (acc)
                v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, o + 16));
            _mm512_mask_storeu_ps(o + 16, m1, v1);
        }
    }
}
#endif

size_t cr_mm16_scratch_bytes(int T, int K)
{
    return (size_t)(T + MR - 1) / MR * MR * (((size_t)K + 1) / 2) * sizeof(uint32_t);
}

void cr_mm16_gemm(float *out, size_t ldo, const float *a, size_t rs, size_t cs, int T,
                  const cr_mm16 *w, const float *bias, int acc, void *scratch)
{
#ifdef CR_MM16_X86
    int N = w->N, K = w->K, kp = w->kp, np = (N + NR - 1) / NR;
    uint32_t *o = scratch ? scratch : malloc(cr_mm16_scratch_bytes(T, K));
    if (!o) { /* out of memory: one value at a time, the inputs rounded alike */
        for (int i = 0; i < T; i++)
            for (int j = 0; j < N; j++) {
                float s = bias ? bias[j] : 0.0f;
                for (int k = 0; k < K; k++) {
                    uint32_t pr = w->panel[((size_t)(j / NR) * kp + k / 2) * NR + j % NR];
                    s += cr_bf16_to_f32((uint16_t)(k % 2 ? pr >> 16 : pr & 0xffff)) *
                         cr_bf16_to_f32(to_bf16(a[(size_t)i * rs + (size_t)k * cs]));
                }
                out[(size_t)i * ldo + j] = acc ? out[(size_t)i * ldo + j] + s : s;
            }
        return;
    }
    round_rows(a, rs, cs, T, K, kp, o);
    /* a panel of the weights at a time (it stays in cache), every tile of rows against it */
#pragma omp parallel for if ((long)T * N * K > 1L << 20) schedule(static)
    for (int p = 0; p < np; p++)
        for (int t = 0; t < T; t += MR)
            tile(o + (size_t)t * kp, kp, w->panel + (size_t)p * kp * NR,
                 out + (size_t)t * ldo + p * NR, ldo, T - t < MR ? T - t : MR, N - p * NR,
                 bias ? bias + p * NR : NULL, acc);
    if (o != scratch)
        free(o);
#else
    (void)out, (void)ldo, (void)a, (void)rs, (void)cs, (void)T, (void)w, (void)bias;
    (void)acc, (void)scratch;
#endif
}

void cr_mm16_mul(float *out, const float *inp, int T, const cr_mm16 *w, const float *bias)
{
    cr_mm16_gemm(out, (size_t)w->N, inp, (size_t)w->K, 1, T, w, bias, 0, NULL);
}

void cr_mm16_linear_bwd(float *dinp, float *dw, const float *dout, const float *inp, int T,
                        int C, int OC, const cr_mm16 *wt, cr_mm16 *act, void *scratch)
{
    if (dinp)
        cr_mm16_gemm(dinp, (size_t)C, dout, (size_t)OC, 1, T, wt, NULL, 1, scratch);
    cr_mm16_load(act, inp, C, T, 1, (size_t)C);
    cr_mm16_gemm(dw, (size_t)C, dout, 1, (size_t)OC, OC, act, NULL, 1, scratch);
}
