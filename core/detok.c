#include "detok.h"

/* Checks a stream header: a kind with text in it, of our vocabulary. */
static int on_stream(const cr_detok *s, const cr_event *ev, cr_diag *d)
{
    uint64_t vid;
    if (ev->kind != CR_KIND_TOKENS && ev->kind != CR_KIND_RECON)
        return cr_diag_set(d, CR_E_KIND, "expected a token or reconstruction stream, got a %s "
                           "stream", cr_kind_name(ev->kind));
    if (!cr_meta_get_u64(ev->meta, "tok.vocab_id", &vid))
        return cr_diag_set(d, CR_E_FORMAT, "the stream does not name its vocabulary (no "
                           "tok.vocab_id)");
    if (vid != cr_vocab_id(s->v))
        return cr_diag_set(d, CR_E_MISMATCH, "tokens of another vocabulary (%016llx, not "
                           "%016llx)", (unsigned long long)vid,
                           (unsigned long long)cr_vocab_id(s->v));
    return CR_OK;
}

/* Writes the positions of a block that no earlier window of its document held: the
 * tokens of a token stream, which must continue the text exactly, or what the expert
 * predicted (reconstruction streams). */
static int on_block(cr_detok *s, const cr_event *ev, cr_diag *d)
{
    const cr_block *b = &ev->block;
    for (uint32_t i = cr_tokens_new(&s->seen, b); i < b->n; i++) {
        uint32_t id = ev->kind == CR_KIND_RECON ? ev->argmax[i] : b->ids[i];
        size_t len;
        if (id >= cr_vocab_size(s->v))
            return cr_diag_set(d, CR_E_VALUE, "token %u has id %u, beyond the vocabulary (%u)",
                               i, id, cr_vocab_size(s->v));
        const unsigned char *p = cr_vocab_bytes(s->v, id, &len);
        if (ev->kind == CR_KIND_TOKENS) {
            uint64_t at = b->base + b->off[i], span = b->off[i + 1] - b->off[i];
            if (span == 0)
                continue; /* an appended <|endoftext|> */
            if (span != len || at != s->written)
                return cr_diag_set(d, CR_E_VALUE, "token %u spans bytes %llu-%llu, which "
                                   "does not follow the text so far", i,
                                   (unsigned long long)at, (unsigned long long)(at + span));
            s->written += len;
        }
        fwrite(p, 1, len, s->out);
    }
    return CR_OK;
}

int cr_detok_event(cr_detok *s, const cr_event *ev, cr_diag *d)
{
    switch (ev->type) {
    case CR_EV_STREAM:
        return on_stream(s, ev, d);
    case CR_EV_DOC:
        cr_tokens_seen_reset(&s->seen);
        s->written = 0;
        return CR_OK;
    case CR_EV_BLOCK:
        return on_block(s, ev, d);
    case CR_EV_DOCEND:
        if (ev->kind == CR_KIND_TOKENS && ev->doc.bytes != s->written)
            return cr_diag_set(d, CR_E_VALUE, "document %llu: blocks give %llu of its %llu "
                               "bytes", (unsigned long long)ev->doc.doc,
                               (unsigned long long)s->written,
                               (unsigned long long)ev->doc.bytes);
        return CR_OK;
    default:
        return CR_OK;
    }
}

int cr_detok_ids(const cr_vocab *v, FILE *in, FILE *out, cr_diag *d)
{
    unsigned long id;
    unsigned long long k = 0;
    int r;
    while ((r = fscanf(in, "%lu", &id)) == 1) {
        size_t len;
        if (id >= cr_vocab_size(v))
            return cr_diag_set(d, CR_E_VALUE, "id %lu (number %llu) is beyond the vocabulary "
                               "(%u)", id, k + 1, cr_vocab_size(v));
        const unsigned char *p = cr_vocab_bytes(v, (uint32_t)id, &len);
        fwrite(p, 1, len, out);
        k++;
    }
    if (r != EOF || ferror(in))
        return cr_diag_set(d, CR_E_FORMAT, "not a token stream nor a list of ids (after %llu "
                           "ids)", k);
    return CR_OK;
}
