/* Where a block's tokens break lines: for the segmenter's line and paragraph penalties
 * (segment.h). */
#ifndef CR_LINECUT_H
#define CR_LINECUT_H

#include "segment.h"
#include "tokrec.h"
#include "../tok/tok.h"

/* cut[i] for each of b's n tokens: where a line starts at the token (the first byte of
 * the line) if one does: inside it, after a '\n' that is not its last byte, or at its
 * start, after a token that ends with '\n' (or at the document's start). Of kind
 * CR_SEG_PARA when the line before is blank (only space, tab or CR back to the '\n'
 * before it, looked for in this block), else CR_SEG_LINE; CR_SEG_IN_LINE at the token's
 * start where no line starts. A token that ends with '\n' starts no line itself: the
 * next one does. The first token of a block that is not the document's first cannot
 * look back, and is CR_SEG_IN_LINE unless a line starts inside it (windows that overlap
 * see it again further in). Ids beyond the vocabulary have no bytes. */
void cr_line_cuts(const cr_vocab *v, const cr_block *b, cr_seg_cut *cut);

#endif
