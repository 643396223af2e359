/* Files written whole or not at all: model files and checkpoints are written to a temporary
 * file beside their path (PATH.tmpPID), flushed to disk and renamed over the path, so that a
 * reader, a crash or a full disk never leaves half a file where a whole one was. */
#ifndef CR_FILE_H
#define CR_FILE_H

#include <stdio.h>

#include "err.h"

/* Writes the content of a file: returns CR_OK or a negative CR_E_* code with d set. A failed
 * write to f may simply return CR_E_IO: cr_file_replace finds the reason itself. */
typedef int (*cr_file_writer)(FILE *f, void *arg, cr_diag *d);

/* Replaces path with what fill(f, arg, d) writes. On success path holds all of it; on any
 * failure path is left as it was, the temporary file is removed and d names the path: "PATH:
 * write failed: REASON" for a failed write, sync or rename, "PATH: " before fill's own
 * message otherwise. Refuses "-" and an existing path that is not a regular file (a pipe or
 * a device cannot be renamed over). */
int cr_file_replace(const char *path, cr_file_writer fill, void *arg, cr_diag *d);

#endif
