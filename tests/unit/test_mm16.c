/* bf16 matrix products (core/mm16.h) against fp32, and a model run through them against
 * the same model in fp32. Where the CPU has no AVX512-BF16 only the refusals are checked
 * (and that is said). */
#include "../../core/ae.h"
#include "../../core/attn16.h"
#include "../../core/mm16.h"
#include "../../core/ops.h"
#include "check.h"

#include <stdint.h>
#include <stdlib.h>

static uint32_t seed = 2463534242u;
static float rnd(void) /* in [-1, 1) */
{
    seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
    return (float)(seed >> 8) / 8388608.0f - 1.0f;
}

/* Values with at most 8 significant bits are bf16 exactly: then the only difference from
 * fp32 is the order of the sums, at every shape (edges of the 8 x 32 tiles, odd K, T < 8,
 * N < 16, bias or not). On random values the error is the inputs' rounding. */
static void test_products(void)
{
    static const int shapes[][3] = {{1, 1, 1},   {7, 5, 3},    {8, 32, 2},  {9, 33, 17},
                                    {13, 47, 95}, {31, 16, 64}, {33, 31, 1}, {64, 100, 256},
                                    {70, 769, 257}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int T = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
        float *a = malloc(sizeof(float) * T * K), *w = malloc(sizeof(float) * N * K);
        float *b = malloc(sizeof(float) * N), *c = malloc(sizeof(float) * T * N);
        float *ref = malloc(sizeof(float) * T * N);
        for (int exact = 1; exact >= 0; exact--) {
            for (int i = 0; i < T * K; i++)
                a[i] = exact ? (float)((int)(rnd() * 128)) / 64 : rnd();
            for (int i = 0; i < N * K; i++)
                w[i] = exact ? (float)((int)(rnd() * 128)) / 128 : rnd();
            for (int i = 0; i < N; i++)
                b[i] = rnd();
            cr_mm16 *m = cr_mm16_pack(w, N, K);
            CHECK(m != NULL);
            if (!m)
                continue;
            for (int bias = 0; bias < 2; bias++) {
                cr_op_matmul_ref(ref, a, w, bias ? b : NULL, T, K, N);
                for (int i = 0; i < T * N; i++)
                    c[i] = NAN;
                cr_mm16_mul(c, a, T, m, bias ? b : NULL);
                double e = 0, big = 0;
                for (int i = 0; i < T * N; i++) {
                    e = fmax(e, fabs((double)c[i] - ref[i])); /* a NaN left fails below */
                    big = fmax(big, fabs((double)ref[i]));
                    if (!(c[i] == c[i]))
                        e = INFINITY;
                }
                if (exact)
                    CHECK_AT(e <= 1e-6 * (big + 1), "T %d N %d K %d bias %d: off by %g",
                             T, N, K, bias, e);
                else
                    CHECK_AT(e <= 1e-2 * big + 1e-6, "T %d N %d K %d bias %d: off by %g of %g",
                             T, N, K, bias, e, big);
            }
            cr_mm16_free(m);
        }
        free(a), free(w), free(b), free(c), free(ref);
    }
}

/* Training's products: either operand read through strides (row-major, transposed, and
 * neither), into rows of out as wide as N or wider, added to what out holds, in room made
 * once for a larger matrix that held other values before, rounded rows in the caller's
 * scratch or the call's own (nothing left in either may show). Exact values, so any
 * layout slip shows. */
