/* bf16 matrix products (core/mm16.h) against fp32, and a model run through them against
 * the same model in fp32. Where the CPU has no AVX512-BF16 only the refusals are checked
 * (and that is said). */
#include "../../core/ae.h"
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
        printf("mm16: this CPU has no AVX512-BF16: only the refusal checked\n");
        return check_summary("mm16");
    }
    float w[2] = {1, 2};
    CHECK(cr_mm16_pack(w, 1, CR_MM16_MAX_K + 1) == NULL);
    CHECK(cr_mm16_pack(w, 0, 2) == NULL);
    test_products();
    test_model(0);
    test_model(2);
    return check_summary("mm16");
}
