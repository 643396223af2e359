/* The tagger: the whole of crtok -L L -S S | crenc | crdec (for every expert) | crroute -s
 * in one process, for one document at a time, in bounded memory (crtag(1)).
 *
 *     cr_tagger_new(&t, experts, k, vocab, stride, penalty, reject, scale, emit, arg, &d);
 *     for each document: cr_tagger_begin(t);
 *         cr_tagger_feed(t, bytes, n, final, &d) ... (emit gets its spans, in order)
 *
 * The document is tokenized as it is fed; every window of L tokens (every S tokens, as
 * crtok cuts them) is encoded and decoded by every expert, as many windows at once as
 * OpenMP has threads, each (window, expert) pass on one thread (the model's own loops
 * run serially inside it: a nested region); each token's cost for each
 * expert is cr_calib_cost (its bits against the expert's held-out median and spread, on
 * the scale `scale`, as crroute -s -a -b),
 * averaged over the windows that hold it; "unknown" costs the highest rejection threshold
 * (cal.q99) on that scale per byte; the segmenter (segment.h) turns the costs into spans,
 * penalty[] the cost of a change in a line, at a line's start and at a paragraph's
 * (segment.h, cr_line_cuts). */
#ifndef CR_TAGGER_H
#define CR_TAGGER_H

#include <stddef.h>
#include <stdint.h>

#include "ae.h"
#include "calib.h"
#include "segment.h"
#include "../tok/tok.h"

typedef struct cr_tagger cr_tagger;

/* experts[0..k) share one block size L and are calibrated; the spans' state k is
 * "unknown". reject > 0 overrides every expert's threshold. penalty: as cr_seg_new's
 * and cr_seg_set_breaks'. */
int cr_tagger_new(cr_tagger **out, const cr_ae *const *experts, int k, const cr_vocab *v,
                  uint32_t stride, const double penalty[3], double reject,
                  cr_calib_scale scale, cr_seg_emit emit, void *arg, cr_diag *d);
void cr_tagger_free(cr_tagger *t);
/* Starts a document. */
void cr_tagger_begin(cr_tagger *t);
/* Feeds n bytes of it (final != 0 with the last, which may be empty). */
int cr_tagger_feed(cr_tagger *t, const unsigned char *p, size_t n, int final, cr_diag *d);
/* Tokens and windows so far (for progress lines and benchmarks). */
uint64_t cr_tagger_tokens(const cr_tagger *t);

#endif
