/* The text that tokens stand for (crtok -d): token streams, reconstruction streams (what
 * an expert predicted) and plain lists of ids back to bytes. Of a stream, each position of
 * a document is written once however its blocks overlap; a token stream's tokens must
 * continue the text byte for byte, as crtok cut it. */
#ifndef CR_DETOK_H
#define CR_DETOK_H

#include <stdio.h>

#include "input.h"
#include "../tok/tok.h"

/* The state of one input: start it as {.v = vocab, .out = where the text goes}. */
typedef struct cr_detok {
    const cr_vocab *v;
    FILE *out;
    cr_tokens_seen seen; /* positions of the document already written */
    uint64_t written;    /* bytes of the document written (token streams) */
} cr_detok;

/* Acts on an event of a block reader: a stream header must be of a kind with text in it
 * (tokens, reconstructions) and of s->v's vocabulary; a block writes the bytes of its new
 * positions to s->out; a token stream's document end must match the bytes written. Returns
 * CR_OK, or a code with d set (not naming the record: the caller knows it). */
int cr_detok_event(cr_detok *s, const cr_event *ev, cr_diag *d);

/* Writes the bytes of the whitespace-separated decimal ids read from in (crtok --ids
 * output) to out. Returns CR_OK, CR_E_VALUE for an id beyond the vocabulary, or CR_E_FORMAT
 * for anything that is not an id. */
int cr_detok_ids(const cr_vocab *v, FILE *in, FILE *out, cr_diag *d);

#endif
