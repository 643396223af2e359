/* The adaptive-softmax head (core/asm.c) against brute force over the whole vocabulary in
 * double: probabilities that sum to 1, log p of targets, the exact argmax; its backward
 * against finite differences; the config, the tensors, the order and the model file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/aefile.h"
#include "../../core/asm.h"
#include "../../core/rng.h"
#include "check.h"

/* V 500, C 64: shortlist of 24, clusters of ranks 24-95 (width 16) and 96-499 (width 8). */
static const cr_ae_config untied = {500, 64, 2, 1, 1, 32, 8, 2, 0, 0, 0, 0, 0, 0, 2, 24, 0};
/* the config under test: untied, then tied (the shortlist's rows are token embeddings) */
static cr_ae_config cfg;

/* A model of cfg with weights large enough for the tail to win some rows, and an order from
 * random counts. */
static cr_ae *model(uint64_t seed)
{
    cr_ae *ae;
    cr_diag d;
    cr_asm_shape s;
    uint64_t counts[500];

    cr_asm_shape_of(&cfg, &s);
    if (cr_ae_new_random(&ae, &cfg, seed, &d) < 0)
        return NULL;
    for (size_t i = 0; i < (size_t)cr_asm_head_rows(&cfg) * cfg.C; i++)
        ae->p.asm_head[i] *= 8;
    for (size_t i = 0; cfg.tied && i < (size_t)cr_ae_emb_rows(&cfg) * cfg.C; i++)
        ae->p.tok_emb[i] *= 8;
    for (int i = 0; i < s.n; i++) {
        for (size_t k = 0; k < (size_t)s.dim[i + 1] * cfg.C; k++)
            ae->p.asm_proj[i][k] *= 20;
        for (size_t k = 0; k < (size_t)(s.cut[i + 2] - s.cut[i + 1]) * s.dim[i + 1]; k++)
            ae->p.asm_out[i][k] *= 20;
    }
    for (int i = 0; i < cfg.V; i++)
        counts[i] = cr_rng_next(&seed) % 50;
    if (cr_asm_order_set(ae, counts, &d) < 0) {
        cr_ae_free(ae);
        return NULL;
    }
    cr_ae_rehash(ae);
    return ae;
}

/* log p of every token (by id) for the row h, by the formula, in double. */
static void brute_logp(const cr_ae *ae, const float *h, double *lp)
{
    cr_asm_shape s;
    int C = ae->cfg.C;
    cr_asm_shape_of(&ae->cfg, &s);
    int n1 = s.K0 + s.n;
    double l0[64], mx = -1e300, sum = 0;
    for (int k = 0; k < n1; k++) {
        uint32_t er = ae->cfg.asm_in ? (uint32_t)k : k < s.K0 ? ae->order[k] : 0;
        const float *wk = ae->cfg.tied ? k < s.K0 ? ae->p.tok_emb + (size_t)er * C
                                                  : ae->p.asm_head + (size_t)(k - s.K0) * C
                                       : ae->p.asm_head + (size_t)k * C;
        l0[k] = 0;
        for (int c = 0; c < C; c++)
            l0[k] += (double)wk[c] * h[c];
        mx = l0[k] > mx ? l0[k] : mx;
    }
    for (int k = 0; k < n1; k++)
        sum += exp(l0[k] - mx);
    double lse0 = mx + log(sum);
    for (int r = 0; r < s.K0; r++)
        lp[ae->order[r]] = l0[r] - lse0;
    for (int i = 1; i <= s.n; i++) {
        int dim = s.dim[i], size = s.cut[i + 1] - s.cut[i];
        double u[64], *z = malloc((size_t)size * sizeof *z), zm = -1e300, zs = 0;
        for (int k = 0; k < dim; k++) {
            u[k] = 0;
            for (int c = 0; c < C; c++)
                u[k] += (double)ae->p.asm_proj[i - 1][(size_t)k * C + c] * h[c];
        }
        for (int j = 0; j < size; j++) {
            z[j] = 0;
            for (int k = 0; k < dim; k++)
                z[j] += (double)ae->p.asm_out[i - 1][(size_t)j * dim + k] * u[k];
            zm = z[j] > zm ? z[j] : zm;
        }
        for (int j = 0; j < size; j++)
            zs += exp(z[j] - zm);
        for (int j = 0; j < size; j++)
            lp[ae->order[s.cut[i] + j]] = l0[s.K0 + i - 1] - lse0 + z[j] - zm - log(zs);
        free(z);
    }
}

