/* The block reader: the one loop over cr streams that every program shares.
 *
 * It reads one or more inputs in turn (files, "-" for stdin), checks every record and
 * every invariant of man/cr-stream.5 (document numbering, block order, block size,
 * document ends), decodes the payloads of the stream's kind, and hands out events:
 *
 *     cr_input *in; cr_event ev; cr_diag d; int rc;
 *     cr_input_open(&in, paths, npaths, CR_KIND_TOKENS, &d);
 *     while ((rc = cr_input_next(in, &ev, &d)) != CR_EV_END) {
 *         if (rc < 0) { report d.msg; stop, or go on with the next input }
 *         if (ev.type == CR_EV_BLOCK) act on ev.block
 *     }
 *     cr_input_close(in);
 *
 * Every message in d already names the input, and the record and byte where that
 * applies ("a.tok: record 17 at byte 35872: checksum mismatch"), so a program prints
 * it as it is. After an error, the next call goes on with the next input. */
#ifndef CR_INPUT_H
#define CR_INPUT_H

#include <stdio.h>

#include "blockrec.h"
#include "stream.h"

enum {
    CR_EV_END = 0,    /* no more inputs */
    CR_EV_STREAM,     /* a stream header (the first of an input, or a concatenated one) */
    CR_EV_DOC,        /* a document starts: ev.doc */
    CR_EV_BLOCK,      /* a block: ev.block, and ev.z or ev.argmax/ev.logp by kind */
    CR_EV_DOCEND,     /* a document ends: ev.doc */
    CR_EV_RECORD,     /* any other record (tensor streams, unknown types): ev.rec */
    CR_EV_INPUT_END   /* an input ended cleanly (after its last end record) */
};

typedef struct cr_event {
    int type;
    const char *input;   /* name of the input: the path, or "<stdin>" */
    int kind;            /* kind of the current stream */
    int first;           /* CR_EV_STREAM: 1 for the first header of its input */
    const cr_meta *meta; /* header of the current stream */
    cr_rec rec;          /* the raw record (all but CR_EV_STREAM and CR_EV_INPUT_END) */
    cr_docrec doc;       /* CR_EV_DOC (with its name), CR_EV_DOCEND (bytes, tokens) */
    cr_block block;      /* CR_EV_BLOCK; ids and off belong to the reader */
    const float *z;      /* latent blocks: mw values (fp32, whatever latent.dtype) */
    int mw;              /* values of z: latent.slots x latent.width */
    const uint32_t *argmax; /* reconstruction blocks: n predicted ids */
    const float *logp;      /* and n log-probabilities of the true tokens */
} cr_event;

typedef struct cr_input cr_input;

/* Opens a reader over paths[0..npaths) in turn ("-" is stdin; npaths 0 reads stdin).
 * kind is the expected kind, or 0 for any. Inputs are opened when they are reached. */
int cr_input_open(cr_input **out, const char *const *paths, int npaths, int kind,
                  cr_diag *d);
/* A reader over one stream that is already open (not closed by cr_input_close). */
int cr_input_open_file(cr_input **out, FILE *f, const char *name, int kind, cr_diag *d);
void cr_input_close(cr_input *in);

/* Payload limit of the records (default CR_REC_MAX_DEFAULT). */
void cr_input_set_max_len(cr_input *in, uint32_t max_len);
/* 1: hand out blocks without decoding latent or reconstruction payloads, as
 * CR_EV_RECORD (crdump). */
void cr_input_set_raw(cr_input *in, int raw);

/* The next event; its type (> 0), CR_EV_END (0) when every input is done, or a
 * negative CR_E_* code with d naming the input, record and byte. */
int cr_input_next(cr_input *in, cr_event *ev, cr_diag *d);

/* Puts where ev came from before a message of the caller's own about it: "input: " for a
 * stream header, "input: record N at byte P: " for a record. Returns d's code. */
int cr_event_where(const cr_event *ev, cr_diag *d);

/* Gives up the current input (after an error of the caller's own about it); the next
 * call goes on with the next input. */
void cr_input_skip(cr_input *in);

/* Name and position of the current input, for messages of the caller's own. */
const char *cr_input_name(const cr_input *in);
/* Bytes read so far of the current input. */
uint64_t cr_input_pos(const cr_input *in);

/* "Count each token once across overlapping windows": the tokens of a block not yet
 * seen in its document. Start a document with cr_tokens_seen_reset; for each block,
 * cr_tokens_new gives the index in the block of its first new token (b->n if none). */
typedef struct cr_tokens_seen {
    uint64_t next; /* document index of the first token not yet counted */
} cr_tokens_seen;
static inline void cr_tokens_seen_reset(cr_tokens_seen *s) { s->next = 0; }
static inline uint32_t cr_tokens_new(cr_tokens_seen *s, const cr_block *b)
{
    uint32_t from = s->next > b->first ? (uint32_t)(s->next - b->first < b->n
                                                        ? s->next - b->first
                                                        : b->n)
                                       : 0;
    if (b->first + b->n > s->next)
        s->next = b->first + b->n;
    return from;
}

#endif