static void test_strided(void)
{
    static const int shapes[][3] = {{1, 1, 1},  {7, 5, 3},   {8, 32, 2},  {9, 33, 17},
                                    {17, 47, 96}, {33, 16, 65}, {64, 100, 256}};
    enum { NMAX = 128, KMAX = 300, TMAX = 64 };
    cr_mm16 *m = cr_mm16_new(NMAX, KMAX);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK(cr_mm16_load(m, (float[]){1}, NMAX + 1, 1, 1, 1) == -1);
    CHECK(cr_mm16_load(m, (float[]){1}, 1, KMAX + 1, 1, 1) == -1);
    float *junk = malloc(sizeof(float) * NMAX * KMAX);
    float *a = malloc(sizeof(float) * TMAX * KMAX), *at = malloc(sizeof(float) * TMAX * KMAX);
    float *a2 = malloc(sizeof(float) * 4 * TMAX * KMAX), *w = malloc(sizeof(float) * NMAX * KMAX);
    float *wt = malloc(sizeof(float) * NMAX * KMAX), *w2 = malloc(sizeof(float) * 4 * NMAX * KMAX);
    float *b = malloc(sizeof(float) * NMAX), *c = malloc(sizeof(float) * TMAX * (NMAX + 3));
    float *ref = malloc(sizeof(float) * TMAX * NMAX), *prev = malloc(sizeof(float) * TMAX * NMAX);
    for (int i = 0; i < NMAX * KMAX; i++)
        junk[i] = 1e3f * rnd();
    /* room for the rounded rows of the largest product, left holding junk between uses */
    size_t sb = cr_mm16_scratch_bytes(TMAX, KMAX);
    void *scratch = malloc(sb);
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int T = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
        for (int i = 0; i < T; i++)
            for (int k = 0; k < K; k++) {
                float v = (float)((int)(rnd() * 128)) / 64;
                a[i * K + k] = at[k * T + i] = a2[2 * i + (size_t)k * 2 * T] = v;
            }
        for (int j = 0; j < N; j++)
            for (int k = 0; k < K; k++) {
                float v = (float)((int)(rnd() * 128)) / 128;
                w[j * K + k] = wt[k * N + j] = w2[2 * j + (size_t)k * 2 * N] = v;
            }
        for (int i = 0; i < N; i++)
            b[i] = rnd();
        for (int i = 0; i < T * N; i++)
            prev[i] = rnd();
        for (int wl = 0; wl < 3; wl++)
            for (int al = 0; al < 3; al++)
                for (int acc = 0; acc < 2; acc++) {
                    int bias = (wl + al + acc) % 2;
                    CHECK(cr_mm16_load(m, junk, NMAX, KMAX, KMAX, 1) == 0);
                    memset(scratch, 0x5a, sb);
                    int rc = wl == 0   ? cr_mm16_load(m, w, N, K, (size_t)K, 1)
                             : wl == 1 ? cr_mm16_load(m, wt, N, K, 1, (size_t)N)
                                       : cr_mm16_load(m, w2, N, K, 2, 2 * (size_t)N);
                    CHECK(rc == 0);
                    /* out's rows as wide as N, or wider: the columns past N stay as they were */
                    size_t ldo = (size_t)N + (size_t)((wl + al) % 2) * 3;
                    cr_op_matmul_ref(ref, a, w, bias ? b : NULL, T, K, N);
                    for (int i = 0; i < T; i++)
                        for (size_t j = 0; j < ldo; j++)
                            c[i * ldo + j] = j >= (size_t)N ? 7.0f : acc ? prev[i * N + j] : NAN;
                    for (int i = 0; i < T * N; i++)
                        ref[i] += acc ? prev[i] : 0;
                    const float *bb = bias ? b : NULL;
                    if (al == 0)
                        cr_mm16_gemm(c, ldo, a, (size_t)K, 1, T, m, bb, acc, NULL);
                    else if (al == 1)
                        cr_mm16_gemm(c, ldo, at, 1, (size_t)T, T, m, bb, acc, scratch);
                    else
                        cr_mm16_gemm(c, ldo, a2, 2, 2 * (size_t)T, T, m, bb, acc, scratch);
                    double e = 0, big = 0;
                    for (int i = 0; i < T; i++)
                        for (size_t j = 0; j < ldo; j++) {
                            double x = c[i * ldo + j], r = j < (size_t)N ? ref[i * N + j] : 7.0;
                            e = fmax(e, fabs(x - r));
                            big = fmax(big, fabs(r));
                            if (!(x == x))
                                e = INFINITY;
                        }
                    CHECK_AT(e <= 1e-6 * (big + 1), "T %d N %d K %d w %d a %d acc %d: off by %g",
                             T, N, K, wl, al, acc, e);
                }
    }
    cr_mm16_free(m);
    free(junk), free(a), free(at), free(a2), free(w), free(wt), free(w2), free(b), free(c);
    free(ref), free(prev), free(scratch);
}

/* Every path rounds as the instructions do: a value at a position the vector code reads
 * (k < 32) and the same value at one the scalar edge reads (k >= 32, K = 40) give the
 * same product: a denormal counts as zero, a value beyond bf16's range as infinity. */
