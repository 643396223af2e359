#include "join.h"

#include <stdlib.h>
#include <string.h>

struct cr_join {
    int k;
    cr_input *in[CR_JOIN_MAX];
    const char *name[CR_JOIN_MAX];
    cr_block at; /* the last block all agreed on, for messages */
};

int cr_join_open(cr_join **out, const char *const *paths, int k, int kind, cr_diag *d)
{
    int stdin_seen = 0, rc = CR_OK;
    *out = NULL;
    if (k < 1 || k > CR_JOIN_MAX)
        return cr_diag_set(d, CR_E_ARG, "%d streams to join (1 to %d)", k, CR_JOIN_MAX);
    for (int i = 0; i < k; i++)
        if (strcmp(paths[i], "-") == 0 && stdin_seen++)
            return cr_diag_set(d, CR_E_ARG, "standard input given twice");
    cr_join *j = calloc(1, sizeof *j);
    if (!j)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    j->k = k;
    for (int i = 0; i < k && rc == CR_OK; i++) {
        j->name[i] = strcmp(paths[i], "-") == 0 ? "<stdin>" : paths[i];
        rc = cr_input_open(&j->in[i], paths + i, 1, kind, d);
    }
    if (rc < 0) {
        cr_join_close(j);
        return rc;
    }
    *out = j;
    return CR_OK;
}

void cr_join_close(cr_join *j)
{
    if (!j)
        return;
    for (int i = 0; i < j->k; i++)
        cr_input_close(j->in[i]);
    free(j);
}

static const char *what(int type)
{
    switch (type) {
    case CR_EV_END: return "its end";
    case CR_EV_STREAM: return "a stream header";
    case CR_EV_DOC: return "a document";
    case CR_EV_BLOCK: return "a block";
    case CR_EV_DOCEND: return "a document end";
    case CR_EV_INPUT_END: return "its end";
    }
    return "a record";
}

static int same_meta_u64(const cr_meta *a, const cr_meta *b, const char *key)
{
    uint64_t x = 0, y = 0;
    int hx = cr_meta_get_u64(a, key, &x), hy = cr_meta_get_u64(b, key, &y);
    return hx == hy && x == y;
}

/* Why event b differs from a, or NULL when they agree. */
static const char *differs(const cr_event *a, const cr_event *b)
{
    const cr_block *x = &a->block, *y = &b->block;
    switch (a->type) {
    case CR_EV_STREAM:
        if (!same_meta_u64(a->meta, b->meta, "tok.vocab_id"))
            return "another vocabulary";
        if (!same_meta_u64(a->meta, b->meta, "block.tokens"))
            return "another block size (crtok -L)";
        if (!same_meta_u64(a->meta, b->meta, "block.stride"))
            return "another stride (crtok -S)";
        return NULL;
    case CR_EV_DOC:
        return a->doc.doc != b->doc.doc || a->doc.name_len != b->doc.name_len ||
                       memcmp(a->doc.name, b->doc.name, a->doc.name_len)
                   ? "another document" : NULL;
    case CR_EV_DOCEND:
        return a->doc.bytes != b->doc.bytes || a->doc.tokens != b->doc.tokens
                   ? "another document length" : NULL;
    case CR_EV_BLOCK:
        if (x->doc != y->doc || x->index != y->index || x->first != y->first)
            return "another block";
        if (x->n != y->n || memcmp(x->ids, y->ids, x->n * sizeof *x->ids) ||
            x->base != y->base || memcmp(x->off, y->off, (x->n + 1) * sizeof *x->off))
            return "other tokens (another tokenisation?)";
        return NULL;
    }
    return NULL;
}

int cr_join_next(cr_join *j, cr_event *ev, cr_diag *d)
{
    int rc[CR_JOIN_MAX] = {0};
    for (int i = 0; i < j->k; i++) {
        do
            rc[i] = cr_input_next(j->in[i], &ev[i], d);
        while (rc[i] == CR_EV_RECORD); /* records of no meaning here */
        if (rc[i] < 0)
            return rc[i];
    }
    for (int i = 1; i < j->k; i++) {
        char why[128];
        const char *w = rc[i] != rc[0] ? why : differs(&ev[0], &ev[i]);
        if (!w)
            continue;
        if (w == why)
            snprintf(why, sizeof why, "%s where the other has %s", what(rc[0]), what(rc[i]));
        if (rc[0] == CR_EV_BLOCK)
            j->at = ev[0].block;
        return cr_diag_set(d, CR_E_MISMATCH, "%s and %s part at block %llu of document %llu: "
                           "%s", j->name[0], j->name[i], (unsigned long long)j->at.index,
                           (unsigned long long)j->at.doc, w);
    }
    if (rc[0] == CR_EV_BLOCK)
        j->at = ev[0].block;
    return rc[0];
}
