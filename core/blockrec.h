/* Payloads of latent streams (kind CR_KIND_LATENTS) and reconstruction streams
 * (CR_KIND_RECON). Both carry the token block they came from, so that any later stage
 * can score it and map it back to bytes; document records pass through unchanged. */
#ifndef CR_BLOCKREC_H
#define CR_BLOCKREC_H

#include "tokrec.h"

enum { CR_LAT_BLOCK = 4, CR_RECON_BLOCK = 5 };

/* A latent record: the block record, then M*C little-endian values of z: fp32, or bf16
 * (half the size) when bf16 is set (the stream's latent.dtype says which). */
size_t cr_lat_size(uint32_t n, int MC, int bf16);
void cr_lat_write(const cr_block *b, const float *z, int MC, int bf16, unsigned char *p);
int cr_lat_read(cr_block *b, float *z, int MC, int bf16, const unsigned char *p, size_t len,
                uint32_t vocab_size, cr_diag *d);

/* A reconstruction record: the block record, then n u32 argmax ids and n fp32
 * log-probabilities (natural log) of the block's own tokens. */
size_t cr_recon_size(uint32_t n);
void cr_recon_write(const cr_block *b, const uint32_t *argmax, const float *logp,
                    unsigned char *p);
int cr_recon_read(cr_block *b, uint32_t *argmax, float *logp, const unsigned char *p,
                  size_t len, uint32_t vocab_size, cr_diag *d);

#endif
