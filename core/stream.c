#include "stream.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "le.h"

#define HDR_FIXED 12 /* magic, u16 version, u16 kind, u32 meta_len */
#define REC_HDR 16   /* u32 len, u16 type, u16 flags, u64 seq */

const char *cr_kind_name(int kind)
{
    switch (kind) {
    case CR_KIND_TOKENS: return "token";
    case CR_KIND_LATENTS: return "latent";
    case CR_KIND_RECON: return "reconstruction";
    case CR_KIND_TENSORS: return "tensor";
    case CR_KIND_TAGS: return "tag state";
    }
    return "unknown";
}

struct cr_reader {
    FILE *f;
    int want, kind, streams;
    uint64_t pos, seq;
    uint32_t max_len;
    unsigned char *buf;
    size_t cap;
    cr_meta *meta;
};

/* Reads exactly n bytes; returns how many were read (short only at EOF or error). */
static size_t get(cr_reader *r, void *p, size_t n)
{
    size_t got = fread(p, 1, n, r->f);
    r->pos += got;
    return got;
}

/* Makes *buf (of *cap bytes) hold at least n bytes, doubling from 4 KiB. */
static int grow_buf(unsigned char **buf, size_t *cap, size_t n, cr_diag *d)
{
    if (n <= *cap)
        return CR_OK;
    size_t c = *cap ? *cap : 4096;
    while (c < n)
        c *= 2;
    unsigned char *b = realloc(*buf, c);
    if (!b)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory for %zu bytes", n);
    *buf = b;
    *cap = c;
    return CR_OK;
}

static int grow(cr_reader *r, size_t n, cr_diag *d) { return grow_buf(&r->buf, &r->cap, n, d); }

static void describe_start(char *out, size_t n, const unsigned char *p, size_t len)
{
    char shown[16];
    size_t k = 0, text = 0;
    for (size_t i = 0; i < len && i < 4; i++) {
        shown[k++] = isprint(p[i]) ? (char)p[i] : '.';
        /* UTF-8 text may hold bytes >= 0x80, but never starts with a continuation byte
         * (as damaged cr streams and PNG files do: 0x89) */
        text += isprint(p[i]) || isspace(p[i]) || (p[i] >= 0x80 && (i > 0 || p[i] >= 0xC0));
    }
    shown[k] = 0;
    if (text == len && len > 0)
        snprintf(out, n, "starts with '%s' - looks like text; run crtok first?", shown);
    else
        snprintf(out, n, "starts with bytes '%s'", shown);
}

/* Reads a header whose first `have` bytes are already in r->buf. */
static int read_header(cr_reader *r, size_t have, cr_diag *d)
{
    uint64_t at = r->pos - have;
    char why[96];

    have += get(r, r->buf + have, HDR_FIXED - have);
    if (have == 0)
        return cr_diag_set(d, CR_E_FORMAT, "empty input (no stream header)");
    if (memcmp(r->buf, CR_MAGIC, have < 4 ? have : 4) != 0) {
        describe_start(why, sizeof why, r->buf, have < 4 ? have : 4);
        return cr_diag_set(d, CR_E_FORMAT, "%snot a cr stream (%s)",
                           at ? "after the end record: " : "", why);
    }
    if (have < HDR_FIXED)
        return cr_diag_set(d, CR_E_TRUNCATED, "stream header at byte %llu is cut short",
                           (unsigned long long)at);
    unsigned version = cr_le16(r->buf + 4), kind = cr_le16(r->buf + 6);
    uint32_t mlen = cr_le32(r->buf + 8);
    if (version != CR_STREAM_VERSION)
        return cr_diag_set(d, CR_E_VERSION,
                           "stream format version %u, this build reads version %d", version,
                           CR_STREAM_VERSION);
    if (r->want && (int)kind != r->want)
        return cr_diag_set(d, CR_E_KIND, "expected a %s stream, got a%s %s stream",
                           cr_kind_name(r->want),
                           strchr("aeiou", cr_kind_name((int)kind)[0]) ? "n" : "",
                           cr_kind_name((int)kind));
    if (r->streams && (int)kind != r->kind)
        return cr_diag_set(d, CR_E_KIND, "concatenated stream at byte %llu is a %s stream",
                           (unsigned long long)at, cr_kind_name((int)kind));
    if (mlen > CR_META_MAX_BYTES)
        return cr_diag_set(d, CR_E_LIMIT, "stream header at byte %llu: metadata length %u "
                           "exceeds %u", (unsigned long long)at, mlen, CR_META_MAX_BYTES);
    int rc = grow(r, HDR_FIXED + (size_t)mlen + 8, d);
    if (rc < 0)
        return rc;
    if (get(r, r->buf + HDR_FIXED, mlen + 8) != mlen + 8)
        return cr_diag_set(d, CR_E_TRUNCATED, "stream header at byte %llu is cut short",
                           (unsigned long long)at);
    if (XXH3_64bits(r->buf, HDR_FIXED + mlen) != cr_le64(r->buf + HDR_FIXED + mlen))
        return cr_diag_set(d, CR_E_CHECKSUM, "stream header at byte %llu: checksum mismatch",
                           (unsigned long long)at);
    cr_meta *m;
    if ((rc = cr_meta_parse(&m, r->buf + HDR_FIXED, mlen, d)) < 0)
        return rc;
    cr_meta_free(r->meta);
    r->meta = m;
    r->kind = (int)kind;
    r->streams++;
    r->seq = 0;
    return CR_OK;
}

