#include "ops.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

void cr_op_layernorm_fwd(float *out, float *mean, float *rstd, const float *inp,
                         const float *w, const float *b, int T, int C)
{
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
    if (bias)
        for (int t = 0; t < T; t++)
            cr_op_add(out + (size_t)t * OC, bias, (size_t)OC);
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

static void softmax_row(float *x, int n)
{
    float mx = -INFINITY, sum = 0;
    for (int i = 0; i < n; i++)
        mx = x[i] > mx ? x[i] : mx;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - mx);
        sum += x[i];
    }
    for (int i = 0; i < n; i++)
        x[i] /= sum;
}

void cr_op_attention_fwd(float *out, float *att, const float *qkv, int T, int Tk, int C,
                         int NH)
{
    int hs = C / NH;
    float scale = 1.0f / sqrtf((float)hs);
    for (int h = 0; h < NH; h++) {
        float *a = att + (size_t)h * T * T;
        const float *q = qkv + h * hs, *k = qkv + C + h * hs, *v = qkv + 2 * C + h * hs;
        /* a (T,Tk) = scale * q (T,hs) k (Tk,hs)^T, rows of stride T */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, Tk, hs, scale, q, 3 * C, k,
                    3 * C, 0.0f, a, T);
        for (int t = 0; t < T; t++)
            softmax_row(a + (size_t)t * T, Tk);
        /* out_h (T,hs) = a (T,Tk) v (Tk,hs) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, Tk, 1.0f, a, T, v,
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

void cr_op_gelu_fwd(float *out, const float *inp, size_t n)
{
    const float k = 0.7978845608028654f; /* sqrt(2/pi) */
    for (size_t i = 0; i < n; i++) {
        float x = inp[i];
        out[i] = 0.5f * x * (1.0f + tanhf(k * (x + 0.044715f * x * x * x)));
    }
}

void cr_op_add(float *out, const float *inp, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] += inp[i];
}

void cr_op_head_fwd(const float *h, const float *w, const uint32_t *target, int T, int C,
                    int V, float *logits, int chunk, uint32_t *argmax, float *logp)
{
    for (int t0 = 0; t0 < T; t0 += chunk) {
        int n = T - t0 < chunk ? T - t0 : chunk;
        cr_op_matmul_fwd(logits, h + (size_t)t0 * C, w, NULL, n, C, V);
        for (int r = 0; r < n; r++) {
            const float *x = logits + (size_t)r * V;
            float mx = x[0];
            int best = 0;
            for (int i = 1; i < V; i++)
                if (x[i] > mx) {
                    mx = x[i];
                    best = i;
                }
            double sum = 0;
            for (int i = 0; i < V; i++)
                sum += expf(x[i] - mx);
            if (argmax)
                argmax[t0 + r] = (uint32_t)best;
            if (logp && target)
                logp[t0 + r] = x[target[t0 + r]] - mx - (float)log(sum);
        }
    }
}