static void test_exact_over_the_vocabulary(void)
{
    enum { T = 150 };
    cr_ae *ae = model(5);
    cr_asm_work *w;
    cr_asm_shape s;
    uint64_t seed = 11;
    float *h = malloc((size_t)T * cfg.C * sizeof *h), logp[T];
    uint32_t target[T], am[T], am2[T];
    double lp[500];
    int tail = 0, worst_sum = 0, bad_lp = 0, bad_am = 0, tail_targets = 0;

    CHECK(ae != NULL);
    if (!ae)
        return;
    cr_asm_shape_of(&cfg, &s);
    CHECK_EQ(cr_asm_work_new(&w, &cfg, 64), CR_OK); /* several chunks */
    for (size_t i = 0; i < (size_t)T * cfg.C; i++)
        h[i] = (float)cr_rng_normal(&seed);
    for (int t = 0; t < T; t++)
        target[t] = (uint32_t)(cr_rng_next(&seed) % (uint64_t)cfg.V);
    cr_asm_fwd(ae, w, h, target, T, am, logp);
    cr_asm_fwd(ae, w, h, NULL, T, am2, NULL);
    for (int t = 0; t < T; t++) {
        brute_logp(ae, h + (size_t)t * cfg.C, lp);
        double sum = 0;
        uint32_t best = ae->order[0];
        for (int r = 0; r < cfg.V; r++) { /* ties to the lower rank, as the head does */
            uint32_t id = ae->order[r];
            sum += exp(lp[id]);
            best = lp[id] > lp[best] ? id : best;
        }
        worst_sum += fabs(sum - 1) > 1e-4;
        bad_lp += !(fabs(logp[t] - lp[target[t]]) <= 1e-4 + 1e-5 * fabs(lp[target[t]]));
        /* a different argmax only for a tie within float rounding */
        bad_am += am[t] != best && !(fabs(lp[am[t]] - lp[best]) < 1e-6);
        bad_am += am2[t] != am[t];
        tail += ae->rank[best] >= (uint32_t)s.K0;
        tail_targets += ae->rank[target[t]] >= (uint32_t)s.K0;
    }
    CHECK_AT(worst_sum == 0, "%d rows whose probabilities do not sum to 1", worst_sum);
    CHECK_AT(bad_lp == 0, "%d rows with a wrong log p(target)", bad_lp);
    CHECK_AT(bad_am == 0, "%d rows with a wrong argmax", bad_am);
    /* both ways of winning happen, so the test can see a wrong skip of a cluster */
    CHECK_AT(tail > 0 && tail < T, "%d of %d argmaxes in the tail", tail, T);
    CHECK(tail_targets > 0);
    cr_asm_work_free(w);
    free(h);
    cr_ae_free(ae);
}

static double head_loss(const cr_ae *ae, cr_asm_work *w, float *dh, cr_ae_params *g,
                        const float *h, const uint32_t *target, int T)
{
    return cr_asm_bwd(ae, w, dh, g, h, target, T, 1.0f, NULL);
}

