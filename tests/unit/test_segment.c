/* Segmentation (core/segment.c): pooled costs over overlapping windows, the Viterbi path
 * with a switch penalty, spans that cover the document whole. */
#include <stdlib.h>
#include <string.h>

#include "../../core/segment.h"
#include "check.h"

#define T 40

struct spans {
    int n;
    uint64_t start[T], end[T];
    int state[T];
};

static int collect(void *arg, uint64_t start, uint64_t end, int state)
{
    struct spans *sp = arg;
    sp->start[sp->n] = start;
    sp->end[sp->n] = end;
    sp->state[sp->n++] = state;
    return 0;
}

/* A document of T tokens of 2 bytes each (the last, an <|endoftext|>, of none), whose
 * token costs are cost(t, k); read in windows of W tokens every D tokens. */
/* With brk: token t breaks a line (a cut of kind brk[t], one byte into it) where brk[t],
 * at a change costs of line and para. */
static struct spans run_breaks(double (*cost)(int t, int k), int W, int D, double penalty,
                               int eot, size_t hold, const int *brk, double line, double para)
{
    static struct spans sp;
    cr_seg *s;
    cr_diag d;
    float c[3 * T];
    uint64_t start[T];
    cr_seg_cut cut[T];
    memset(&sp, 0, sizeof sp);
    CHECK_EQ(cr_seg_new(&s, 3, penalty, collect, &sp, &d), CR_OK);
    if (brk)
        CHECK_EQ(cr_seg_set_breaks(s, line, para, &d), CR_OK);
    if (hold)
        cr_seg_set_hold(s, hold);
    cr_seg_reset(s);
    for (int first = 0;; first += D) {
        int n = first + W <= T ? W : T - first;
        for (int i = 0; i < n; i++) {
            start[i] = 2 * (uint64_t)(first + i);
            cut[i] = (cr_seg_cut){start[i] + 1, brk ? brk[first + i] : CR_SEG_IN_LINE};
            for (int k = 0; k < 3; k++)
                c[k * n + i] = (float)cost(first + i, k);
        }
        CHECK_EQ(cr_seg_window(s, (uint64_t)first, (uint32_t)n, c, start, brk ? cut : NULL,
                               &d), CR_OK);
        if (first + n >= T)
            break;
    }
    CHECK_EQ(cr_seg_end(s, eot ? 2 * (T - 1) : 2 * T), CR_OK);
    cr_seg_free(s);
    return sp;
}

static struct spans run_hold(double (*cost)(int t, int k), int W, int D, double penalty,
                             int eot, size_t hold)
{
    return run_breaks(cost, W, D, penalty, eot, hold, NULL, 0, 0);
}

static struct spans run(double (*cost)(int t, int k), int W, int D, double penalty, int eot)
{
    return run_hold(cost, W, D, penalty, eot, 0);
}

/* state 0 is cheap for tokens < 15, state 1 after; state 2 (unknown) costs 1.5 */
static double two_halves(int t, int k)
{
    return k == 2 ? 1.5 : (k == 0) == (t < 15) ? 0.5 : 3.0;
}

/* as two_halves, with token 30 looking like state 0 for a moment */
static double blip(int t, int k)
{
    return t == 30 ? (k == 0 ? 0.0 : k == 1 ? 3.0 : 1.5) : two_halves(t, k);
}

static void test_boundary(void)
{
    static const int shapes[][2] = {{8, 8}, {8, 4}, {8, 1}, {40, 40}, {1, 1}};
    for (int i = 0; i < 5; i++) {
        struct spans sp = run(two_halves, shapes[i][0], shapes[i][1], 2.0, 0);
        CHECK_EQ(sp.n, 2);
        CHECK_EQ(sp.start[0], 0);
        CHECK_EQ(sp.end[0], 30); /* token 15 starts at byte 30 */
        CHECK_EQ(sp.state[0], 0);
        CHECK_EQ(sp.start[1], 30);
        CHECK_EQ(sp.end[1], 80);
        CHECK_EQ(sp.state[1], 1);
    }
}

