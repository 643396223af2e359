#include "blockrec.h"

#include <math.h>

#include "bf16.h"
#include "le.h"

size_t cr_lat_size(uint32_t n, int MC, int bf16)
{
    return cr_block_size(n) + (bf16 ? 2 : 4) * (size_t)MC;
}

void cr_lat_write(const cr_block *b, const float *z, int MC, int bf16, unsigned char *p)
{
    cr_block_write(b, p);
    p += cr_block_size(b->n);
    for (int i = 0; i < MC; i++, p += bf16 ? 2 : 4)
        if (bf16)
            cr_put16(p, cr_f32_to_bf16(z[i]));
        else
            cr_putf32(p, z[i]);
}

/* The block record's size is known from its n field once it is there. */
static int block_part(cr_block *b, const unsigned char *p, size_t len, size_t extra_per_tok,
                      size_t extra, uint32_t vocab_size, cr_diag *d)
{
    if (len < 40)
        return cr_diag_set(d, CR_E_FORMAT, "record of %zu bytes is too short", len);
    uint32_t n = cr_le32(p + 32);
    if (n == 0 || n > CR_BLOCK_MAX_TOKENS)
        return cr_diag_set(d, CR_E_VALUE, "block with %u tokens", n);
    size_t bs = cr_block_size(n);
    if (len != bs + extra_per_tok * n + extra)
        return cr_diag_set(d, CR_E_FORMAT, "record of %zu bytes for a block of %u tokens", len,
                           n);
    return cr_block_read(b, p, bs, vocab_size, d);
}

int cr_lat_read(cr_block *b, float *z, int MC, int bf16, const unsigned char *p, size_t len,
                uint32_t vocab_size, cr_diag *d)
{
    int rc = block_part(b, p, len, 0, (bf16 ? 2 : 4) * (size_t)MC, vocab_size, d);
    if (rc < 0)
        return rc;
    p += cr_block_size(b->n);
    for (int i = 0; i < MC; i++, p += bf16 ? 2 : 4) {
        z[i] = bf16 ? cr_bf16_to_f32(cr_le16(p)) : cr_lef32(p);
        if (!isfinite(z[i]))
            return cr_diag_set(d, CR_E_VALUE, "latent value %d is not a finite number", i);
    }
    return CR_OK;
}

size_t cr_recon_size(uint32_t n)
{
    return cr_block_size(n) + 8 * (size_t)n;
}

void cr_recon_write(const cr_block *b, const uint32_t *argmax, const float *logp,
                    unsigned char *p)
{
    cr_block_write(b, p);
    p += cr_block_size(b->n);
    for (uint32_t i = 0; i < b->n; i++, p += 4)
        cr_put32(p, argmax[i]);
    for (uint32_t i = 0; i < b->n; i++, p += 4)
        cr_putf32(p, logp[i]);
}

int cr_recon_read(cr_block *b, uint32_t *argmax, float *logp, const unsigned char *p,
                  size_t len, uint32_t vocab_size, cr_diag *d)
{
    int rc = block_part(b, p, len, 8, 0, vocab_size, d);
    if (rc < 0)
        return rc;
    p += cr_block_size(b->n);
    for (uint32_t i = 0; i < b->n; i++, p += 4)
        if ((argmax[i] = cr_le32(p)) >= vocab_size)
            return cr_diag_set(d, CR_E_VALUE, "predicted id %u is beyond the vocabulary",
                               argmax[i]);
    for (uint32_t i = 0; i < b->n; i++, p += 4) {
        logp[i] = cr_lef32(p);
        if (!(logp[i] <= 0.0f)) /* also rejects NaN */
            return cr_diag_set(d, CR_E_VALUE, "log-probability %g of token %u", logp[i], i);
    }
    return CR_OK;
}