int cr_reader_open(cr_reader **out, FILE *f, int kind, cr_diag *d)
{
    cr_reader *r = calloc(1, sizeof *r);
    int rc;

    *out = NULL;
    if (!r)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    r->f = f;
    r->want = kind;
    r->max_len = CR_REC_MAX_DEFAULT;
    if ((rc = grow(r, 4096, d)) < 0 || (rc = read_header(r, 0, d)) < 0) {
        cr_reader_close(r);
        return rc;
    }
    *out = r;
    return CR_OK;
}

void cr_reader_close(cr_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    cr_meta_free(r->meta);
    free(r);
}

void cr_reader_set_max_len(cr_reader *r, uint32_t max_len) { r->max_len = max_len; }
const cr_meta *cr_reader_meta(const cr_reader *r) { return r->meta; }
int cr_reader_kind(const cr_reader *r) { return r->kind; }
int cr_reader_streams(const cr_reader *r) { return r->streams; }

int cr_reader_next(cr_reader *r, cr_rec *rec, cr_diag *d)
{
    uint64_t at = r->pos;
    size_t got = get(r, r->buf, REC_HDR);
    int rc;

    if (got < REC_HDR) {
        if (ferror(r->f))
            return cr_diag_set(d, CR_E_IO, "read error at byte %llu", (unsigned long long)r->pos);
        if (got == 0)
            return cr_diag_set(d, CR_E_TRUNCATED, "stream ended after %llu records without an "
                               "end record (did the producer fail?)", (unsigned long long)r->seq);
        return cr_diag_set(d, CR_E_TRUNCATED, "record %llu at byte %llu: header cut short",
                           (unsigned long long)r->seq, (unsigned long long)at);
    }
    uint32_t len = cr_le32(r->buf);
    uint16_t type = cr_le16(r->buf + 4), flags = cr_le16(r->buf + 6);
    uint64_t seq = cr_le64(r->buf + 8);
    unsigned long long rn = (unsigned long long)r->seq, ra = (unsigned long long)at;

    if (len > r->max_len)
        return cr_diag_set(d, CR_E_LIMIT, "record %llu at byte %llu: length %u exceeds %u",
                           rn, ra, len, r->max_len);
    /* grow with the bytes that really arrive, so that a damaged length field in a short
     * input costs no more memory than the input itself */
    size_t want = REC_HDR + (size_t)len + 8, have = REC_HDR;
    while (have < want) {
        size_t step = want - have, room = r->cap > have ? r->cap - have : 0;
        if (room == 0) {
            if ((rc = grow(r, have + (have < want - have ? have : want - have), d)) < 0)
                return rc;
            room = r->cap - have;
        }
        step = step < room ? step : room;
        size_t got = get(r, r->buf + have, step);
        have += got;
        if (got < step)
            return cr_diag_set(d, CR_E_TRUNCATED,
                               "record %llu at byte %llu: cut short (payload of %u bytes)", rn,
                               ra, len);
    }
    if (XXH3_64bits(r->buf, REC_HDR + (size_t)len) != cr_le64(r->buf + REC_HDR + len))
        return cr_diag_set(d, CR_E_CHECKSUM, "record %llu at byte %llu: checksum mismatch", rn,
                           ra);
    if (flags != 0)
        return cr_diag_set(d, CR_E_FORMAT, "record %llu at byte %llu: unknown flags 0x%x", rn,
                           ra, flags);
    if (seq != r->seq)
        return cr_diag_set(d, CR_E_SEQ, "record %llu at byte %llu: sequence number %llu "
                           "(records lost or reordered?)", rn, ra, (unsigned long long)seq);
    if (type == CR_REC_END) {
        if (len != 0)
            return cr_diag_set(d, CR_E_FORMAT, "end record at byte %llu has a payload", ra);
        got = get(r, r->buf, 4);
        if (got == 0)
            return ferror(r->f) ? cr_diag_set(d, CR_E_IO, "read error") : 0;
        if ((rc = read_header(r, got, d)) < 0)
            return rc;
        return 2;
    }
    rec->type = type;
    rec->seq = seq;
    rec->len = len;
    rec->data = r->buf + REC_HDR;
    rec->pos = at;
    r->seq++;
    return 1;
}

