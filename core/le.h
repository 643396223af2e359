/* Little-endian load/store helpers: every integer in a cr file goes through these. */
#ifndef CR_LE_H
#define CR_LE_H

#include <stdint.h>
#include <string.h>

static inline uint16_t cr_le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t cr_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t cr_le64(const unsigned char *p)
{
    return (uint64_t)cr_le32(p) | (uint64_t)cr_le32(p + 4) << 32;
}
static inline void cr_put16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static inline void cr_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}
static inline void cr_put64(unsigned char *p, uint64_t v)
{
    cr_put32(p, (uint32_t)v);
    cr_put32(p + 4, (uint32_t)(v >> 32));
}
static inline float cr_lef32(const unsigned char *p)
{
    uint32_t u = cr_le32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static inline void cr_putf32(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    cr_put32(p, u);
}

#endif
