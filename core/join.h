/* The K-way join: K streams made by K experts from the same token stream, read in step
 * (crroute). Every step gives K events of one type about the same document or block;
 * streams that part ways are an error naming the first block where they differ, and a
 * stream that ends before the others is an error, not a shorter result. */
#ifndef CR_JOIN_H
#define CR_JOIN_H

#include "input.h"

#define CR_JOIN_MAX 64

typedef struct cr_join cr_join;

/* Opens paths[0..k) ("-" at most once, for stdin), each a stream of kind. */
int cr_join_open(cr_join **out, const char *const *paths, int k, int kind, cr_diag *d);
void cr_join_close(cr_join *j);
/* Fills ev[0..k) with the next event of every stream; returns its type, CR_EV_END when
 * all have ended together, or a negative CR_E_* code (the join cannot go on). */
int cr_join_next(cr_join *j, cr_event *ev, cr_diag *d);

#endif