static void test_penalty(void)
{
    struct spans sp = run(blip, 8, 1, 0.0, 0); /* no penalty: the blip is a span */
    CHECK_EQ(sp.n, 4);
    sp = run(blip, 8, 1, 5.0, 0); /* a penalty above its gain: gone */
    CHECK_EQ(sp.n, 2);
    CHECK_EQ(sp.end[1], 80);
}

/* A change costs the penalty of its token's kind of cut, and falls on the cut's byte:
 * the blip at token 30 (a gain of 3) pays for its two changes at paragraph cuts of 1,
 * not at line cuts of 5, not anywhere else at 5. */
static void test_breaks(void)
{
    int brk[T] = {0};
    brk[30] = brk[31] = CR_SEG_PARA;
    struct spans sp = run_breaks(blip, 8, 1, 5.0, 0, 0, brk, 5.0, 1.0);
    CHECK_EQ(sp.n, 4);
    CHECK_EQ(sp.end[1], 61); /* one byte into token 30 */
    CHECK_EQ(sp.state[2], 0);
    CHECK_EQ(sp.end[2], 63);
    sp = run_breaks(blip, 8, 1, 5.0, 0, 0, brk, 1.0, 5.0);
    CHECK_EQ(sp.n, 2);
    brk[30] = brk[31] = CR_SEG_LINE;
    sp = run_breaks(blip, 8, 1, 5.0, 0, 0, brk, 1.0, 5.0);
    CHECK_EQ(sp.n, 4);
    /* the halves' change at token 15 moves to a cut nearby when it is cheap enough */
    int b2[T] = {0};
    b2[17] = CR_SEG_PARA;
    sp = run_breaks(two_halves, 8, 4, 20.0, 0, 0, b2, 20.0, 0.0);
    CHECK_EQ(sp.n, 2);
    CHECK_EQ(sp.end[0], 35); /* token 17 starts at byte 34, its cut one byte in */
    /* a kind out of range counts as in a line */
    b2[17] = 7;
    sp = run_breaks(two_halves, 8, 4, 20.0, 0, 0, b2, 20.0, 0.0);
    CHECK_EQ(sp.end[0], 30);
    cr_diag d;
    cr_seg *s;
    CHECK_EQ(cr_seg_new(&s, 3, 1.0, collect, NULL, &d), CR_OK);
    CHECK_EQ(cr_seg_set_breaks(s, -1.0, 0.0, &d), CR_E_ARG);
    cr_seg_free(s);
}

/* A cut at the end of its token (where the next one starts) counts as the token's
 * start: token 29 takes label 1, token 30 label 2, each span where its token starts. */
static void test_cut_at_end(void)
{
    struct spans sp = {0};
    cr_seg *s;
    cr_diag d;
    float c[3 * T];
    uint64_t start[T];
    cr_seg_cut cut[T];
    for (int t = 0; t < T; t++) {
        int want = t < 29 ? 0 : t == 29 ? 1 : 2;
        start[t] = 2 * (uint64_t)t;
        cut[t] = (cr_seg_cut){t == 29 ? start[t] + 2 : start[t], t == 29 ? CR_SEG_PARA
                                                                         : CR_SEG_IN_LINE};
        for (int k = 0; k < 3; k++)
            c[k * T + t] = k == want ? 0.0f : 9.0f;
    }
    CHECK_EQ(cr_seg_new(&s, 3, 0.1, collect, &sp, &d), CR_OK);
    cr_seg_reset(s);
    CHECK_EQ(cr_seg_window(s, 0, T, c, start, cut, &d), CR_OK);
    CHECK_EQ(cr_seg_end(s, 2 * T), CR_OK);
    cr_seg_free(s);
    CHECK_EQ(sp.n, 3);
    CHECK_EQ(sp.end[0], 58);
    CHECK_EQ(sp.state[1], 1);
    CHECK_EQ(sp.end[1], 60);
    CHECK_EQ(sp.state[2], 2);
    CHECK_EQ(sp.end[2], 80);
}

