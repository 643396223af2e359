#include "segment.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

struct cr_seg {
    int S;
    double P[3]; /* a change of state by cut kind: in a line, at a line, at a paragraph */
    cr_seg_emit emit;
    void *arg;
    cr_seg_trace trace; /* NULL: none */
    void *trace_arg;
    size_t hold;
    /* tokens [done, hi) are pending: covered by a window, not yet final */
    uint64_t done, hi;
    double *sum;     /* (hi - done) x S pooled costs */
    uint32_t *cnt;   /* windows that covered each pending token */
    uint64_t *pstart;
    cr_seg_cut *pcut;
    size_t pcap;
    /* the Viterbi pass over the final tokens not yet decided */
    double V[CR_SEG_MAX_STATES];
    uint8_t *bp;     /* T x S: the state each state came from */
    uint64_t *start; /* T byte offsets */
    uint32_t *cdelta; /* T: where a change at the token falls, bytes after its start */
    uint8_t *ckind;   /* T: the kind of that cut */
    size_t T, tcap;
    int first;       /* no token of the document seen yet */
    /* the span being built from the decided tokens */
    uint64_t at;
    int cur;         /* its state, -1 before the first decided token */
    /* the last closed span, held back until the next one shows it is not of its state */
    uint64_t hs, he;
    int hstate;      /* -1: none */
};

int cr_seg_new(cr_seg **out, int states, double penalty, cr_seg_emit emit, void *arg,
               cr_diag *d)
{
    if (states < 1 || states > CR_SEG_MAX_STATES || !(penalty >= 0))
        return cr_diag_set(d, CR_E_ARG, "segmentation of %d states, penalty %g", states,
                           penalty);
    if (!(*out = calloc(1, sizeof **out)))
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    (*out)->S = states;
    (*out)->P[0] = (*out)->P[1] = (*out)->P[2] = penalty;
    (*out)->emit = emit;
    (*out)->arg = arg;
    (*out)->hold = CR_SEG_HOLD;
    cr_seg_reset(*out);
    return CR_OK;
}

int cr_seg_set_breaks(cr_seg *s, double line, double para, cr_diag *d)
{
    if (!(line >= 0) || !(para >= 0))
        return cr_diag_set(d, CR_E_ARG, "penalties of %g at a line and %g at a paragraph",
                           line, para);
    s->P[CR_SEG_LINE] = line;
    s->P[CR_SEG_PARA] = para;
    return CR_OK;
}

void cr_seg_set_trace(cr_seg *s, cr_seg_trace trace, void *arg)
{
    s->trace = trace;
    s->trace_arg = arg;
}

void cr_seg_set_hold(cr_seg *s, size_t tokens) { s->hold = tokens < 2 ? 2 : tokens; }

void cr_seg_free(cr_seg *s)
{
    if (!s)
        return;
    free(s->sum);
    free(s->cnt);
    free(s->pstart);
    free(s->pcut);
    free(s->bp);
    free(s->start);
    free(s->cdelta);
    free(s->ckind);
    free(s);
}

void cr_seg_reset(cr_seg *s)
{
    s->done = s->hi = 0;
    s->T = 0;
    s->first = 1;
    s->at = 0;
    s->cur = -1;
    s->hstate = -1;
}

/* A closed span: held back, joined to the one before where that is of its state and
 * ends where it starts (a span of another state between them was empty), so that no two
 * spans in a row have one label. */
static int put(cr_seg *s, uint64_t start, uint64_t end, int state)
{
    int rc = 0;
    if (s->hstate == state && s->he == start) {
        s->he = end;
        return 0;
    }
    if (s->hstate >= 0)
        rc = s->emit(s->arg, s->hs, s->he, s->hstate);
    s->hs = start;
    s->he = end;
    s->hstate = state;
    return rc;
}

/* Decided tokens, one at a time: a span ends where the state changes, at the token's
 * start or, where a line starts inside the token, at `delta` bytes into it (within the
 * token, which ends at `next`). A token of no bytes (an appended <|endoftext|>) cannot
 * start a span of its own. */
static int decide(cr_seg *s, uint64_t start, uint32_t delta, uint64_t next, int state)
{
    int rc = 0;
    uint64_t at = start + delta < next ? start + delta : start;
    if (s->cur < 0)
        s->cur = state;
    else if (state != s->cur && next > start) {
        if (at > s->at) { /* else the span of cur would be empty: it has none */
            rc = put(s, s->at, at, s->cur);
            s->at = at;
        }
        s->cur = state;
    }
    return rc;
}

/* Decides tokens [0, m] along the path that ends in `state` at token m, and drops them
 * from the path. */
static int decide_upto(cr_seg *s, size_t m, int state)
{
    size_t S = (size_t)s->S, n = m + 1;
    uint8_t *label = malloc(n);
    int rc = 0;
    if (!label)
        return CR_E_NOMEM;
    for (size_t t = n; t-- > 0;) {
        label[t] = (uint8_t)state;
        state = s->bp[t * S + (size_t)state];
    }
    for (size_t t = 0; t < n && rc >= 0; t++)
        rc = decide(s, s->start[t], s->cdelta[t],
                    t + 1 < s->T ? s->start[t + 1] : s->start[t] + 1, label[t]);
    free(label);
    memmove(s->bp, s->bp + n * S, (s->T - n) * S);
    memmove(s->start, s->start + n, (s->T - n) * sizeof *s->start);
    memmove(s->cdelta, s->cdelta + n, (s->T - n) * sizeof *s->cdelta);
    memmove(s->ckind, s->ckind + n, s->T - n);
    s->T -= n;
    return rc;
}

