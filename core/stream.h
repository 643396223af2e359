/* The cr record stream (man/cr-stream.5): a checked header, framed records,
 * an end record; streams of one kind may be concatenated. */
#ifndef CR_STREAM_H
#define CR_STREAM_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "meta.h"

#define CR_STREAM_VERSION 1
#define CR_MAGIC "\x89" "CRS"

enum {
    CR_KIND_TOKENS = 1,
    CR_KIND_LATENTS = 2,
    CR_KIND_RECON = 3,
    CR_KIND_TENSORS = 4,
    CR_KIND_TAGS = 5 /* crtag's state file: what each file was tagged with */
};

#define CR_REC_END 0xFFFFu
#define CR_REC_MAX_DEFAULT (16u << 20) /* payload limit unless the caller raises it */

/* Name of a kind for messages: "token", "latent", ... */
const char *cr_kind_name(int kind);

typedef struct cr_rec {
    uint16_t type;
    uint64_t seq;              /* 0-based index among data records of its stream */
    uint32_t len;
    const unsigned char *data; /* valid until the next call on the reader */
    uint64_t pos;              /* byte offset of the record in the input */
} cr_rec;

typedef struct cr_reader cr_reader;

/* Opens a reader on f (not closed by cr_reader_close) and reads the first header.
 * kind 0 accepts any kind. On error *out is NULL and d says what was wrong. */
int cr_reader_open(cr_reader **out, FILE *f, int kind, cr_diag *d);
void cr_reader_close(cr_reader *r);
/* Raises or lowers the payload length limit (default CR_REC_MAX_DEFAULT). */
void cr_reader_set_max_len(cr_reader *r, uint32_t max_len);

/* Reads the next record.
 * Returns 1 and fills *rec for a data record; 2 when a concatenated stream's header
 * was read (its metadata is now cr_reader_meta(r)); 0 at the end of the input after
 * an end record; or a negative CR_E_* code with the detail in d. */
int cr_reader_next(cr_reader *r, cr_rec *rec, cr_diag *d);

const cr_meta *cr_reader_meta(const cr_reader *r);
int cr_reader_kind(const cr_reader *r);
/* How many headers have been read so far (1 after open). */
int cr_reader_streams(const cr_reader *r);

typedef struct cr_writer cr_writer;

/* Writes a header of the given kind with metadata m (may be NULL) to f. */
int cr_writer_open(cr_writer **out, FILE *f, int kind, const cr_meta *m, cr_diag *d);
/* Writes one data record. */
int cr_writer_put(cr_writer *w, uint16_t type, const void *data, uint32_t len, cr_diag *d);
/* Writes the end record, flushes f (which stays open) and frees w; reports any failed
 * write. Passing w == NULL is a no-op. */
int cr_writer_close(cr_writer *w, cr_diag *d);
/* Frees w without writing an end record (the stream then reads as truncated). */
void cr_writer_abandon(cr_writer *w);

#endif
