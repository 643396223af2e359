#include "ops.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

void cr_op_layernorm_fwd(float *out, float *mean, float *rstd, const float *inp,
                         const float *w, const float *b, int T, int C)
{
#pragma omp parallel for if (T > 64)
    for (int t = 0; t < T; t++) {
        const float *x = inp + (size_t)t * C;
        float *o = out + (size_t)t * C;
        double m = 0, v = 0;
        for (int i = 0; i < C; i++)
            m += x[i];
        m /= C;
        for (int i = 0; i < C; i++)
            v += (x[i] - m) * (x[i] - m);
        v /= C;
        float s = (float)(1.0 / sqrt(v + 1e-5)), mf = (float)m;
        for (int i = 0; i < C; i++)
            o[i] = (x[i] - mf) * s * w[i] + b[i];
        if (mean)
            mean[t] = mf;
        if (rstd)
            rstd[t] = s;
    }
}

void cr_op_matmul_fwd(float *out, const float *inp, const float *w, const float *bias, int T,
                      int C, int OC)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, OC, C, 1.0f, inp, C, w, C, 0.0f,
                out, OC);
    if (bias) {
#pragma omp parallel for if (T > 64)
        for (int t = 0; t < T; t++)
            for (int o = 0; o < OC; o++)
                out[(size_t)t * OC + o] += bias[o];
    }
}

void cr_op_matmul_ref(float *out, const float *inp, const float *w, const float *bias, int T,
                      int C, int OC)
{
    for (int t = 0; t < T; t++)
        for (int o = 0; o < OC; o++) {
            double s = bias ? bias[o] : 0;
            for (int i = 0; i < C; i++)
                s += (double)inp[(size_t)t * C + i] * w[(size_t)o * C + i];
            out[(size_t)t * OC + o] = (float)s;
        }
}

/* The element-wise loops run in versions for AVX-512, AVX2 and the baseline, chosen when
 * the library is loaded (GCC's target_clones): the build targets x86-64-v2, but the
 * softmax over 50257 logits per position was 15% of a training step with 4-wide SSE. */
#if defined(__clang__) && __clang_major__ < 16
#define CR_CLONES /* clang before 16 cannot call clones from other files (make fuzz) */
#else
#define CR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif

/* exp for the softmax loops, written so that the compiler vectorizes it (omp simd):
 * 2^n * p(r) with x = n ln2 + r, |r| <= ln2/2, p of degree 6; relative error below
 * 2e-7 over [-87, 88], and 0 below. Measured: the head's softmax took 24% of crdec with
 * the libm expf. */
#pragma omp declare simd notinbranch
static inline float fast_expf(float x)
{
    x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
    /* round to nearest by the 1.5 * 2^23 trick: vectorizes, unlike roundf */
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693145751953125f - n * 1.428606765330187045e-06f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (0.166666672f + r * (0.0416666418f +
              r * (0.00833330024f + r * 0.00138925435f)))));
    int32_t e = ((int32_t)(n == n ? n : 0.0f) + 127) << 23; /* NaN in: p makes NaN out */
    float s;
    memcpy(&s, &e, 4);
    return p * s;
}

/* tanh from fast_expf: 1 - 2 / (e^2u + 1); absolute error below 3e-7. */
#pragma omp declare simd notinbranch
static inline float fast_tanhf(float u)
{
    return 1.0f - 2.0f / (fast_expf(2.0f * u) + 1.0f);
}

CR_CLONES
static void softmax_row(float *x, int n)
{
    float mx = -INFINITY, sum = 0;
    for (int i = 0; i < n; i++)
        mx = x[i] > mx ? x[i] : mx;
#pragma omp simd reduction(+ : sum)
    for (int i = 0; i < n; i++) {
        x[i] = fast_expf(x[i] - mx);
        sum += x[i];
    }
    float inv = 1.0f / sum;
    for (int i = 0; i < n; i++)
        x[i] *= inv;
}

void cr_op_softmax_rows(float *a, int rows, size_t ld, int n, float scale)
{
#pragma omp parallel for if (rows > 64)
    for (int t = 0; t < rows; t++) {
        float *x = a + (size_t)t * ld;
        for (int u = 0; u < n; u++)
            x[u] *= scale;
        softmax_row(x, n);
    }
}

