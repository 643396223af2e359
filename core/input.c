#include "input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MW_MAX (1u << 20) /* latent values per block: far above any model's */

struct cr_input {
    const char *const *paths;
    int npaths, at; /* next path to open */
    int kind;       /* expected kind, 0 for any */
    int raw;
    uint32_t max_len;
    FILE *f;
    int own_f, open, done;
    const char *name;
    cr_reader *r;
    uint64_t pos;
    /* the current stream */
    uint32_t vocab, L, S;
    int mw, bf16;
    /* the current document (cr-stream(5): documents, their blocks in order, their end) */
    int in_doc, short_block;
    uint64_t doc, next_doc, next_index, end_token, end_byte;
    /* payload buffers */
    uint32_t *ids, *off, *am;
    float *logp, *z;
};

/* "record N at byte P" and the input's name, in one place for every message */
static void where(cr_diag *d, const char *input, const cr_rec *rec)
{
    if (rec)
        cr_diag_prefix(d, "record %llu at byte %llu", (unsigned long long)rec->seq,
                       (unsigned long long)rec->pos);
    cr_diag_prefix(d, "%s", input ? input : "<stdin>");
}

int cr_event_where(const cr_event *ev, cr_diag *d)
{
    where(d, ev->input,
          ev->type == CR_EV_STREAM || ev->type == CR_EV_INPUT_END ? NULL : &ev->rec);
    return d->code;
}

static int fail(cr_input *in, int rc, const cr_rec *rec, cr_diag *d)
{
    if (d)
        where(d, in->name, rec);
    /* the rest of this input cannot be trusted: the next call moves on */
    cr_reader_close(in->r);
    in->r = NULL;
    if (in->own_f && in->f)
        fclose(in->f);
    in->f = NULL;
    in->open = 0;
    return rc;
}

void cr_input_skip(cr_input *in)
{
    if (in->open)
        fail(in, CR_OK, NULL, NULL);
}

static int alloc_buffers(cr_input *in, cr_diag *d)
{
    in->ids = malloc(CR_BLOCK_MAX_TOKENS * sizeof *in->ids);
    in->off = malloc((CR_BLOCK_MAX_TOKENS + 1) * sizeof *in->off);
    in->am = malloc(CR_BLOCK_MAX_TOKENS * sizeof *in->am);
    in->logp = malloc(CR_BLOCK_MAX_TOKENS * sizeof *in->logp);
    if (!in->ids || !in->off || !in->am || !in->logp)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    return CR_OK;
}

static cr_input *input_new(int kind, cr_diag *d)
{
    cr_input *in = calloc(1, sizeof *in);
    if (!in) {
        cr_diag_set(d, CR_E_NOMEM, "out of memory");
        return NULL;
    }
    in->kind = kind;
    in->max_len = CR_REC_MAX_DEFAULT;
    if (alloc_buffers(in, d) < 0) {
        cr_input_close(in);
        return NULL;
    }
    return in;
}

int cr_input_open(cr_input **out, const char *const *paths, int npaths, int kind, cr_diag *d)
{
    static const char *const dash[] = {"-"};
    *out = input_new(kind, d);
    if (!*out)
        return CR_E_NOMEM;
    (*out)->paths = npaths > 0 ? paths : dash;
    (*out)->npaths = npaths > 0 ? npaths : 1;
    return CR_OK;
}

int cr_input_open_file(cr_input **out, FILE *f, const char *name, int kind, cr_diag *d)
{
    *out = input_new(kind, d);
    if (!*out)
        return CR_E_NOMEM;
    (*out)->paths = &(*out)->name;
    (*out)->npaths = 1;
    (*out)->f = f;
    (*out)->name = name;
    return CR_OK;
}

void cr_input_close(cr_input *in)
{
    if (!in)
        return;
    cr_reader_close(in->r);
    if (in->own_f && in->f)
        fclose(in->f);
    free(in->ids);
    free(in->off);
    free(in->am);
    free(in->logp);
    free(in->z);
    free(in);
}

