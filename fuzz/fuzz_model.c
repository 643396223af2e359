/* cr_ae_load (core/aefile.h) on a model file: absurd dimensions, tensor tables and sizes must
 * be refused before anything is allocated for them, and a model the loader accepts must run.
 *
 * Input: a mode byte, then the file. Mode bits: FZ_RESEAL recomputes the header checksum
 * and the parameter checksum (the framing of cr-model(5), walked as the loader walks it);
 * 4 encodes and decodes a block of the file's first bytes with the model it loaded. */
#include "fuzz.h"
#include "../core/aefile.h"

#define FIXED 16
#define ALIGN 64

/* The header checksum after the tensor table, the parameter checksum at the end. */
static void reseal_model(unsigned char *b, size_t len)
{
    if (len < FIXED + 8 || memcmp(b, CR_MODEL_MAGIC, 4) != 0)
        return;
    size_t ml = cr_le32(b + 8), n = cr_le32(b + 12), end = FIXED + ml;
    if (ml > len || n > 100000)
        return;
    for (size_t i = 0; i < n; i++) {
        if (end + 1 > len || end + 1 + b[end] + 2 > len)
            return;
        size_t nl = b[end];
        end += 1 + nl + 2 + (b[end + 2 + nl] == 1 ? 4 : 8) + 16;
    }
    if (end + 8 > len)
        return;
    cr_put64(b + end, XXH3_64bits(b, end));
    size_t data_at = (end + 8 + ALIGN - 1) / ALIGN * ALIGN;
    if (data_at + 8 <= len)
        cr_put64(b + len - 8, XXH3_64bits(b + data_at, len - 8 - data_at));
}

/* A block of the input's bytes through the model: whatever config it accepted runs. */
static void run(const cr_ae *ae, const unsigned char *p, size_t n)
{
    const cr_ae_config *c = &ae->cfg;
    cr_ae_scratch *r;
    int T = c->L < 8 ? c->L : 8, S = cr_ae_slots(c);
    uint32_t ids[8], am[8];
    float lp[8];

    if ((double)c->V * c->C > 1e6 || c->L > 512 || (double)c->F * c->C > 1e6)
        return; /* an iteration stays short (the file bounds the rest) */
    for (int i = 0; i < T; i++)
        ids[i] = (uint32_t)(i < (int)n ? p[i] : i) % (uint32_t)c->V;
    float *z = malloc((size_t)S * c->C * sizeof *z);
    FZ_ASSERT(z != NULL);
    FZ_ASSERT(cr_ae_scratch_new(&r, c) == CR_OK);
    FZ_ASSERT(cr_ae_encode(ae, r, ids, T, z) == CR_OK);
    cr_ae_decode(ae, r, z, T, ids, am, lp);
    for (int i = 0; i < T; i++)
        FZ_ASSERT(am[i] < (uint32_t)c->V);
    cr_ae_scratch_free(r);
    free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    unsigned char *p = fz_copy(data + 1, n);
    char path[64];
    cr_ae *ae;
    cr_diag d;
    int rc;

    if (data[0] & FZ_RESEAL)
        reseal_model(p, n);
    int fd = fz_file(p, n, path, sizeof path);
    if ((rc = cr_ae_load(&ae, path, &d)) < 0) {
        fz_check_diag(rc, &d);
        FZ_ASSERT(ae == NULL);
    } else {
        FZ_ASSERT(ae != NULL && ae->map != NULL && ae->map_len == n);
        FZ_ASSERT(cr_ae_config_check(&ae->cfg, NULL) == CR_OK);
        FZ_ASSERT(cr_ae_nparams(&ae->cfg) * (ae->dtype == CR_DTYPE_BF16 ? 2 : 4) < n);
        if (data[0] & 4)
            run(ae, p, n);
        cr_ae_free(ae);
    }
    close(fd);
    free(p);
    return 0;
}
