/* The segmenter (core/segment.h) with line cuts (core/linecut.h), as crroute -s and crtag
 * drive them, on arbitrary tokens, costs, windows and penalties: the spans cover the
 * document whole, in order, none empty, no two in a row of one label, each of a real
 * state; the trace (crroute --costs) sees every token once, in order, before any span
 * reaches it, with the mean of its costs over the windows that cover it.
 *
 * Input: a byte of settings (states 2-5, the hold, a block size of 4-32 tokens), a stride
 * byte, three penalty bytes (in, line, paragraph: eighths), then three bytes a token: an
 * id (two bytes, beyond the vocabulary too), and a byte whose low 3 bits are the token's
 * bytes in the document (0-7) and whose high bits choose its costs. */
#include <math.h>

#include "fuzz.h"
#include "../core/linecut.h"
#include "../core/segment.h"

static const cr_vocab *vocab;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    vocab = fz_vocab("fuzz_seg");
    return 0;
}

struct check {
    int S, last;
    uint64_t at;
    const uint64_t *pos;  /* the tokens' starts */
    const uint8_t *shape; /* what their costs are made of */
    size_t T, traced;
    uint32_t L, stride;
};

/* The cost of state k at token t in the window starting at first (as the target makes
 * them below: from the token's byte and the window). */
static double cost_of(const struct check *c, size_t t, size_t first, int k)
{
    return (c->shape[t] >> 3 >> k & 1) * 2 + (int)((first / c->stride + (size_t)k) % 3) * 0.25;
}

static int emit(void *arg, uint64_t start, uint64_t end, int state)
{
    struct check *c = arg;
    FZ_ASSERT(start == c->at);
    FZ_ASSERT(end > start);
    FZ_ASSERT(state >= 0 && state < c->S);
    FZ_ASSERT(state != c->last);
    c->at = end;
    c->last = state;
    return 0;
}

/* a token's costs: the mean over the windows that cover it */
static int trace(void *arg, uint64_t start, const double *cost)
{
    struct check *c = arg;
    size_t t = c->traced;
    FZ_ASSERT(t < c->T);
    FZ_ASSERT(start == c->pos[t]);
    FZ_ASSERT(c->at <= start);
    for (int k = 0; k < c->S; k++) {
        double sum = 0;
        int n = 0;
        for (size_t first = 0; first < c->T; first += c->stride) { /* the windows, as below */
            size_t end = c->T - first < c->L ? c->T : first + c->L;
            if (first <= t && t < end) {
                sum += cost_of(c, t, first, k);
                n++;
            }
            if (end >= c->T)
                break;
        }
        FZ_ASSERT(n > 0);
        FZ_ASSERT(fabs(cost[k] - sum / n) < 1e-9);
    }
    c->traced++;
    return 0;
}

enum { MAX_T = 4096, MAX_L = 32 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint32_t ids[MAX_T], off[MAX_L + 1];
    static uint64_t pos[MAX_T + 1], start[MAX_L];
    static uint8_t shape[MAX_T];
    static float cost[5 * MAX_L];
    static cr_seg_cut cut[MAX_L];
    if (size < 5)
        return 0;
    int S = 2 + (data[0] & 3);
    uint32_t L = 4 + (uint32_t)(data[0] >> 2 & 7) * 4, stride = 1 + data[1] % L;
    double p = data[2] / 8.0, pl = data[3] / 8.0, pp = data[4] / 8.0;
    size_t T = (size - 5) / 3;
    if (T > MAX_T)
        T = MAX_T;
    pos[0] = 0;
    for (size_t t = 0; t < T; t++) {
        const uint8_t *q = data + 5 + 3 * t;
        ids[t] = (uint32_t)(q[0] | q[1] << 8) % (cr_vocab_size(vocab) + 64);
        shape[t] = q[2];
        pos[t + 1] = pos[t] + (q[2] & 7);
    }
    struct check c = {S, -1, 0, pos, shape, T, 0, L, stride};
    cr_seg *s;
    cr_diag d;
    FZ_ASSERT(cr_seg_new(&s, S, p, emit, &c, &d) == CR_OK);
    FZ_ASSERT(cr_seg_set_breaks(s, pl, pp, &d) == CR_OK);
    cr_seg_set_trace(s, trace, &c);
    if (data[0] & 0x80)
        cr_seg_set_hold(s, 2 + data[1] % 64);
    cr_seg_reset(s);
    for (size_t first = 0; first < T; first += stride) {
        uint32_t n = (uint32_t)(T - first < L ? T - first : L);
        cr_block b = {.first = first, .base = pos[first], .n = n, .L = L,
                      .ids = ids + first, .off = off};
        for (uint32_t i = 0; i <= n; i++)
            off[i] = (uint32_t)(pos[first + i] - pos[first]);
        cr_line_cuts(vocab, &b, cut);
        for (uint32_t i = 0; i < n; i++) {
            start[i] = pos[first + i];
            FZ_ASSERT(cut[i].kind >= CR_SEG_IN_LINE && cut[i].kind <= CR_SEG_PARA);
            FZ_ASSERT(cut[i].at >= start[i]);
            FZ_ASSERT(cut[i].kind == CR_SEG_IN_LINE ? cut[i].at == start[i]
                                                    : cut[i].at <= pos[first + i + 1]);
            for (int k = 0; k < S; k++) /* costs from the token's byte and the window */
                cost[k * n + i] = (float)cost_of(&c, first + i, first, k);
        }
        FZ_ASSERT(cr_seg_window(s, first, n, cost, start, cut, &d) == CR_OK);
        if (first + n >= T)
            break;
    }
    FZ_ASSERT(cr_seg_end(s, pos[T]) == CR_OK);
    FZ_ASSERT(c.at == pos[T]);
    FZ_ASSERT(c.traced == T);
    cr_seg_free(s);
    return 0;
}
