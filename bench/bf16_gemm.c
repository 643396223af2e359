/* bf16_gemm: what bf16 matrix products would give cr on this CPU, at the model's shapes.
 *
 *   bf16_gemm THREADS M N K [REPS]
 *
 * times (M,N) = a (M,K) b (N,K)^T, the layout of cr_op_matmul_fwd, three ways, REPS times
 * (default 5) after one untimed call, the best of each counting:
 *   sgemm  OpenBLAS fp32, as cr runs today;
 *   own    a plain kernel of AVX512-BF16 dot products (vdpbf16ps, fp32 sums), a rounded to
 *          bf16 on every call (activations change), b packed once (weights);
 *   dnnl   oneDNN's bf16 matmul, when built with -DCR_BENCH_DNNL (Debian's libdnnl-dev
 *          ships no pkg-config file, so only this benchmark links it), a rounded as for own.
 * and prints, per way,
 *   way <TAB> threads <TAB> M <TAB> N <TAB> K <TAB> GFLOP/s <TAB> max |c - c_fp32| / max |c_fp32|
 * (a line "own <TAB> none: ..." where the CPU lacks AVX512-BF16, chosen at run time).
 * Inputs are fixed pseudo-random values in [-1, 1). Built by bench/bf16.sh. */
#include <cblas.h>
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef CR_BENCH_DNNL
#include <dnnl.h>
#endif

void openblas_set_num_threads(int n);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* fp32 to bf16, round to nearest even (as vcvtne2ps2bf16 does) */
static uint16_t to_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 0x40);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

enum { MR = 8, NR = 32 };

/* b (N,K) fp32 -> panels of NR columns: panel p holds, for each pair of k, the pairs of
 * its NR columns (zero past N and K), so that one pair step loads two vectors. */
static uint32_t *pack_b(const float *b, int N, int K, int *KP)
{
    int kp = (K + 1) / 2, np = (N + NR - 1) / NR;
    uint32_t *p = calloc((size_t)np * kp * NR, sizeof *p);
    if (!p)
        return NULL;
    for (int j = 0; j < N; j++)
        for (int k = 0; k < K; k++) {
            uint32_t h = to_bf16(b[(size_t)j * K + k]);
            p[((size_t)(j / NR) * kp + k / 2) * NR + j % NR] |= k % 2 ? h << 16 : h;
        }
    *KP = kp;
    return p;
}

/* a (M,K) fp32 -> rows of bf16 pairs, rows padded to a multiple of MR, K to even */
__attribute__((target("avx512f,avx512bf16"))) static void round_a(const float *a, int M,
                                                                   int K, int kp,
                                                                   uint32_t *out)
{
#pragma omp parallel for
    for (int i = 0; i < M; i++) {
        const float *r = a + (size_t)i * K;
        uint32_t *o = out + (size_t)i * kp;
        int k = 0;
        for (; k + 32 <= K; k += 32) {
            __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(r + k + 16), _mm512_loadu_ps(r + k));
            _mm512_storeu_si512((void *)(o + k / 2), (__m512i)v);
        }
        for (; k < K; k += 2) {
            uint32_t lo = to_bf16(r[k]), hi = k + 1 < K ? to_bf16(r[k + 1]) : 0;
            o[k / 2] = lo | hi << 16;
        }
    }
}

/* c (M,N) = a b^T from round_a's rows (M padded to MR, zero rows) and pack_b's panels */
__attribute__((target("avx512f,avx512bf16"))) static void own_gemm(const uint32_t *a, int M,
                                                                   int N, int kp,
                                                                   const uint32_t *bp,
                                                                   float *c)
{
    int np = (N + NR - 1) / NR, mb = (M + MR - 1) / MR;
#pragma omp parallel for collapse(2) schedule(static)
    for (int p = 0; p < np; p++)
        for (int ib = 0; ib < mb; ib++) {
            const uint32_t *panel = bp + (size_t)p * kp * NR;
            __m512 acc[MR][2]; /* kept in registers: the loops over r are unrolled */
#pragma GCC unroll 8
            for (int r = 0; r < MR; r++)
                acc[r][0] = acc[r][1] = _mm512_setzero_ps();
            const uint32_t *ar = a + (size_t)ib * MR * kp;
            for (int k = 0; k < kp; k++) {
                __m512bh b0 = (__m512bh)_mm512_loadu_si512((const void *)(panel + (size_t)k * NR));
                __m512bh b1 = (__m512bh)_mm512_loadu_si512((const void *)(panel + (size_t)k * NR + 16));
#pragma GCC unroll 8
                for (int r = 0; r < MR; r++) {
                    __m512bh x = (__m512bh)_mm512_set1_epi32((int)ar[(size_t)r * kp + k]);
                    acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, b0);
                    acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, b1);
                }
            }
            for (int r = 0; r < MR && ib * MR + r < M; r++) {
                float *cr = c + (size_t)(ib * MR + r) * N + p * NR;
                int left = N - p * NR;
                __mmask16 m0 = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
                __mmask16 m1 = left >= 32 ? 0xffff : left <= 16 ? 0 : (__mmask16)((1u << (left - 16)) - 1);
                _mm512_mask_storeu_ps(cr, m0, acc[r][0]);
                _mm512_mask_storeu_ps(cr + 16, m1, acc[r][1]);
            }
        }
}