static void test_rounding_alike(void)
{
    enum { K = 40 };
    const float vals[] = {1e-39f, -2e-40f, 3.4e38f, -3.4e38f, 1.00390625f, 3.0f};
    for (size_t v = 0; v < sizeof vals / sizeof *vals; v++) {
        float out[2], w[K] = {0}, a[K] = {0};
        const int at[2] = {3, 35};
        for (int i = 0; i < 2; i++) {
            for (int k = 0; k < K; k++)
                w[k] = a[k] = 0;
            w[at[i]] = 1.0f, a[at[i]] = vals[v];
            cr_mm16 *m = cr_mm16_pack(w, 1, K);
            CHECK(m != NULL);
            if (!m)
                return;
            cr_mm16_mul(&out[i], a, 1, m, NULL);
            cr_mm16_free(m);
            /* and a rounded as the packed side */
            w[at[i]] = vals[v], a[at[i]] = 1.0f;
            m = cr_mm16_pack(w, 1, K);
            float o2 = NAN;
            if (m)
                cr_mm16_mul(&o2, a, 1, m, NULL);
            cr_mm16_free(m);
            CHECK_AT(o2 == out[i] || (o2 != o2 && out[i] != out[i]),
                     "%g at k %d: %g as a, %g as w", vals[v], at[i], out[i], o2);
        }
        CHECK_AT(out[0] == out[1], "%g: %g at k 3, %g at k 35", vals[v], out[0], out[1]);
        if (fabsf(vals[v]) < 1e-37f)
            CHECK_AT(out[0] == 0, "denormal %g gave %g", vals[v], out[0]);
        if (fabsf(vals[v]) > 3.39e38f)
            CHECK_AT(isinf(out[0]), "%g gave %g", vals[v], out[0]);
    }
}

/* Attention in bf16 against ops.c's fp32 on random rows: every query row (q0 = 0) or the
 * last few (q0 > 0, as the encoder's last layer), keys of every row or of the first few
 * (Tk < T, as a decoder layer that sees z alone), one head or several, in one workspace
 * made for a larger block; the outputs, the
 * softmax weights and the gradients of q, k and v within the inputs' rounding (a wrong
 * offset or orientation would be off by the values' own size). */
static double rel_err(const float *x, const float *ref, size_t n)
{
    double e = 0, big = 0;
    for (size_t i = 0; i < n; i++) {
        e = fmax(e, fabs((double)x[i] - ref[i]));
        big = fmax(big, fabs((double)ref[i]));
        if (!(x[i] == x[i]))
            e = INFINITY;
    }
    return e / (big + 1e-30);
}

static void test_attention(void)
{
    static const int cases[][5] = {/* T Tk q0 C NH */ {40, 40, 0, 64, 1},  {40, 40, 0, 64, 2},
                                   {70, 70, 62, 64, 4}, {70, 8, 0, 64, 2},  {33, 33, 0, 96, 3},
                                   {130, 130, 0, 128, 2}};
    /* one workspace for every case, made for the largest block: its room outlasts each */
    cr_attn16 *w = cr_attn16_new(140, 128, 2);
    CHECK(w != NULL);
    for (size_t c = 0; w && c < sizeof cases / sizeof *cases; c++) {
        int T = cases[c][0], Tk = cases[c][1], q0 = cases[c][2], C = cases[c][3],
            NH = cases[c][4], nq = T - q0;
        size_t nqkv = (size_t)T * 3 * C, natt = (size_t)NH * T * T;
        float *qkv = malloc(sizeof(float) * nqkv), *dout = malloc(sizeof(float) * nq * C);
        float *o32 = malloc(sizeof(float) * nq * C), *o16 = malloc(sizeof(float) * nq * C);
        float *a32 = calloc(natt, sizeof(float)), *a16 = calloc(natt, sizeof(float));
        float *g32 = calloc(nqkv, sizeof(float)), *g16 = calloc(nqkv, sizeof(float));
        float *ds = malloc(sizeof(float) * T * T);
        for (size_t i = 0; i < nqkv; i++)
            qkv[i] = 2 * rnd();
        for (int i = 0; i < nq * C; i++)
            dout[i] = rnd();
        for (size_t i = 0; i < nqkv; i++) /* gradients add to what is there */
            g32[i] = g16[i] = 1e-3f * rnd();
        cr_op_attention_rows_fwd(o32, a32, qkv, T, Tk, q0, C, NH);
        cr_attn16_fwd(w, o16, a16, qkv, T, Tk, q0, C, NH);
        cr_op_attention_rows_bwd(g32, ds, dout, a32, qkv, T, Tk, q0, C, NH);
        cr_attn16_bwd(w, g16, ds, dout, a16, qkv, T, Tk, q0, C, NH);
        /* the softmax weights of the rows computed, the keys they see */
        double ea = 0;
        for (int h = 0; h < NH; h++)
            for (int t = 0; t < nq; t++)
                for (int u = 0; u < Tk; u++) {
                    size_t i = ((size_t)h * T + t) * T + u;
                    ea = fmax(ea, fabs((double)a16[i] - a32[i]));
                }
        double eo = rel_err(o16, o32, (size_t)nq * C), eg = rel_err(g16, g32, nqkv);
        if (getenv("CR_TEST_VERBOSE"))
            printf("attention T %d Tk %d q0 %d: %g %g %g\n", T, Tk, q0, ea, eo, eg);
        CHECK_AT(ea < 0.02 && eo < 0.02 && eg < 0.02,
                 "T %d Tk %d q0 %d C %d NH %d: weights off by %g, out by %g, gradient by %g", T,
                 Tk, q0, C, NH, ea, eo, eg);
        free(qkv), free(dout), free(o32), free(o16), free(a32), free(a16), free(g32), free(g16);
        free(ds);
    }
    cr_attn16_free(w);
}

