/* The block reader (core/input.h) over one stream of kind FZ_KIND, every event checked
 * against what input.h and tokrec.h promise. Included by fuzz_stream_tokens.c,
 * fuzz_stream_latents.c and fuzz_stream_recon.c, which set FZ_KIND.
 *
 * Input: a mode byte, then the stream. Mode bits beyond FZ_RESEAL and FZ_RENUM:
 *   4  raw: blocks of latent and reconstruction streams as records (crdump)
 *   8  expect any kind (0), as crdump and crtok -d do
 *  16  a payload limit of 4 KiB instead of the default */
#include <math.h>

#include "fuzz.h"
#include "../core/input.h"

/* What one event may hold, whatever the bytes were. */
static void check_event(const cr_event *ev, cr_tokens_seen *seen, int raw)
{
    cr_diag w;
    uint64_t vocab = UINT32_MAX;

    FZ_ASSERT(ev->input && strcmp(ev->input, "fuzz") == 0);
    FZ_ASSERT(ev->meta != NULL || ev->type == CR_EV_INPUT_END);
    if (ev->meta)
        cr_meta_get_u64(ev->meta, "tok.vocab_size", &vocab);
    cr_diag_set(&w, CR_E_VALUE, "x");
    FZ_ASSERT(cr_event_where(ev, &w) == CR_E_VALUE && strncmp(w.msg, "fuzz: ", 6) == 0);
    switch (ev->type) {
    case CR_EV_STREAM:
        break;
    case CR_EV_DOC:
        FZ_ASSERT(ev->doc.name_len <= CR_DOC_NAME_MAX);
        FZ_ASSERT(ev->doc.name_len == 0 || ev->doc.name != NULL);
        fz_touch(ev->doc.name, ev->doc.name_len);
        cr_tokens_seen_reset(seen);
        break;
    case CR_EV_BLOCK: {
        const cr_block *b = &ev->block;
        FZ_ASSERT(ev->kind == CR_KIND_TOKENS || !raw);
        FZ_ASSERT(b->n >= 1 && b->n <= b->L && b->L <= CR_BLOCK_MAX_TOKENS);
        FZ_ASSERT(b->off[0] == 0);
        for (uint32_t i = 0; i < b->n; i++) {
            FZ_ASSERT(b->ids[i] < vocab);
            FZ_ASSERT(b->off[i + 1] >= b->off[i]);
        }
        FZ_ASSERT(b->base + b->off[b->n] >= b->base);
        FZ_ASSERT(cr_tokens_new(seen, b) <= b->n);
        if (ev->kind == CR_KIND_LATENTS) {
            FZ_ASSERT(ev->z != NULL && ev->mw >= 1);
            for (int i = 0; i < ev->mw; i++)
                FZ_ASSERT(isfinite(ev->z[i]));
        }
        if (ev->kind == CR_KIND_RECON) {
            FZ_ASSERT(ev->argmax != NULL && ev->logp != NULL);
            for (uint32_t i = 0; i < b->n; i++)
                FZ_ASSERT(ev->argmax[i] < vocab && ev->logp[i] <= 0.0f);
        }
        break;
    }
    case CR_EV_DOCEND:
    case CR_EV_INPUT_END:
        break;
    case CR_EV_RECORD:
        FZ_ASSERT(ev->rec.len == 0 || ev->rec.data != NULL);
        fz_touch(ev->rec.data, ev->rec.len);
        break;
    default:
        FZ_ASSERT(!"an event of no known type");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0], rc, raw = (mode & 4) != 0;
    size_t n = size - 1;
    unsigned char *p = fz_copy(data + 1, n);
    fz_reseal_stream(p, n, mode);
    FILE *f = fz_open(p, n);
    cr_input *in;
    cr_event ev;
    cr_diag d;
    cr_tokens_seen seen = {0};
    long events = 0;

    FZ_ASSERT(cr_input_open_file(&in, f, "fuzz", mode & 8 ? 0 : FZ_KIND, &d) == CR_OK);
    cr_input_set_raw(in, raw);
    if (mode & 16)
        cr_input_set_max_len(in, 4096);
    while ((rc = cr_input_next(in, &ev, &d)) != CR_EV_END) {
        FZ_ASSERT(++events <= (long)n + 2); /* every event costs at least a byte */
        if (rc < 0) {
            fz_check_diag(rc, &d);
            FZ_ASSERT(strncmp(d.msg, "fuzz: ", 6) == 0);
            continue;
        }
        FZ_ASSERT(rc == ev.type);
        FZ_ASSERT(!(mode & 8) ? ev.type == CR_EV_INPUT_END || ev.kind == FZ_KIND : 1);
        check_event(&ev, &seen, raw);
    }
    cr_input_close(in);
    fclose(f);
    free(p);
    return 0;
}