/* Cuts on a path longer than the first growth of its arrays (4096 tokens), held for
 * 3000 tokens at the most: the changes still fall on their cuts. Tokens of 2 bytes, the
 * label 0 and 1 in stretches of 1000, a paragraph cut one byte into every 500th token. */
static void test_long_path(void)
{
    enum { N = 10000, W = 100 };
    static struct spans sp; /* up to T spans */
    static float c[3 * W];
    static uint64_t start[W];
    static cr_seg_cut cut[W];
    cr_seg *s;
    cr_diag d;
    memset(&sp, 0, sizeof sp);
    CHECK_EQ(cr_seg_new(&s, 3, 1000.0, collect, &sp, &d), CR_OK);
    CHECK_EQ(cr_seg_set_breaks(s, 1000.0, 1.0, &d), CR_OK);
    cr_seg_set_hold(s, 3000);
    cr_seg_reset(s);
    for (int first = 0; first < N; first += W) {
        for (int i = 0; i < W; i++) {
            int t = first + i;
            start[i] = 2 * (uint64_t)t;
            cut[i] = (cr_seg_cut){start[i] + 1, t % 500 == 0 ? CR_SEG_PARA : CR_SEG_IN_LINE};
            for (int k = 0; k < 3; k++)
                c[k * W + i] = k == (t / 1000) % 2 ? 0.0f : 2.0f;
        }
        CHECK_EQ(cr_seg_window(s, (uint64_t)first, W, c, start, cut, &d), CR_OK);
    }
    CHECK_EQ(cr_seg_end(s, 2 * N), CR_OK);
    cr_seg_free(s);
    CHECK_EQ(sp.n, 10);
    for (int i = 0; i < sp.n && i < 10; i++) {
        CHECK_EQ(sp.state[i], i % 2);
        CHECK_EQ(sp.end[i], i == 9 ? 2 * N : 2000 * (uint64_t)(i + 1) + 1);
    }
}

/* an <|endoftext|> of no bytes at the end makes no span of its own */
static double eot_unknown(int t, int k)
{
    return t == T - 1 ? (k == 2 ? 0.0 : 9.0) : two_halves(t, k);
}

static void test_eot(void)
{
    struct spans sp = run(eot_unknown, 8, 4, 0.5, 1);
    CHECK_EQ(sp.n, 2);
    CHECK_EQ(sp.end[1], 78);
    CHECK_EQ(sp.state[1], 1);
}

/* A path held for at most 4 tokens: decided early, by the best path so far, but still
 * spans that cover the document whole and follow one another. */
static void test_hold(void)
{
    struct spans sp = run_hold(blip, 8, 1, 0.0, 0, 4);
    CHECK(sp.n >= 2);
    CHECK_EQ(sp.start[0], 0);
    CHECK_EQ(sp.end[sp.n - 1], 80);
    for (int i = 1; i < sp.n; i++) {
        CHECK_EQ(sp.start[i], sp.end[i - 1]);
        CHECK(sp.state[i] != sp.state[i - 1]);
    }
}

static void test_order(void)
{
    cr_seg *s;
    cr_diag d;
    float c[3] = {0, 0, 0};
    uint64_t st[1] = {0};
    cr_seg_new(&s, 3, 1.0, collect, NULL, &d);
    cr_seg_reset(s);
    CHECK_EQ(cr_seg_window(s, 0, 1, c, st, NULL, &d), CR_OK);
    CHECK_EQ(cr_seg_window(s, 5, 1, c, st, NULL, &d), CR_E_VALUE); /* a gap */
    CHECK_HAS(d.msg, "leaving a gap");
    cr_seg_free(s);
    CHECK_EQ(cr_seg_new(&s, 0, 1.0, collect, NULL, &d), CR_E_ARG);
}

int main(void)
{
    test_boundary();
    test_penalty();
    test_eot();
    test_hold();
    test_breaks();
    test_cut_at_end();
    test_long_path();
    test_order();
    return check_summary("test_segment");
}
