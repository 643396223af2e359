#include "aefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "bf16.h"
#include "file.h"
#include "le.h"

#define FIXED 16   /* magic, u16 version, u16 flags, u32 meta_len, u32 ntensors */
#define ALIGN 64

static size_t entry_size(const struct cr_tdesc *t)
{
    return 1 + strlen(t->name) + 2 + (t->cols == 1 ? 4 : 8) + 16;
}

/* What write_model needs: the model, its header and the storage type. */
struct model_out {
    const cr_ae *ae;
    const unsigned char *hdr;
    size_t hdr_len;
    int dtype;
};

/* The header, the parameters in chunks and their checksum (a cr_file_writer). */
static int write_model(FILE *f, void *arg, cr_diag *d)
{
    const struct model_out *w = arg;
    size_t np = cr_ae_nparams(&w->ae->cfg), esize = w->dtype == CR_DTYPE_BF16 ? 2 : 4;
    unsigned char buf[4096];
    XXH3_state_t *st = XXH3_createState();
    int ok;

    if (!st)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    XXH3_64bits_reset(st);
    ok = fwrite(w->hdr, 1, w->hdr_len, f) == w->hdr_len;
    for (size_t i = 0; ok && i < np; i += 1024) {
        size_t k = np - i < 1024 ? np - i : 1024;
        for (size_t j = 0; j < k; j++)
            if (w->dtype == CR_DTYPE_F32)
                cr_putf32(buf + 4 * j, w->ae->slab[i + j]);
            else
                cr_put16(buf + 2 * j, cr_f32_to_bf16(w->ae->slab[i + j]));
        XXH3_64bits_update(st, buf, esize * k);
        ok = fwrite(buf, esize, k, f) == k;
    }
    cr_put64(buf, XXH3_64bits_digest(st));
    XXH3_freeState(st);
    return ok && fwrite(buf, 1, 8, f) == 8 ? CR_OK : CR_E_IO;
}

int cr_ae_save(const cr_ae *ae, const char *path, int dtype, cr_diag *d)
{
    const cr_ae_config *c = &ae->cfg;
    int n = cr_ae_ntensors(c), rc = CR_OK;
    struct cr_tdesc *t = malloc((size_t)n * sizeof *t);
    cr_meta *m = cr_meta_new();
    unsigned char *hdr = NULL;
    size_t esize = (size_t)(dtype == CR_DTYPE_BF16 ? 2 : 4);

    if (!t || !m || cr_meta_merge(m, ae->meta) < 0 || cr_ae_config_to_meta(c, m) < 0) {
        rc = cr_diag_set(d, CR_E_NOMEM, "out of memory");
        goto done;
    }
    cr_ae_tensors(c, t);
    size_t ml = cr_meta_size(m), hl = FIXED + ml;
    for (int i = 0; i < n; i++)
        hl += entry_size(&t[i]);
    size_t data_at = (hl + 8 + ALIGN - 1) / ALIGN * ALIGN;
    if (!(hdr = calloc(1, data_at))) {
        rc = cr_diag_set(d, CR_E_NOMEM, "out of memory");
        goto done;
    }
    memcpy(hdr, CR_MODEL_MAGIC, 4);
    cr_put16(hdr + 4, CR_MODEL_VERSION);
    cr_put16(hdr + 6, 0);
    cr_put32(hdr + 8, (uint32_t)ml);
    cr_put32(hdr + 12, (uint32_t)n);
    cr_meta_write(m, hdr + FIXED);
    unsigned char *p = hdr + FIXED + ml;
    uint64_t off = 0;
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(t[i].name), count = (size_t)t[i].rows * t[i].cols;
        *p++ = (unsigned char)nl;
        memcpy(p, t[i].name, nl);
        p += nl;
        *p++ = (unsigned char)dtype;
        *p++ = (unsigned char)(t[i].cols == 1 ? 1 : 2);
        cr_put32(p, (uint32_t)t[i].rows);
        p += 4;
        if (t[i].cols != 1) {
            cr_put32(p, (uint32_t)t[i].cols);
            p += 4;
        }
        cr_put64(p, off);
        cr_put64(p + 8, count * esize);
        p += 16;
        off += count * esize;
    }
    cr_put64(p, XXH3_64bits(hdr, hl));

    struct stat pst;
    if (strcmp(path, "-") == 0 || (stat(path, &pst) == 0 && !S_ISREG(pst.st_mode))) {
        /* written to a temporary file and renamed: a pipe or a device cannot take it */
        rc = cr_diag_set(d, CR_E_ARG, "%s: a model is written to a regular file", path);
        goto done;
    }
    struct model_out w = {ae, hdr, data_at, dtype};
    rc = cr_file_replace(path, write_model, &w, d);
