/* Fixture state files written by tests/ref/gen_ref.py: a tensor stream whose records
 * hold named fp32 tensors. Shared by test_ref.c and test_ref_train.c. */
#ifndef CR_REFSTATE_H
#define CR_REFSTATE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/aefile.h"
#include "../../core/le.h"
#include "../../core/stream.h"

#define REC_TENSOR 1       /* gen_ref.py: u16 name_len, name, u32 count, count fp32 */
#define MAX_TENSORS 16

/* ---- fixtures: state files of named tensors ----------------------------------------- */

struct tensor {
    char name[64];
    uint32_t n;
    float *v;
};

struct state {
    cr_meta *meta;
    int nt;
    struct tensor t[MAX_TENSORS];
};

static inline void state_free(struct state *s)
{
    for (int i = 0; i < s->nt; i++)
        free(s->t[i].v);
    cr_meta_free(s->meta);
    memset(s, 0, sizeof *s);
}

/* Reads a state file written by gen_ref.py; exits on any problem, since every later
 * check would be meaningless. */
static inline void state_load(struct state *s, const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_reader *r = NULL;
    cr_rec rec;
    cr_diag d;
    int rc;

    memset(s, 0, sizeof *s);
    if (!f || cr_reader_open(&r, f, CR_KIND_TENSORS, &d) < 0) {
        fprintf(stderr, "%s: %s (run make ref?)\n", path, f ? d.msg : "cannot open");
        exit(2);
    }
    s->meta = cr_meta_new();
    cr_meta_merge(s->meta, cr_reader_meta(r));
    while ((rc = cr_reader_next(r, &rec, &d)) == 1) {
        const unsigned char *p = rec.data;
        size_t nl = rec.len >= 2 ? cr_le16(p) : 0;
        if (rec.type != REC_TENSOR || rec.len < 6 + nl || nl >= sizeof s->t[0].name ||
            s->nt == MAX_TENSORS || rec.len != 6 + nl + 4 * (size_t)cr_le32(p + 2 + nl)) {
            fprintf(stderr, "%s: record %llu is not a tensor\n", path,
                    (unsigned long long)rec.seq);
            exit(2);
        }
        struct tensor *t = &s->t[s->nt++];
        memcpy(t->name, p + 2, nl);
        t->name[nl] = 0;
        t->n = cr_le32(p + 2 + nl);
        t->v = malloc(((size_t)t->n + 1) * sizeof(float));
        for (uint32_t i = 0; i < t->n; i++)
            t->v[i] = cr_lef32(p + 6 + nl + 4 * (size_t)i);
    }
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", path, rc < 0 ? d.msg : "more than one stream");
        exit(2);
    }
    cr_reader_close(r);
    fclose(f);
}

static inline const struct tensor *state_tensor(const struct state *s, const char *name,
                                                 size_t n)
{
    for (int i = 0; i < s->nt; i++)
        if (strcmp(s->t[i].name, name) == 0) {
            if (s->t[i].n != n) {
                fprintf(stderr, "fixture tensor %s has %u values, expected %zu\n", name,
                        s->t[i].n, n);
                exit(2);
            }
            return &s->t[i];
        }
    fprintf(stderr, "fixture lacks tensor %s\n", name);
    exit(2);
}

static inline uint64_t meta_u64(const struct state *s, const char *key)
{
    uint64_t u;
    if (!cr_meta_get_u64(s->meta, key, &u)) {
        fprintf(stderr, "fixture lacks %s\n", key);
        exit(2);
    }
    return u;
}

static inline double meta_f64(const struct state *s, const char *key)
{
    double x;
    if (!cr_meta_get_f64(s->meta, key, &x)) {
        fprintf(stderr, "fixture lacks %s\n", key);
        exit(2);
    }
    return x;
}

static inline cr_ae *load_or_die(const char *path)
{
    cr_ae *ae;
    cr_diag d;
    if (cr_ae_load(&ae, path, &d) < 0) {
        fprintf(stderr, "%s: %s\n", path, d.msg);
        exit(2);
    }
    return ae;
}

#endif
