/* Error codes and diagnostics shared by every module of libcr.
 * Code values never change once released. */
#ifndef CR_ERR_H
#define CR_ERR_H

#include <stddef.h>

enum {
    CR_OK = 0,
    CR_E_IO = -1,        /* read or write failed */
    CR_E_NOMEM = -2,     /* allocation failed */
    CR_E_FORMAT = -3,    /* not a cr stream / file of the expected format */
    CR_E_VERSION = -4,   /* format version this build cannot read */
    CR_E_KIND = -5,      /* a stream of another kind than expected */
    CR_E_TRUNCATED = -6, /* input ended inside a header or record */
    CR_E_CHECKSUM = -7,  /* xxHash mismatch */
    CR_E_LIMIT = -8,     /* a length or count beyond a limit */
    CR_E_SEQ = -9,       /* record sequence numbers out of order */
    CR_E_VALUE = -10,    /* a payload value out of range */
    CR_E_MISMATCH = -11, /* vocab / model / block size disagree */
    CR_E_ARG = -12,      /* bad argument from the caller */
    CR_E_NUMERIC = -13   /* NaN or overflow in a computation */
};

typedef struct cr_diag {
    int code;      /* CR_OK or a CR_E_* value */
    char msg[1024]; /* "record 17 at byte 35872: checksum mismatch" */
} cr_diag;

/* Formats the message into d (when d is not NULL) and returns code. */
int cr_diag_set(cr_diag *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts "prefix: " before d's message, keeping its code; returns the code. */
int cr_diag_prefix(cr_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clears d (code CR_OK, empty message); d may be NULL. */
void cr_diag_clear(cr_diag *d);

/* A short English name of a code: "checksum mismatch". */
const char *cr_strerror(int code);

#endif