done:
    free(t);
    free(hdr);
    cr_meta_free(m);
    return rc;
}

/* Checks the mapped file and sets up ae; the caller unmaps on failure. */
static int parse(cr_ae **out, const unsigned char *b, size_t len, cr_diag *d)
{
    cr_ae_config c;
    cr_meta *m = NULL;
    cr_ae *ae = NULL;
    int rc;

    *out = NULL;
    if (len < 4 || memcmp(b, CR_MODEL_MAGIC, 4) != 0) {
        if (len >= 4 && memcmp(b, "\x89" "CRS", 4) == 0)
            return cr_diag_set(d, CR_E_FORMAT, "a cr stream, not a model file");
        return cr_diag_set(d, CR_E_FORMAT, "not a cr model file");
    }
    if (len < FIXED + 8)
        return cr_diag_set(d, CR_E_TRUNCATED, "model file of %zu bytes is cut short", len);
    if (cr_le16(b + 4) != CR_MODEL_VERSION)
        return cr_diag_set(d, CR_E_VERSION, "model format version %u, this build reads %d",
                           cr_le16(b + 4), CR_MODEL_VERSION);
    size_t ml = cr_le32(b + 8), n = cr_le32(b + 12);
    if (ml > CR_META_MAX_BYTES || n > 100000)
        return cr_diag_set(d, CR_E_LIMIT, "model header with %zu metadata bytes and %zu "
                           "tensors", ml, n);
    /* walk the header's structure only, so that its checksum is checked before any of
     * its values is believed */
    size_t end = FIXED + ml;
    for (size_t i = 0; i < n && end <= len; i++) {
        if (end + 1 > len || end + 1 + b[end] + 2 > len) {
            end = len + 1;
            break;
        }
        size_t nl = b[end];
        end += 1 + nl + 2 + (b[end + 2 + nl] == 1 ? 4 : 8) + 16;
    }
    if (end + 8 > len)
        return cr_diag_set(d, CR_E_TRUNCATED, "model header cut short (file of %zu bytes)",
                           len);
    if (XXH3_64bits(b, end) != cr_le64(b + end))
        return cr_diag_set(d, CR_E_CHECKSUM, "model header: checksum mismatch");
    if (cr_le16(b + 6) != 0)
        return cr_diag_set(d, CR_E_FORMAT, "model header: unknown flags 0x%x", cr_le16(b + 6));
    if ((rc = cr_meta_parse(&m, b + FIXED, ml, d)) < 0)
        return rc;
    if ((rc = cr_ae_config_from_meta(&c, m, d)) < 0 || (rc = cr_ae_alloc(&ae, &c, d)) < 0) {
        cr_meta_free(m);
        return rc;
    }
    cr_meta_free(ae->meta);
    ae->meta = m;
    int want = cr_ae_ntensors(&c);
    struct cr_tdesc *t = malloc((size_t)want * sizeof *t);
    if (!t) {
        cr_ae_free(ae);
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    }
    cr_ae_tensors(&c, t);
    if ((int)n != want) {
        rc = cr_diag_set(d, CR_E_FORMAT, "%zu tensors where the config needs %d", n, want);
        goto fail;
    }
    size_t at = FIXED + ml, esize = 0;
    uint64_t expect = 0;
    int dtype = 0;
    for (int i = 0; i < want; i++) {
        const unsigned char *p = b + at;
        size_t nl;
        if (at + 1 > len || at + 1 + (nl = p[0]) + 2 > len) {
            rc = cr_diag_set(d, CR_E_TRUNCATED, "tensor table cut short at entry %d", i);
            goto fail;
        }
        int dt = p[1 + nl], nd = p[2 + nl];
        size_t need = 1 + nl + 2 + (nd == 1 ? 4 : 8) + 16;
        if ((nd != 1 && nd != 2) || at + need > len) {
            rc = cr_diag_set(d, CR_E_FORMAT, "tensor table entry %d is malformed", i);
            goto fail;
        }
        if (nl != strlen(t[i].name) || memcmp(p + 1, t[i].name, nl) != 0) {
            rc = cr_diag_set(d, CR_E_FORMAT, "tensor %d is '%.*s', expected '%s'", i, (int)nl,
                             (const char *)p + 1, t[i].name);
            goto fail;
        }
        const unsigned char *q = p + 3 + nl;
        uint32_t rows = cr_le32(q), cols = nd == 2 ? cr_le32(q + 4) : 1;
        q += nd == 2 ? 8 : 4;
        if ((int)rows != t[i].rows || (int)cols != t[i].cols || (nd == 1) != (t[i].cols == 1)) {
            rc = cr_diag_set(d, CR_E_FORMAT, "tensor %s is %ux%u, the config says %dx%d",
                             t[i].name, rows, cols, t[i].rows, t[i].cols);
            goto fail;
        }
        if (i == 0)
            dtype = dt;
        if (dt != dtype || (dt != CR_DTYPE_F32 && dt != CR_DTYPE_BF16)) {
            rc = cr_diag_set(d, CR_E_FORMAT, "tensor %s has storage type %d", t[i].name, dt);
            goto fail;
        }
        esize = dt == CR_DTYPE_F32 ? 4 : 2;
        if (cr_le64(q) != expect || cr_le64(q + 8) != (uint64_t)rows * cols * esize) {
            rc = cr_diag_set(d, CR_E_FORMAT, "tensor %s: bad offset or size", t[i].name);
            goto fail;
        }
        expect += (uint64_t)rows * cols * esize;
        at += need;
    }
    if (at + 8 > len || XXH3_64bits(b, at) != cr_le64(b + at)) {
        rc = cr_diag_set(d, at + 8 > len ? CR_E_TRUNCATED : CR_E_CHECKSUM,
                         "model header: %s", at + 8 > len ? "cut short" : "checksum mismatch");
        goto fail;
    }
    size_t data_at = (at + 8 + ALIGN - 1) / ALIGN * ALIGN;
    for (size_t i = at + 8; i < data_at && i < len; i++)
        if (b[i] != 0) {
            rc = cr_diag_set(d, CR_E_FORMAT, "model file: nonzero padding at byte %zu", i);
            goto fail;
        }
    if (data_at > len || len - data_at != expect + 8) {
        rc = cr_diag_set(d, CR_E_TRUNCATED, "model file is %zu bytes, its header describes "
                         "%llu", len, (unsigned long long)(data_at + expect + 8));
        goto fail;
    }
    if (XXH3_64bits(b + data_at, expect) != cr_le64(b + data_at + expect)) {
        rc = cr_diag_set(d, CR_E_CHECKSUM, "model parameters: checksum mismatch (damaged file)");
        goto fail;
    }
    size_t np = cr_ae_nparams(&c);
    if (dtype == CR_DTYPE_F32) {
        ae->slab = (float *)(uintptr_t)(b + data_at); /* the mapping is 64-aligned */
    } else {
        if (!(ae->slab = malloc(np * sizeof(float)))) {
            rc = cr_diag_set(d, CR_E_NOMEM, "out of memory");
            goto fail;
        }
        ae->slab_owned = 1;
        for (size_t i = 0; i < np; i++)
            ae->slab[i] = cr_bf16_to_f32(cr_le16(b + data_at + 2 * i));
    }
    if (cr_ae_params_carve(&c, ae->slab, &ae->p) < 0) {
        rc = cr_diag_set(d, CR_E_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < np; i++)
        if (!(ae->slab[i] - ae->slab[i] == 0)) {
            rc = cr_diag_set(d, CR_E_VALUE, "parameter %zu is not a finite number", i);
            goto fail;
        }
    if ((rc = cr_ae_asm_sync(ae, d)) < 0)
        goto fail;
    cr_ae_rehash(ae);
    free(t);
    ae->dtype = dtype;
    *out = ae;
    return CR_OK;
fail:
    free(t);
    cr_ae_free(ae);
    return rc;
}

int cr_ae_load(cr_ae **out, const char *path, cr_diag *d)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), rc; /* a FIFO must not block */
    void *map;

    *out = NULL;
    if (fd < 0)
        return cr_diag_set(d, CR_E_IO, "%s", strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cr_diag_set(d, CR_E_FORMAT, "not a regular file");
    }
    if (st.st_size < FIXED + 8) {
        unsigned char head[4];
        ssize_t got = read(fd, head, 4);
        close(fd);
        if (got == 4 && memcmp(head, CR_MODEL_MAGIC, 4) == 0)
            return cr_diag_set(d, CR_E_TRUNCATED, "model file of %lld bytes is cut short",
                               (long long)st.st_size);
        return cr_diag_set(d, CR_E_FORMAT, "not a cr model file (%lld bytes)",
                           (long long)st.st_size);
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return cr_diag_set(d, CR_E_IO, "cannot map: %s", strerror(errno));
    if ((rc = parse(out, map, (size_t)st.st_size, d)) < 0) {
        munmap(map, (size_t)st.st_size);
        return rc;
    }
    (*out)->map = map;
    (*out)->map_len = (size_t)st.st_size;
    return CR_OK;
}
