#include "tagstate.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "file.h"
#include "input.h"
#include "le.h"
#include "segment.h"

#define FIXED 24
#define SPAN 18
#define MAX_SPANS (1u << 20)

static size_t slot(const cr_tagstate *s, const char *path)
{
    size_t i = (size_t)XXH3_64bits(path, strlen(path)) & (s->cap - 1);
    while (s->e[i].path && strcmp(s->e[i].path, path) != 0)
        i = (i + 1) & (s->cap - 1);
    return i;
}

const cr_tagentry *cr_tagstate_find(const cr_tagstate *s, const char *path)
{
    if (!s->cap)
        return NULL;
    const cr_tagentry *e = &s->e[slot(s, path)];
    return e->path ? e : NULL;
}

static void entry_free(cr_tagentry *e)
{
    free(e->path);
    free(e->spans);
    memset(e, 0, sizeof *e);
}

static int grow(cr_tagstate *s, cr_diag *d)
{
    size_t cap = s->cap ? 2 * s->cap : 1024;
    cr_tagentry *old = s->e, *e = calloc(cap, sizeof *e);
    if (!e)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    s->e = e;
    size_t oldcap = s->cap;
    s->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].path)
            s->e[slot(s, old[i].path)] = old[i];
    free(old);
    return CR_OK;
}

int cr_tagstate_add(cr_tagstate *s, const cr_tagentry *e, cr_diag *d)
{
    int rc;
    if ((s->n + 1) * 2 > s->cap && (rc = grow(s, d)) < 0)
        return rc;
    cr_tagentry *dst = &s->e[slot(s, e->path)];
    if (dst->path)
        entry_free(dst);
    else
        s->n++;
    dst->path = strdup(e->path);
    dst->spans = malloc((e->nspans ? e->nspans : 1) * sizeof *dst->spans);
    if (!dst->path || !dst->spans)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    memcpy(dst->spans, e->spans, e->nspans * sizeof *e->spans);
    dst->hash = e->hash;
    dst->size = e->size;
    dst->nspans = e->nspans;
    return CR_OK;
}

/* Parses one record into e (pointing into a scratch copy the caller frees). */
static int parse(cr_tagentry *e, const unsigned char *p, size_t len, cr_diag *d)
{
    if (len < FIXED)
        return cr_diag_set(d, CR_E_FORMAT, "a file record of %zu bytes is too short", len);
    e->hash = cr_le64(p);
    e->size = cr_le64(p + 8);
    e->nspans = cr_le32(p + 16);
    uint32_t pl = cr_le32(p + 20);
    if (pl == 0 || pl > 65536 || e->nspans > MAX_SPANS ||
        len != FIXED + (size_t)pl + SPAN * (size_t)e->nspans)
        return cr_diag_set(d, CR_E_FORMAT, "a file record of %zu bytes for a path of %u and %u "
                           "spans", len, pl, e->nspans);
    if (memchr(p + FIXED, 0, pl))
        return cr_diag_set(d, CR_E_VALUE, "a path with a NUL byte");
    if (!(e->path = malloc(pl + 1)) || !(e->spans = malloc((e->nspans + 1) * sizeof *e->spans)))
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    memcpy(e->path, p + FIXED, pl);
    e->path[pl] = 0;
    p += FIXED + pl;
    for (uint32_t i = 0; i < e->nspans; i++, p += SPAN) {
        cr_tagspan *sp = &e->spans[i];
        sp->start = cr_le64(p);
        sp->end = cr_le64(p + 8);
        sp->state = cr_le16(p + 16);
        if (sp->start >= sp->end || sp->end > e->size || sp->state >= CR_SEG_MAX_STATES ||
            sp->start != (i ? e->spans[i - 1].end : 0))
            return cr_diag_set(d, CR_E_VALUE, "span %u of %s is not in order", i, e->path);
    }
    if (e->nspans ? e->spans[e->nspans - 1].end != e->size : e->size != 0)
        return cr_diag_set(d, CR_E_VALUE, "the spans of %s do not cover it", e->path);
    return CR_OK;
}

int cr_tagstate_load(cr_tagstate *s, const char *path, cr_diag *d)
{
    struct stat st;
    cr_input *in;
    cr_event ev;
    int rc;
    memset(s, 0, sizeof *s);
    if (stat(path, &st) != 0 && errno == ENOENT)
        return 1;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return cr_diag_set(d, CR_E_IO, "%s: not a regular file", path);
    if ((rc = cr_input_open(&in, &path, 1, CR_KIND_TAGS, d)) < 0)
        return rc;
    cr_input_set_max_len(in, FIXED + 65536 + SPAN * MAX_SPANS);
    while ((rc = cr_input_next(in, &ev, d)) > 0) {
        if (rc == CR_EV_STREAM && !ev.first) {
            rc = cr_diag_set(d, CR_E_FORMAT, "%s: more than one stream in a state file", path);
            break;
        }
        if (rc == CR_EV_STREAM && !(s->meta = cr_meta_new())) {
            rc = cr_diag_set(d, CR_E_NOMEM, "out of memory");
            break;
        }
        if (rc == CR_EV_STREAM && (rc = cr_meta_merge(s->meta, ev.meta)) < 0)
            break;
        if (rc != CR_EV_RECORD || ev.rec.type != CR_TAGSTATE_REC)
            continue;
        cr_tagentry e = {0};
        if ((rc = parse(&e, ev.rec.data, ev.rec.len, d)) >= 0)
            rc = cr_tagstate_add(s, &e, d);
        entry_free(&e);
        if (rc < 0) {
            cr_diag_prefix(d, "%s: record %llu at byte %llu", path,
                           (unsigned long long)ev.rec.seq, (unsigned long long)ev.rec.pos);
            break;
        }
    }
    cr_input_close(in);
    if (rc < 0)
        cr_tagstate_free(s);
    return rc < 0 ? rc : CR_OK;
}