/* Where the paths of all states meet, everything before is final. */
static int settle(cr_seg *s)
{
    size_t S = (size_t)s->S;
    uint8_t st[CR_SEG_MAX_STATES];
    for (size_t k = 0; k < S; k++)
        st[k] = (uint8_t)k;
    for (size_t t = s->T; t-- > 1;) {
        int same = 1;
        for (size_t k = 0; k < S; k++) {
            st[k] = s->bp[t * S + st[k]];
            same &= st[k] == st[0];
        }
        if (same) /* every path goes through state st[0] at token t - 1 */
            return decide_upto(s, t - 1, st[0]);
    }
    if (s->T < s->hold)
        return 0;
    /* no meeting point in sight: decide the older half by the best path so far */
    int best = 0;
    for (size_t k = 1; k < S; k++)
        if (s->V[k] < s->V[best])
            best = (int)k;
    size_t half = s->T / 2;
    for (size_t t = s->T; t-- > half + 1;)
        best = s->bp[t * S + (size_t)best];
    return decide_upto(s, half, best);
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
    uint32_t *cd = realloc(s->cdelta, cap * sizeof *cd);
    if (cd)
        s->cdelta = cd;
    uint8_t *ck = realloc(s->ckind, cap);
    if (ck)
        s->ckind = ck;
    if (!bp || !st || !cd || !ck)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory for a path of %zu tokens", cap);
    s->tcap = cap;
    return CR_OK;
}

/* One Viterbi step: the next final token, with costs c[S]; a change of state at it costs
 * the penalty of the kind of its cut. */
static int step(cr_seg *s, const double *c, uint64_t start, cr_seg_cut cut, cr_diag *d)
{
    int S = s->S, best = 0, rc;
    uint8_t *bp;
    if (s->T == s->tcap && (rc = grow_tokens(s, d)) < 0)
        return rc;
    bp = s->bp + s->T * (size_t)S;
    s->start[s->T] = start;
    /* a cut outside the token (or too far into it to hold) counts as its start */
    int in = cut.kind == CR_SEG_IN_LINE || cut.at < start || cut.at - start > UINT32_MAX;
    s->cdelta[s->T] = in ? 0 : (uint32_t)(cut.at - start);
    s->ckind[s->T] = (uint8_t)(in ? CR_SEG_IN_LINE : cut.kind);
    if (s->first) {
        for (int k = 0; k < S; k++) {
            s->V[k] = c[k];
            bp[k] = (uint8_t)k;
        }
        s->first = 0;
    } else {
        for (int k = 1; k < S; k++)
            if (s->V[k] < s->V[best])
                best = k;
        double sw = s->V[best] + s->P[s->ckind[s->T]], base = DBL_MAX;
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
    /* look for a meeting point every 4096 tokens */
    if ((s->T & 4095) == 0 || s->T >= s->hold)
        if ((rc = settle(s)) < 0)
            return cr_diag_set(d, rc, "out of memory, or the output failed");
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
        if (s->trace && (rc = s->trace(s->trace_arg, s->pstart[i], c)) < 0)
            return cr_diag_set(d, rc, "the costs could not be written");
        if ((rc = step(s, c, s->pstart[i], s->pcut[i], d)) < 0)
            return rc;
    }
    left = (size_t)(s->hi - upto);
    if (left > 0 && k > 0) {    /* (memmove of nothing from NULL is undefined) */
        memmove(s->sum, s->sum + k * S, left * S * sizeof *s->sum);
        memmove(s->cnt, s->cnt + k, left * sizeof *s->cnt);
        memmove(s->pstart, s->pstart + k, left * sizeof *s->pstart);
        memmove(s->pcut, s->pcut + k, left * sizeof *s->pcut);
    }
    s->done = upto;
    return CR_OK;
}

int cr_seg_window(cr_seg *s, uint64_t first, uint32_t n, const float *cost,
                  const uint64_t *start, const cr_seg_cut *cut, cr_diag *d)
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
        cr_seg_cut *pc = realloc(s->pcut, n * sizeof *pc);
        if (pc)
            s->pcut = pc;
        if (!sum || !cnt || !ps || !pc)
            return cr_diag_set(d, CR_E_NOMEM, "out of memory");
        s->pcap = n;
    }
    for (uint32_t i = 0; i < n; i++) {
        size_t p = (size_t)(first + i - s->done);
        if (first + i >= s->hi) {
            memset(s->sum + p * S, 0, S * sizeof *s->sum);
            s->cnt[p] = 0;
            s->pstart[p] = start[i];
            s->pcut[p] = cut ? cut[i] : (cr_seg_cut){start[i], CR_SEG_IN_LINE};
            if (s->pcut[p].kind < CR_SEG_IN_LINE || s->pcut[p].kind > CR_SEG_PARA)
                s->pcut[p].kind = CR_SEG_IN_LINE;
        }
        for (size_t k = 0; k < S; k++)
            s->sum[p * S + k] += cost[k * n + i];
        s->cnt[p]++;
    }
    if (first + n > s->hi)
        s->hi = first + n;
    return CR_OK;
}

int cr_seg_end(cr_seg *s, uint64_t bytes)
{
    cr_diag d;
    int rc, best = 0;
    if ((rc = finish_upto(s, s->hi, &d)) < 0)
        return rc;
    for (int k = 1; k < s->S; k++)
        if (s->V[k] < s->V[best])
            best = k;
    if (s->T > 0 && (rc = decide_upto(s, s->T - 1, best)) < 0)
        return rc;
    if (s->cur >= 0 && bytes > s->at)
        rc = put(s, s->at, bytes, s->cur);
    if (rc >= 0 && s->hstate >= 0)
        rc = s->emit(s->arg, s->hs, s->he, s->hstate);
    cr_seg_reset(s);
    return rc;
}