void cr_op_softmax_rows_bwd(float *ds, const float *p, int rows, size_t ld, int n, float scale)
{
#pragma omp parallel for if (rows > 64)
    for (int t = 0; t < rows; t++) {
        const float *pr = p + (size_t)t * ld;
        float *r = ds + (size_t)t * ld, dot = 0;
        for (int u = 0; u < n; u++)
            dot += r[u] * pr[u];
        for (int u = 0; u < n; u++)
            r[u] = pr[u] * (r[u] - dot) * scale;
    }
}

void cr_op_attention_fwd(float *out, float *att, const float *qkv, int T, int Tk, int C,
                         int NH)
{
    cr_op_attention_rows_fwd(out, att, qkv, T, Tk, 0, C, NH);
}

void cr_op_attention_rows_fwd(float *out, float *att, const float *qkv, int T, int Tk, int q0,
                              int C, int NH)
{
    int hs = C / NH, nq = T - q0;
    float scale = 1.0f / sqrtf((float)hs);
    for (int h = 0; h < NH; h++) {
        float *a = att + (size_t)h * T * T;
        const float *q = qkv + (size_t)q0 * 3 * C + h * hs, *k = qkv + C + h * hs,
                    *v = qkv + 2 * C + h * hs;
        /* a (nq,Tk) = scale * q (nq,hs) k (Tk,hs)^T, rows of stride T */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, Tk, hs, scale, q, 3 * C, k,
                    3 * C, 0.0f, a, T);
#pragma omp parallel for if (nq > 64)
        for (int t = 0; t < nq; t++)
            softmax_row(a + (size_t)t * T, Tk);
        /* out_h (nq,hs) = a (nq,Tk) v (Tk,hs) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nq, hs, Tk, 1.0f, a, T, v,
                    3 * C, 0.0f, out + h * hs, C);
    }
}

void cr_op_attention_ref(float *out, float *att, const float *qkv, int T, int Tk, int C,
                         int NH)
{
    int hs = C / NH;
    double scale = 1.0 / sqrt((double)hs);
    for (int h = 0; h < NH; h++)
        for (int t = 0; t < T; t++) {
            float *a = att + (size_t)h * T * T + (size_t)t * T;
            const float *q = qkv + (size_t)t * 3 * C + h * hs;
            for (int u = 0; u < Tk; u++) {
                const float *k = qkv + (size_t)u * 3 * C + C + h * hs;
                double s = 0;
                for (int i = 0; i < hs; i++)
                    s += (double)q[i] * k[i];
                a[u] = (float)(s * scale);
            }
            softmax_row(a, Tk);
            for (int i = 0; i < hs; i++) {
                double s = 0;
                for (int u = 0; u < Tk; u++)
                    s += (double)a[u] * qkv[(size_t)u * 3 * C + 2 * C + h * hs + i];
                out[(size_t)t * C + h * hs + i] = (float)s;
            }
        }
}

CR_CLONES
void cr_op_gelu_fwd(float *out, const float *inp, size_t n)
{
    const float k = 0.7978845608028654f; /* sqrt(2/pi) */
#pragma omp parallel for simd if (n > 65536)
    for (size_t i = 0; i < n; i++) {
        float x = inp[i];
        out[i] = 0.5f * x * (1.0f + fast_tanhf(k * (x + 0.044715f * x * x * x)));
    }
}

void cr_op_add(float *out, const float *inp, size_t n)
{
#pragma omp parallel for if (n > 65536)
    for (size_t i = 0; i < n; i++)
        out[i] += inp[i];
}

CR_CLONES
void cr_op_head_pick(const float *logits, int n, int V, const uint32_t *target,
                     uint32_t *argmax, float *logp)
{
#pragma omp parallel for
    for (int r = 0; r < n; r++) {
        const float *x = logits + (size_t)r * V;
        int best;
        float lse = cr_op_logsumexp(x, V, &best);
        if (argmax)
            argmax[r] = (uint32_t)best;
        if (logp && target)
            logp[r] = x[target[r]] - lse;
    }
}

void cr_op_head_fwd(const float *h, const float *w, const uint32_t *target, int T, int C,
                    int V, float *logits, int chunk, uint32_t *argmax, float *logp)
{
    for (int t0 = 0; t0 < T; t0 += chunk) {
        int n = T - t0 < chunk ? T - t0 : chunk;
        cr_op_matmul_fwd(logits, h + (size_t)t0 * C, w, NULL, n, C, V);
        cr_op_head_pick(logits, n, V, target ? target + t0 : NULL, argmax ? argmax + t0 : NULL,
                        logp ? logp + t0 : NULL);
    }
}