struct save {
    const cr_tagstate *s;
    const cr_meta *meta;
};

static int fill(FILE *f, void *arg, cr_diag *d)
{
    const struct save *sv = arg;
    cr_writer *w;
    unsigned char *buf = NULL;
    size_t cap = 0;
    int rc = cr_writer_open(&w, f, CR_KIND_TAGS, sv->meta, d);
    for (size_t i = 0; rc >= 0 && i < sv->s->cap; i++) {
        const cr_tagentry *e = &sv->s->e[i];
        if (!e->path)
            continue;
        size_t pl = strlen(e->path), len = FIXED + pl + SPAN * (size_t)e->nspans;
        if (len > cap) {
            unsigned char *b = realloc(buf, len);
            if (!b) {
                rc = cr_diag_set(d, CR_E_NOMEM, "out of memory");
                break;
            }
            buf = b;
            cap = len;
        }
        cr_put64(buf, e->hash);
        cr_put64(buf + 8, e->size);
        cr_put32(buf + 16, e->nspans);
        cr_put32(buf + 20, (uint32_t)pl);
        memcpy(buf + FIXED, e->path, pl);
        unsigned char *p = buf + FIXED + pl;
        for (uint32_t j = 0; j < e->nspans; j++, p += SPAN) {
            cr_put64(p, e->spans[j].start);
            cr_put64(p + 8, e->spans[j].end);
            cr_put16(p + 16, e->spans[j].state);
        }
        rc = cr_writer_put(w, CR_TAGSTATE_REC, buf, (uint32_t)len, d);
    }
    free(buf);
    if (rc < 0) {
        cr_writer_abandon(w);
        return rc;
    }
    return cr_writer_close(w, d);
}

int cr_tagstate_save(const cr_tagstate *s, const cr_meta *meta, const char *path, cr_diag *d)
{
    struct save sv = {s, meta};
    return cr_file_replace(path, fill, &sv, d);
}

void cr_tagstate_free(cr_tagstate *s)
{
    for (size_t i = 0; i < s->cap; i++)
        entry_free(&s->e[i]);
    free(s->e);
    cr_meta_free(s->meta);
    memset(s, 0, sizeof *s);
}

cr_meta *cr_tagstate_settings(const char *const *names, const uint64_t *checks, int k,
                              uint64_t stride, const double penalty[3], double reject,
                              cr_calib_scale scale, const char *matmul)
{
    cr_meta *m = cr_meta_new();
    char n[4096] = "", c[4096] = "";
    for (int i = 0; m && i < k; i++) {
        size_t a = strlen(n), b = strlen(c);
        snprintf(n + a, sizeof n - a, "%s%s", i ? "," : "", names[i]);
        snprintf(c + b, sizeof c - b, "%s%016llx", i ? "," : "", (unsigned long long)checks[i]);
    }
    if (m && (cr_meta_set_str(m, "tag.experts", n) < 0 || cr_meta_set_str(m, "tag.checks", c) < 0 ||
              cr_meta_set_str(m, "tag.matmul", matmul) < 0 ||
              cr_meta_set_u64(m, "tag.stride", stride) < 0 ||
              cr_meta_set_f64(m, "tag.penalty", penalty[0]) < 0 ||
              cr_meta_set_f64(m, "tag.line_penalty", penalty[1]) < 0 ||
              cr_meta_set_f64(m, "tag.para_penalty", penalty[2]) < 0 ||
              cr_meta_set_f64(m, "tag.reject", reject) < 0 ||
              cr_meta_set_f64(m, "tag.median_power", scale.a) < 0 ||
              cr_meta_set_f64(m, "tag.spread_power", scale.b) < 0)) {
        cr_meta_free(m);
        return NULL;
    }
    return m;
}

int cr_tagstate_same(const cr_meta *a, const cr_meta *b)
{
    static const char *const str[] = {"tag.experts", "tag.checks", "tag.matmul"};
    static const char *const num[] = {"tag.penalty", "tag.line_penalty", "tag.para_penalty",
                                      "tag.reject", "tag.median_power", "tag.spread_power"};
    const char *x, *y;
    uint64_t s, t;
    double p, q;
    for (int i = 0; i < 3; i++)
        if (!cr_meta_get_str(a, str[i], &x) || !cr_meta_get_str(b, str[i], &y) || strcmp(x, y))
            return 0;
    for (int i = 0; i < 6; i++)
        if (!cr_meta_get_f64(a, num[i], &p) || !cr_meta_get_f64(b, num[i], &q) || p != q)
            return 0;
    return cr_meta_get_u64(a, "tag.stride", &s) && cr_meta_get_u64(b, "tag.stride", &t) && s == t;
}

int cr_tagstate_lock(const char *path, cr_diag *d)
{
    char lock[4096];
    snprintf(lock, sizeof lock, "%s.lock", path);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return cr_diag_set(d, CR_E_IO, "%s: %s", lock, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        return cr_diag_set(d, CR_E_IO, "%s: %s", lock, e == EWOULDBLOCK
                           ? "another crtag holds this state file; not started" : strerror(e));
    }
    return CR_OK; /* the descriptor, and so the lock, stays open until the process ends */
}