static void test_backward_matches_finite_differences(void)
{
    enum { T = 70 };
    cr_ae *ae = model(9);
    cr_asm_work *w;
    cr_ae_params g = {0}, gs = {0}; /* the gradient, and a scratch one for the probes */
    uint64_t seed = 3;
    size_t np = cr_ae_nparams(&cfg);
    float *grad = calloc(np, sizeof *grad), *gscr = calloc(np, sizeof *gscr);
    float *h = malloc((size_t)T * cfg.C * sizeof *h), *dh = calloc((size_t)T * cfg.C, sizeof *dh);
    float *dscr = calloc((size_t)T * cfg.C, sizeof *dscr);
    uint32_t target[T];
    long hits = 0;

    CHECK(ae != NULL);
    if (!ae)
        return;
    g.enc = calloc(1, sizeof *g.enc);
    g.dec = calloc(1, sizeof *g.dec);
    gs.enc = calloc(1, sizeof *gs.enc);
    gs.dec = calloc(1, sizeof *gs.dec);
    cr_ae_params_carve(&cfg, grad, &g);
    cr_ae_params_carve(&cfg, gscr, &gs);
    CHECK_EQ(cr_asm_work_new(&w, &cfg, 32), CR_OK);
    for (size_t i = 0; i < (size_t)T * cfg.C; i++)
        h[i] = (float)(0.3 * cr_rng_normal(&seed));
    for (int t = 0; t < T; t++)
        target[t] = (uint32_t)(cr_rng_next(&seed) % (uint64_t)cfg.V);
    double loss = cr_asm_bwd(ae, w, dh, &g, h, target, T, 1.0f, &hits);
    CHECK(loss > 0 && isfinite(loss));

    /* the head's tensors: asm_head to the last asm.N.out, and tok_emb when tied */
    struct { float *p, *gr; size_t n; } ts[3 + 2 * CR_ASM_MAX];
    cr_asm_shape s;
    cr_asm_shape_of(&cfg, &s);
    int nt = 0;
    ts[nt].p = ae->p.asm_head, ts[nt].gr = g.asm_head;
    ts[nt++].n = (size_t)cr_asm_head_rows(&cfg) * cfg.C;
    if (cfg.tied) {
        ts[nt].p = ae->p.tok_emb, ts[nt].gr = g.tok_emb;
        ts[nt++].n = (size_t)cr_ae_emb_rows(&cfg) * cfg.C;
    }
    for (int i = 1; i <= s.n; i++) {
        ts[nt].p = ae->p.asm_proj[i - 1], ts[nt].gr = g.asm_proj[i - 1];
        ts[nt++].n = (size_t)s.dim[i] * cfg.C;
        ts[nt].p = ae->p.asm_out[i - 1], ts[nt].gr = g.asm_out[i - 1];
        ts[nt++].n = (size_t)(s.cut[i + 1] - s.cut[i]) * s.dim[i];
    }
    ts[nt].p = h, ts[nt].gr = dh; /* and the input */
    ts[nt++].n = (size_t)T * cfg.C;
    int bad = 0, tried = 0;
    for (int k = 0; k < nt; k++)
        for (size_t i = 0; i < ts[k].n; i += 1 + (size_t)(cr_rng_next(&seed) % 13)) {
            float keep = ts[k].p[i];
            const float e = 1e-2f;
            ts[k].p[i] = keep + e;
            double up = head_loss(ae, w, dscr, &gs, h, target, T);
            ts[k].p[i] = keep - e;
            double down = head_loss(ae, w, dscr, &gs, h, target, T);
            ts[k].p[i] = keep;
            double fd = (up - down) / (2 * e), an = ts[k].gr[i];
            tried++;
            if (fabs(fd - an) > 2e-3 + 3e-2 * fabs(fd) && bad++ < 5)
                fprintf(stderr, "tensor %d value %zu: analytic %.6g, numeric %.6g\n", k, i, an,
                        fd);
        }
    CHECK_AT(bad == 0, "%d of %d gradients disagree with finite differences", bad, tried);
    CHECK(tried > 500);
    /* the loss is the sum of -log p of the forward pass, and the hits its argmax */
    float lp[T];
    uint32_t am[T];
    double sum = 0;
    long hits2 = 0;
    cr_asm_fwd(ae, w, h, target, T, am, lp);
    for (int t = 0; t < T; t++) {
        sum -= lp[t];
        hits2 += am[t] == target[t];
    }
    CHECK_NEAR(loss, sum, 1e-3, 1e-5);
    CHECK_EQ(hits, hits2);
    free(grad); free(gscr); free(h); free(dh); free(dscr);
    free(g.enc); free(g.dec); free(gs.enc); free(gs.dec);
    cr_asm_work_free(w);
    cr_ae_free(ae);
}