void cr_op_layernorm_bwd(float *dinp, float *dw, float *db, const float *dout,
                         const float *inp, const float *w, const float *mean,
                         const float *rstd, int T, int C)
{
#pragma omp parallel for if (T > 64)
    for (int t = 0; t < T; t++) {
        const float *dy = dout + (size_t)t * C, *x = inp + (size_t)t * C;
        float *dx = dinp + (size_t)t * C, m = mean[t], s = rstd[t];
        double dnorm_mean = 0, dnorm_norm_mean = 0;
        for (int i = 0; i < C; i++) {
            float norm = (x[i] - m) * s, dnorm = w[i] * dy[i];
            dnorm_mean += dnorm;
            dnorm_norm_mean += dnorm * norm;
        }
        dnorm_mean /= C;
        dnorm_norm_mean /= C;
        for (int i = 0; i < C; i++) {
            float norm = (x[i] - m) * s, dnorm = w[i] * dy[i];
            dx[i] += s * (dnorm - (float)dnorm_mean - norm * (float)dnorm_norm_mean);
        }
    }
    /* the parameter gradients sum over rows: split the channels instead */
#pragma omp parallel for if (T > 64)
    for (int i = 0; i < C; i++) {
        float sw = 0, sb = 0;
        for (int t = 0; t < T; t++) {
            float dy = dout[(size_t)t * C + i];
            sb += dy;
            sw += (inp[(size_t)t * C + i] - mean[t]) * rstd[t] * dy;
        }
        db[i] += sb;
        dw[i] += sw;
    }
}

void cr_op_matmul_bwd(float *dinp, float *dw, float *dbias, const float *dout,
                      const float *inp, const float *w, int T, int C, int OC)
{
    if (dinp)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, C, OC, 1.0f, dout, OC, w, C,
                    1.0f, dinp, C);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, T, 1.0f, dout, OC, inp, C,
                1.0f, dw, C);
    if (dbias)
        cr_op_bias_bwd(dbias, dout, T, OC);
}

void cr_op_bias_bwd(float *dbias, const float *dout, int T, int OC)
{
    /* a strip of 64 columns at a time, its rows read in order (a column at a time would
     * read one float of each row's cache line) */
    enum { W = 64 };
#pragma omp parallel for if ((long)T * OC > 1L << 16) schedule(static)
    for (int o0 = 0; o0 < OC; o0 += W) {
        int w = OC - o0 < W ? OC - o0 : W;
        float sum[W] = {0};
        for (int t = 0; t < T; t++) {
            const float *r = dout + (size_t)t * OC + o0;
            for (int j = 0; j < w; j++)
                sum[j] += r[j];
        }
        for (int j = 0; j < w; j++)
            dbias[o0 + j] += sum[j];
    }
}

void cr_op_attention_bwd(float *dqkv, float *scratch, const float *dout, const float *att,
                         const float *qkv, int T, int Tk, int C, int NH)
{
    cr_op_attention_rows_bwd(dqkv, scratch, dout, att, qkv, T, Tk, 0, C, NH);
}

void cr_op_attention_rows_bwd(float *dqkv, float *scratch, const float *dout, const float *att,
                              const float *qkv, int T, int Tk, int q0, int C, int NH)
{
    int hs = C / NH, nq = T - q0;
    float scale = 1.0f / sqrtf((float)hs);
    for (int h = 0; h < NH; h++) {
        const float *a = att + (size_t)h * T * T;
        const float *q = qkv + (size_t)q0 * 3 * C + h * hs, *k = qkv + C + h * hs,
                    *v = qkv + 2 * C + h * hs;
        float *dq = dqkv + (size_t)q0 * 3 * C + h * hs, *dk = dqkv + C + h * hs,
              *dv = dqkv + 2 * C + h * hs;
        const float *dy = dout + h * hs;
        float *ds = scratch;
        /* dP (nq,Tk) = dy (nq,hs) v (Tk,hs)^T */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, Tk, hs, 1.0f, dy, C, v, 3 * C,
                    0.0f, ds, T);
        /* dv (Tk,hs) += P^T (Tk,nq) dy (nq,hs) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Tk, hs, nq, 1.0f, a, T, dy, C,
                    1.0f, dv, 3 * C);
        /* dS (nq,Tk): through the softmax, times the score scale */
        cr_op_softmax_rows_bwd(ds, a, nq, (size_t)T, Tk, scale);
        /* dq (nq,hs) += dS (nq,Tk) k (Tk,hs); dk (Tk,hs) += dS^T q */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nq, hs, Tk, 1.0f, ds, T, k,
                    3 * C, 1.0f, dq, 3 * C);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Tk, hs, nq, 1.0f, ds, T, q, 3 * C,
                    1.0f, dk, 3 * C);
    }
}

