/* What the libFuzzer targets share (fuzz/README): the input as a stream or as a file,
 * checksums made right again after a mutation, and checks that abort on a broken promise.
 *
 * Most targets read a mode byte first; its bits ask for:
 *   FZ_RESEAL  every stream header and record (or model header and parameters) that fits
 *              gets its XXH3 checksum recomputed, so that mutations reach the checks
 *              behind the checksum instead of stopping at it
 *   FZ_RENUM   record sequence numbers rewritten in order (with FZ_RESEAL)
 * and the rest is the target's own. */
#ifndef CR_FUZZ_H
#define CR_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "../core/err.h"
#include "../core/le.h"
#include "../tok/tok.h"

enum { FZ_RESEAL = 1, FZ_RENUM = 2 };

/* A broken promise of the library: libFuzzer keeps the input that did it. */
#define FZ_ASSERT(x)                                                                          \
    do {                                                                                      \
        if (!(x)) {                                                                           \
            fprintf(stderr, "%s:%d: broken: %s\n", __FILE__, __LINE__, #x);                   \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

/* Every failure sets d to its code with a message. */
static inline void fz_check_diag(int rc, const cr_diag *d)
{
    FZ_ASSERT(rc < 0);
    FZ_ASSERT(d->code == rc);
    FZ_ASSERT(d->msg[0] != 0);
    FZ_ASSERT(memchr(d->msg, 0, sizeof d->msg) != NULL);
}

/* Reads every byte of p[0..n), so that the sanitizer sees a promise of n readable bytes. */
static volatile unsigned char fz_sink;
static inline void fz_touch(const void *p, size_t n)
{
    unsigned char x = 0;
    for (size_t i = 0; i < n; i++)
        x ^= ((const unsigned char *)p)[i];
    fz_sink = x;
}

/* A writable copy of n bytes (libFuzzer's own are read-only); never NULL. */
static inline unsigned char *fz_copy(const uint8_t *data, size_t n)
{
    unsigned char *p = malloc(n ? n : 1);
    if (!p)
        abort();
    if (n)
        memcpy(p, data, n);
    return p;
}

/* Rewrites the checksum (and with FZ_RENUM the sequence number) of every stream header and
 * record of p[0..n) that is there whole, walking the framing of cr-stream(5); stops at the
 * first thing that is not framing or is cut short. */
static inline void fz_reseal_stream(unsigned char *p, size_t n, int mode)
{
    size_t at = 0;
    uint64_t seq = 0;
    int in_stream = 0;

    if (!(mode & FZ_RESEAL))
        return;
    while (at < n) {
        size_t room = n - at, body;
        if (!in_stream) {
            if (room < 12 || memcmp(p + at, "\x89" "CRS", 4) != 0)
                return;
            body = 12 + (size_t)cr_le32(p + at + 8);
            in_stream = 1;
            seq = 0;
        } else {
            if (room < 16)
                return;
            body = 16 + (size_t)cr_le32(p + at);
            if (body <= room && (mode & FZ_RENUM))
                cr_put64(p + at + 8, seq);
            if (cr_le16(p + at + 4) == 0xFFFF)
                in_stream = 0;
            else
                seq++;
        }
        if (body > room || room - body < 8)
            return;
        cr_put64(p + at + body, XXH3_64bits(p + at, body));
        at += body + 8;
    }
}

/* p[0..n) as a stream to read (fmemopen; an empty input reads as /dev/null). */
static inline FILE *fz_open(unsigned char *p, size_t n)
{
    FILE *f = n ? fmemopen(p, n, "rb") : fopen("/dev/null", "rb");
    if (!f)
        abort();
    return f;
}

/* p[0..n) as a file with a path, for loaders that take one: a memfd named by
 * /proc/self/fd/N (a regular file to stat, fopen and mmap). Returns the descriptor, to
 * close after use. */
static inline int fz_file(const unsigned char *p, size_t n, char *path, size_t cap)
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    for (size_t at = 0; at < n;) {
        ssize_t w = write(fd, p + at, n - at);
        if (w <= 0)
            abort();
        at += (size_t)w;
    }
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}

/* The share directory (vocabulary): $CR_SHARE, else share/ under the working directory. */
static inline const char *fz_share(void)
{
    const char *s = getenv("CR_SHARE");
    return s && *s ? s : "share";
}

/* GPT-2's vocabulary from the share directory, for a target's LLVMFuzzerInitialize; a
 * target that cannot have it ends there, naming itself. */
static inline cr_vocab *fz_vocab(const char *target)
{
    char dir[4096];
    cr_vocab *v;
    cr_diag d;
    snprintf(dir, sizeof dir, "%s/gpt2", fz_share());
    if (cr_vocab_load(&v, dir, &d) < 0) {
        fprintf(stderr, "%s: %s (set CR_SHARE)\n", target, d.msg);
        exit(1);
    }
    return v;
}

#endif
