/* Byte-pair merging of one pre-token, with tiktoken's semantics: repeatedly merge the
 * adjacent pair whose concatenation has the lowest id (leftmost on ties).
 * Short pieces use a plain scan; long ones a heap over a linked list, so that a
 * megabyte without a pre-token break costs O(n log n) instead of O(n^2). */
#include <stdlib.h>
#include <string.h>

#include "tok.h"

#define SHORT_PIECE 64 /* below this a linear scan beats the heap's bookkeeping */
#define NONE UINT32_MAX

struct cr_bpe {
    size_t cap;      /* bytes the arrays below hold */
    uint32_t *id;    /* current token at each part start */
    uint32_t *next;  /* next part start, NONE at the end */
    uint32_t *prev;
    uint64_t *heap;  /* (rank << 32 | start) of candidate merges */
    size_t hcap;
};

cr_bpe *cr_bpe_new(void)
{
    return calloc(1, sizeof(cr_bpe));
}

void cr_bpe_free(cr_bpe *b)
{
    if (!b)
        return;
    free(b->id);
    free(b->next);
    free(b->prev);
    free(b->heap);
    free(b);
}

static uint32_t rank_of(const cr_vocab *v, uint32_t a, uint32_t b)
{
    int64_t r = cr_vocab_pair(v, a, b);
    return r < 0 ? NONE : (uint32_t)r;
}

static long encode_short(const cr_vocab *v, const unsigned char *p, size_t n, uint32_t *ids)
{
    uint32_t rank[SHORT_PIECE];
    size_t m = n;

    for (size_t i = 0; i < n; i++)
        ids[i] = (uint32_t)cr_vocab_lookup(v, p + i, 1);
    for (size_t i = 0; i + 1 < m; i++)
        rank[i] = rank_of(v, ids[i], ids[i + 1]);
    while (m > 1) {
        size_t best = 0;
        for (size_t i = 1; i + 1 < m; i++)
            if (rank[i] < rank[best])
                best = i;
        if (rank[best] == NONE)
            break;
        ids[best] = rank[best];
        memmove(ids + best + 1, ids + best + 2, (m - best - 2) * sizeof *ids);
        memmove(rank + best + 1, rank + best + 2, (m - best - 2) * sizeof *rank);
        m--;
        if (best > 0)
            rank[best - 1] = rank_of(v, ids[best - 1], ids[best]);
        if (best + 1 < m)
            rank[best] = rank_of(v, ids[best], ids[best + 1]);
    }
    return (long)m;
}

static void heap_push(cr_bpe *b, size_t *hn, uint64_t x)
{
    size_t i = (*hn)++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (b->heap[up] <= x)
            break;
        b->heap[i] = b->heap[up];
        i = up;
    }
    b->heap[i] = x;
}

static uint64_t heap_pop(cr_bpe *b, size_t *hn)
{
    uint64_t top = b->heap[0], x = b->heap[--*hn];
    size_t i = 0, n = *hn;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && b->heap[c + 1] < b->heap[c])
            c++;
        if (x <= b->heap[c])
            break;
        b->heap[i] = b->heap[c];
        i = c;
    }
    if (n)
        b->heap[i] = x;
    return top;
}

static int reserve(cr_bpe *b, size_t n)
{
    /* every merge pushes at most two candidates: n initial + 2n */
    if (n > b->cap) {
        size_t cap = n < 4096 ? 4096 : n;
        uint32_t *id = realloc(b->id, cap * sizeof *id);
        if (id) b->id = id;
        uint32_t *nx = id ? realloc(b->next, cap * sizeof *nx) : NULL;
        if (nx) b->next = nx;
        uint32_t *pv = nx ? realloc(b->prev, cap * sizeof *pv) : NULL;
        if (pv) b->prev = pv;
        if (!pv)
            return CR_E_NOMEM;
        b->cap = cap;
    }
    if (3 * n > b->hcap) {
        uint64_t *h = realloc(b->heap, 3 * n * sizeof *h);
        if (!h)
            return CR_E_NOMEM;
        b->heap = h;
        b->hcap = 3 * n;
    }
    return CR_OK;
}

static long encode_long(const cr_vocab *v, cr_bpe *b, const unsigned char *p, size_t n,
                        uint32_t *ids)
{
    size_t hn = 0;
    long m = 0;

    if (reserve(b, n) < 0)
        return CR_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        b->id[i] = (uint32_t)cr_vocab_lookup(v, p + i, 1);
        b->next[i] = i + 1 < n ? (uint32_t)(i + 1) : NONE;
        b->prev[i] = i > 0 ? (uint32_t)(i - 1) : NONE;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        uint32_t r = rank_of(v, b->id[i], b->id[i + 1]);
        if (r != NONE)
            heap_push(b, &hn, (uint64_t)r << 32 | i);
    }
    while (hn) {
        uint64_t top = heap_pop(b, &hn);
        uint32_t r = (uint32_t)(top >> 32), i = (uint32_t)top, j = b->next[i];
        /* stale: the part was merged away (prev marks it dead) or its pair changed */
        if (b->id[i] == NONE || j == NONE || rank_of(v, b->id[i], b->id[j]) != r)
            continue;
        b->id[i] = r;
        b->id[j] = NONE;
        b->next[i] = b->next[j];
        if (b->next[j] != NONE)
            b->prev[b->next[j]] = i;
        if (b->prev[i] != NONE) {
            uint32_t q = rank_of(v, b->id[b->prev[i]], r);
            if (q != NONE)
                heap_push(b, &hn, (uint64_t)q << 32 | b->prev[i]);
        }
        if (b->next[i] != NONE) {
            uint32_t q = rank_of(v, r, b->id[b->next[i]]);
            if (q != NONE)
                heap_push(b, &hn, (uint64_t)q << 32 | i);
        }
    }
    for (uint32_t i = 0; i != NONE; i = b->next[i])
        ids[m++] = b->id[i];
    return m;
}

long cr_bpe_encode(const cr_vocab *v, cr_bpe *b, const unsigned char *p, size_t n,
                   uint32_t *ids)
{
    int64_t whole = cr_vocab_lookup(v, p, n);
    if (whole >= 0) {
        ids[0] = (uint32_t)whole;
        return 1;
    }
    return n < SHORT_PIECE ? encode_short(v, p, n, ids) : encode_long(v, b, p, n, ids);
}
