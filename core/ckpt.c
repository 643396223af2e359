#include "ckpt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"
#include "input.h"
#include "le.h"

/* What write_ckpt needs: the header and the three slabs. */
struct ckpt_out {
    const cr_meta *m;
    const float *slabs[3]; /* parameters, m, v */
    size_t np;
};

/* The stream: slab 0, 1, 2, each in chunks of CR_CKPT_CHUNK values in order (a
 * cr_file_writer). */
static int write_ckpt(FILE *f, void *arg, cr_diag *d)
{
    const struct ckpt_out *c = arg;
    unsigned char *buf = malloc(16 + 4 * (size_t)CR_CKPT_CHUNK);
    cr_writer *w = NULL;
    int rc;

    if (!buf)
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    rc = cr_writer_open(&w, f, CR_KIND_TENSORS, c->m, d);
    for (uint32_t s = 0; rc == CR_OK && s < 3; s++)
        for (size_t i = 0; rc == CR_OK && i < c->np; i += CR_CKPT_CHUNK) {
            size_t k = c->np - i < CR_CKPT_CHUNK ? c->np - i : CR_CKPT_CHUNK;
            cr_put32(buf, s);
            cr_put64(buf + 4, i);
            cr_put32(buf + 12, (uint32_t)k);
            for (size_t j = 0; j < k; j++)
                cr_putf32(buf + 16 + 4 * j, c->slabs[s][i + j]);
            rc = cr_writer_put(w, CR_CKPT_REC, buf, (uint32_t)(16 + 4 * k), d);
        }
    if (rc == CR_OK)
        rc = cr_writer_close(w, d);
    else
        cr_writer_abandon(w);
    free(buf);
    return rc;
}

int cr_ckpt_save(const char *path, const cr_ae *ae, const float *m, const float *v,
                 const cr_train_opts *o, long step, cr_diag *d)
{
    cr_meta *meta = cr_meta_new();
    int rc = meta ? CR_OK : CR_E_NOMEM;

    if (rc == CR_OK && (cr_meta_merge(meta, ae->meta) < 0 ||
                        cr_ae_config_to_meta(&ae->cfg, meta) < 0 ||
                        cr_meta_set_u64(meta, "train.step", (uint64_t)step) < 0))
        rc = CR_E_NOMEM;
    for (int i = 0; rc == CR_OK && cr_train_keys[i].key; i++) {
        const cr_train_key *k = &cr_train_keys[i];
        double v = cr_train_opts_get(o, i);
        if ((k->f64 ? cr_meta_set_f64(meta, k->key, v)
                    : cr_meta_set_u64(meta, k->key, (uint64_t)v)) < 0)
            rc = CR_E_NOMEM;
    }
    if (rc < 0) {
        rc = cr_diag_set(d, rc, "%s: out of memory", path);
    } else {
        struct ckpt_out c = {meta, {ae->slab, m, v}, cr_ae_nparams(&ae->cfg)};
        rc = cr_file_replace(path, write_ckpt, &c, d);
    }
    cr_meta_free(meta);
    return rc;
}

/* The header: the model to fill, the steps done and the options. */
static int read_header(const cr_meta *m, cr_ae **ae, cr_train_opts *o, unsigned keep,
                       long *step, cr_diag *d)
{
    cr_ae_config c;
    uint64_t u;
    double x;
    int rc;

    if ((rc = cr_ae_config_from_meta(&c, m, d)) < 0 || (rc = cr_ae_alloc(ae, &c, d)) < 0)
        return rc;
    if (cr_meta_get_u64(m, "train.step", &u)) {
        if (u > (uint64_t)1e12)
            return cr_diag_set(d, CR_E_VALUE, "train.step %llu is out of range (0 to 1e+12)",
                               (unsigned long long)u);
        *step = (long)u;
    }
    for (int i = 0; cr_train_keys[i].key; i++) {
        const cr_train_key *k = &cr_train_keys[i];
        if (k->f64 ? !cr_meta_get_f64(m, k->key, &x) : !cr_meta_get_u64(m, k->key, &u))
            continue;
        if (!k->f64)
            x = (double)u;
        if (!(x >= k->lo && x <= k->hi))
            return cr_diag_set(d, CR_E_VALUE, "%s %g is out of range (%g to %g)", k->key, x,
                               k->lo, k->hi);
        if (!(keep & 1u << i))
            cr_train_opts_set(o, i, x);
    }
    cr_meta_merge((*ae)->meta, m);
    return CR_OK;
}

/* The three slabs (parameters, m, v) as their chunks arrive: each grows with the values
 * really read, so that a header that claims a huge model costs no more memory than the
 * file holds (fuzz/README). v goes behind a whole m in p[1] (the writer's order), so that
 * p[1] is the caller's moments array without a copy. got counts the values of each slab
 * so far, which also says where the next chunk of that slab must start. */
struct slabs {
    float *p[3];
    size_t got[3], cap[3];
    int v_in_m; /* v is in p[1] from offset np */
};