void cr_input_set_max_len(cr_input *in, uint32_t max_len) { in->max_len = max_len; }
void cr_input_set_raw(cr_input *in, int raw) { in->raw = raw; }
const char *cr_input_name(const cr_input *in) { return in->name ? in->name : "<stdin>"; }
uint64_t cr_input_pos(const cr_input *in) { return in->pos; }

/* Takes up a stream header: what its blocks must look like. */
static int take_header(cr_input *in, cr_diag *d)
{
    const cr_meta *m = cr_reader_meta(in->r);
    int kind = cr_reader_kind(in->r);
    uint64_t v = 0, L = 0, S = 0, M = 0, W = 0;
    const char *dt = "f32";

    if (in->in_doc)
        return cr_diag_set(d, CR_E_FORMAT, "the stream ended inside document %llu",
                           (unsigned long long)in->doc);
    in->next_doc = 0;
    in->vocab = UINT32_MAX;
    if (cr_meta_get_u64(m, "tok.vocab_size", &v) && (v == 0 || v > (1u << 24)))
        return cr_diag_set(d, CR_E_FORMAT, "tok.vocab_size %llu is out of range",
                           (unsigned long long)v);
    if (v)
        in->vocab = (uint32_t)v;
    else if (kind == CR_KIND_LATENTS || kind == CR_KIND_RECON)
        return cr_diag_set(d, CR_E_FORMAT, "a %s stream without tok.vocab_size",
                           cr_kind_name(kind));
    in->L = cr_meta_get_u64(m, "block.tokens", &L) && L >= 1 && L <= CR_BLOCK_MAX_TOKENS
                ? (uint32_t)L : 0;
    in->S = cr_meta_get_u64(m, "block.stride", &S) && S >= 1 && S <= L ? (uint32_t)S : 0;
    if (kind == CR_KIND_LATENTS && !in->raw) {
        cr_meta_get_u64(m, "latent.slots", &M);
        cr_meta_get_u64(m, "latent.width", &W);
        cr_meta_get_str(m, "latent.dtype", &dt);
        if (M == 0 || W == 0 || M > MW_MAX || W > MW_MAX || M * W > MW_MAX)
            return cr_diag_set(d, CR_E_FORMAT, "latents of %llu x %llu values",
                               (unsigned long long)M, (unsigned long long)W);
        if (strcmp(dt, "f32") != 0 && strcmp(dt, "bf16") != 0)
            return cr_diag_set(d, CR_E_FORMAT, "latents of type '%s' (f32 or bf16)", dt);
        in->bf16 = strcmp(dt, "bf16") == 0;
        if ((int)(M * W) != in->mw) {
            free(in->z);
            in->mw = (int)(M * W);
            if (!(in->z = malloc((size_t)in->mw * sizeof *in->z)))
                return cr_diag_set(d, CR_E_NOMEM, "out of memory");
        }
        size_t most = cr_lat_size(CR_BLOCK_MAX_TOKENS, in->mw, 0);
        cr_reader_set_max_len(in->r, most > in->max_len ? (uint32_t)most : in->max_len);
    }
    return CR_OK;
}

/* Opens the next input; 1 when one is open, 0 when none is left, < 0 on error. */
static int open_next(cr_input *in, cr_diag *d)
{
    if (!in->f) {
        if (in->at >= in->npaths)
            return 0;
        const char *p = in->paths[in->at++];
        struct stat st;
        in->name = strcmp(p, "-") == 0 ? "<stdin>" : p;
        in->own_f = strcmp(p, "-") != 0;
        in->f = in->own_f ? fopen(p, "rb") : stdin;
        if (!in->f)
            return fail(in, cr_diag_set(d, CR_E_IO, "%s", strerror(errno)), NULL, d);
        if (fstat(fileno(in->f), &st) == 0 && S_ISDIR(st.st_mode))
            return fail(in, cr_diag_set(d, CR_E_IO, "is a directory"), NULL, d);
    } else {
        in->at++;
    }
    in->open = 1;
    in->in_doc = 0;
    in->pos = 0;
    int rc = cr_reader_open(&in->r, in->f, in->kind, d);
    if (rc < 0)
        return fail(in, rc, NULL, d);
    cr_reader_set_max_len(in->r, in->max_len);
    if ((rc = take_header(in, d)) < 0)
        return fail(in, rc, NULL, d);
    return 1;
}

