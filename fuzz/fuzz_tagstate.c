/* cr_tagstate_load (core/tagstate.h) on crtag's state file: every entry it accepts has
 * spans in order that cover the file, and can be found again by its path.
 *
 * Input: a mode byte (FZ_RESEAL, FZ_RENUM), then the file. */
#include "fuzz.h"
#include "../core/segment.h"
#include "../core/tagstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1, seen = 0;
    unsigned char *p = fz_copy(data + 1, n);
    char path[64];
    cr_tagstate s;
    cr_diag d;
    int rc;

    fz_reseal_stream(p, n, data[0]);
    int fd = fz_file(p, n, path, sizeof path);
    if ((rc = cr_tagstate_load(&s, path, &d)) < 0) {
        fz_check_diag(rc, &d);
        FZ_ASSERT(s.e == NULL && s.n == 0 && s.meta == NULL);
    } else {
        FZ_ASSERT(rc == CR_OK && s.meta != NULL);
        FZ_ASSERT(s.n * 2 <= s.cap || s.cap == 0);
        for (size_t i = 0; i < s.cap; i++) {
            const cr_tagentry *e = &s.e[i];
            if (!e->path)
                continue;
            seen++;
            FZ_ASSERT(cr_tagstate_find(&s, e->path) == e);
            uint64_t at = 0;
            for (uint32_t j = 0; j < e->nspans; j++) {
                FZ_ASSERT(e->spans[j].start == at && e->spans[j].end > at);
                FZ_ASSERT(e->spans[j].state < CR_SEG_MAX_STATES);
                at = e->spans[j].end;
            }
            FZ_ASSERT(at == e->size);
        }
        FZ_ASSERT(seen == s.n);
        cr_tagstate_same(s.meta, s.meta);
        cr_tagstate_free(&s);
    }
    close(fd);
    free(p);
    return 0;
}
