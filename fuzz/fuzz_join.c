/* The K-way join (core/join.h, crroute's input) over two streams cut from one input: the
 * join gives K events of one type at every step, or an error, never a shorter result.
 *
 * Input: a mode byte (FZ_RESEAL, FZ_RENUM; bits 2-3 the kind: tokens, latents, recon;
 * 16 a third stream, a copy of the first), two bytes of split point (a fraction of the
 * rest, little-endian), then the two streams back to back. */
#include "fuzz.h"
#include "../core/join.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int kinds[4] = {CR_KIND_TOKENS, CR_KIND_LATENTS, CR_KIND_RECON, 0};
    if (size < 3)
        return 0;
    int mode = data[0], kind = kinds[mode >> 2 & 3], k = mode & 16 ? 3 : 2, rc;
    size_t n = size - 3, split = (size_t)(data[1] | data[2] << 8) * n / 65535;
    unsigned char *a = fz_copy(data + 3, split), *b = fz_copy(data + 3 + split, n - split);
    char pa[64], pb[64];
    cr_join *j;
    cr_event ev[3];
    cr_diag d;

    fz_reseal_stream(a, split, mode);
    fz_reseal_stream(b, n - split, mode);
    int fa = fz_file(a, split, pa, sizeof pa), fb = fz_file(b, n - split, pb, sizeof pb);
    const char *paths[3] = {pa, pb, pa};
    FZ_ASSERT(cr_join_open(&j, paths, k, kind, &d) == CR_OK);
    long steps = 0;
    while ((rc = cr_join_next(j, ev, &d)) != CR_EV_END) {
        FZ_ASSERT(++steps <= (long)n + 4);
        if (rc < 0) {
            fz_check_diag(rc, &d);
            break; /* the join cannot go on */
        }
        for (int i = 0; i < k; i++) {
            FZ_ASSERT(ev[i].type == rc);
            FZ_ASSERT(!kind || ev[i].type == CR_EV_INPUT_END || ev[i].kind == kind);
        }
        if (rc == CR_EV_BLOCK)
            for (int i = 1; i < k; i++)
                FZ_ASSERT(ev[i].block.n == ev[0].block.n &&
                          !memcmp(ev[i].block.ids, ev[0].block.ids,
                                  ev[0].block.n * sizeof *ev[0].block.ids));
    }
    cr_join_close(j);
    close(fa);
    close(fb);
    free(a);
    free(b);
    return 0;
}
