/* Cutting a document's tokens into blocks (man/cr-stream.5, Block records): windows of L
 * tokens that start every S tokens (S < L overlaps them), then at the end of the document
 * one shorter block when tokens are left that no block holds. A block keeps the byte span
 * of each token, so that every later stage can map its scores back to the text.
 *
 *     cr_window_start(w, doc);
 *     for each token: if (cr_window_push(w, id, off, end, &b)) write b;
 *     if (cr_window_end(w, &b)) write b;
 */
#ifndef CR_WINDOW_H
#define CR_WINDOW_H

#include "tokrec.h"

typedef struct cr_window cr_window;

/* A window for blocks of L tokens every S tokens, 0 < S <= L <= CR_BLOCK_MAX_TOKENS. */
int cr_window_new(cr_window **out, uint32_t L, uint32_t S, cr_diag *d);
void cr_window_free(cr_window *w);

/* Starts document doc (its number in the stream) with no tokens. */
void cr_window_start(cr_window *w, uint64_t doc);
/* Adds the next token of the document, which covers its bytes [off, end). Returns 1 when
 * it fills a block, and points *b at that block (valid until the next call on w); else 0. */
int cr_window_push(cr_window *w, uint32_t id, uint64_t off, uint64_t end, const cr_block **b);
/* Ends the document: 1 and the last block in *b when tokens are left that no block holds
 * (a document shorter than L, or the tail after the last full block); else 0. */
int cr_window_end(cr_window *w, const cr_block **b);
/* Blocks of the current document so far. */
uint64_t cr_window_blocks(const cr_window *w);

#endif
