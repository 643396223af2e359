/* sgemm_peak: OpenBLAS's single-precision GEMM rate on this machine, the ceiling that
 * bench/ae.sh and bench/train.sh hold cr's GFLOP/s against.
 *
 *   sgemm_peak THREADS M N K [REPS]
 *
 * times out (M,N) = a (M,K) b (N,K)^T, the layout of cr_op_matmul_fwd, REPS times
 * (default 5) after one untimed call, and prints the best as
 *   sgemm <TAB> threads <TAB> M <TAB> N <TAB> K <TAB> GFLOP/s <TAB> OpenBLAS kernels
 * Built by the benchmark scripts against the OpenBLAS the Makefile picks. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

char *openblas_get_corename(void);
void openblas_set_num_threads(int n);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: sgemm_peak THREADS M N K [REPS]\n");
        return 2;
    }
    int threads = atoi(argv[1]), M = atoi(argv[2]), N = atoi(argv[3]), K = atoi(argv[4]);
    int reps = argc == 6 ? atoi(argv[5]) : 5;
    if (threads < 1 || M < 1 || N < 1 || K < 1 || reps < 1) {
        fprintf(stderr, "sgemm_peak: arguments must be positive\n");
        return 2;
    }
    float *a = malloc((size_t)M * K * sizeof *a), *b = malloc((size_t)N * K * sizeof *b);
    float *c = malloc((size_t)M * N * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "sgemm_peak: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < (size_t)M * K; i++)
        a[i] = (float)(i % 7) * 0.01f;
    for (size_t i = 0; i < (size_t)N * K; i++)
        b[i] = (float)(i % 5) * 0.01f;
    openblas_set_num_threads(threads);
    double best = 1e30;
    for (int r = 0; r <= reps; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, a, K, b, K, 0.0f,
                    c, N);
        double s = now() - t0;
        if (r > 0 && s < best)
            best = s;
    }
    printf("sgemm\t%d\t%d\t%d\t%d\t%.1f\t%s\n", threads, M, N, K,
           2.0 * M * N * K / best / 1e9, openblas_get_corename());
    free(a);
    free(b);
    free(c);
    return 0;
}
