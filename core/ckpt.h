/* Training checkpoints (man/cr-checkpoint.5): a tensor stream whose header holds the model's
 * metadata and configuration, the steps done and the run's options, and whose records hold
 * the parameters and the two AdamW moments, so that a run goes on exactly where it stopped. */
#ifndef CR_CKPT_H
#define CR_CKPT_H

#include "train.h"

#define CR_CKPT_CHUNK (1u << 20) /* values per record */
#define CR_CKPT_REC 2            /* record type of a slab chunk */

/* Writes a checkpoint of ae after step steps, with the moments m and v (cr_ae_nparams floats
 * each) and the options o, in place of path atomically (cr_file_replace). */
int cr_ckpt_save(const char *path, const cr_ae *ae, const float *m, const float *v,
                 const cr_train_opts *o, long step, cr_diag *d);

/* Reads a checkpoint: *ae is a new model (with the checkpoint's metadata), *moments a new
 * array of 2 * cr_ae_nparams floats, m then v (the caller frees it), *step the steps done.
 * The options the file holds are written into o, but for those whose bit is set in keep
 * (bit i for cr_train_keys[i]: given on the command line); the others stay as they are.
 * On failure *ae and *moments are NULL and the message in d starts with the path. */
int cr_ckpt_load(const char *path, cr_ae **ae, float **moments, cr_train_opts *o,
                 unsigned keep, long *step, cr_diag *d);

#endif
