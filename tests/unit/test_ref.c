/* The C forward pass against its PyTorch twin (tests/ref/gen_ref.py and the fixtures
 * next to it), model files (round trips, bf16, damage of every kind), and the BLAS
 * kernels against their plain references. Floats compare as |a-b| <= atol + rtol*|b|. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/ae.h"
#include "../../core/aefile.h"
#include "../../core/bf16.h"
#include "../../core/le.h"
#include "../../core/ops.h"
#include "../../core/rng.h"
#include "../../core/stream.h"
#include "check.h"
#include "refstate.h"

#define ATOL 1e-5
#define RTOL 1e-4
#define REF "tests/ref/"   /* run.sh runs the tests from the top of the repository */
#define MODEL_FIXED 16     /* model file: magic, u16 version, u16 flags, u32 meta_len, u32 n */

static char tmpdir[64];

/* Largest differences seen, printed before the summary. */
static double worst_z, worst_logp, worst_vocab, worst_logits, worst_kernel;

struct buf {
    unsigned char *data;
    size_t len;
};

static char *tmp_path(const char *name)
{
    static char p[8][128];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

static struct buf read_file(const char *path)
{
    struct buf b = {0};
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    b.len = (size_t)ftell(f);
    rewind(f);
    b.data = malloc(b.len + 1);
    if (!b.data || fread(b.data, 1, b.len, f) != b.len) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    return b;
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

/* Checks got (n) against want elementwise; on a mismatch prints the first values and
 * the largest difference. Returns the largest difference (NaN counts as infinite). */
static double compare(const char *what, const float *got, const float *want, size_t n,
                      double atol, double rtol)
{
    size_t bad = 0, at = 0;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double diff = fabs((double)got[i] - want[i]);
        if (diff != diff)
            diff = INFINITY;
        if (!(diff <= atol + rtol * fabs(want[i])))
            bad++;
        if (i == 0 || diff > worst) {
            worst = diff;
            at = i;
        }
    }
    CHECK_AT(bad == 0, "%s: %zu of %zu values differ (atol %g, rtol %g); largest difference "
             "%.3g at [%zu]: %.9g vs %.9g", what, bad, n, atol, rtol, worst, at,
             (double)got[at], (double)want[at]);
    if (bad) {
        fprintf(stderr, "  got: ");
        for (size_t i = 0; i < n && i < 6; i++)
            fprintf(stderr, " %.7g", (double)got[i]);
        fprintf(stderr, "\n  want:");
        for (size_t i = 0; i < n && i < 6; i++)
            fprintf(stderr, " %.7g", (double)want[i]);
        fprintf(stderr, "\n");
    }
    return worst;
}

static void keep_worst(double *w, double d)
{
    if (d > *w)
        *w = d;
}

/* ---- the forward pass against PyTorch ------------------------------------------------ */

/* Row i of argmax names a logit within tolerance of the row's largest reference logit:
 * the same token unless PyTorch itself saw a near-tie (gen_ref.py prints the smallest
 * gap between the two largest logits of its fixtures). */
static void check_argmax(const char *what, const uint32_t *got, const float *want,
                         const float *logits, int n, int V)
{
    for (int i = 0; i < n; i++) {
        const float *x = logits + (size_t)i * V;
        float mx = x[(uint32_t)want[i]];
        int ok = got[i] < (uint32_t)V && x[got[i]] >= mx - (ATOL + RTOL * fabs(mx));
        CHECK_AT(ok, "%s: argmax[%d] is %u (logit %.7g), PyTorch says %u (logit %.7g)", what, i,
                 got[i], got[i] < (uint32_t)V ? (double)x[got[i]] : 0.0, (uint32_t)want[i],
                 (double)mx);
    }
}

static void test_forward_matches_pytorch(const char *model, const char *state)
{
    char what[128];
    cr_ae *ae = load_or_die(model);
    cr_ae_config c = ae->cfg;
    struct state s;
    cr_ae_scratch *run;
    uint64_t u;
    int n;

    state_load(&s, state);
    if (!cr_meta_get_u64(s.meta, "block.tokens", &u) || u < 1 || u > (uint64_t)c.L) {
        fprintf(stderr, "%s: no block.tokens between 1 and %d\n", state, c.L);
        exit(2);
    }
    n = (int)u;
    CHECK_AT(cr_meta_get_u64(s.meta, "model.check", &u) && u == ae->check,
             "%s: model check %016llx, the fixture was made from %016llx", model,
             (unsigned long long)ae->check, (unsigned long long)u);

    size_t M = (size_t)cr_ae_slots(&c), C = (size_t)c.C, V = (size_t)c.V; /* z: slots rows */
    const struct tensor *tids = state_tensor(&s, "ids", (size_t)n);
    const struct tensor *tz = state_tensor(&s, "z", M * C);
    const struct tensor *tlogits = state_tensor(&s, "logits", (size_t)n * V);
    const struct tensor *tlogp = state_tensor(&s, "logp", (size_t)n);
    const struct tensor *targ = state_tensor(&s, "argmax", (size_t)n);
    uint32_t *ids = malloc((size_t)n * sizeof *ids), *tgt = malloc((size_t)n * sizeof *tgt);
    uint32_t *am = malloc((size_t)n * sizeof *am), *am2 = malloc((size_t)n * sizeof *am2);
    float *z = malloc(M * C * sizeof *z), *lp = malloc((size_t)n * sizeof *lp);
    float *all = calloc((size_t)n * V, sizeof *all), *want = calloc((size_t)n * V, sizeof *want);
    for (int i = 0; i < n; i++)
        ids[i] = (uint32_t)tids->v[i];

    CHECK_EQ(cr_ae_scratch_new(&run, &c), CR_OK);

    /* encoder: z against PyTorch's */
    snprintf(what, sizeof what, "%s: z", state);
    CHECK_EQ(cr_ae_encode(ae, run, ids, n, z), CR_OK);
    keep_worst(&worst_z, compare(what, z, tz->v, M * C, ATOL, RTOL));

    /* decoder from PyTorch's z, so that each half is judged on its own */
    snprintf(what, sizeof what, "%s: logp", state);
    CHECK_EQ(cr_ae_decode(ae, run, tz->v, n, ids, am, lp), CR_OK);
    keep_worst(&worst_logp, compare(what, lp, tlogp->v, (size_t)n, ATOL, RTOL));
    snprintf(what, sizeof what, "%s: argmax", state);
    check_argmax(what, am, targ->v, tlogits->v, n, (int)V);

    /* without a target only argmax comes out, and it is the same */
    CHECK_EQ(cr_ae_decode(ae, run, tz->v, n, NULL, am2, NULL), CR_OK);
    CHECK(memcmp(am, am2, (size_t)n * sizeof *am) == 0);

    /* every vocabulary entry: logp of token v at every position, one decode per v,
     * against log_softmax of PyTorch's logits (which pins the logits up to a shift) */
    for (size_t v = 0; v < V; v++) {
        for (int i = 0; i < n; i++)
            tgt[i] = (uint32_t)v;
        int rc = cr_ae_decode(ae, run, tz->v, n, tgt, NULL, lp);
        if (rc != CR_OK) {
            CHECK_EQ(rc, CR_OK);
            break;
        }
        for (int i = 0; i < n; i++)
            all[(size_t)i * V + v] = lp[i];
    }
    for (int i = 0; i < n; i++) {
        const float *x = tlogits->v + (size_t)i * V;
        double mx = x[0], sum = 0;
        for (size_t v = 1; v < V; v++)
            mx = x[v] > mx ? x[v] : mx;
        for (size_t v = 0; v < V; v++)
            sum += exp(x[v] - mx);
        for (size_t v = 0; v < V; v++)
            want[(size_t)i * V + v] = (float)(x[v] - mx - log(sum));
    }
    snprintf(what, sizeof what, "%s: logp of every token", state);
    keep_worst(&worst_vocab, compare(what, all, want, (size_t)n * V, ATOL, RTOL));
    /* logp sits near -log V, which makes the relative tolerance loose; the logits less
     * their row mean are of order 1 and fix the head's output more tightly */
    for (int i = 0; i < n; i++) {
        float *a = all + (size_t)i * V, *b = want;
        const float *x = tlogits->v + (size_t)i * V;
        double ma = 0, mb = 0;
        for (size_t v = 0; v < V; v++)
            ma += a[v], mb += x[v];
        for (size_t v = 0; v < V; v++)
            a[v] = (float)(a[v] - ma / V), b[(size_t)i * V + v] = (float)(x[v] - mb / V);
    }
    snprintf(what, sizeof what, "%s: logits less their row mean", state);
    keep_worst(&worst_logits, compare(what, all, want, (size_t)n * V, ATOL, RTOL));

    /* end to end, through the C encoder's own z */
    snprintf(what, sizeof what, "%s: logp through C's z", state);
    CHECK_EQ(cr_ae_decode(ae, run, z, n, ids, am, lp), CR_OK);
    keep_worst(&worst_logp, compare(what, lp, tlogp->v, (size_t)n, ATOL, RTOL));
    snprintf(what, sizeof what, "%s: argmax through C's z", state);
    check_argmax(what, am, targ->v, tlogits->v, n, (int)V);

    free(ids); free(tgt); free(am); free(am2); free(z); free(lp); free(all); free(want);
    cr_ae_scratch_free(run);
    state_free(&s);
    cr_ae_free(ae);
}

/* One run serves blocks of any length in any order: nothing of a longer block leaks
 * into a shorter one. */
static void test_run_is_reused_across_block_lengths(void)
{
    cr_ae *ae = load_or_die(REF "tiny_tied.crm");
    cr_ae_config c = ae->cfg;
    cr_ae_scratch *fresh, *used;
    size_t MC = (size_t)c.M * c.C;
    uint32_t ids[64], am1[64], am2[64];
    float z1[256], z2[256], lp1[64], lp2[64];
    uint64_t seed = 7;

    for (int i = 0; i < c.L; i++)
        ids[i] = (uint32_t)(cr_rng_next(&seed) % (uint64_t)c.V);
    CHECK_EQ(cr_ae_scratch_new(&fresh, &c), CR_OK);
    CHECK_EQ(cr_ae_scratch_new(&used, &c), CR_OK);
    for (int n = 1; n <= c.L; n += 5) {
        /* `used` has just seen a full block; `fresh` is new for each length */
        cr_ae_scratch_free(fresh);
        CHECK_EQ(cr_ae_scratch_new(&fresh, &c), CR_OK);
        CHECK_EQ(cr_ae_encode(ae, used, ids, c.L, z2), CR_OK);
        CHECK_EQ(cr_ae_decode(ae, used, z2, c.L, ids, am2, lp2), CR_OK);
        CHECK_EQ(cr_ae_encode(ae, fresh, ids, n, z1), CR_OK);
        CHECK_EQ(cr_ae_encode(ae, used, ids, n, z2), CR_OK);
        CHECK_AT(memcmp(z1, z2, MC * sizeof(float)) == 0, "n=%d: z depends on the run's past", n);
        CHECK_EQ(cr_ae_decode(ae, fresh, z1, n, ids, am1, lp1), CR_OK);
        CHECK_EQ(cr_ae_decode(ae, used, z1, n, ids, am2, lp2), CR_OK);
        CHECK_AT(memcmp(lp1, lp2, (size_t)n * sizeof(float)) == 0 &&
                 memcmp(am1, am2, (size_t)n * sizeof(uint32_t)) == 0,
                 "n=%d: decoding depends on the run's past", n);
    }
    cr_ae_scratch_free(fresh);
    cr_ae_scratch_free(used);
    cr_ae_free(ae);
}

static void test_encode_and_decode_refuse_bad_arguments(void)
{
    cr_ae *ae = load_or_die(REF "tiny_untied.crm");
    cr_ae_config c = ae->cfg;
    cr_ae_scratch *run;
    uint32_t ids[64] = {0}, am[64];
    float z[256], lp[64];

    CHECK_EQ(cr_ae_scratch_new(&run, &c), CR_OK);
    CHECK_EQ(cr_ae_encode(ae, run, ids, 0, z), CR_E_ARG);
    CHECK_EQ(cr_ae_encode(ae, run, ids, c.L + 1, z), CR_E_ARG);
    ids[3] = (uint32_t)c.V;
    CHECK_EQ(cr_ae_encode(ae, run, ids, 5, z), CR_E_VALUE);
    CHECK_EQ(cr_ae_encode(ae, run, ids, 3, z), CR_OK); /* the bad id lies beyond n */
    CHECK_EQ(cr_ae_decode(ae, run, z, 0, NULL, am, NULL), CR_E_ARG);
    CHECK_EQ(cr_ae_decode(ae, run, z, c.L + 1, NULL, am, NULL), CR_E_ARG);
    CHECK_EQ(cr_ae_decode(ae, run, z, 5, ids, am, lp), CR_E_VALUE);
    CHECK_EQ(cr_ae_decode(ae, run, z, 3, ids, NULL, lp), CR_OK);
    cr_ae_scratch_free(run);
    cr_ae_free(ae);
}

/* ---- model files --------------------------------------------------------------------- */

/* Offset of the header checksum in a model file image: after the tensor table. */
static size_t model_header_end(const unsigned char *b)
{
    size_t at = MODEL_FIXED + cr_le32(b + 8), n = cr_le32(b + 12);
    for (size_t i = 0; i < n; i++) {
        size_t nl = b[at];
        at += 1 + nl + 2 + (b[at + 2 + nl] == 1 ? 4 : 8) + 16;
    }
    return at;
}

static void test_save_then_load_gives_the_same_model(void)
{
    static const char *names[] = {"tiny_tied", "tiny_untied", "tiny_pool", "tiny_bind",
                                  "tiny_asm", "tiny_asmin", "tiny_asmin40"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char src[64];
        snprintf(src, sizeof src, REF "%s.crm", names[k]);
        cr_ae *a = load_or_die(src), *b;
        const char *out = tmp_path("rt.crm"), *s;
        cr_diag d;

        CHECK_EQ(cr_ae_save(a, out, CR_DTYPE_F32, &d), CR_OK);
        b = load_or_die(out);
        CHECK(memcmp(&a->cfg, &b->cfg, sizeof a->cfg) == 0);
        CHECK(memcmp(a->slab, b->slab, cr_ae_nparams(&a->cfg) * sizeof(float)) == 0);
        CHECK_EQ(a->check, b->check);
        CHECK(cr_meta_get_str(b->meta, "model.name", &s) && strcmp(s, names[k]) == 0);
        /* and byte for byte what gen_ref.py wrote: both writers agree on the format */
        struct buf x = read_file(src), y = read_file(out);
        CHECK_AT(x.len == y.len && memcmp(x.data, y.data, x.len) == 0,
                 "%s: cr_ae_save writes another file (%zu vs %zu bytes)", src, y.len, x.len);
        free(x.data);
        free(y.data);
        cr_ae_free(b);
        cr_ae_free(a);
        unlink(out);
    }
}

static void test_bf16_round_trip_stays_within_bf16_rounding(void)
{
    cr_ae *a = load_or_die(REF "tiny_untied.crm"), *b, *b2;
    const char *out = tmp_path("bf16.crm"), *out2 = tmp_path("bf16b.crm");
    size_t np = cr_ae_nparams(&a->cfg), bad = 0, inexact = 0;
    cr_diag d;

    CHECK_EQ(cr_ae_save(a, out, CR_DTYPE_BF16, &d), CR_OK);
    b = load_or_die(out);
    for (size_t i = 0; i < np; i++) {
        float x = a->slab[i], y = b->slab[i];
        /* 8 significant bits: round to nearest is off by at most 2^-8 relative */
        bad += !(y == cr_bf16_to_f32(cr_f32_to_bf16(x)) && fabsf(y - x) <= ldexpf(fabsf(x), -8));
        inexact += x != y;
    }
    CHECK_AT(bad == 0, "%zu of %zu parameters are not x rounded to bf16", bad, np);
    CHECK(inexact > np / 2);   /* it did round */
    CHECK(a->check != b->check);
    struct buf f32 = read_file(REF "tiny_untied.crm"), f16 = read_file(out);
    size_t hdr = (model_header_end(f32.data) + 8 + 63) / 64 * 64;
    CHECK_EQ(f16.len, hdr + 2 * np + 8);
    free(f32.data);
    free(f16.data);

    /* bf16 values survive a second trip unchanged */
    CHECK_EQ(cr_ae_save(b, out2, CR_DTYPE_BF16, &d), CR_OK);
    b2 = load_or_die(out2);
    CHECK(memcmp(b->slab, b2->slab, np * sizeof(float)) == 0);
    CHECK_EQ(b->check, b2->check);

    /* and the rounded model still computes nearly the same z */
    struct state s;
    cr_ae_scratch *run;
    uint32_t ids[64];
    float z[256];
    state_load(&s, REF "tiny_untied_full.state");
    const struct tensor *tids = state_tensor(&s, "ids", (size_t)a->cfg.L);
    const struct tensor *tz = state_tensor(&s, "z", (size_t)a->cfg.M * a->cfg.C);
    for (int i = 0; i < a->cfg.L; i++)
        ids[i] = (uint32_t)tids->v[i];
    CHECK_EQ(cr_ae_scratch_new(&run, &b->cfg), CR_OK);
    CHECK_EQ(cr_ae_encode(b, run, ids, b->cfg.L, z), CR_OK);
    compare("bf16 model: z", z, tz->v, (size_t)a->cfg.M * a->cfg.C, 0.05, 0.05);
    cr_ae_scratch_free(run);
    state_free(&s);
    cr_ae_free(b2);
    cr_ae_free(b);
    cr_ae_free(a);
    unlink(out);
    unlink(out2);
}

/* Loads path and expects it refused with code and a message holding sub (if not NULL). */
static void expect_refused(const char *what, const char *path, int code, const char *sub)
{
    static char sentinel;
    cr_ae *ae = (cr_ae *)(void *)&sentinel;
    cr_diag d;
    int rc;

    cr_diag_clear(&d);
    rc = cr_ae_load(&ae, path, &d);
    CHECK_AT(rc == code, "%s: code %d (%s), wanted %d (%s); message '%s'", what, rc,
             cr_strerror(rc), code, cr_strerror(code), d.msg);
    CHECK_AT(ae == NULL, "%s: *out is not NULL after a failure", what);
    CHECK_AT(d.code == rc && d.msg[0], "%s: code %d without a message", what, rc);
    if (sub)
        CHECK_AT(strstr(d.msg, sub) != NULL, "%s: message '%s' lacks '%s'", what, d.msg, sub);
    if (rc == CR_OK && ae)
        cr_ae_free(ae);
}

/* Writes b with byte at flipped (xor x) and expects it refused. */
static void expect_flip_refused(const char *what, struct buf b, size_t at, unsigned x, int code,
                                const char *sub)
{
    const char *p = tmp_path("flip.crm");
    b.data[at] ^= (unsigned char)x;
    write_file(p, b.data, b.len);
    b.data[at] ^= (unsigned char)x;
    expect_refused(what, p, code, sub);
}

static void test_damaged_model_files_are_refused(void)
{
    struct buf b = read_file(REF "tiny_tied.crm");
    size_t hend = model_header_end(b.data), data_at = (hend + 8 + 63) / 64 * 64;
    const char *p = tmp_path("bad.crm");

    /* the header: magic, version, a byte of the name, the config, the table, the sum */
    expect_flip_refused("magic", b, 1, 0x20, CR_E_FORMAT, "not a cr model file");
    expect_flip_refused("version", b, 4, 0x02, CR_E_VERSION, "version 3");
    expect_flip_refused("flags", b, 6, 0x01, CR_E_CHECKSUM, "model header: checksum");
    expect_flip_refused("model.name", b, MODEL_FIXED + 16, 0x01, CR_E_CHECKSUM,
                        "model header: checksum");
    /* ae.vocab's value follows model.name (16 + 9 bytes) and its key (2 + 8 bytes) */
    size_t vocab_at = MODEL_FIXED + 16 + 9 + 2 + 8;
    CHECK_EQ(cr_le64(b.data + vocab_at), 300);
    /* the checksum covers the header, so damage there is found before any value in it
     * is believed */
    expect_flip_refused("ae.vocab", b, vocab_at, 0x01, CR_E_CHECKSUM, "model header: checksum");
    expect_flip_refused("ae.vocab + 2^24", b, vocab_at + 3, 0x01, CR_E_CHECKSUM,
                        "model header: checksum");
    expect_flip_refused("tensor name", b, MODEL_FIXED + cr_le32(b.data + 8) + 1, 0x20,
                        CR_E_CHECKSUM, "model header: checksum");
    expect_flip_refused("header checksum", b, hend + 3, 0x80, CR_E_CHECKSUM,
                        "model header: checksum");
    /* the parameters and their checksum */
    expect_flip_refused("a parameter", b, data_at + (b.len - data_at) / 2, 0x01, CR_E_CHECKSUM,
                        "model parameters: checksum mismatch");
    expect_flip_refused("first parameter", b, data_at, 0x80, CR_E_CHECKSUM, "parameters");
    expect_flip_refused("parameter checksum", b, b.len - 1, 0x01, CR_E_CHECKSUM, "parameters");

    /* truncated: at the end, inside the data, the header checksum, a table entry */
    write_file(p, b.data, b.len - 1);
    expect_refused("one byte short", p, CR_E_TRUNCATED, "header describes");
    write_file(p, b.data, data_at + 100);
    expect_refused("cut in the data", p, CR_E_TRUNCATED, "header describes");
    write_file(p, b.data, hend + 4);
    expect_refused("cut in the header checksum", p, CR_E_TRUNCATED, "model header cut short");
    write_file(p, b.data, hend - 30);   /* inside the name of the last entry, dec.1.fc2_b */
    expect_refused("cut in the tensor table", p, CR_E_TRUNCATED, "model header cut short");
    write_file(p, b.data, 3);
    expect_refused("3 bytes", p, CR_E_FORMAT, "not a cr model file");
    write_file(p, b.data, 0);
    expect_refused("empty", p, CR_E_FORMAT, "not a cr model file");
    /* longer than the header says */
    unsigned char *longer = malloc(b.len + 1);
    memcpy(longer, b.data, b.len);
    longer[b.len] = 0;
    write_file(p, longer, b.len + 1);
    expect_refused("one byte too many", p, CR_E_TRUNCATED, "header describes");
    free(longer);

    /* not a model file at all */
    static const char text[] = "Once upon a time there was a model file that was text.\n";
    write_file(p, text, sizeof text - 1);
    expect_refused("text", p, CR_E_FORMAT, "not a cr model file");
    expect_refused("a record stream", REF "tiny_tied_full.state", CR_E_FORMAT,
                   "a cr stream, not a model file");
    expect_refused("missing file", tmp_path("absent.crm"), CR_E_IO, "No such file");
    expect_refused("a directory", tmpdir, CR_E_FORMAT, "not a regular file");
    unlink(p);
    free(b.data);
}

/* Every single-byte flip and every truncation of a small model file is refused with a
 * message, never accepted or a crash. The zeros that pad the header to 64 bytes are
 * left out: no checksum covers them. */
static void test_every_flip_and_cut_of_a_small_model_is_refused(void)
{
    const cr_ae_config c = {5, 4, 2, 1, 1, 3, 3, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    const char *src = tmp_path("small.crm"), *p = tmp_path("small_bad.crm");
    cr_ae *ae;
    cr_diag d;
    int accepted = 0;

    CHECK_EQ(cr_ae_new_random(&ae, &c, 5, &d), CR_OK);
    CHECK_EQ(cr_ae_save(ae, src, CR_DTYPE_F32, &d), CR_OK);
    cr_ae_free(ae);
    struct buf b = read_file(src);
    size_t hend = model_header_end(b.data), data_at = (hend + 8 + 63) / 64 * 64;
    for (size_t i = 0; i < b.len; i++) {
        if (i >= hend + 8 && i < data_at)
            continue;
        b.data[i] ^= 0x10;
        write_file(p, b.data, b.len);
        b.data[i] ^= 0x10;
        int rc = cr_ae_load(&ae, p, &d);
        if (rc >= 0 || ae || !d.msg[0]) {
            CHECK_AT(accepted++ < 0, "byte %zu of %zu flipped: code %d, message '%s'", i, b.len,
                     rc, d.msg);
            cr_ae_free(ae);
        }
    }
    for (size_t n = 0; n < b.len; n++) {
        write_file(p, b.data, n);
        int rc = cr_ae_load(&ae, p, &d);
        if (rc >= 0 || ae || !d.msg[0]) {
            CHECK_AT(accepted++ < 0, "cut to %zu of %zu bytes: code %d, message '%s'", n, b.len,
                     rc, d.msg);
            cr_ae_free(ae);
        }
    }
    CHECK_EQ(accepted, 0);
    unlink(src);
    unlink(p);
    free(b.data);
}

/* A parameter that is not a number is refused even under a good checksum. */
static void test_model_with_a_nan_is_refused(void)
{
    cr_ae *a = load_or_die(REF "tiny_tied.crm"), *w;
    cr_diag d;
    const char *p = tmp_path("nan.crm");
    size_t np = cr_ae_nparams(&a->cfg);

    /* the loaded slab is a read-only mapping; give the copy its own */
    CHECK_EQ(cr_ae_alloc(&w, &a->cfg, &d), CR_OK);
    w->slab = malloc(np * sizeof(float));
    w->slab_owned = 1;
    memcpy(w->slab, a->slab, np * sizeof(float));
    CHECK_EQ(cr_ae_params_carve(&w->cfg, w->slab, &w->p), CR_OK);
    w->slab[np - 7] = NAN;
    CHECK_EQ(cr_ae_save(w, p, CR_DTYPE_F32, &d), CR_OK);
    expect_refused("NaN parameter", p, CR_E_VALUE, "not a finite number");
    w->slab[np - 7] = INFINITY;
    CHECK_EQ(cr_ae_save(w, p, CR_DTYPE_BF16, &d), CR_OK);
    expect_refused("infinite bf16 parameter", p, CR_E_VALUE, "not a finite number");
    unlink(p);
    cr_ae_free(w);
    cr_ae_free(a);
}

/* ---- kernels against their plain references ----------------------------------------- */

static float *randv(size_t n, double scale, uint64_t *seed)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(scale * (2 * cr_rng_uniform(seed) - 1));
    return v;
}

static int rand_int(uint64_t *seed, int lo, int hi)
{
    return lo + (int)(cr_rng_next(seed) % (uint64_t)(hi - lo + 1));
}

static void test_matmul_matches_reference(void)
{
    static const int fixed[][3] = {{1, 1, 1}, {1, 7, 3}, {3, 5, 7}, {17, 32, 96},
                                   {64, 33, 5}, {5, 200, 300}, {27, 64, 32}};
    uint64_t seed = 11;
    for (int k = 0; k < 40; k++) {
        int T, C, OC;
        if (k < 7)
            T = fixed[k][0], C = fixed[k][1], OC = fixed[k][2];
        else
            T = rand_int(&seed, 1, 40), C = rand_int(&seed, 1, 80), OC = rand_int(&seed, 1, 80);
        float *inp = randv((size_t)T * C, 1, &seed), *w = randv((size_t)OC * C, 1, &seed);
        float *bias = k % 2 ? randv((size_t)OC, 1, &seed) : NULL;
        float *o1 = randv((size_t)T * OC, 9, &seed), *o2 = randv((size_t)T * OC, 9, &seed);
        char what[96];
        snprintf(what, sizeof what, "matmul T=%d C=%d OC=%d%s", T, C, OC, bias ? " bias" : "");
        cr_op_matmul_fwd(o1, inp, w, bias, T, C, OC);
        cr_op_matmul_ref(o2, inp, w, bias, T, C, OC);
        keep_worst(&worst_kernel, compare(what, o1, o2, (size_t)T * OC, ATOL, RTOL));
        free(inp); free(w); free(bias); free(o1); free(o2);
    }
}

static void test_attention_matches_reference(void)
{
    uint64_t seed = 12;
    for (int k = 0; k < 60; k++) {
        int NH = rand_int(&seed, 1, 4), hs = rand_int(&seed, 1, 9), C = NH * hs;
        int T = k < 3 ? (int[]){1, 2, 27}[k] : rand_int(&seed, 1, 30);
        /* keys: all, one, or some of the rows (Tk < T: the z-only decoder layers) */
        int Tk = k % 3 == 0 ? T : k % 3 == 1 ? 1 : rand_int(&seed, 1, T);
        size_t TT = (size_t)NH * T * T;
        float *qkv = randv((size_t)T * 3 * C, 2, &seed);
        float *o1 = randv((size_t)T * C, 9, &seed), *o2 = randv((size_t)T * C, 9, &seed);
        float *a1 = randv(TT, 9, &seed), *a2 = randv(TT, 9, &seed);
        char what[96];
        snprintf(what, sizeof what, "attention T=%d Tk=%d C=%d NH=%d", T, Tk, C, NH);
        cr_op_attention_fwd(o1, a1, qkv, T, Tk, C, NH);
        cr_op_attention_ref(o2, a2, qkv, T, Tk, C, NH);
        keep_worst(&worst_kernel, compare(what, o1, o2, (size_t)T * C, ATOL, RTOL));
        /* softmax weights: the first Tk entries of each row of stride T */
        double worst = 0;
        for (size_t r = 0; r < (size_t)NH * T; r++) {
            for (int u = 0; u < Tk; u++) {
                double diff = fabs((double)a1[r * T + u] - a2[r * T + u]);
                worst = diff > worst || diff != diff ? (diff != diff ? INFINITY : diff) : worst;
            }
        }
        CHECK_AT(worst <= ATOL, "%s: weights differ by %.3g", what, worst);
        keep_worst(&worst_kernel, worst);
        /* the queries of the last rows only (the last encoder layer): those rows */
        int q0 = rand_int(&seed, 0, T - 1);
        cr_op_attention_rows_fwd(o1, a1, qkv, T, Tk, q0, C, NH);
        snprintf(what, sizeof what, "attention rows %d.. T=%d Tk=%d C=%d NH=%d", q0, T, Tk, C,
                 NH);
        keep_worst(&worst_kernel, compare(what, o1, o2 + (size_t)q0 * C, (size_t)(T - q0) * C,
                                          ATOL, RTOL));
        free(qkv); free(o1); free(o2); free(a1); free(a2);
    }
}

/* cr_op_argmax finds what the serial loop `b = x[k] > x[b] ? k : b` finds: the first of
 * tied maxima, never a NaN, 0 when x[0] is NaN; at every length around the vector width */
static void test_argmax_matches_the_serial_loop(void)
{
    uint64_t seed = 99;
    float x[80];
    for (int rep = 0; rep < 400; rep++) {
        int n = 1 + rep % 79;
        for (int i = 0; i < n; i++) {
            double u = cr_rng_normal(&seed);
            x[i] = (float)((int)(u * 3)); /* few values: ties everywhere */
            if (rep % 5 == 1 && u > 1.5)
                x[i] = NAN;
        }
        if (rep % 7 == 3)
            x[0] = NAN;
        int b = 0;
        for (int k = 1; k < n; k++)
            b = x[k] > x[b] ? k : b;
        CHECK_AT(cr_op_argmax(x, n) == b, "n %d: %d, the loop %d", n, cr_op_argmax(x, n), b);
    }
}

static void test_layernorm_and_gelu_match_their_formulas(void)
{
    uint64_t seed = 13;
    int T = 9, C = 37;
    float *x = randv((size_t)T * C, 3, &seed), *w = randv((size_t)C, 1.5, &seed);
    float *b = randv((size_t)C, 0.5, &seed), *o = malloc((size_t)T * C * sizeof *o);
    float *want = malloc((size_t)T * C * sizeof *want), mean[9], rstd[9];
    for (int t = 0; t < T; t++) {
        double m = 0, v = 0;
        x[t * C] += 40.0f * t; /* a large mean must not cost precision */
        for (int i = 0; i < C; i++)
            m += x[t * C + i];
        m /= C;
        for (int i = 0; i < C; i++)
            v += (x[t * C + i] - m) * (x[t * C + i] - m);
        v /= C;
        for (int i = 0; i < C; i++)
            want[t * C + i] = (float)((x[t * C + i] - m) / sqrt(v + 1e-5) * w[i] + b[i]);
    }
    cr_op_layernorm_fwd(o, mean, rstd, x, w, b, T, C);
    keep_worst(&worst_kernel, compare("layernorm", o, want, (size_t)T * C, ATOL, RTOL));

    size_t n = 2001;
    float *g = malloc(n * sizeof *g), *gi = malloc(n * sizeof *gi), *gw = malloc(n * sizeof *gw);
    for (size_t i = 0; i < n; i++) {
        double v = -10 + 20.0 * (double)i / (double)(n - 1);
        gi[i] = (float)v;
        gw[i] = (float)(0.5 * v * (1 + tanh(sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))));
    }
    cr_op_gelu_fwd(g, gi, n);
    keep_worst(&worst_kernel, compare("gelu", g, gw, n, ATOL, RTOL));
    free(x); free(w); free(b); free(o); free(want); free(g); free(gi); free(gw);
}

