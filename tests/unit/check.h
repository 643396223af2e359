/* A tiny test harness: CHECK macros count, check_summary prints the totals. */
#ifndef CR_CHECK_H
#define CR_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_pass, check_fail;

#define CHECK_AT(cond, fmt, ...)                                                              \
    do {                                                                                      \
        if (cond)                                                                             \
            check_pass++;                                                                     \
        else {                                                                                \
            check_fail++;                                                                     \
            fprintf(stderr, "%s:%d: %s: " fmt "\n", __FILE__, __LINE__, __func__,             \
                    __VA_ARGS__);                                                             \
        }                                                                                     \
    } while (0)

#define CHECK(cond) CHECK_AT((cond), "%s", #cond)
#define CHECK_EQ(a, b)                                                                        \
    do {                                                                                      \
        long long a_ = (long long)(a), b_ = (long long)(b);                                   \
        CHECK_AT(a_ == b_, "%s == %s (%lld vs %lld)", #a, #b, a_, b_);                         \
    } while (0)
#define CHECK_HAS(s, sub) CHECK_AT(strstr((s), (sub)) != NULL, "'%s' lacks '%s'", (s), (sub))
#define CHECK_NEAR(a, b, atol, rtol)                                                          \
    do {                                                                                      \
        double a_ = (a), b_ = (b);                                                            \
        CHECK_AT(fabs(a_ - b_) <= (atol) + (rtol) * fabs(b_), "%s ~ %s (%.9g vs %.9g)", #a,   \
                 #b, a_, b_);                                                                 \
    } while (0)

static int check_summary(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_pass, check_fail);
    return check_fail != 0;
}

#endif