struct cr_writer {
    FILE *f;
    uint64_t seq;
    unsigned char *buf;
    size_t cap;
    int failed;
};

static int wgrow(cr_writer *w, size_t n) { return grow_buf(&w->buf, &w->cap, n, NULL); }

static int wout(cr_writer *w, size_t n, cr_diag *d)
{
    if (fwrite(w->buf, 1, n, w->f) != n) {
        w->failed = 1;
        return cr_diag_set(d, CR_E_IO, "write failed");
    }
    return CR_OK;
}

int cr_writer_open(cr_writer **out, FILE *f, int kind, const cr_meta *m, cr_diag *d)
{
    cr_writer *w = calloc(1, sizeof *w);
    size_t ml = cr_meta_size(m);
    int rc;

    *out = NULL;
    if (!w || wgrow(w, HDR_FIXED + ml + 8) < 0) {
        free(w);
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    }
    if (ml > CR_META_MAX_BYTES) {
        free(w->buf);
        free(w);
        return cr_diag_set(d, CR_E_LIMIT, "metadata of %zu bytes is too large", ml);
    }
    w->f = f;
    memcpy(w->buf, CR_MAGIC, 4);
    cr_put16(w->buf + 4, CR_STREAM_VERSION);
    cr_put16(w->buf + 6, (uint16_t)kind);
    cr_put32(w->buf + 8, (uint32_t)ml);
    cr_meta_write(m, w->buf + HDR_FIXED);
    cr_put64(w->buf + HDR_FIXED + ml, XXH3_64bits(w->buf, HDR_FIXED + ml));
    if ((rc = wout(w, HDR_FIXED + ml + 8, d)) < 0) {
        free(w->buf);
        free(w);
        return rc;
    }
    *out = w;
    return CR_OK;
}

int cr_writer_put(cr_writer *w, uint16_t type, const void *data, uint32_t len, cr_diag *d)
{
    if (wgrow(w, REC_HDR + (size_t)len + 8) < 0)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    cr_put32(w->buf, len);
    cr_put16(w->buf + 4, type);
    cr_put16(w->buf + 6, 0);
    cr_put64(w->buf + 8, w->seq);
    if (len)
        memcpy(w->buf + REC_HDR, data, len);
    cr_put64(w->buf + REC_HDR + len, XXH3_64bits(w->buf, REC_HDR + (size_t)len));
    if (type != CR_REC_END)
        w->seq++;
    return wout(w, REC_HDR + (size_t)len + 8, d);
}

int cr_writer_close(cr_writer *w, cr_diag *d)
{
    int rc;
    if (!w)
        return CR_OK;
    rc = cr_writer_put(w, CR_REC_END, NULL, 0, d);
    if (rc == CR_OK && fflush(w->f) != 0)
        rc = cr_diag_set(d, CR_E_IO, "write failed");
    free(w->buf);
    free(w);
    return rc;
}

void cr_writer_abandon(cr_writer *w)
{
    if (!w)
        return;
    free(w->buf);
    free(w);
}