static int check_doc(cr_input *in, const cr_docrec *dr, cr_diag *d)
{
    if (in->in_doc)
        return cr_diag_set(d, CR_E_FORMAT, "document %llu starts before document %llu ended",
                           (unsigned long long)dr->doc, (unsigned long long)in->doc);
    if (dr->doc != in->next_doc)
        return cr_diag_set(d, CR_E_FORMAT, "document numbered %llu, expected %llu",
                           (unsigned long long)dr->doc, (unsigned long long)in->next_doc);
    in->in_doc = 1;
    in->doc = dr->doc;
    in->next_doc = dr->doc + 1;
    in->next_index = in->end_token = in->end_byte = 0;
    in->short_block = 0;
    return CR_OK;
}

static int check_block(cr_input *in, const cr_block *b, cr_diag *d)
{
    uint64_t end = b->base + b->off[b->n];
    if (!in->in_doc)
        return cr_diag_set(d, CR_E_FORMAT, "a block outside any document");
    if (b->doc != in->doc)
        return cr_diag_set(d, CR_E_FORMAT, "a block of document %llu inside document %llu",
                           (unsigned long long)b->doc, (unsigned long long)in->doc);
    if (b->index != in->next_index)
        return cr_diag_set(d, CR_E_FORMAT, "block %llu of document %llu, expected block %llu "
                           "(blocks lost or reordered?)", (unsigned long long)b->index,
                           (unsigned long long)b->doc, (unsigned long long)in->next_index);
    if (in->L && b->L != in->L)
        return cr_diag_set(d, CR_E_FORMAT, "a block cut with -L %u in a stream of blocks of %u",
                           b->L, in->L);
    if (in->short_block)
        return cr_diag_set(d, CR_E_FORMAT, "a block after the short last block of document "
                           "%llu", (unsigned long long)b->doc);
    if (in->S && b->first != b->index * in->S)
        return cr_diag_set(d, CR_E_FORMAT, "block %llu starts at token %llu, not %llu "
                           "(stride %u)", (unsigned long long)b->index,
                           (unsigned long long)b->first,
                           (unsigned long long)(b->index * in->S), in->S);
    if (b->index == 0 && (b->first != 0 || b->base != 0))
        return cr_diag_set(d, CR_E_FORMAT, "the first block of document %llu starts at token "
                           "%llu, byte %llu", (unsigned long long)b->doc,
                           (unsigned long long)b->first, (unsigned long long)b->base);
    if (end < b->base)
        return cr_diag_set(d, CR_E_VALUE, "a block whose bytes overflow");
    in->next_index++;
    in->short_block = b->n < b->L;
    in->end_token = b->first + b->n;
    if (end > in->end_byte)
        in->end_byte = end;
    return CR_OK;
}

static int check_docend(cr_input *in, const cr_docrec *dr, cr_diag *d)
{
    if (!in->in_doc || dr->doc != in->doc)
        return cr_diag_set(d, CR_E_FORMAT, "the end of document %llu, which is not open",
                           (unsigned long long)dr->doc);
    if (dr->tokens != in->end_token)
        return cr_diag_set(d, CR_E_FORMAT, "document %llu ends after %llu tokens, its blocks "
                           "hold %llu", (unsigned long long)dr->doc,
                           (unsigned long long)dr->tokens, (unsigned long long)in->end_token);
    if (in->end_byte > dr->bytes)
        return cr_diag_set(d, CR_E_FORMAT, "document %llu of %llu bytes has tokens up to byte "
                           "%llu", (unsigned long long)dr->doc, (unsigned long long)dr->bytes,
                           (unsigned long long)in->end_byte);
    in->in_doc = 0;
    return CR_OK;
}