/* The tiny preset, with the full head or the adaptive one, random weights: decode the
 * same z in fp32 and through the bf16 copies; the log-probabilities stay close and the
 * argmax agrees almost everywhere; cr_ae_use_bf16 packs once (a second call changes
 * nothing). */
static void test_model(int asm_n)
{
    cr_ae_config c;
    cr_diag d;
    cr_ae *ae;
    CHECK(cr_ae_preset(&c, "tiny") == CR_OK);
    if (asm_n)
        c.asm_n = asm_n, c.asm_k0 = 512;
    CHECK(cr_ae_new_random(&ae, &c, 7, &d) == CR_OK);
    int n = c.L, S = cr_ae_slots(&c);
    uint32_t *ids = malloc(sizeof *ids * n), *am0 = malloc(sizeof *am0 * n);
    uint32_t *am1 = malloc(sizeof *am1 * n);
    float *z0 = malloc(sizeof(float) * S * c.C), *z1 = malloc(sizeof(float) * S * c.C);
    float *lp0 = malloc(sizeof(float) * n), *lp1 = malloc(sizeof(float) * n);
    cr_ae_scratch *r;
    CHECK(cr_ae_scratch_new(&r, &c) == CR_OK);
    for (int i = 0; i < n; i++)
        ids[i] = (uint32_t)(i * 7919) % (uint32_t)c.V;
    CHECK(cr_ae_encode(ae, r, ids, n, z0) == CR_OK);
    CHECK(cr_ae_decode(ae, r, z0, n, ids, am0, lp0) == CR_OK);
    CHECK_EQ(cr_ae_use_bf16(ae), 1);
    CHECK(ae->p.enc[0].qkv16 && ae->p.dec[0].fc2_16 && ae->head16);
    const struct cr_mm16 *q = ae->p.enc[0].qkv16;
    CHECK_EQ(cr_ae_use_bf16(ae), 1);
    CHECK(ae->p.enc[0].qkv16 == q);
    CHECK(cr_ae_encode(ae, r, ids, n, z1) == CR_OK);
    double ez = 0, zmax = 0;
    for (int i = 0; i < S * c.C; i++)
        ez = fmax(ez, fabs((double)z1[i] - z0[i])), zmax = fmax(zmax, fabs((double)z0[i]));
    CHECK_AT(ez <= 0.05 * zmax, "z off by %g of %g", ez, zmax);
    CHECK(cr_ae_decode(ae, r, z0, n, ids, am1, lp1) == CR_OK);
    double el = 0, s0 = 0, s1 = 0;
    int same = 0;
    for (int i = 0; i < n; i++) {
        el = fmax(el, fabs((double)lp1[i] - lp0[i]));
        s0 += lp0[i], s1 += lp1[i];
        same += am0[i] == am1[i];
    }
    CHECK_AT(el < 0.05, "a log-probability off by %g nats", el);
    CHECK_AT(fabs(s1 - s0) / n < 0.005, "mean log-probability off by %g nats", fabs(s1 - s0) / n);
    CHECK_AT(same >= n * 95 / 100, "argmax the same at %d of %d", same, n);
    cr_ae_scratch_free(r);
    cr_ae_free(ae);
    free(ids), free(am0), free(am1), free(z0), free(z1), free(lp0), free(lp1);
}

int main(void)
{
    if (!cr_mm16_available()) {
        float w = 1;
        CHECK(cr_mm16_pack(&w, 1, 1) == NULL);
        CHECK(cr_mm16_new(1, 1) == NULL);
        CHECK(cr_attn16_new(8, 8, 1) == NULL);
        printf("mm16: this CPU has no AVX512-BF16: only the refusal checked\n");
        return check_summary("mm16");
    }
    float w[2] = {1, 2};
    CHECK(cr_mm16_pack(w, 1, CR_MM16_MAX_K + 1) == NULL);
    CHECK(cr_mm16_pack(w, 0, 2) == NULL);
    test_products();
    test_strided();
    test_rounding_alike();
    test_attention();
    test_model(0);
    test_model(2);
    return check_summary("mm16");
}
