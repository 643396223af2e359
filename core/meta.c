#include "meta.h"

#include <stdlib.h>
#include <string.h>

#include "le.h"

cr_meta *cr_meta_new(void)
{
    return calloc(1, sizeof(cr_meta));
}

void cr_meta_free(cr_meta *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n; i++)
        free(m->e[i].s);
    free(m->e);
    free(m);
}

static cr_meta_entry *slot(cr_meta *m, const char *key)
{
    size_t kl = strlen(key);
    if (kl == 0 || kl > 255)
        return NULL;
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->e[i].key, key) == 0) {
            free(m->e[i].s);
            m->e[i].s = NULL;
            return &m->e[i];
        }
    if (m->n == CR_META_MAX_ENTRIES)
        return NULL;
    if (m->n == m->cap) {
        int cap = m->cap ? m->cap * 2 : 16;
        cr_meta_entry *e = realloc(m->e, (size_t)cap * sizeof *e);
        if (!e)
            return NULL;
        m->e = e;
        m->cap = cap;
    }
    cr_meta_entry *e = &m->e[m->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->key, key, kl + 1);
    return e;
}

int cr_meta_set_u64(cr_meta *m, const char *key, uint64_t v)
{
    cr_meta_entry *e = slot(m, key);
    if (!e)
        return CR_E_ARG;
    e->type = CR_META_U64;
    e->u = v;
    return CR_OK;
}

int cr_meta_set_f64(cr_meta *m, const char *key, double v)
{
    cr_meta_entry *e = slot(m, key);
    if (!e)
        return CR_E_ARG;
    e->type = CR_META_F64;
    e->f = v;
    return CR_OK;
}

static int set_bytes(cr_meta *m, const char *key, const char *s, size_t n)
{
    cr_meta_entry *e = slot(m, key);
    if (!e)
        return CR_E_ARG;
    e->type = CR_META_STR;
    e->s = malloc(n + 1);
    if (!e->s) {
        e->slen = 0;
        return CR_E_NOMEM;
    }
    memcpy(e->s, s, n);
    e->s[n] = 0;
    e->slen = n;
    return CR_OK;
}

int cr_meta_set_str(cr_meta *m, const char *key, const char *s)
{
    return set_bytes(m, key, s, strlen(s));
}

int cr_meta_merge(cr_meta *dst, const cr_meta *src)
{
    for (int i = 0; i < src->n; i++) {
        const cr_meta_entry *e = &src->e[i];
        int rc = e->type == CR_META_U64   ? cr_meta_set_u64(dst, e->key, e->u)
                 : e->type == CR_META_F64 ? cr_meta_set_f64(dst, e->key, e->f)
                                          : set_bytes(dst, e->key, e->s, e->slen);
        if (rc < 0)
            return rc;
    }
    return CR_OK;
}

void cr_meta_del(cr_meta *m, const char *key)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->e[i].key, key) == 0) {
            free(m->e[i].s);
            memmove(&m->e[i], &m->e[i + 1], (size_t)(m->n - i - 1) * sizeof *m->e);
            m->n--;
            return;
        }
}

static const cr_meta_entry *find(const cr_meta *m, const char *key, int type)
{
    for (int i = 0; m && i < m->n; i++)
        if (m->e[i].type == type && strcmp(m->e[i].key, key) == 0)
            return &m->e[i];
    return NULL;
}

int cr_meta_get_u64(const cr_meta *m, const char *key, uint64_t *v)
{
    const cr_meta_entry *e = find(m, key, CR_META_U64);
    if (e)
        *v = e->u;
    return e != NULL;
}

int cr_meta_get_f64(const cr_meta *m, const char *key, double *v)
{
    const cr_meta_entry *e = find(m, key, CR_META_F64);
    if (e)
        *v = e->f;
    return e != NULL;
}

int cr_meta_get_str(const cr_meta *m, const char *key, const char **s)
{
    const cr_meta_entry *e = find(m, key, CR_META_STR);
    if (e)
        *s = e->s;
    return e != NULL;
}

/* entry: u8 type, u8 key_len, key, value (u64 | f64 | u32 len + bytes) */
size_t cr_meta_size(const cr_meta *m)
{
    size_t n = 0;
    for (int i = 0; m && i < m->n; i++)
        n += 2 + strlen(m->e[i].key) + (m->e[i].type == CR_META_STR ? 4 + m->e[i].slen : 8);
    return n;
}

void cr_meta_write(const cr_meta *m, unsigned char *p)
{
    for (int i = 0; m && i < m->n; i++) {
        const cr_meta_entry *e = &m->e[i];
        size_t kl = strlen(e->key);
        p[0] = (unsigned char)e->type;
        p[1] = (unsigned char)kl;
        memcpy(p + 2, e->key, kl);
        p += 2 + kl;
        if (e->type == CR_META_STR) {
            cr_put32(p, (uint32_t)e->slen);
            memcpy(p + 4, e->s, e->slen);
            p += 4 + e->slen;
        } else {
            uint64_t u = e->u;
            if (e->type == CR_META_F64)
                memcpy(&u, &e->f, 8);
            cr_put64(p, u);
            p += 8;
        }
    }
}

int cr_meta_parse(cr_meta **out, const unsigned char *p, size_t n, cr_diag *d)
{
    cr_meta *m = cr_meta_new();
    size_t i = 0;
    int rc = CR_OK;
    char key[256];

    *out = NULL;
    if (!m)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    while (i < n && rc == CR_OK) {
        if (n - i < 2) {
            rc = cr_diag_set(d, CR_E_FORMAT, "metadata entry at offset %zu is cut short", i);
            break;
        }
        int type = p[i], kl = p[i + 1];
        size_t at = i;
        i += 2;
        if (kl == 0 || n - i < (size_t)kl) {
            rc = cr_diag_set(d, CR_E_FORMAT, "metadata entry at offset %zu: bad key length %d",
                             at, kl);
            break;
        }
        memcpy(key, p + i, (size_t)kl);
        key[kl] = 0;
        if (memchr(key, 0, (size_t)kl)) {
            rc = cr_diag_set(d, CR_E_FORMAT, "metadata entry at offset %zu: NUL in key", at);
            break;
        }
        i += (size_t)kl;
        if (type == CR_META_U64 || type == CR_META_F64) {
            if (n - i < 8) {
                rc = cr_diag_set(d, CR_E_FORMAT, "metadata '%s' is cut short", key);
                break;
            }
            uint64_t u = cr_le64(p + i);
            double f;
            memcpy(&f, &u, 8);
            rc = type == CR_META_U64 ? cr_meta_set_u64(m, key, u) : cr_meta_set_f64(m, key, f);
            i += 8;
        } else if (type == CR_META_STR) {
            if (n - i < 4 || n - i - 4 < cr_le32(p + i)) {
                rc = cr_diag_set(d, CR_E_FORMAT, "metadata '%s' is cut short", key);
                break;
            }
            size_t sl = cr_le32(p + i);
            rc = set_bytes(m, key, (const char *)p + i + 4, sl);
            i += 4 + sl;
        } else {
            /* an unknown type cannot be skipped: its size is unknown */
            rc = cr_diag_set(d, CR_E_FORMAT, "metadata '%s' has unknown type %d", key, type);
            break;
        }
        if (rc == CR_E_ARG)
            rc = cr_diag_set(d, CR_E_LIMIT, "more than %d metadata entries",
                             CR_META_MAX_ENTRIES);
        else if (rc < 0)
            rc = cr_diag_set(d, rc, "out of memory");
    }
    if (rc < 0)
        cr_meta_free(m);
    else
        *out = m;
    return rc;
}