static double rel_err(const float *c, const float *ref, size_t n)
{
    double e = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        e = fmax(e, fabs((double)c[i] - ref[i]));
        m = fmax(m, fabs((double)ref[i]));
    }
    return m > 0 ? e / m : e;
}

static void report(const char *way, int threads, int M, int N, int K, double best, double err)
{
    printf("%s\t%d\t%d\t%d\t%d\t%.1f\t%.2e\n", way, threads, M, N, K,
           2.0 * M * N * K / best / 1e9, err);
}

#ifdef CR_BENCH_DNNL
#define DN(call)                                                                           \
    do {                                                                                   \
        if ((call) != dnnl_success) {                                                      \
            fprintf(stderr, "bf16_gemm: oneDNN: %s failed\n", #call);                       \
            return -1;                                                                     \
        }                                                                                  \
    } while (0)
/* oneDNN's bf16 matmul on the rounded a (bf16 pairs as round_a wrote them) and b */
static int dnnl_run(const uint32_t *abf, const float *b, int M, int N, int K, int reps,
                    float *c, double *best)
{
    dnnl_engine_t eng;
    dnnl_stream_t st;
    DN(dnnl_engine_create(&eng, dnnl_cpu, 0));
    DN(dnnl_stream_create(&st, eng, dnnl_stream_default_flags));
    dnnl_memory_desc_t src, wei, wany, dst;
    dnnl_dims_t sd = {M, K}, wd = {K, N}, dd = {M, N};
    DN(dnnl_memory_desc_init_by_tag(&src, 2, sd, dnnl_bf16, dnnl_ab));
    DN(dnnl_memory_desc_init_by_tag(&wei, 2, wd, dnnl_bf16, dnnl_ba)); /* (K,N) stored as b (N,K) */
    DN(dnnl_memory_desc_init_by_tag(&wany, 2, wd, dnnl_bf16, dnnl_format_tag_any));
    DN(dnnl_memory_desc_init_by_tag(&dst, 2, dd, dnnl_f32, dnnl_ab));
    dnnl_matmul_desc_t md;
    DN(dnnl_matmul_desc_init(&md, &src, &wany, NULL, &dst));
    dnnl_primitive_desc_t pd;
    DN(dnnl_primitive_desc_create(&pd, &md, NULL, eng, NULL));
    const dnnl_memory_desc_t *wbest = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    uint16_t *bb = malloc((size_t)N * K * sizeof *bb), *as = malloc((size_t)M * K * sizeof *as);
    if (!bb || !as)
        return -1;
    for (size_t i = 0; i < (size_t)N * K; i++)
        bb[i] = to_bf16(b[i]);
    int kp = (K + 1) / 2;
    for (int i = 0; i < M; i++) /* round_a's rows, unpadded */
        memcpy(as + (size_t)i * K, abf + (size_t)i * kp, (size_t)K * 2);
    dnnl_memory_t msrc, mwei, mw, mdst;
    DN(dnnl_memory_create(&msrc, &src, eng, as));
    DN(dnnl_memory_create(&mwei, &wei, eng, bb));
    DN(dnnl_memory_create(&mw, wbest, eng, DNNL_MEMORY_ALLOCATE));
    DN(dnnl_memory_create(&mdst, &dst, eng, c));
    dnnl_primitive_desc_t rpd;
    dnnl_primitive_t reorder, mm;
    DN(dnnl_reorder_primitive_desc_create(&rpd, &wei, eng, wbest, eng, NULL));
    DN(dnnl_primitive_create(&reorder, rpd));
    dnnl_exec_arg_t ra[2] = {{DNNL_ARG_FROM, mwei}, {DNNL_ARG_TO, mw}};
    DN(dnnl_primitive_execute(reorder, st, 2, ra)); /* weights: once */
    DN(dnnl_stream_wait(st));
    DN(dnnl_primitive_create(&mm, pd));
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, msrc}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DST, mdst}};
    *best = 1e30;
    for (int r = 0; r <= reps; r++) {
        double t0 = now();
        DN(dnnl_primitive_execute(mm, st, 3, args));
        DN(dnnl_stream_wait(st));
        double s = now() - t0;
        if (r > 0 && s < *best)
            *best = s;
    }
    dnnl_primitive_destroy(mm);
    dnnl_primitive_destroy(reorder);
    dnnl_primitive_desc_destroy(rpd);
    dnnl_primitive_desc_destroy(pd);
    dnnl_memory_destroy(msrc);
    dnnl_memory_destroy(mwei);
    dnnl_memory_destroy(mw);
    dnnl_memory_destroy(mdst);
    dnnl_stream_destroy(st);
    dnnl_engine_destroy(eng);
    free(bb);
    free(as);
    return 0;
}
#endif

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: bf16_gemm THREADS M N K [REPS]\n");
        return 2;
    }
    int threads = atoi(argv[1]), M = atoi(argv[2]), N = atoi(argv[3]), K = atoi(argv[4]);
    int reps = argc == 6 ? atoi(argv[5]) : 5;
    if (threads < 1 || M < 1 || N < 1 || K < 1 || reps < 1) {
        fprintf(stderr, "bf16_gemm: arguments must be positive\n");
        return 2;
    }
    size_t ma = (size_t)M * K, mb = (size_t)N * K, mc = (size_t)M * N;
    float *a = malloc(ma * sizeof *a), *b = malloc(mb * sizeof *b);
    float *ref = malloc(mc * sizeof *ref), *c = malloc(mc * sizeof *c);
    if (!a || !b || !ref || !c) {
        fprintf(stderr, "bf16_gemm: out of memory\n");
        return 1;
    }
    uint32_t x = 12345;
    for (size_t i = 0; i < ma + mb; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        float v = (float)(x >> 8) / 8388608.0f - 1.0f;
        if (i < ma)
            a[i] = v;
        else
            b[i - ma] = v;
    }
    openblas_set_num_threads(threads);
    omp_set_num_threads(threads);
    double best = 1e30;
    for (int r = 0; r <= reps; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, a, K, b, K, 0.0f,
                    ref, N);
        double s = now() - t0;
        if (r > 0 && s < best)
            best = s;
    }
    report("sgemm", threads, M, N, K, best, 0.0);

    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512bf16")) {
        printf("own\tnone: this CPU has no AVX512-BF16\n");
        return 0;
    }
    int kp, mp = (M + MR - 1) / MR * MR;
    uint32_t *bp = pack_b(b, N, K, &kp), *abf = calloc((size_t)mp * kp, sizeof *abf);
    if (!bp || !abf) {
        fprintf(stderr, "bf16_gemm: out of memory\n");
        return 1;
    }
    best = 1e30;
    for (int r = 0; r <= reps; r++) {
        double t0 = now();
        round_a(a, M, K, kp, abf);
        own_gemm(abf, M, N, kp, bp, c);
        double s = now() - t0;
        if (r > 0 && s < best)
            best = s;
    }
    report("own", threads, M, N, K, best, rel_err(c, ref, mc));
#ifdef CR_BENCH_DNNL
    {
        /* the rounding of a counts as for own: timed apart and added */
        double tr = 1e30;
        for (int r = 0; r <= reps; r++) {
            double t0 = now();
            round_a(a, M, K, kp, abf);
            double s = now() - t0;
            if (r > 0 && s < tr)
                tr = s;
        }
        memset(c, 0, mc * sizeof *c);
        if (dnnl_run(abf, b, M, N, K, reps, c, &best) == 0)
            report("dnnl", threads, M, N, K, best + tr, rel_err(c, ref, mc));
    }
#endif
    free(a);
    free(b);
    free(ref);
    free(c);
    free(bp);
    free(abf);
    return 0;
}
