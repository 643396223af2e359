#include "window.h"

#include <stdlib.h>
#include <string.h>

struct cr_window {
    uint32_t L, S;
    /* the tokens not yet fully emitted: ids and byte spans */
    uint32_t *id;
    uint64_t *off, *end;
    uint32_t n;
    uint64_t first;   /* document index of id[0] */
    uint64_t covered; /* tokens up to here are in an emitted block */
    uint64_t blocks;  /* of the current document */
    cr_block b;       /* the block handed out */
};

int cr_window_new(cr_window **out, uint32_t L, uint32_t S, cr_diag *d)
{
    cr_window *w;
    *out = NULL;
    if (L == 0 || L > CR_BLOCK_MAX_TOKENS || S == 0 || S > L)
        return cr_diag_set(d, CR_E_ARG, "blocks of %u tokens every %u", L, S);
    if (!(w = calloc(1, sizeof *w)))
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    w->L = L;
    w->S = S;
    w->id = malloc((size_t)L * sizeof *w->id);
    w->off = malloc((size_t)L * sizeof *w->off);
    w->end = malloc((size_t)L * sizeof *w->end);
    w->b.ids = malloc((size_t)L * sizeof *w->b.ids);
    w->b.off = malloc(((size_t)L + 1) * sizeof *w->b.off);
    if (!w->id || !w->off || !w->end || !w->b.ids || !w->b.off) {
        cr_window_free(w);
        return cr_diag_set(d, CR_E_NOMEM, "out of memory for blocks of %u tokens", L);
    }
    *out = w;
    return CR_OK;
}

void cr_window_free(cr_window *w)
{
    if (!w)
        return;
    free(w->id); free(w->off); free(w->end);
    free(w->b.ids); free(w->b.off);
    free(w);
}

void cr_window_start(cr_window *w, uint64_t doc)
{
    w->n = 0;
    w->first = w->covered = w->blocks = 0;
    w->b.doc = doc;
}

uint64_t cr_window_blocks(const cr_window *w) { return w->blocks; }

/* The block of the first n tokens of the window; offsets relative to the first token. */
static const cr_block *emit(cr_window *w, uint32_t n)
{
    cr_block *b = &w->b;
    b->index = w->blocks++;
    b->first = w->first;
    b->base = w->off[0];
    b->n = n;
    b->L = w->L;
    for (uint32_t i = 0; i < n; i++) {
        b->ids[i] = w->id[i];
        b->off[i] = (uint32_t)(w->off[i] - w->off[0]);
    }
    b->off[n] = (uint32_t)(w->end[n - 1] - w->off[0]);
    w->covered = w->first + n;
    return b;
}

int cr_window_push(cr_window *w, uint32_t id, uint64_t off, uint64_t end, const cr_block **b)
{
    w->id[w->n] = id;
    w->off[w->n] = off;
    w->end[w->n] = end;
    if (++w->n < w->L)
        return 0;
    *b = emit(w, w->L);
    /* the block holds copies: slide the window on by S */
    w->n -= w->S;
    memmove(w->id, w->id + w->S, w->n * sizeof *w->id);
    memmove(w->off, w->off + w->S, w->n * sizeof *w->off);
    memmove(w->end, w->end + w->S, w->n * sizeof *w->end);
    w->first += w->S;
    return 1;
}

int cr_window_end(cr_window *w, const cr_block **b)
{
    if (w->n == 0 || w->first + w->n <= w->covered)
        return 0;
    *b = emit(w, w->n);
    return 1;
}