/* Decodes a data record of the current stream into ev. */
static int decode(cr_input *in, cr_event *ev, cr_diag *d)
{
    const cr_rec *rec = &ev->rec;
    int kind = ev->kind, rc;
    cr_block *b = &ev->block;

    b->ids = in->ids;
    b->off = in->off;
    if ((kind != CR_KIND_TOKENS && kind != CR_KIND_LATENTS && kind != CR_KIND_RECON) ||
        (in->raw && kind != CR_KIND_TOKENS))
        return CR_EV_RECORD; /* tensors, tag states: records their readers decode */
    switch (rec->type) {
    case CR_TOK_DOC:
        if ((rc = cr_doc_read(&ev->doc, rec->data, rec->len, d)) < 0 ||
            (rc = check_doc(in, &ev->doc, d)) < 0)
            return rc;
        return CR_EV_DOC;
    case CR_TOK_DOCEND:
        if ((rc = cr_docend_read(&ev->doc, rec->data, rec->len, d)) < 0 ||
            (rc = check_docend(in, &ev->doc, d)) < 0)
            return rc;
        return CR_EV_DOCEND;
    case CR_TOK_BLOCK:
        if (kind != CR_KIND_TOKENS)
            return CR_EV_RECORD;
        rc = cr_block_read(b, rec->data, rec->len, in->vocab, d);
        break;
    case CR_LAT_BLOCK:
        if (kind != CR_KIND_LATENTS)
            return CR_EV_RECORD;
        rc = cr_lat_read(b, in->z, in->mw, in->bf16, rec->data, rec->len, in->vocab, d);
        ev->z = in->z;
        ev->mw = in->mw;
        break;
    case CR_RECON_BLOCK:
        if (kind != CR_KIND_RECON)
            return CR_EV_RECORD;
        rc = cr_recon_read(b, in->am, in->logp, rec->data, rec->len, in->vocab, d);
        ev->argmax = in->am;
        ev->logp = in->logp;
        break;
    default:
        return CR_EV_RECORD;
    }
    if (rc < 0 || (rc = check_block(in, b, d)) < 0)
        return rc;
    return CR_EV_BLOCK;
}

int cr_input_next(cr_input *in, cr_event *ev, cr_diag *d)
{
    int rc;
    memset(ev, 0, sizeof *ev);
    cr_diag_clear(d);
    if (!in->open) {
        if ((rc = open_next(in, d)) <= 0)
            return rc;
        ev->first = 1;
        rc = 2;
    } else if ((rc = cr_reader_next(in->r, &ev->rec, d)) < 0) {
        return fail(in, rc, NULL, d);
    }
    ev->input = in->name;
    if (rc == 0) {
        if (in->in_doc)
            return fail(in, cr_diag_set(d, CR_E_FORMAT, "the stream ended inside document %llu",
                                        (unsigned long long)in->doc), NULL, d);
        cr_reader_close(in->r);
        in->r = NULL;
        if (in->own_f)
            fclose(in->f);
        in->f = NULL;
        in->open = 0;
        return ev->type = CR_EV_INPUT_END;
    }
    ev->kind = cr_reader_kind(in->r);
    ev->meta = cr_reader_meta(in->r);
    if (rc == 2) {
        if (!ev->first && (rc = take_header(in, d)) < 0)
            return fail(in, rc, NULL, d);
        return ev->type = CR_EV_STREAM;
    }
    in->pos = ev->rec.pos + 24 + ev->rec.len;
    if ((rc = decode(in, ev, d)) < 0)
        return fail(in, rc, &ev->rec, d);
    return ev->type = rc;
}
