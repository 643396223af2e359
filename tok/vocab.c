/* Loads GPT-2's encoder.json: a JSON object from token strings (bytes mapped to
 * printable code points by GPT-2's bytes_to_unicode) to ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "tok.h"

struct cr_vocab {
    uint32_t n, eot;
    uint32_t *start; /* n + 1 offsets into pool */
    unsigned char *pool;
    uint64_t id;
    /* bytes -> id: open addressing, slot holds id + 1 (0 empty) */
    uint32_t *tab;
    uint64_t *thash;
    size_t tmask;
    /* (a, b) -> merged id */
    uint64_t *pkey;
    uint32_t *pval;
    size_t pmask;
};

/* GPT-2's bytes_to_unicode, inverted: code point -> byte, or -1. */
static void byte_decoder(int *dec, size_t ndec)
{
    int extra = 0;
    for (size_t i = 0; i < ndec; i++)
        dec[i] = -1;
    for (int b = 0; b < 256; b++) {
        int printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
        dec[printable ? b : 256 + extra++] = b;
    }
}

struct json {
    const char *p, *end;
};

static void skip_ws(struct json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        int c = p[i], x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                                     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (x < 0)
            return -1;
        *v = *v * 16 + (unsigned)x;
    }
    return 0;
}

/* Reads a JSON string of code points into cps (at most max); returns count or -1. */
static int json_string(struct json *j, unsigned *cps, int max)
{
    int n = 0;
    if (j->p >= j->end || *j->p != '"')
        return -1;
    j->p++;
    while (j->p < j->end && *j->p != '"') {
        unsigned c = (unsigned char)*j->p;
        if (c == '\\') {
            if (j->end - j->p < 2)
                return -1;
            char e = j->p[1];
            j->p += 2;
            if (e == 'u') {
                if (j->end - j->p < 4 || hex4(j->p, &c) < 0)
                    return -1;
                j->p += 4;
                if (c >= 0xD800 && c < 0xDC00) {
                    unsigned lo;
                    if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' ||
                        hex4(j->p + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
                        return -1;
                    c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                    j->p += 6;
                }
            } else {
                const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
                const char *k = strchr(from, e);
                if (!k || !e)
                    return -1;
                c = (unsigned char)to[k - from];
            }
        } else {
            /* UTF-8 in the file */
            int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            if (j->end - j->p < len)
                return -1;
            if (len > 1) {
                c &= 0x3Fu >> (len - 1);
                for (int i = 1; i < len; i++)
                    c = c << 6 | ((unsigned char)j->p[i] & 0x3F);
            }
            j->p += len;
        }
        if (n == max)
            return -1;
        cps[n++] = c;
    }
    if (j->p >= j->end)
        return -1;
    j->p++;
    return n;
}

static size_t pow2_above(size_t n)
{
    size_t s = 1;
    while (s < 2 * n)
        s <<= 1;
    return s;
}

static uint64_t mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

int64_t cr_vocab_lookup(const cr_vocab *v, const unsigned char *p, size_t n)
{
    uint64_t h = XXH3_64bits(p, n);
    for (size_t i = h & v->tmask;; i = (i + 1) & v->tmask) {
        uint32_t s = v->tab[i];
        if (s == 0)
            return -1;
        if (v->thash[i] == h && v->start[s] - v->start[s - 1] == n &&
            memcmp(v->pool + v->start[s - 1], p, n) == 0)
            return s - 1;
    }
}

int64_t cr_vocab_pair(const cr_vocab *v, uint32_t a, uint32_t b)
{
    uint64_t k = (uint64_t)a << 32 | b;
    for (size_t i = mix(k) & v->pmask;; i = (i + 1) & v->pmask) {
        if (v->pkey[i] == k)
            return v->pval[i];
        if (v->pkey[i] == UINT64_MAX)
            return -1;
    }
}

static void tab_put(cr_vocab *v, uint32_t id)
{
    const unsigned char *p = v->pool + v->start[id];
    size_t n = v->start[id + 1] - v->start[id];
    uint64_t h = XXH3_64bits(p, n);
    size_t i = h & v->tmask;
    while (v->tab[i])
        i = (i + 1) & v->tmask;
    v->tab[i] = id + 1;
    v->thash[i] = h;
}

static void pair_put(cr_vocab *v, uint32_t a, uint32_t b, uint32_t id)
{
    uint64_t k = (uint64_t)a << 32 | b;
    size_t i = mix(k) & v->pmask;
    while (v->pkey[i] != UINT64_MAX && v->pkey[i] != k)
        i = (i + 1) & v->pmask;
    /* tiktoken's rank of a pair is the id of the concatenation, the same whichever
     * split made it, so a repeated key carries the same id */
    v->pkey[i] = k;
    v->pval[i] = id;
}

/* Builds the lookup tables once every token's bytes are known. */
static int build_maps(cr_vocab *v, cr_diag *d)
{
    size_t npairs = 0;
    v->tmask = pow2_above(v->n) - 1;
    v->tab = calloc(v->tmask + 1, sizeof *v->tab);
    v->thash = calloc(v->tmask + 1, sizeof *v->thash);
    if (!v->tab || !v->thash)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    for (uint32_t id = 0; id < v->n; id++)
        if (id != v->eot) {
            size_t len = v->start[id + 1] - v->start[id];
            if (cr_vocab_lookup(v, v->pool + v->start[id], len) >= 0)
                return cr_diag_set(d, CR_E_FORMAT, "token %u repeats an earlier token", id);
            tab_put(v, id);
            npairs += len - 1;
        }
    v->pmask = pow2_above(npairs) - 1;
    v->pkey = malloc((v->pmask + 1) * sizeof *v->pkey);
    v->pval = malloc((v->pmask + 1) * sizeof *v->pval);
    if (!v->pkey || !v->pval)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    memset(v->pkey, 0xff, (v->pmask + 1) * sizeof *v->pkey);
    for (uint32_t id = 0; id < v->n; id++) {
        const unsigned char *p = v->pool + v->start[id];
        size_t len = v->start[id + 1] - v->start[id];
        if (id == v->eot)
            continue;
        for (size_t k = 1; k < len; k++) {
            int64_t a = cr_vocab_lookup(v, p, k), b = cr_vocab_lookup(v, p + k, len - k);
            if (a >= 0 && b >= 0)
                pair_put(v, (uint32_t)a, (uint32_t)b, id);
        }
    }
    for (int b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        if (cr_vocab_lookup(v, &c, 1) < 0)
            return cr_diag_set(d, CR_E_FORMAT, "no token for byte 0x%02x", b);
    }
    return CR_OK;
}

static int parse(cr_vocab *v, const char *text, size_t len, cr_diag *d)
{
    struct json j = {text, text + len};
    int dec[512];
    unsigned cps[256];
    size_t pool_len = 0, pool_cap = 1 << 20;
    uint32_t *tmp_len = NULL, *tmp_at = NULL, cap = 0, maxid = 0, count = 0;
    int rc = CR_OK;

    byte_decoder(dec, 512);
    v->pool = malloc(pool_cap);
    skip_ws(&j);
    if (!v->pool || j.p >= j.end || *j.p++ != '{')
        return cr_diag_set(d, CR_E_FORMAT, "not a JSON object");
    for (;;) {
        skip_ws(&j);
        if (j.p < j.end && *j.p == '}' && count == 0)
            break;
        int nc = json_string(&j, cps, 256);
        skip_ws(&j);
        if (nc <= 0 || j.p >= j.end || *j.p++ != ':') {
            rc = cr_diag_set(d, CR_E_FORMAT, "bad key near byte %ld", (long)(j.p - text));
            break;
        }
        skip_ws(&j);
        char *e;
        unsigned long id = strtoul(j.p, &e, 10);
        if (e == j.p || id > 1000000) {
            rc = cr_diag_set(d, CR_E_FORMAT, "bad id near byte %ld", (long)(j.p - text));
            break;
        }
        j.p = e;
        if (pool_len + (size_t)nc > pool_cap) {
            unsigned char *np = realloc(v->pool, pool_cap *= 2);
            if (!np) {
                rc = cr_diag_set(d, CR_E_NOMEM, "out of memory");
                break;
            }
            v->pool = np;
        }
        int special = nc > 4 && cps[0] == '<' && cps[1] == '|' && cps[nc - 1] == '>' &&
                      cps[nc - 2] == '|';
        for (int i = 0; i < nc; i++) {
            int b = special && cps[i] < 128 ? (int)cps[i] : cps[i] < 512 ? dec[cps[i]] : -1;
            if (b < 0) {
                rc = cr_diag_set(d, CR_E_FORMAT, "token %lu has a character outside GPT-2's "
                                 "byte alphabet", id);
                break;
            }
            v->pool[pool_len + (size_t)i] = (unsigned char)b;
        }
        if (rc < 0)
            break;
        if (id >= cap) {
            uint32_t nc2 = cap ? cap : 65536;
            while (nc2 <= id)
                nc2 *= 2;
            uint32_t *a = realloc(tmp_len, nc2 * sizeof *a), *b = NULL;
            if (a)
                tmp_len = a;
            if (a && (b = realloc(tmp_at, nc2 * sizeof *b)))
                tmp_at = b;
            if (!a || !b) {
                rc = cr_diag_set(d, CR_E_NOMEM, "out of memory");
                break;
            }
            memset(tmp_len + cap, 0xff, (nc2 - cap) * sizeof *tmp_len);
            cap = nc2;
        }
        if (tmp_len[id] != UINT32_MAX) {
            rc = cr_diag_set(d, CR_E_FORMAT, "id %lu appears twice", id);
            break;
        }
        tmp_len[id] = (uint32_t)nc;
        tmp_at[id] = (uint32_t)pool_len;
        pool_len += (size_t)nc;
        if (special)
            v->eot = (uint32_t)id;
        if (id > maxid)
            maxid = (uint32_t)id;
        count++;
        skip_ws(&j);
        if (j.p < j.end && *j.p == ',') {
            j.p++;
            continue;
        }
        if (j.p < j.end && *j.p == '}')
            break;
        rc = cr_diag_set(d, CR_E_FORMAT, "expected ',' or '}' near byte %ld",
                         (long)(j.p - text));
        break;
    }
    if (rc == CR_OK && (count < 256 || count != maxid + 1))
        rc = cr_diag_set(d, CR_E_FORMAT, "%u tokens with ids up to %u: ids must be 0..n-1",
                         count, maxid);
    if (rc == CR_OK) {
        /* repack in id order so start[] is monotonic */
        unsigned char *pool = malloc(pool_len ? pool_len : 1);
        v->n = count;
        v->start = malloc(((size_t)count + 1) * sizeof *v->start);
        if (!pool || !v->start) {
            free(pool);
            rc = cr_diag_set(d, CR_E_NOMEM, "out of memory");
        } else {
            size_t at = 0;
            for (uint32_t i = 0; i < count; i++) {
                v->start[i] = (uint32_t)at;
                memcpy(pool + at, v->pool + tmp_at[i], tmp_len[i]);
                at += tmp_len[i];
            }
            v->start[count] = (uint32_t)at;
            free(v->pool);
            v->pool = pool;
            v->id = XXH3_64bits(v->pool, at) ^ XXH3_64bits(v->start, ((size_t)count + 1) * 4);
        }
    }
    free(tmp_len);
    free(tmp_at);
    return rc;
}

int cr_vocab_load(cr_vocab **out, const char *dir, cr_diag *d)
{
    char path[4096];
    cr_vocab *v = calloc(1, sizeof *v);
    char *text = NULL;
    long len = 0;
    int rc = CR_OK;
    FILE *f;

    *out = NULL;
    snprintf(path, sizeof path, "%s/encoder.json", dir);
    if (!v)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    v->eot = UINT32_MAX;
    if (!(f = fopen(path, "rb")))
        rc = cr_diag_set(d, CR_E_IO, "%s: cannot open", path);
    else if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || len > (64L << 20) ||
             fseek(f, 0, SEEK_SET) != 0)
        rc = cr_diag_set(d, CR_E_FORMAT, "%s: not a vocabulary file", path);
    else if (!(text = malloc((size_t)len + 1)))
        rc = cr_diag_set(d, CR_E_NOMEM, "out of memory");
    else if (fread(text, 1, (size_t)len, f) != (size_t)len)
        rc = cr_diag_set(d, CR_E_IO, "%s: read error", path);
    if (f)
        fclose(f);
    if (rc == CR_OK && (rc = parse(v, text, (size_t)len, d)) < 0) {
        char msg[sizeof d->msg];
        snprintf(msg, sizeof msg, "%s", d ? d->msg : "");
        cr_diag_set(d, rc, "%s: %s", path, msg);
    }
    if (rc == CR_OK && v->eot == UINT32_MAX)
        rc = cr_diag_set(d, CR_E_FORMAT, "%s: no <|endoftext|> token", path);
    if (rc == CR_OK)
        rc = build_maps(v, d);
    free(text);
    if (rc < 0)
        cr_vocab_free(v);
    else
        *out = v;
    return rc;
}

void cr_vocab_free(cr_vocab *v)
{
    if (!v)
        return;
    free(v->start);
    free(v->pool);
    free(v->tab);
    free(v->thash);
    free(v->pkey);
    free(v->pval);
    free(v);
}

uint32_t cr_vocab_size(const cr_vocab *v) { return v->n; }
uint64_t cr_vocab_id(const cr_vocab *v) { return v->id; }
uint32_t cr_vocab_eot(const cr_vocab *v) { return v->eot; }

const unsigned char *cr_vocab_bytes(const cr_vocab *v, uint32_t id, size_t *len)
{
    *len = v->start[id + 1] - v->start[id];
    return v->pool + v->start[id];
}
