/* bf16_gemm: bf16 matrix products on this CPU, at the model's shapes.
 *
 *   bf16_gemm THREADS M N K [REPS]
 *
 * times (M,N) = a (M,K) b (N,K)^T, the layout of cr_op_matmul_fwd, three ways, REPS times
 * (default 5) after one untimed call, the best of each counting:
 *   sgemm  OpenBLAS fp32, as cr runs where the CPU lacks AVX512-BF16;
 *   own    cr's kernel (core/mm16.c: AVX512-BF16 dot products, fp32 sums), a rounded to
 *          bf16 on every call (activations change), b packed once (weights);
 *   dnnl   oneDNN's bf16 matmul, when built with -DCR_BENCH_DNNL (Debian's libdnnl-dev
 *          ships no pkg-config file, so only this benchmark links it), on a rounded
 *          beforehand (its rounding not timed).
 * and prints, per way,
 *   way <TAB> threads <TAB> M <TAB> N <TAB> K <TAB> GFLOP/s <TAB> max |c - c_fp32| / max |c_fp32|
 * (a line "own <TAB> none: ..." where the CPU lacks AVX512-BF16, chosen at run time).
 * Inputs are fixed pseudo-random values in [-1, 1). Built by bench/bf16.sh. */
#include <cblas.h>
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

#include "../core/bf16.h"
#include "../core/mm16.h"

void openblas_set_num_threads(int n);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
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
/* oneDNN's bf16 matmul on a and b rounded to bf16 */
static int dnnl_run(const float *a, const float *b, int M, int N, int K, int reps,
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
        bb[i] = cr_f32_to_bf16(b[i]);
    for (size_t i = 0; i < (size_t)M * K; i++)
        as[i] = cr_f32_to_bf16(a[i]);
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

    if (!cr_mm16_available()) {
        printf("own\tnone: this CPU has no AVX512-BF16\n");
        return 0;
    }
    cr_mm16 *w = cr_mm16_pack(b, N, K);
    if (!w) {
        fprintf(stderr, "bf16_gemm: out of memory\n");
        return 1;
    }
    best = 1e30;
    for (int r = 0; r <= reps; r++) {
        double t0 = now();
        cr_mm16_mul(c, a, M, w, NULL);
        double s = now() - t0;
        if (r > 0 && s < best)
            best = s;
    }
    report("own", threads, M, N, K, best, rel_err(c, ref, mc));
    cr_mm16_free(w);
#ifdef CR_BENCH_DNNL
    memset(c, 0, mc * sizeof *c);
    if (dnnl_run(a, b, M, N, K, reps, c, &best) == 0)
        report("dnnl", threads, M, N, K, best, rel_err(c, ref, mc));
#endif
    free(a);
    free(b);
    free(ref);
    free(c);
    return 0;
}