static void test_config_and_tensors(void)
{
    cr_ae_config c = cfg;
    cr_diag d;
    CHECK_EQ(cr_ae_config_check(&c, &d), CR_OK);
    c.tied = 1; /* the shortlist's rows are then the token embeddings: asm_head loses them */
    CHECK_EQ(cr_ae_config_check(&c, &d), CR_OK);
    CHECK_EQ(cr_asm_head_rows(&c), 2);
    CHECK_EQ(cr_asm_head_rows(&cfg), 24 + 2);
    CHECK_EQ(cr_ae_nparams(&cfg) - cr_ae_nparams(&c), (size_t)24 * cfg.C);
    c = cfg;
    c.asm_k0 = 200; /* 200 * 4 > 500: the last cluster would be empty */
    CHECK_EQ(cr_ae_config_check(&c, &d), CR_E_VALUE);
    c = cfg;
    c.asm_n = 0; /* asm_short alone */
    CHECK_EQ(cr_ae_config_check(&c, &d), CR_E_VALUE);
    CHECK_EQ(cr_ae_config_set(&c, "asm", 3), CR_OK);
    CHECK_EQ(c.asm_n, 3);
    CHECK_EQ(cr_ae_config_set(&c, "asm_short", 7), CR_OK);
    CHECK_EQ(c.asm_k0, 7);

    /* the table adds up to the parameters, and has no (V,C) head */
    int n = cr_ae_ntensors(&cfg);
    struct cr_tdesc t[64];
    size_t sum = 0;
    cr_ae_tensors(&cfg, t);
    for (int i = 0; i < n; i++) {
        sum += (size_t)t[i].rows * t[i].cols;
        CHECK(strcmp(t[i].name, "head") != 0);
    }
    CHECK_EQ(sum, cr_ae_nparams(&cfg));
    CHECK(strcmp(t[n - 1].name, "asm_order") == 0);
    CHECK(strcmp(t[n - 2].name, "asm.2.out") == 0);

    /* a model without the option keeps its table: head after the final LayerNorms */
    cr_ae_config u;
    cr_ae_preset(&u, "tiny");
    u.tied = 0;
    cr_ae_tensors(&u, t);
    CHECK_EQ(cr_ae_ntensors(&u), 9 + 1 + 12 * 2);
    CHECK(strcmp(t[9].name, "head") == 0);
}

/* The order: most frequent first, ties by id; kept by the model file in both storage types;
 * a damaged one is refused. */