static int read_chunk(const cr_rec *rec, struct slabs *sl, size_t np, cr_diag *d)
{
    uint32_t s = cr_le32(rec->data), k = cr_le32(rec->data + 12);
    uint64_t at = cr_le64(rec->data + 4);
    if (s > 2 || rec->len != 16 + 4 * (size_t)k || at != sl->got[s] || k > np - at)
        return cr_diag_set(d, CR_E_FORMAT, "record %llu does not fit the model",
                           (unsigned long long)rec->seq);
    size_t b = s, base = 0;
    if (s == 2 && (sl->v_in_m || (at == 0 && sl->got[1] == np)))
        sl->v_in_m = 1, b = 1, base = np;
    if (base + at + k > sl->cap[b]) {
        size_t cap = 2 * sl->cap[b] < base + np ? 2 * sl->cap[b] : base + np;
        cap = cap > base + at + k ? cap : base + at + k;
        float *p = realloc(sl->p[b], cap * sizeof *p);
        if (!p)
            return cr_diag_set(d, CR_E_NOMEM, "out of memory for %zu parameters", np);
        sl->p[b] = p;
        sl->cap[b] = cap;
    }
    for (uint32_t j = 0; j < k; j++)
        sl->p[b][base + at + j] = cr_lef32(rec->data + 16 + 4 * j);
    sl->got[s] += k;
    return CR_OK;
}

int cr_ckpt_load(const char *path, cr_ae **ae, float **moments, cr_train_opts *o,
                 unsigned keep, long *step, cr_diag *d)
{
    cr_input *in = NULL;
    cr_event ev;
    struct slabs sl = {{NULL, NULL, NULL}, {0, 0, 0}, {0, 0, 0}, 0};
    size_t np = 0;
    int rc;

    struct stat st;
    *ae = NULL;
    *moments = NULL;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) /* a FIFO would block the open */
        return cr_diag_set(d, CR_E_IO, "%s: not a regular file", path);
    if ((rc = cr_input_open(&in, &path, 1, CR_KIND_TENSORS, d)) < 0)
        return rc;
    cr_input_set_max_len(in, 16 + 4 * CR_CKPT_CHUNK);
    while ((rc = cr_input_next(in, &ev, d)) > 0 && rc != CR_EV_INPUT_END) {
        if (rc == CR_EV_STREAM && ev.first)
            rc = read_header(ev.meta, ae, o, keep, step, d);
        else if (rc == CR_EV_STREAM)
            rc = cr_diag_set(d, CR_E_FORMAT, "more than one stream in a checkpoint");
        else if (rc == CR_EV_RECORD && ev.rec.type == CR_CKPT_REC && ev.rec.len >= 16)
            rc = read_chunk(&ev.rec, &sl, cr_ae_nparams(&(*ae)->cfg), d);
        if (rc < 0) { /* ours: the reader's errors leave the loop with the path in them */
            cr_diag_prefix(d, "%s", path);
            break;
        }
    }
    np = *ae ? cr_ae_nparams(&(*ae)->cfg) : 0;
    if (rc >= 0 && (!np || sl.got[0] != np || sl.got[1] != np || sl.got[2] != np))
        rc = cr_diag_set(d, CR_E_TRUNCATED, "%s: checkpoint lacks part of its tensors", path);
    const float *v = sl.v_in_m ? sl.p[1] + np : sl.p[2];
    for (size_t i = 0; rc >= 0 && i < np; i++)
        if (!isfinite(sl.p[0][i]) || !isfinite(sl.p[1][i]) || !isfinite(v[i]))
            rc = cr_diag_set(d, CR_E_VALUE, "%s: value %zu of the checkpoint is not finite",
                             path, i);
    cr_input_close(in);
    if (rc >= 0) { /* the model owns slab 0; the caller gets m and v in one array */
        float *mv = sl.v_in_m ? sl.p[1] : realloc(sl.p[1], 2 * np * sizeof *mv);
        if (mv && !sl.v_in_m)
            memcpy(mv + np, sl.p[2], np * sizeof *mv);
        if (mv)
            sl.p[1] = NULL;
        *moments = mv;
        (*ae)->slab = sl.p[0];
        (*ae)->slab_owned = 1;
        sl.p[0] = NULL;
        if (!mv || cr_ae_params_carve(&(*ae)->cfg, (*ae)->slab, &(*ae)->p) < 0)
            rc = cr_diag_set(d, CR_E_NOMEM, "%s: out of memory for %zu parameters", path, np);
        else if ((rc = cr_ae_asm_sync(*ae, d)) < 0)
            cr_diag_prefix(d, "%s", path);
    }
    for (int s = 0; s < 3; s++)
        free(sl.p[s]);
    if (rc < 0) {
        cr_ae_free(*ae);
        free(*moments);
        *ae = NULL;
        *moments = NULL;
        return rc;
    }
    cr_ae_rehash(*ae);
    return CR_OK;
}
