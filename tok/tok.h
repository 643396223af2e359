/* GPT-2 byte-level BPE: vocabulary, pre-tokenizer, merges and a streaming encoder.
 * The ids are exactly those of tiktoken's "gpt2" encoding (encode_ordinary) for valid
 * UTF-8; bytes that are not valid UTF-8 become single-byte tokens. */
#ifndef CR_TOK_H
#define CR_TOK_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

typedef struct cr_vocab cr_vocab;

/* Loads encoder.json (GPT-2's token table) from the directory dir. */
int cr_vocab_load(cr_vocab **out, const char *dir, cr_diag *d);
void cr_vocab_free(cr_vocab *v);
uint32_t cr_vocab_size(const cr_vocab *v);
/* XXH3 of every token's bytes in id order: names the vocabulary in stream headers. */
uint64_t cr_vocab_id(const cr_vocab *v);
/* Id of <|endoftext|>. */
uint32_t cr_vocab_eot(const cr_vocab *v);
/* Bytes of token id (id < size); *len receives their count. */
const unsigned char *cr_vocab_bytes(const cr_vocab *v, uint32_t id, size_t *len);
/* Id of the token whose bytes are exactly p[0..n), or -1. Special tokens excluded. */
int64_t cr_vocab_lookup(const cr_vocab *v, const unsigned char *p, size_t n);
/* Id of the token that merges a and b, or -1 when a+b is not a token. */
int64_t cr_vocab_pair(const cr_vocab *v, uint32_t a, uint32_t b);

/* Longest piece encoded whole; a longer run without a pre-token break is cut here
 * (at a character boundary). Larger pieces encode exactly up to this size. */
#define CR_TOK_PIECE_MAX (4u << 20)

/* Finds the first pre-token of p[0..n) (GPT-2's pattern over Unicode categories).
 * Returns its length in bytes, or 0 when more input is needed to decide (only when
 * !eof). n > 0. */
size_t cr_pretok_next(const unsigned char *p, size_t n, int eof);

typedef struct cr_bpe cr_bpe; /* scratch space for merging, reused across pieces */
cr_bpe *cr_bpe_new(void);
void cr_bpe_free(cr_bpe *b);
/* Encodes one pre-token p[0..n) (n > 0) into ids; returns how many ids were written
 * (at most n), or CR_E_NOMEM. */
long cr_bpe_encode(const cr_vocab *v, cr_bpe *b, const unsigned char *p, size_t n,
                   uint32_t *ids);

/* Streaming encoder of one document at a time. */
typedef struct cr_tok cr_tok;
int cr_tok_new(cr_tok **out, const cr_vocab *v);
void cr_tok_free(cr_tok *t);
/* Starts a new document: offsets count from 0 again. */
void cr_tok_reset(cr_tok *t);
/* Feeds n bytes of the document (final != 0 for the last call; n may be 0).
 * Tokens that are complete come back in *ids and *offs (document byte offset of each
 * token's first byte), *count of them; the arrays stay valid until the next call.
 * The ids never depend on how the input is split into calls. */
int cr_tok_feed(cr_tok *t, const unsigned char *p, size_t n, int final, const uint32_t **ids,
                const uint64_t **offs, size_t *count, cr_diag *d);

#endif
