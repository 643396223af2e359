#include "ae.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cr_ae_preset(cr_ae_config *c, const char *name)
{
    /* paper: Tang (2025), about 90M parameters with an untied head */
    static const struct { const char *name; cr_ae_config c; } presets[] = {
        {"paper", {50257, 512, 8, 6, 6, 2048, 512, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
        {"cpu", {50257, 256, 4, 2, 2, 1024, 512, 8, 1, 1, 1, 1, 1, 2, 0, 0, 0}},
        {"tiny", {50257, 32, 2, 1, 1, 64, 64, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
    };
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (strcmp(presets[i].name, name) == 0) {
            *c = presets[i].c;
            return CR_OK;
        }
    return CR_E_ARG;
}

int cr_ae_config_check(const cr_ae_config *c, cr_diag *d)
{
    if (c->V < 2 || c->V > (1 << 24))
        return cr_diag_set(d, CR_E_VALUE, "vocabulary of %d tokens", c->V);
    if (c->C < 1 || c->C > 16384 || c->NH < 1 || c->C % c->NH)
        return cr_diag_set(d, CR_E_VALUE, "width %d with %d heads (the width must be a "
                           "multiple of the heads)", c->C, c->NH);
    if (c->Le < 1 || c->Ld < 1 || c->Le > 256 || c->Ld > 256)
        return cr_diag_set(d, CR_E_VALUE, "%d encoder and %d decoder layers", c->Le, c->Ld);
    if (c->F < 1 || c->F > 65536)
        return cr_diag_set(d, CR_E_VALUE, "FFN width %d", c->F);
    if (c->L < 1 || c->L > 65536 || c->M < 1 || c->M > c->L)
        return cr_diag_set(d, CR_E_VALUE, "%d latents for blocks of %d tokens", c->M, c->L);
    if (c->tied != 0 && c->tied != 1)
        return cr_diag_set(d, CR_E_VALUE, "tied must be 0 or 1");
    if (c->zattn < 0 || c->zattn > c->Ld)
        return cr_diag_set(d, CR_E_VALUE, "%d z-only layers of %d", c->zattn, c->Ld);
    if ((c->pool != 0 && c->pool != 1) || (c->zskip != 0 && c->zskip != 1))
        return cr_diag_set(d, CR_E_VALUE, "pool and zskip must be 0 or 1");
    if (c->zsplit < 0 || c->zsplit > 64 || cr_ae_slots(c) > c->L)
        return cr_diag_set(d, CR_E_VALUE, "%d slots per latent, %d in all, for blocks of %d "
                           "tokens", c->zsplit, cr_ae_slots(c), c->L);
    if (c->bind != 0 && (c->bind != 1 || !c->pool || !c->zskip))
        return cr_diag_set(d, CR_E_VALUE, "bind must be 0 or 1, and 1 needs pool and zskip");
    if (c->asm_in != 0 && (!c->asm_n || (c->asm_in != 1 && (c->asm_in < c->asm_k0 ||
                                                             c->asm_in > c->V))))
        return cr_diag_set(d, CR_E_VALUE, "asm_in must be 0, 1 or a row count from asm_short "
                           "to the vocabulary, and needs asm");
    if (c->asm_n != 0) {
        if (c->asm_n < 0 || c->asm_n > CR_ASM_MAX)
            return cr_diag_set(d, CR_E_VALUE, "asm must be 0 to %d", CR_ASM_MAX);
        long last = c->asm_k0;
        for (int i = 1; i < c->asm_n && last < c->V; i++)
            last *= 4;
        if (c->asm_k0 < 1 || last >= c->V)
            return cr_diag_set(d, CR_E_VALUE, "a shortlist of %d tokens and %d clusters that "
                               "grow 4 times each (asm_short * 4^(asm - 1) must be below the "
                               "vocabulary of %d)", c->asm_k0, c->asm_n, c->V);
    } else if (c->asm_k0 != 0)
        return cr_diag_set(d, CR_E_VALUE, "asm_short needs asm");
    if ((double)cr_ae_nparams(c) > 2e9)
        return cr_diag_set(d, CR_E_LIMIT, "too many parameters");
    return CR_OK;
}

/* field, metadata key, short name, required: 1 yes, 0 no (keys added later default to
 * 0), 2 no and written only when set, so that files of models without it stay as they were */
#define CONFIG_KEYS(X) X(V, "ae.vocab", "vocab", 1) X(C, "ae.width", "width", 1) \
    X(NH, "ae.heads", "heads", 1) X(Le, "ae.enc_layers", "enc_layers", 1) \
    X(Ld, "ae.dec_layers", "dec_layers", 1) X(F, "ae.ffn", "ffn", 1) \
    X(L, "ae.block", "block", 1) X(M, "ae.latents", "latents", 1) X(tied, "ae.tied", "tied", 1) \
    X(zattn, "ae.zattn", "zattn", 1) X(pool, "ae.pool", "pool", 0) X(zskip, "ae.zskip", "zskip", 0) \
    X(bind, "ae.bind", "bind", 2) X(zsplit, "ae.zsplit", "zsplit", 2) \
    X(asm_n, "ae.asm", "asm", 2) X(asm_k0, "ae.asm_short", "asm_short", 2) \
    X(asm_in, "ae.asm_in", "asm_in", 2)

#define NAME(f, k, n, r) n " "
const char cr_ae_config_names[] = CONFIG_KEYS(NAME);
#undef NAME

int cr_ae_config_set(cr_ae_config *c, const char *key, long v)
{
#define SET(f, k, n, r) if (strcmp(key, n) == 0) { c->f = (int)v; return CR_OK; }
    CONFIG_KEYS(SET)
#undef SET
    return CR_E_ARG;
}

int cr_ae_config_to_meta(const cr_ae_config *c, cr_meta *m)
{
    int rc = CR_OK;
#define PUT(f, k, n, r)                                                                       \
    if (rc == CR_OK && (r != 2 || c->f != 0))                                                \
        rc = cr_meta_set_u64(m, k, (uint64_t)c->f);
    CONFIG_KEYS(PUT)
#undef PUT
    return rc;
}

int cr_ae_config_from_meta(cr_ae_config *c, const cr_meta *m, cr_diag *d)
{
    uint64_t v;
#define GET(f, k, n, r)                                                                       \
    if (!cr_meta_get_u64(m, k, &v))                                                          \
        v = 0;                                                                               \
    if ((r == 1 && !cr_meta_get_u64(m, k, &v)) || v > (1u << 30))                                \
        return cr_diag_set(d, CR_E_FORMAT, "model config lacks %s", k);                     \
    c->f = (int)v;
    CONFIG_KEYS(GET)
#undef GET
    return cr_ae_config_check(c, d);
}

float cr_ae_bind_pool(const cr_ae_config *c, const float *emb, const float *enc_bind, int n,
                      int j, float *out)
{
    size_t C = (size_t)c->C;
    int S = cr_ae_slots(c), a = cr_ae_seg_start(j, n, S), e = cr_ae_seg_start(j + 1, n, S);
    double ss = 0;
    memset(out, 0, C * sizeof(float));
    for (int i = a; i < e; i++) {
        const float *t = emb + (size_t)i * C, *b = enc_bind + (size_t)(i - a) * C;
        for (size_t k = 0; k < C; k++)
            out[k] += b[k] * t[k];
    }
    for (size_t k = 0; k < C; k++)
        ss += (double)out[k] * out[k];
    float rms = (float)sqrt(ss / (double)C + 1e-10);
    for (size_t k = 0; k < C; k++)
        out[k] /= rms;
    return rms;
}

static const char *layer_names[12] = {"ln1_w", "ln1_b", "qkv_w", "qkv_b", "proj_w", "proj_b",
                                      "ln2_w", "ln2_b", "fc_w", "fc_b", "fc2_w", "fc2_b"};

void cr_asm_shape_of(const cr_ae_config *c, cr_asm_shape *s)
{
    memset(s, 0, sizeof *s);
    s->n = c->asm_n;
    s->K0 = c->asm_k0;
    s->cut[1] = c->asm_k0;
    for (int i = 1; i <= s->n; i++) {
        long next = i == s->n ? c->V : (long)s->cut[i] * 4;
        s->cut[i + 1] = (int)(next < c->V ? next : c->V);
        int dm = c->C;
        for (int k = 0; k < i; k++)
            dm /= 4;
        s->dim[i] = dm > 8 ? dm : 8;
    }
}

int cr_asm_head_rows(const cr_ae_config *c)
{
    cr_asm_shape s;
    cr_asm_shape_of(c, &s);
    return (c->tied ? 0 : s.K0) + s.n;
}

int cr_ae_emb_rows(const cr_ae_config *c)
{
    return !c->asm_in ? c->V : c->asm_in == 1 ? c->asm_k0 : c->asm_in;
}

/* The model has a (V,C) "head" tensor of its own. */
static int own_head(const cr_ae_config *c)
{
    return !c->tied && !c->asm_n;
}

int cr_ae_ntensors(const cr_ae_config *c)
{
    return 9 + own_head(c) + 12 * (c->Le + c->Ld) + 2 * c->bind +
           (c->asm_n ? 2 + 2 * c->asm_n : 0);
}

static void td(struct cr_tdesc *t, const char *name, int rows, int cols)
{
    snprintf(t->name, sizeof t->name, "%s", name);
    t->rows = rows;
    t->cols = cols;
}

void cr_ae_tensors(const cr_ae_config *c, struct cr_tdesc *t)
{
    int C = c->C, n = 0;
    td(&t[n++], "tok_emb", cr_ae_emb_rows(c), C);
    td(&t[n++], "enc_pos", c->L, C);
    td(&t[n++], "enc_lat", cr_ae_slots(c), C);
    td(&t[n++], "dec_pos", c->L, C);
    td(&t[n++], "dec_zpos", cr_ae_slots(c), C);
    td(&t[n++], "enc_lnf_w", C, 1);
    td(&t[n++], "enc_lnf_b", C, 1);
    td(&t[n++], "dec_lnf_w", C, 1);
    td(&t[n++], "dec_lnf_b", C, 1);
    if (own_head(c))
        td(&t[n++], "head", c->V, C);
    for (int l = 0; l < c->Le + c->Ld; l++) {
        const int shape[12][2] = {{C, 1}, {C, 1}, {3 * C, C}, {3 * C, 1}, {C, C}, {C, 1},
                                  {C, 1}, {C, 1}, {c->F, C}, {c->F, 1}, {C, c->F}, {C, 1}};
        for (int k = 0; k < 12; k++) {
            char name[32];
            snprintf(name, sizeof name, "%s.%d.%s", l < c->Le ? "enc" : "dec",
                     l < c->Le ? l : l - c->Le, layer_names[k]);
            td(&t[n++], name, shape[k][0], shape[k][1]);
        }
    }
    if (c->bind) {
        td(&t[n++], "enc_bind", cr_ae_seg_max(c), C);
        td(&t[n++], "dec_bind", cr_ae_seg_max(c), C);
    }
    if (c->asm_n) {
        cr_asm_shape s;
        cr_asm_shape_of(c, &s);
        td(&t[n++], "asm_head", cr_asm_head_rows(c), C);
        for (int i = 1; i <= s.n; i++) {
            char name[32];
            snprintf(name, sizeof name, "asm.%d.proj", i);
            td(&t[n++], name, s.dim[i], C);
            snprintf(name, sizeof name, "asm.%d.out", i);
            td(&t[n++], name, s.cut[i + 1] - s.cut[i], s.dim[i]);
        }
        td(&t[n++], "asm_order", c->V, 3);
    }
}

size_t cr_ae_nparams(const cr_ae_config *c)
{
    size_t C = (size_t)c->C, layer = 2 * C + 3 * C * C + 3 * C + C * C + C + 2 * C +
                                     (size_t)c->F * C + (size_t)c->F + C * c->F + C;
    size_t n = ((size_t)cr_ae_emb_rows(c) + (own_head(c) ? (size_t)c->V : 0)) * C +
               2 * ((size_t)c->L + cr_ae_slots(c)) * C + 4 * C +
               layer * (size_t)(c->Le + c->Ld) + (size_t)c->bind * 2 * cr_ae_seg_max(c) * C;
    if (c->asm_n) {
        cr_asm_shape s;
        cr_asm_shape_of(c, &s);
        n += (size_t)cr_asm_head_rows(c) * C + (size_t)c->V * 3;
        for (int i = 1; i <= s.n; i++)
            n += (size_t)s.dim[i] * (C + (size_t)(s.cut[i + 1] - s.cut[i]));
    }
    return n;
}

int cr_ae_params_carve(const cr_ae_config *c, float *slab, cr_ae_params *p)
{
    int n = cr_ae_ntensors(c);
    struct cr_tdesc *t = malloc((size_t)n * sizeof *t);
    float **q = malloc((size_t)n * sizeof *q);
    size_t off = 0;

    if (!t || !q) {
        free(t);
        free(q);
        return CR_E_NOMEM;
    }
    cr_ae_tensors(c, t);
    for (int i = 0; i < n; i++) {
        q[i] = slab + off;
        off += (size_t)t[i].rows * t[i].cols;
    }
    p->tok_emb = q[0];
    p->enc_pos = q[1];
    p->enc_lat = q[2];
    p->dec_pos = q[3];
    p->dec_zpos = q[4];
    p->enc_lnf_w = q[5];
    p->enc_lnf_b = q[6];
    p->dec_lnf_w = q[7];
    p->dec_lnf_b = q[8];
    p->head = own_head(c) ? q[9] : q[0];
    for (int l = 0; l < c->Le + c->Ld; l++) {
        cr_ae_layer *y = l < c->Le ? &p->enc[l] : &p->dec[l - c->Le];
        float **w = q + 9 + own_head(c) + 12 * l;
        y->ln1_w = w[0], y->ln1_b = w[1], y->qkv_w = w[2], y->qkv_b = w[3];
        y->proj_w = w[4], y->proj_b = w[5], y->ln2_w = w[6], y->ln2_b = w[7];
        y->fc_w = w[8], y->fc_b = w[9], y->fc2_w = w[10], y->fc2_b = w[11];
    }
    p->enc_bind = p->dec_bind = NULL;
    int at = 9 + own_head(c) + 12 * (c->Le + c->Ld);
    if (c->bind) {
        p->enc_bind = q[at++];
        p->dec_bind = q[at++];
    }
    p->asm_head = p->asm_order = NULL;
    memset(p->asm_proj, 0, sizeof p->asm_proj);
    memset(p->asm_out, 0, sizeof p->asm_out);
    if (c->asm_n) {
        p->asm_head = q[at++];
        for (int i = 0; i < c->asm_n; i++) {
            p->asm_proj[i] = q[at++];
            p->asm_out[i] = q[at++];
        }
        p->asm_order = q[at++];
    }
    free(t);
    free(q);
    return CR_OK;
}
