/* cr_ckpt_load (core/ckpt.h) on a checkpoint file: a tensor stream whose header sizes the
 * model; what the header claims must not cost memory the file cannot back.
 *
 * Input: a mode byte (FZ_RESEAL, FZ_RENUM; 4 keeps the options of the caller), then the
 * file. */
#include <math.h>

#include "fuzz.h"
#include "../core/ckpt.h"
#include "../core/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    unsigned char *p = fz_copy(data + 1, n);
    char path[64];
    cr_train_opts o;
    cr_ae *ae;
    float *mom;
    long step = -1;
    cr_diag d;
    int rc;

    fz_reseal_stream(p, n, data[0]);
    int fd = fz_file(p, n, path, sizeof path);
    cr_train_opts_default(&o);
    if ((rc = cr_ckpt_load(path, &ae, &mom, &o, data[0] & 4 ? ~0u : 0, &step, &d)) < 0) {
        fz_check_diag(rc, &d);
        FZ_ASSERT(ae == NULL && mom == NULL);
        FZ_ASSERT(strncmp(d.msg, path, strlen(path)) == 0);
    } else {
        size_t np = cr_ae_nparams(&ae->cfg);
        FZ_ASSERT(np > 0 && 12 * np < n); /* three slabs of np floats are in the file */
        FZ_ASSERT(step >= 0 || step == -1);
        for (size_t i = 0; i < np; i++)
            FZ_ASSERT(isfinite(ae->slab[i]) && isfinite(mom[i]) && isfinite(mom[np + i]));
        for (int i = 0; cr_train_keys[i].key; i++) {
            double x = cr_train_opts_get(&o, i);
            FZ_ASSERT((x >= cr_train_keys[i].lo && x <= cr_train_keys[i].hi) ||
                      x == cr_train_keys[i].def); /* kept, or not in the file */
        }
        cr_ae_free(ae);
        free(mom);
    }
    close(fd);
    free(p);
    return 0;
}
