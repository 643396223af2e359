/* Payloads of a token stream (kind CR_KIND_TOKENS): document, block and
 * document-end records. Layouts in man/cr-stream.5. */
#ifndef CR_TOKREC_H
#define CR_TOKREC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum { CR_TOK_DOC = 1, CR_TOK_BLOCK = 2, CR_TOK_DOCEND = 3 };

#define CR_BLOCK_MAX_TOKENS 65536
#define CR_DOC_NAME_MAX 4096

/* One block of tokens of one document. Token i covers document bytes
 * [base + off[i], base + off[i+1]). ids and off are owned by whoever filled them. */
typedef struct cr_block {
    uint64_t doc;   /* document number within its stream, from 0 */
    uint64_t index; /* block number within its document, from 0 */
    uint64_t first; /* index of the block's first token within the document */
    uint64_t base;  /* byte offset of the first token within the document */
    uint32_t n;     /* real tokens, 0 < n <= L */
    uint32_t L;     /* block size the stream was cut with */
    uint32_t *ids;  /* n ids */
    uint32_t *off;  /* n + 1 offsets relative to base, non-decreasing, off[0] == 0 */
} cr_block;

/* Copies src into dst, its ids and offsets into dst's own arrays (room for src->n ids
 * and src->n + 1 offsets), which dst keeps. */
void cr_block_copy(cr_block *dst, const cr_block *src);
/* Bytes of a block record with n tokens. */
size_t cr_block_size(uint32_t n);
/* Serializes b into p (cr_block_size(b->n) bytes). */
void cr_block_write(const cr_block *b, unsigned char *p);
/* Parses a block record into b, whose ids and off must hold CR_BLOCK_MAX_TOKENS (+1)
 * entries; checks lengths, n <= L, ids < vocab_size and offsets. */
int cr_block_read(cr_block *b, const unsigned char *p, size_t len, uint32_t vocab_size,
                  cr_diag *d);

typedef struct cr_docrec {
    uint64_t doc;
    uint64_t bytes;  /* end record only: document length */
    uint64_t tokens; /* end record only: tokens in the document */
    uint32_t name_len;
    const char *name; /* start record only; points into the payload, not NUL-terminated */
} cr_docrec;

size_t cr_doc_size(uint32_t name_len);
void cr_doc_write(uint64_t doc, const char *name, uint32_t name_len, unsigned char *p);
int cr_doc_read(cr_docrec *r, const unsigned char *p, size_t len, cr_diag *d);
#define CR_DOCEND_SIZE 24
void cr_docend_write(uint64_t doc, uint64_t bytes, uint64_t tokens, unsigned char *p);
int cr_docend_read(cr_docrec *r, const unsigned char *p, size_t len, cr_diag *d);

#endif
