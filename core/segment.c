#include "segment.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

struct cr_seg {
    int S;
    double P;
    /* tokens [done, hi) are pending: covered by a window, not yet final */
    uint64_t done, hi;
    double *sum;     /* (hi - done) x S pooled costs */
    uint32_t *cnt;   /* windows that covered each pending token */
    uint64_t *pstart;
    size_t pcap;
    /* the Viterbi pass over final tokens */
    double V[CR_SEG_MAX_STATES];
    uint8_t *bp;     /* T x S: the state each state came from */
    uint64_t *start; /* T byte offsets */
    size_t T, tcap;
};

int cr_seg_new(cr_seg **out, int states, double penalty, cr_diag *d)
{
    if (states < 1 || states > CR_SEG_MAX_STATES || !(penalty >= 0))
        return cr_diag_set(d, CR_E_ARG, "segmentation of %d states, penalty %g", states,
                           penalty);
    if (!(*out = calloc(1, sizeof **out)))
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    (*out)->S = states;
    (*out)->P = penalty;
    return CR_OK;
}

void cr_seg_free(cr_seg *s)
{
    if (!s)
        return;
    free(s->sum);
    free(s->cnt);
    free(s->pstart);
    free(s->bp);
    free(s->start);
    free(s);
}

void cr_seg_reset(cr_seg *s)
{
    s->done = s->hi = 0;
    s->T = 0;
}

static int grow_tokens(cr_seg *s, cr_diag *d)
{
    size_t cap = s->tcap ? 2 * s->tcap : 4096;
    uint8_t *bp = realloc(s->bp, cap * (size_t)s->S);
    if (bp)
        s->bp = bp;
    uint64_t *st = realloc(s->start, cap * sizeof *st);
    if (st)
        s->start = st;
    if (!bp || !st)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory for a document of %zu tokens", cap);
    s->tcap = cap;
    return CR_OK;
}

/* One Viterbi step: token T with costs c[S]. */
static int step(cr_seg *s, const double *c, uint64_t start, cr_diag *d)
{
    int S = s->S, best = 0, rc;
    uint8_t *bp;
    if (s->T == s->tcap && (rc = grow_tokens(s, d)) < 0)
        return rc;
    bp = s->bp + s->T * (size_t)S;
    s->start[s->T] = start;
    if (s->T == 0) {
        for (int k = 0; k < S; k++) {
            s->V[k] = c[k];
            bp[k] = (uint8_t)k;
        }
    } else {
        for (int k = 1; k < S; k++)
            if (s->V[k] < s->V[best])
                best = k;
        double sw = s->V[best] + s->P, base = DBL_MAX;
        for (int k = 0; k < S; k++) {
            int from = sw < s->V[k] ? best : k;
            s->V[k] = c[k] + (from == k ? s->V[k] : sw);
            bp[k] = (uint8_t)from;
        }
        for (int k = 0; k < S; k++) /* keep the values small: only differences matter */
            base = s->V[k] < base ? s->V[k] : base;
        for (int k = 0; k < S; k++)
            s->V[k] -= base;
    }
    s->T++;
    return CR_OK;
}

/* Makes the pending tokens before `upto` final. */
static int finish_upto(cr_seg *s, uint64_t upto, cr_diag *d)
{
    size_t k = (size_t)(upto - s->done), S = (size_t)s->S, left;
    double c[CR_SEG_MAX_STATES];
    int rc;
    for (size_t i = 0; i < k; i++) {
        for (size_t j = 0; j < S; j++)
            c[j] = s->sum[i * S + j] / s->cnt[i];
        if ((rc = step(s, c, s->pstart[i], d)) < 0)
            return rc;
    }
    left = (size_t)(s->hi - upto);
    memmove(s->sum, s->sum + k * S, left * S * sizeof *s->sum);
    memmove(s->cnt, s->cnt + k, left * sizeof *s->cnt);
    memmove(s->pstart, s->pstart + k, left * sizeof *s->pstart);
    s->done = upto;
    return CR_OK;
}

int cr_seg_window(cr_seg *s, uint64_t first, uint32_t n, const float *cost,
                  const uint64_t *start, cr_diag *d)
{
    size_t S = (size_t)s->S;
    int rc;
    if (first < s->done || first > s->hi)
        return cr_diag_set(d, CR_E_VALUE, "a window at token %llu after tokens up to %llu "
                           "(windows out of order or leaving a gap)",
                           (unsigned long long)first, (unsigned long long)s->hi);
    if ((rc = finish_upto(s, first, d)) < 0)
        return rc;
    if (n > s->pcap) {
        double *sum = realloc(s->sum, n * S * sizeof *sum);
        if (sum)
            s->sum = sum;
        uint32_t *cnt = realloc(s->cnt, n * sizeof *cnt);
        if (cnt)
            s->cnt = cnt;
        uint64_t *ps = realloc(s->pstart, n * sizeof *ps);
        if (ps)
            s->pstart = ps;
        if (!sum || !cnt || !ps)
            return cr_diag_set(d, CR_E_NOMEM, "out of memory");
        s->pcap = n;
    }
    for (uint32_t i = 0; i < n; i++) {
        size_t p = (size_t)(first + i - s->done);
        if (first + i >= s->hi) {
            memset(s->sum + p * S, 0, S * sizeof *s->sum);
            s->cnt[p] = 0;
            s->pstart[p] = start[i];
        }
        for (size_t k = 0; k < S; k++)
            s->sum[p * S + k] += cost[k * n + i];
        s->cnt[p]++;
    }
    if (first + n > s->hi)
        s->hi = first + n;
    return CR_OK;
}

int cr_seg_end(cr_seg *s, uint64_t bytes, cr_seg_emit emit, void *arg)
{
    cr_diag d;
    int rc, S = s->S, state = 0;
    if ((rc = finish_upto(s, s->hi, &d)) < 0)
        return rc;
    if (s->T == 0)
        return CR_OK;
    for (int k = 1; k < S; k++)
        if (s->V[k] < s->V[state])
            state = k;
    uint8_t *label = malloc(s->T);
    if (!label)
        return CR_E_NOMEM;
    for (size_t t = s->T; t-- > 0;) {
        label[t] = (uint8_t)state;
        state = s->bp[t * (size_t)S + state];
    }
    /* spans of one state; a token of no bytes (an appended <|endoftext|>) makes none */
    uint64_t at = 0;
    int cur = label[0];
    for (size_t t = 1; t < s->T && rc >= 0; t++)
        if (label[t] != cur && s->start[t] > at && s->start[t] < bytes &&
            (t + 1 == s->T || s->start[t + 1] > s->start[t] || label[t + 1] == label[t])) {
            rc = emit(arg, at, s->start[t], cur);
            at = s->start[t];
            cur = label[t];
        }
    if (rc >= 0 && bytes > at)
        rc = emit(arg, at, bytes, cur);
    free(label);
    s->T = 0;
    return rc;
}
