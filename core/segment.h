/* Segmentation: labels every token of a document with one of S states (the experts,
 * and "unknown") so that the labels change only where the domain does.
 *
 * Each window (a block of crtok -L/-S) gives every state a cost for each of its tokens;
 * a token's cost is the mean over the windows that cover it, so a token in the middle of
 * a stretch is judged by every window that saw it. The path is the Viterbi path of those
 * costs with a fixed cost for every change of state (the switch penalty): one long
 * stretch of one domain pays it once, a single noisy window cannot flip the label.
 * Where a token holds a line break, a change may cost less (the line penalty), and less
 * again after a blank line (the paragraph penalty): text changes domain at the start of a
 * line, and most of all of a paragraph, far more often than inside one, and a short
 * stretch such as a one-line command between paragraphs can then pay for its two
 * changes. Such a change falls after the token's last '\n', on the line's first byte.
 *
 *     cr_seg_new(&s, S, penalty, emit, arg); [cr_seg_set_breaks(s, line, para, &d);]
 *     for each document: cr_seg_reset(s);
 *     for each window: cr_seg_window(s, first, n, cost, start, cut);
 *     cr_seg_end(s, bytes);    (emit is called once per span, in order; no two spans in
 *                               a row have one state)
 *
 * Memory is bounded whatever the document's length: the pooled costs of at most one
 * window are pending, and the path keeps one byte per state and 13 per token only
 * until the paths of all states meet (then everything before the meeting point is final
 * and its spans are emitted). Where they do not meet for CR_SEG_HOLD tokens, the older
 * half is decided by the best path so far. */
#ifndef CR_SEGMENT_H
#define CR_SEGMENT_H

#include <stdint.h>

#include "err.h"

#define CR_SEG_MAX_STATES 64
#define CR_SEG_HOLD (1u << 22) /* tokens of path held at the most */
/* crroute's and crtag's penalties (bench/route/tune.sh) */
#define CR_SEG_PENALTY 192.0
#define CR_SEG_LINE_PENALTY 96.0
#define CR_SEG_PARA_PENALTY 12.0

/* Where a change of state at a token would fall, if the token breaks a line. */
enum { CR_SEG_IN_LINE, CR_SEG_LINE, CR_SEG_PARA };
typedef struct cr_seg_cut {
    uint64_t at; /* the byte after the token's last '\n' (the kinds but CR_SEG_IN_LINE) */
    int kind;    /* CR_SEG_IN_LINE, CR_SEG_LINE, or CR_SEG_PARA: that line follows a blank one */
} cr_seg_cut;

typedef struct cr_seg cr_seg;
/* Called once per span of one state, in order: [start, end) of the document. */
typedef int (*cr_seg_emit)(void *arg, uint64_t start, uint64_t end, int state);

int cr_seg_new(cr_seg **out, int states, double penalty, cr_seg_emit emit, void *arg,
               cr_diag *d);
/* The cost of a change of state at a token that breaks a line, and at one that starts a
 * paragraph (a line after a blank one). Default: the penalty, as anywhere else. */
int cr_seg_set_breaks(cr_seg *s, double line, double para, cr_diag *d);
/* Called once per token, in order, with the costs[S] the path weighs it by (the mean
 * over the windows that cover it) as soon as they are final; a negative return stops
 * the pass with that code. */
typedef int (*cr_seg_trace)(void *arg, uint64_t start, const double *cost);
void cr_seg_set_trace(cr_seg *s, cr_seg_trace trace, void *arg);
/* Lowers the tokens held before a forced decision (tests). */
void cr_seg_set_hold(cr_seg *s, size_t tokens);
void cr_seg_free(cr_seg *s);
/* Starts a new document. */
void cr_seg_reset(cr_seg *s);
/* One window of n tokens starting at document token `first` (windows in order of
 * first, as a token stream has them). cost[k * n + i] is state k's cost of token i;
 * start[i] its document byte offset; cut[i] where a line starts at it, if one does
 * (cr_line_cuts; cut may be NULL: nowhere): a cut before the token's start, or at or
 * past the next token's, falls at the token's start. Tokens before `first` are final
 * from now on. */
int cr_seg_window(cr_seg *s, uint64_t first, uint32_t n, const float *cost,
                  const uint64_t *start, const cr_seg_cut *cut, cr_diag *d);
/* Ends the document of `bytes` bytes: emits the spans not yet emitted, so that the
 * document's spans cover [0, bytes) whole. */
int cr_seg_end(cr_seg *s, uint64_t bytes);

#endif