/* The head in chunks of rows: argmax and log-probabilities as computed in double. */
static void test_head_matches_reference(void)
{
    enum { T = 10, C = 16, V = 50, CHUNK = 3 };
    uint64_t seed = 14;
    float *h = randv((size_t)T * C, 1, &seed), *w = randv((size_t)V * C, 1, &seed);
    float *logits = malloc((size_t)CHUNK * V * sizeof *logits), lp[T], want[T];
    double x[T][V], mx[T];
    uint32_t tgt[T], am[T];

    for (int t = 0; t < T; t++) {
        double sum = 0;
        tgt[t] = (uint32_t)rand_int(&seed, 0, V - 1);
        am[t] = 9999;
        mx[t] = -INFINITY;
        for (int v = 0; v < V; v++) {
            x[t][v] = 0;
            for (int i = 0; i < C; i++)
                x[t][v] += (double)h[t * C + i] * w[v * C + i];
            mx[t] = x[t][v] > mx[t] ? x[t][v] : mx[t];
        }
        for (int v = 0; v < V; v++)
            sum += exp(x[t][v] - mx[t]);
        want[t] = (float)(x[t][tgt[t]] - mx[t] - log(sum));
    }
    cr_op_head_fwd(h, w, tgt, T, C, V, logits, CHUNK, am, lp);
    for (int t = 0; t < T; t++)
        CHECK_AT(am[t] < (uint32_t)V && x[t][am[t]] >= mx[t] - 1e-5,
                 "head: argmax[%d] is %u, not a largest logit", t, am[t]);
    keep_worst(&worst_kernel, compare("head logp", lp, want, (size_t)T, ATOL, RTOL));
    free(h);
    free(w);
    free(logits);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s", "/tmp/cr_test_ref.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    test_forward_matches_pytorch(REF "tiny_tied.crm", REF "tiny_tied_full.state");
    test_forward_matches_pytorch(REF "tiny_tied.crm", REF "tiny_tied_short.state");
    test_forward_matches_pytorch(REF "tiny_untied.crm", REF "tiny_untied_full.state");
    test_forward_matches_pytorch(REF "tiny_untied.crm", REF "tiny_untied_short.state");
    test_forward_matches_pytorch(REF "tiny_pool.crm", REF "tiny_pool_full.state");
    test_forward_matches_pytorch(REF "tiny_pool.crm", REF "tiny_pool_short.state");
    test_forward_matches_pytorch(REF "tiny_bind.crm", REF "tiny_bind_full.state");
    test_forward_matches_pytorch(REF "tiny_bind.crm", REF "tiny_bind_short.state");
    test_forward_matches_pytorch(REF "tiny_asm.crm", REF "tiny_asm_full.state");
    test_forward_matches_pytorch(REF "tiny_asm.crm", REF "tiny_asm_short.state");
    test_forward_matches_pytorch(REF "tiny_asmin.crm", REF "tiny_asmin_full.state");
    test_forward_matches_pytorch(REF "tiny_asmin.crm", REF "tiny_asmin_short.state");
    test_forward_matches_pytorch(REF "tiny_asmin40.crm", REF "tiny_asmin40_full.state");
    test_forward_matches_pytorch(REF "tiny_asmin40.crm", REF "tiny_asmin40_short.state");
    test_run_is_reused_across_block_lengths();
    test_encode_and_decode_refuse_bad_arguments();
    test_save_then_load_gives_the_same_model();
    test_bf16_round_trip_stays_within_bf16_rounding();
    test_damaged_model_files_are_refused();
    test_every_flip_and_cut_of_a_small_model_is_refused();
    test_model_with_a_nan_is_refused();
    test_matmul_matches_reference();
    test_attention_matches_reference();
    test_layernorm_and_gelu_match_their_formulas();
    test_argmax_matches_the_serial_loop();
    test_head_matches_reference();
    rmdir(tmpdir);
    printf("ref: largest differences: z %.2g, logp %.2g, logp of every token %.2g, "
           "centred logits %.2g, kernels %.2g (atol %g, rtol %g)\n", worst_z, worst_logp,
           worst_vocab, worst_logits, worst_kernel, ATOL, RTOL);
    return check_summary("ref");
}
