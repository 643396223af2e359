/* bf16, the high half of an fp32 value: conversions, rounding to nearest even;
 * values too large for bf16 saturate rather than become infinite. Used by
 * model files (cr-model(5), dtype bf16) and latent streams (latent.dtype bf16). */
#ifndef CR_BF16_H
#define CR_BF16_H

#include <stdint.h>
#include <string.h>

static inline uint16_t cr_f32_to_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffff) > 0x7f800000)
        return (uint16_t)((u >> 16) | 0x40); /* keep NaN a NaN */
    uint32_t r = u + 0x7fff + ((u >> 16) & 1);
    if ((r & 0x7f800000) == 0x7f800000 && (u & 0x7f800000) != 0x7f800000)
        return (uint16_t)(((u >> 16) & 0x8000) | 0x7f7f); /* saturate, not infinity */
    return (uint16_t)(r >> 16);
}

static inline float cr_bf16_to_f32(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

#endif
