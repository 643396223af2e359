/* Walking paths as a user gives them: a file, a directory (every file below it, in name
 * order, links to directories not followed, so that a walk always ends), or a list of
 * paths on a stream, NUL-separated (find -print0) or one per line. */
#ifndef CR_WALK_H
#define CR_WALK_H

#include <stdio.h>

/* Called for every path that is not a directory, and for directories that cannot be
 * read (with err their errno; 0 otherwise). A non-zero return ends the walk, and the
 * walk returns it. */
typedef int (*cr_walk_fn)(void *arg, const char *path, int err);

int cr_walk(const char *path, cr_walk_fn fn, void *arg);
/* The paths of a list read from f: NUL-separated when its first 64 KiB hold a NUL,
 * else one per line; each is walked as soon as it has arrived (once a NUL has been
 * seen, or 64 KiB, or the end). A read error goes to fn as path "-" with its errno; a
 * path that cannot be held in memory goes to fn (cut short) with ENOMEM, and ends the
 * list; a read interrupted by a signal (installed without SA_RESTART) ends it too. */
int cr_walk_list(FILE *f, cr_walk_fn fn, void *arg);

#endif
