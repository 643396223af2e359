/* Streaming encoder: holds back the unfinished last pre-token of each call, so that
 * the ids are those of the whole document whatever the read sizes were. */
#include <stdlib.h>
#include <string.h>

#include "tok.h"

struct cr_tok {
    const cr_vocab *v;
    cr_bpe *bpe;
    unsigned char *buf; /* bytes not yet tokenized; buf[0] is document byte `base` */
    size_t len, cap;
    uint64_t base;
    uint32_t *ids;
    uint64_t *offs;
    size_t ocap;
};

int cr_tok_new(cr_tok **out, const cr_vocab *v)
{
    cr_tok *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t || !(t->bpe = cr_bpe_new())) {
        free(t);
        return CR_E_NOMEM;
    }
    t->v = v;
    *out = t;
    return CR_OK;
}

void cr_tok_free(cr_tok *t)
{
    if (!t)
        return;
    cr_bpe_free(t->bpe);
    free(t->buf);
    free(t->ids);
    free(t->offs);
    free(t);
}

void cr_tok_reset(cr_tok *t)
{
    t->len = 0;
    t->base = 0;
}

static int reserve_out(cr_tok *t, size_t n)
{
    if (n <= t->ocap)
        return CR_OK;
    size_t cap = t->ocap ? t->ocap : 65536;
    while (cap < n)
        cap *= 2;
    uint32_t *ids = realloc(t->ids, cap * sizeof *ids);
    if (!ids)
        return CR_E_NOMEM;
    t->ids = ids;
    uint64_t *offs = realloc(t->offs, cap * sizeof *offs);
    if (!offs)
        return CR_E_NOMEM;
    t->offs = offs;
    t->ocap = cap;
    return CR_OK;
}

int cr_tok_feed(cr_tok *t, const unsigned char *p, size_t n, int final, const uint32_t **ids,
                const uint64_t **offs, size_t *count, cr_diag *d)
{
    size_t i = 0, m = 0;

    *count = 0;
    if (t->len + n > t->cap) {
        size_t cap = t->cap ? t->cap : 65536;
        while (cap < t->len + n)
            cap *= 2;
        unsigned char *b = realloc(t->buf, cap);
        if (!b)
            return cr_diag_set(d, CR_E_NOMEM, "out of memory");
        t->buf = b;
        t->cap = cap;
    }
    if (n)
        memcpy(t->buf + t->len, p, n);
    t->len += n;
    /* a piece yields at most one token per byte */
    if (reserve_out(t, t->len) < 0)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    while (i < t->len) {
        size_t k = cr_pretok_next(t->buf + i, t->len - i, final);
        if (k == 0)
            break;
        long got = cr_bpe_encode(t->v, t->bpe, t->buf + i, k, t->ids + m);
        if (got < 0)
            return cr_diag_set(d, CR_E_NOMEM, "out of memory");
        uint64_t at = t->base + i;
        for (long j = 0; j < got; j++) {
            size_t tl;
            cr_vocab_bytes(t->v, t->ids[m], &tl);
            t->offs[m++] = at;
            at += tl;
        }
        i += k;
    }
    if (i > 0 && i < t->len)
        memmove(t->buf, t->buf + i, t->len - i);
    t->len -= i;
    t->base += i;
    *ids = t->ids;
    *offs = t->offs;
    *count = m;
    return CR_OK;
}
