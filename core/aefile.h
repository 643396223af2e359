/* Model files (man/cr-model.5): a checked header with the config and metadata, a tensor
 * table, and the parameters, fp32 (mapped as they are) or bf16 (half the size). */
#ifndef CR_AEFILE_H
#define CR_AEFILE_H

#include "ae.h"

#define CR_MODEL_MAGIC "\x89" "CRM"
#define CR_MODEL_VERSION 1

enum { CR_DTYPE_F32 = 1, CR_DTYPE_BF16 = 2 };

/* Loads a model file; fp32 parameters stay in a read-only mapping of the file. */
int cr_ae_load(cr_ae **out, const char *path, cr_diag *d);
/* Writes ae to path atomically (a temporary file renamed into place). */
int cr_ae_save(const cr_ae *ae, const char *path, int dtype, cr_diag *d);

#endif
