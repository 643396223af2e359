/* A small reproducible random source (splitmix64) for initialisation and sampling. */
#ifndef CR_RNG_H
#define CR_RNG_H

#include <math.h>
#include <stdint.h>

static inline uint64_t cr_rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static inline double cr_rng_uniform(uint64_t *s)
{
    return ((double)(cr_rng_next(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* Standard normal (Box-Muller, one value per call). */
static inline double cr_rng_normal(uint64_t *s)
{
    double u = cr_rng_uniform(s), v = cr_rng_uniform(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

#endif
