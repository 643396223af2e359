/* Where a block's tokens break lines: for the segmenter's line and paragraph penalties
 * (segment.h). */
#ifndef CR_LINECUT_H
#define CR_LINECUT_H

#include "segment.h"
#include "tokrec.h"
#include "../tok/tok.h"

/* cut[i] for each of b's n tokens: for a token with a '\n' in its bytes, the document
 * offset just after the last one (the first byte of the line it starts), of kind
 * CR_SEG_PARA when only blanks (space, tab, CR) lie between that '\n' and the one before
 * it (in the block), else CR_SEG_LINE; CR_SEG_IN_LINE (at its start) for the others. */
void cr_line_cuts(const cr_vocab *v, const cr_block *b, cr_seg_cut *cut);

#endif