CR_CLONES
void cr_op_gelu_bwd(float *dinp, const float *inp, const float *dout, size_t n)
{
    const float k = 0.7978845608028654f;
#pragma omp parallel for simd if (n > 65536)
    for (size_t i = 0; i < n; i++) {
        float x = inp[i], u = k * (x + 0.044715f * x * x * x), th = fast_tanhf(u);
        float sech2 = 1.0f - th * th;
        float g = 0.5f * (1.0f + th) + 0.5f * x * sech2 * k * (1.0f + 3.0f * 0.044715f * x * x);
        dinp[i] += g * dout[i];
    }
}

CR_CLONES
double cr_op_head_grad(float *logits, const uint32_t *target, int n, int V, float scale,
                       long *hits)
{
    double loss = 0;
    long hit = 0;
#pragma omp parallel for reduction(+ : loss, hit)
    for (int r = 0; r < n; r++) {
        float *x = logits + (size_t)r * V, mx = x[0];
        int best = 0;
#pragma omp simd reduction(max : mx)
        for (int i = 1; i < V; i++)
            mx = x[i] > mx ? x[i] : mx;
        while (best < V - 1 && x[best] != mx) /* a NaN row has no max: stop at V-1 */
            best++;
        float sum = 0, xy = x[target[r]] - mx;
#pragma omp simd reduction(+ : sum)
        for (int i = 0; i < V; i++) {
            x[i] = fast_expf(x[i] - mx);
            sum += x[i];
        }
        uint32_t y = target[r];
        loss += log(sum) - xy; /* not log(x[y]): exp may underflow to 0 there */
        hit += (uint32_t)best == y;
        float inv = (float)(1.0 / sum);
        for (int i = 0; i < V; i++)
            x[i] *= inv * scale;
        x[y] -= scale;
    }
    if (hits)
        *hits += hit;
    return loss;
}

double cr_op_head_bwd(float *dh, float *dw, const float *h, const float *w,
                      const uint32_t *target, int T, int C, int V, float scale, float *logits,
                      int chunk, long *hits)
{
    double loss = 0;
    for (int t0 = 0; t0 < T; t0 += chunk) {
        int n = T - t0 < chunk ? T - t0 : chunk;
        cr_op_matmul_fwd(logits, h + (size_t)t0 * C, w, NULL, n, C, V);
        loss += cr_op_head_grad(logits, target + t0, n, V, scale, hits);
        /* logits now hold dL/dlogits for the chunk */
        cr_op_matmul_bwd(dh + (size_t)t0 * C, dw, NULL, logits, h + (size_t)t0 * C, w, n, C, V);
    }
    return loss;
}

CR_CLONES
float cr_op_logsumexp(const float *x, int n, int *best)
{
    float mx = x[0], sum = 0;
    int b = 0;
#pragma omp simd reduction(max : mx)
    for (int i = 1; i < n; i++)
        mx = x[i] > mx ? x[i] : mx;
    while (b < n - 1 && x[b] != mx) /* a NaN row has no max: stop at n-1 */
        b++;
#pragma omp simd reduction(+ : sum)
    for (int i = 0; i < n; i++)
        sum += fast_expf(x[i] - mx);
    if (best)
        *best = b;
    return mx + logf(sum);
}

CR_CLONES
int cr_op_argmax(const float *x, int n)
{
    float mx = x[0];
    int b = 0;
    if (mx != mx) /* x[0] is NaN: nothing compares greater */
        return 0;
#pragma omp simd reduction(max : mx)
    for (int i = 1; i < n; i++)
        mx = x[i] > mx ? x[i] : mx;
    while (b < n - 1 && x[b] != mx)
        b++;
    return b;
}

CR_CLONES
void cr_op_softmax_lse(float *x, int n, float lse, float scale)
{
#pragma omp simd
    for (int i = 0; i < n; i++)
        x[i] = fast_expf(x[i] - lse) * scale;
}
