/* Segmentation: labels every token of a document with one of S states (the experts,
 * and "unknown") so that the labels change only where the domain does.
 *
 * Each window (a block of crtok -L/-S) gives every state a cost for each of its tokens;
 * a token's cost is the mean over the windows that cover it, so a token in the middle of
 * a stretch is judged by every window that saw it. The path is the Viterbi path of those
 * costs with a fixed cost for every change of state (the switch penalty): one long
 * stretch of one domain pays it once, a single noisy window cannot flip the label.
 *
 *     cr_seg_new(&s, S, penalty); for each document: cr_seg_reset(s);
 *     for each window: cr_seg_window(s, first, n, cost, start);
 *     cr_seg_end(s, bytes, emit, arg);   (emit is called once per span, in order)
 *
 * Memory: the pooled costs of at most one window are pending; the path keeps one byte
 * per state and eight bytes per token of the document until its end (cr_seg_end). */
#ifndef CR_SEGMENT_H
#define CR_SEGMENT_H

#include <stdint.h>

#include "err.h"

#define CR_SEG_MAX_STATES 64

typedef struct cr_seg cr_seg;

int cr_seg_new(cr_seg **out, int states, double penalty, cr_diag *d);
void cr_seg_free(cr_seg *s);
/* Starts a new document. */
void cr_seg_reset(cr_seg *s);
/* One window of n tokens starting at document token `first` (windows in order of
 * first, as a token stream has them). cost[k * n + i] is state k's cost of token i;
 * start[i] its document byte offset. Tokens before `first` are final from now on. */
int cr_seg_window(cr_seg *s, uint64_t first, uint32_t n, const float *cost,
                  const uint64_t *start, cr_diag *d);
/* Ends the document of `bytes` bytes: calls emit(arg, start, end, state) for each span
 * of one state, in order, the spans covering [0, bytes) whole. */
typedef int (*cr_seg_emit)(void *arg, uint64_t start, uint64_t end, int state);
int cr_seg_end(cr_seg *s, uint64_t bytes, cr_seg_emit emit, void *arg);

#endif