static void test_order_and_file(void)
{
    cr_ae *ae = model(2), *b = NULL;
    cr_diag d;
    char path[] = "/tmp/cr_test_asm_XXXXXX";
    int fd = mkstemp(path);
    uint64_t counts[500] = {0};

    CHECK(ae != NULL && fd >= 0);
    if (!ae || fd < 0)
        return;
    close(fd);
    counts[7] = 5, counts[3] = 5, counts[499] = 9;
    CHECK_EQ(cr_asm_order_set(ae, counts, &d), CR_OK);
    CHECK_EQ(ae->order[0], 499);
    CHECK_EQ(ae->order[1], 3);
    CHECK_EQ(ae->order[2], 7);
    CHECK_EQ(ae->order[3], 0);
    CHECK_EQ(ae->rank[499], 0);
    CHECK_EQ(ae->rank[1], 4);
    cr_ae_rehash(ae);
    for (int dt = CR_DTYPE_F32; dt <= CR_DTYPE_BF16; dt++) {
        CHECK_EQ(cr_ae_save(ae, path, dt, &d), CR_OK);
        CHECK_EQ(cr_ae_load(&b, path, &d), CR_OK);
        if (!b)
            continue;
        CHECK(memcmp(b->order, ae->order, 500 * sizeof *b->order) == 0);
        if (dt == CR_DTYPE_F32)
            CHECK_EQ(b->check, ae->check);
        cr_ae_free(b);
    }
    /* two ranks with one token */
    ae->p.asm_order[3 * 5] = ae->p.asm_order[3 * 6];
    ae->p.asm_order[3 * 5 + 1] = ae->p.asm_order[3 * 6 + 1];
    CHECK_EQ(cr_ae_save(ae, path, CR_DTYPE_F32, &d), CR_OK);
    CHECK_EQ(cr_ae_load(&b, path, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "asm_order");
    ae->p.asm_order[3 * 5] = 0.5f;
    CHECK_EQ(cr_ae_save(ae, path, CR_DTYPE_F32, &d), CR_OK);
    CHECK_EQ(cr_ae_load(&b, path, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "not a byte");
    unlink(path);
    cr_ae_free(ae);
}

/* cr_ae_decode with the adaptive head gives what the head gives on its own. */
static void test_decode(void)
{
    cr_ae *ae = model(4);
    cr_ae_scratch *r;
    uint32_t ids[8], am[8];
    float z[2 * 64], lp[8];
    uint64_t seed = 1;

    CHECK(ae != NULL);
    if (!ae)
        return;
    for (int i = 0; i < 8; i++)
        ids[i] = (uint32_t)(cr_rng_next(&seed) % 500);
    CHECK_EQ(cr_ae_scratch_new(&r, &cfg), CR_OK);
    CHECK_EQ(cr_ae_encode(ae, r, ids, 8, z), CR_OK);
    CHECK_EQ(cr_ae_decode(ae, r, z, 8, ids, am, lp), CR_OK);
    int ok = 1;
    for (int i = 0; i < 8; i++)
        ok &= am[i] < 500 && lp[i] < 0 && isfinite(lp[i]);
    CHECK(ok);
    cr_ae_scratch_free(r);
    cr_ae_free(ae);
}


/* One scratch serves every model with room in it (crtag shares one a thread among its
 * experts): a model with adaptive input decodes the same through the scratch of one
 * without; a scratch too small for a model is refused, not overrun; a full head and an
 * adaptive one never share. */
static void test_shared_scratch(void)
{
    cr_ae *ae = model(7), *a = NULL;
    cr_ae_scratch *own = NULL, *other = NULL, *small = NULL;
    cr_ae_config big = cfg, narrow = cfg, full = cfg;
    cr_diag d;
    uint32_t ids[8], am1[8], am2[8];
    float z1[2 * 64], z2[2 * 64], lp1[8], lp2[8];
    uint64_t seed = 3;

    CHECK(ae != NULL);
    if (!ae)
        return;
    CHECK_EQ(cr_asm_input(ae, 60, &a, &d), CR_OK);
    if (!a) {
        cr_ae_free(ae);
        return;
    }
    big.F *= 2, narrow.F /= 2, full.asm_n = full.asm_k0 = full.asm_in = 0;
    CHECK(cr_ae_scratch_shared(&ae->cfg, &a->cfg) && cr_ae_scratch_shared(&a->cfg, &ae->cfg));
    CHECK(!cr_ae_scratch_shared(&cfg, &big) && cr_ae_scratch_shared(&big, &cfg));
    CHECK(!cr_ae_scratch_shared(&cfg, &full) && !cr_ae_scratch_shared(&full, &cfg));
    for (int i = 0; i < 8; i++)
        ids[i] = (uint32_t)(cr_rng_next(&seed) % 500);
    CHECK_EQ(cr_ae_scratch_new(&own, &a->cfg), CR_OK);
    CHECK_EQ(cr_ae_scratch_new(&other, &ae->cfg), CR_OK);
    CHECK_EQ(cr_ae_scratch_new(&small, &narrow), CR_OK);
    if (own && other && small) {
        CHECK_EQ(cr_ae_encode(ae, other, ids, 8, z1), CR_OK); /* other's own model first */
        CHECK_EQ(cr_ae_encode(a, own, ids, 8, z1), CR_OK);
        CHECK_EQ(cr_ae_decode(a, own, z1, 8, ids, am1, lp1), CR_OK);
        CHECK_EQ(cr_ae_encode(a, other, ids, 8, z2), CR_OK);
        CHECK_EQ(cr_ae_decode(a, other, z2, 8, ids, am2, lp2), CR_OK);
        CHECK(memcmp(z1, z2, sizeof z1) == 0);
        CHECK(memcmp(am1, am2, sizeof am1) == 0 && memcmp(lp1, lp2, sizeof lp1) == 0);
        CHECK_EQ(cr_ae_encode(ae, small, ids, 8, z2), CR_E_ARG);
        CHECK_EQ(cr_ae_decode(ae, small, z1, 8, ids, am2, lp2), CR_E_ARG);
    }
    cr_ae_scratch_free(own);
    cr_ae_scratch_free(other);
    cr_ae_scratch_free(small);
    cr_ae_free(a);
    cr_ae_free(ae);
}


/* Adaptive input of R rows (asm_in R) made from a model without it (cr_asm_input): the
 * tokens of the first R ranks keep their embeddings, every other token is its tail row
 * projected up; every other tensor and the metadata are kept; a second conversion to fewer
 * rows keeps the first ones; too many rows, or no adaptive head, are refused. */
static void test_input_conversion(void)
{
    cr_ae *ae = model(6), *a = NULL, *b = NULL;
    cr_diag d;
    cr_asm_shape s;
    float e0[64], e1[64], e2[64];

    CHECK(ae != NULL && ae->cfg.asm_in == 0);
    if (!ae)
        return;
    cr_asm_shape_of(&ae->cfg, &s);
    CHECK_EQ(cr_meta_set_str(ae->meta, "model.name", "conv"), CR_OK);
    CHECK_EQ(cr_asm_input(ae, 60, &a, &d), CR_OK);
    CHECK_EQ(cr_asm_input(ae, 10, &b, &d), CR_E_VALUE); /* below the shortlist of 24 */
    CHECK_EQ(cr_asm_input(ae, 501, &b, &d), CR_E_VALUE);
    if (!a) {
        cr_ae_free(ae);
        return;
    }
    CHECK_EQ(cr_ae_emb_rows(&a->cfg), 60);
    CHECK_EQ(cr_ae_nparams(&ae->cfg) - cr_ae_nparams(&a->cfg), (size_t)440 * 64);
    CHECK(a->check != ae->check);
    const char *name = NULL;
    CHECK(cr_meta_get_str(a->meta, "model.name", &name) == 1 && name &&
          !strcmp(name, "conv"));
    CHECK(memcmp(a->p.enc_pos, ae->p.enc_pos, (size_t)32 * 64 * sizeof(float)) == 0);
    CHECK(memcmp(a->p.asm_order, ae->p.asm_order, (size_t)500 * 3 * sizeof(float)) == 0);
    int kept = 1, projected = 1;
    for (uint32_t id = 0; id < 500; id++) {
        uint32_t r = ae->rank[id];
        cr_ae_embed(ae, &id, 1, e0);
        cr_ae_embed(a, &id, 1, e1);
        if (r < 60) {
            kept &= memcmp(e0, e1, sizeof e0) == 0;
            continue;
        }
        int k = cr_asm_cluster(&s, r);
        const float *o = ae->p.asm_out[k - 1] + (r - (uint32_t)s.cut[k]) * s.dim[k];
        for (int q = 0; q < 64; q++) {
            double x = 0;
            for (int j = 0; j < s.dim[k]; j++)
                x += (double)o[j] * ae->p.asm_proj[k - 1][j * 64 + q];
            projected &= fabs(x - e1[q]) < 1e-4 * (1 + fabs(x));
        }
    }
    CHECK(kept);
    CHECK(projected);
    /* from adaptive input of 60 rows to 30: the first 30 ranks keep theirs */
    CHECK_EQ(cr_asm_input(a, 61, &b, &d), CR_E_VALUE);
    CHECK_HAS(d.msg, "only 60");
    CHECK_EQ(cr_asm_input(a, 30, &b, &d), CR_OK);
    if (b) {
        kept = 1;
        for (uint32_t id = 0; id < 500; id++) {
            cr_ae_embed(a, &id, 1, e1);
            cr_ae_embed(b, &id, 1, e2);
            kept &= ae->rank[id] >= 30 || memcmp(e1, e2, sizeof e1) == 0;
        }
        CHECK(kept);
        cr_ae_free(b);
    }
    cr_ae_free(a);
    cr_ae_config c = ae->cfg;
    c.asm_n = c.asm_k0 = 0;
    cr_ae_free(ae);
    CHECK_EQ(cr_ae_new_random(&ae, &c, 1, &d), CR_OK);
    CHECK_EQ(cr_asm_input(ae, 60, &a, &d), CR_E_VALUE);
    CHECK_HAS(d.msg, "needs the adaptive head");
    cr_ae_free(ae);
}

int main(void)
{
    cfg = untied;
    test_config_and_tensors();
    test_exact_over_the_vocabulary();
    test_backward_matches_finite_differences();
    test_order_and_file();
    test_decode();
    cfg.tied = 1;
    test_exact_over_the_vocabulary();
    test_backward_matches_finite_differences();
    test_order_and_file();
    test_decode();
    test_input_conversion();
    test_shared_scratch();
    cfg.asm_in = 1; /* tok_emb by rank: the shortlist's rows are its first K0 */
    test_exact_over_the_vocabulary();
    test_backward_matches_finite_differences();
    test_order_and_file();
    test_decode();
    cfg.asm_in = 100; /* the first 100 ranks keep rows: the shortlist and part of cluster 1 */
    test_exact_over_the_vocabulary();
    test_backward_matches_finite_differences();
    test_order_and_file();
    test_decode();
    return check_summary("asm");
}
