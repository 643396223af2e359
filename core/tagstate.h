/* crtag's state file (man/crtag.1, STATE FILE): for each file of the last run, its
 * content hash, size and spans, under a header naming the expert set and the settings
 * they were made with. A cr stream of kind "tag state" (cr-stream(5)): checked by XXH3
 * record by record, written whole or not at all (core/file.h).
 *
 * Record (type 1), 24 + path_len + 18 x nspans bytes:
 *     u64 hash (XXH3 of the file's bytes), u64 size, u32 nspans, u32 path_len, path,
 *     nspans x (u64 start, u64 end, u16 state)
 * state < the number of experts is the expert of that index in tag.experts, equal to it
 * is "unknown". Header keys: tag.experts (names, comma-separated), tag.checks (their
 * model checks, hex, comma-separated), tag.matmul (bf16 or fp32: the experts' products,
 * whose results differ in the fourth decimal), tag.stride (u64), tag.penalty,
 * tag.line_penalty, tag.para_penalty, tag.reject, tag.median_power, tag.spread_power
 * (f64). */
#ifndef CR_TAGSTATE_H
#define CR_TAGSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "calib.h"
#include "err.h"
#include "meta.h"

#define CR_TAGSTATE_REC 1

typedef struct cr_tagspan {
    uint64_t start, end;
    uint16_t state;
} cr_tagspan;

typedef struct cr_tagentry {
    char *path;
    uint64_t hash, size;
    uint32_t nspans;
    cr_tagspan *spans;
} cr_tagentry;

/* A set of entries by path (open addressing). */
typedef struct cr_tagstate {
    cr_meta *meta; /* the settings the entries were made with */
    cr_tagentry *e;
    size_t n, cap;
} cr_tagstate;

/* Loads path into s; a missing file is an empty state (1 returned), any damage an error. */
int cr_tagstate_load(cr_tagstate *s, const char *path, cr_diag *d);
/* The entry of path, or NULL. */
const cr_tagentry *cr_tagstate_find(const cr_tagstate *s, const char *path);
/* Adds a copy of e (replacing an entry of the same path). */
int cr_tagstate_add(cr_tagstate *s, const cr_tagentry *e, cr_diag *d);
/* Writes s to path atomically, with meta as its header. */
int cr_tagstate_save(const cr_tagstate *s, const cr_meta *meta, const char *path, cr_diag *d);
void cr_tagstate_free(cr_tagstate *s);

/* The header of a state file: the experts (names and model checks) and the settings the
 * spans were made with. Two states hold for the same results when cr_tagstate_same. */
cr_meta *cr_tagstate_settings(const char *const *names, const uint64_t *checks, int k,
                              uint64_t stride, const double penalty[3], double reject,
                              cr_calib_scale scale, const char *matmul);
int cr_tagstate_same(const cr_meta *a, const cr_meta *b);

/* One run at a time: an exclusive lock on PATH.lock, held until the process ends; an
 * error, at once, when another process holds it. */
int cr_tagstate_lock(const char *path, cr_diag *d);

#endif
