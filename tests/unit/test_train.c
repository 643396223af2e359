/* Backward pass against central finite differences on a tiny model, and AdamW; the run
 * around them (schedules, data order, steps); checkpoints and the atomic replace of files. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/asm.h"
#include "../../core/ckpt.h"
#include "../../core/file.h"
#include "../../core/rng.h"
#include "../../core/train.h"
#include "check.h"

static double total_loss(cr_train *t, const uint32_t *ids, int B, float bow, int L)
{
    cr_train_stats st = {0};
    cr_train_backward(t, ids, B, L, bow, 1.0f, &st);
    return st.loss / ((double)B * L) + bow * st.bow_loss / B;
}

static void check_gradients_of(cr_ae_config c, int n)
{
    int tied = c.tied, zattn = c.zattn, pool = c.pool + c.bind + (c.zsplit > 1);
    cr_ae *ae;
    cr_train *t;
    cr_diag d;
    uint32_t ids[2 * 6];
    uint64_t seed = 7;
    float bow = c.asm_in ? 0.0f : 0.5f; /* adaptive input has no full embedding for it */

    CHECK_EQ(cr_ae_new_random(&ae, &c, 3, &d), CR_OK);
    /* larger weights than the default so that every path carries signal */
    for (size_t i = 0; i < cr_ae_nparams(&c); i++)
        ae->slab[i] += (float)(0.2 * cr_rng_normal(&seed));
    if (c.asm_n) { /* an order of random counts, with ties */
        uint64_t counts[50];
        for (int i = 0; i < 50; i++)
            counts[i] = cr_rng_next(&seed) % 20;
        CHECK_EQ(cr_asm_order_set(ae, counts, &d), CR_OK);
    }
    CHECK_EQ(cr_train_new(&t, ae, 2, &d), CR_OK);
    for (int i = 0; i < 12; i++)
        ids[i] = (uint32_t)(cr_rng_next(&seed) % 50);
    cr_train_zero_grad(t);
    total_loss(t, ids, 2, bow, n);
    size_t np = cr_ae_nparams(&c);
    float *an = malloc(np * sizeof *an);
    memcpy(an, cr_train_grad(t), np * sizeof *an);
    int bad = 0, tried = 0;
    double worst = 0;
    for (size_t i = 0; i < np; i += 1 + (size_t)(cr_rng_next(&seed) % 7)) {
        float keep = ae->slab[i];
        const float h = 1e-2f;
        ae->slab[i] = keep + h;
        double up = total_loss(t, ids, 2, bow, n);
        ae->slab[i] = keep - h;
        double down = total_loss(t, ids, 2, bow, n);
        ae->slab[i] = keep;
        double fd = (up - down) / (2 * h), err = fabs(fd - an[i]);
        tried++;
        if (err > 2e-3 + 3e-2 * fabs(fd)) {
            if (bad++ < 5)
                fprintf(stderr, "param %zu: analytic %.6g, numeric %.6g\n", i, an[i], fd);
        }
        worst = err > worst ? err : worst;
    }
    CHECK_AT(bad == 0, "%d of %d gradients disagree with finite differences (tied %d zattn %d "
             "pool %d asm %d)", bad, tried, tied, zattn, pool, c.asm_n);
    free(an);
    cr_train_free(t);
    cr_ae_free(ae);
}

static void check_gradients(int tied, int zattn, int pool, int n)
{
    /* pool 2: pool, zskip and bind; 3: also two slots per latent */
    cr_ae_config c = {50, 8, 2, 1, 2, 16, 6, 2, tied, zattn, pool > 0, pool > 0, pool > 1,
                      pool > 2 ? 2 : 0, 0, 0, 0};
    check_gradients_of(c, n);
}

/* The adaptive head (shortlist of 4, clusters of ranks 4-15 and 16-49) inside the whole
 * model: the gradients reach its tensors, the decoder and the bag-of-words head; tied, its
 * shortlist's rows are embeddings; with adaptive input the tail's embeddings come from the
 * head's tail tensors. */
static void check_gradients_asm(int tied, int asm_in, int pool, int n)
{
    cr_ae_config c = {50, 8, 2, 1, 2, 16, 6, 2, tied, 1, pool > 0, pool > 0, pool > 1, 0, 2, 4,
                      asm_in};
    check_gradients_of(c, n);
}

static void test_gradients_match_finite_differences(void)
{
    check_gradients(0, 0, 0, 6);
    check_gradients(1, 1, 0, 6);
    check_gradients(1, 1, 1, 6);
    check_gradients(0, 0, 1, 6);
    check_gradients(1, 1, 1, 5); /* a short block, as in a curriculum */
    check_gradients(0, 1, 1, 3);
    check_gradients(1, 1, 2, 6);
    check_gradients(0, 0, 2, 5);
    check_gradients(1, 1, 2, 2);
    check_gradients(1, 1, 3, 6);
    check_gradients_asm(0, 0, 0, 6);
    check_gradients_asm(0, 0, 2, 5);
    check_gradients_asm(1, 0, 2, 6);
    check_gradients_asm(1, 1, 2, 6);
    check_gradients_asm(0, 1, 0, 5);
    check_gradients_asm(1, 10, 2, 6); /* rows for ranks below 10: cluster 1 split */
    check_gradients_asm(0, 20, 0, 5);
    check_gradients(0, 1, 3, 5);
}

/* With bind, inference (ae_fwd.c) and the trainer agree, and a fresh model already
 * reads most tokens back out of z: the pool binds each token to its offset and the
 * decoder unbinds it with the same signs. Without bind it cannot tell positions of a
 * segment apart. */
static double fresh_tra(int bind)
{
    cr_ae_config c = {500, 128, 2, 1, 1, 32, 16, 8, 1, 1, 1, 1, bind, 0, 0, 0, 0};
    cr_ae *ae;
    cr_ae_scratch *r;
    cr_train *t;
    cr_diag d;
    uint32_t ids[16], am[16];
    float z[8 * 128], lp[16];
    uint64_t seed = 5;
    int hits = 0;
    double lsum = 0;
    cr_train_stats st = {0};

    CHECK_EQ(cr_ae_new_random(&ae, &c, 9, &d), CR_OK);
    CHECK_EQ(cr_ae_scratch_new(&r, &c), CR_OK);
    for (int i = 0; i < 16; i++)
        ids[i] = (uint32_t)(cr_rng_next(&seed) % 500);
    CHECK_EQ(cr_ae_encode(ae, r, ids, 16, z), CR_OK);
    CHECK_EQ(cr_ae_decode(ae, r, z, 16, ids, am, lp), CR_OK);
    for (int i = 0; i < 16; i++) {
        hits += am[i] == ids[i];
        lsum -= lp[i];
    }
    CHECK_EQ(cr_train_new(&t, ae, 1, &d), CR_OK);
    cr_train_eval(t, ids, 1, 16, NULL, &st);
    CHECK_AT(fabs(st.loss - lsum) < 1e-3 * lsum, "trainer loss %.6f, inference %.6f (bind %d)",
             st.loss, lsum, bind);
    CHECK_EQ(st.hits, hits);
    cr_train_free(t);
    cr_ae_scratch_free(r);
    cr_ae_free(ae);
    return hits / 16.0;
}

static void test_bind_reads_tokens_back_from_the_start(void)
{
    double with = fresh_tra(1), without = fresh_tra(0);
    CHECK_AT(with >= 0.75 && without <= 0.5, "fresh TRA %.2f with bind, %.2f without", with,
             without);
}

static void test_training_lowers_the_loss(void)
{
    cr_ae_config c = {40, 16, 2, 1, 1, 32, 8, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0};
    cr_ae *ae;
    cr_train *t;
    cr_diag d;
    uint32_t ids[4 * 8];
    uint64_t seed = 11;
    double first = 0, last = 0;

    CHECK_EQ(cr_ae_new_random(&ae, &c, 5, &d), CR_OK);
    CHECK_EQ(cr_train_new(&t, ae, 4, &d), CR_OK);
    for (int i = 0; i < 32; i++)
        ids[i] = (uint32_t)(cr_rng_next(&seed) % 40);
    for (long step = 1; step <= 60; step++) {
        cr_train_stats st = {0};
        cr_train_zero_grad(t);
        cr_train_backward(t, ids, 4, 8, 0.0f, 1.0f, &st);
        cr_train_clip(t, 1.0);
        cr_train_adamw(t, 1e-2f, 0.0f, 0.9f, 0.95f, 1e-8f, step);
        if (step == 1)
            first = st.loss / st.n;
        last = st.loss / st.n;
    }
    CHECK_AT(last < 0.5 * first, "loss went from %.3f to %.3f", first, last);
    cr_train_free(t);
    cr_ae_free(ae);
}


/* bf16 products (cr_train_use_bf16): on a model wider than a tile (the full head, and the
 * adaptive one with adaptive input; both heads' products in bf16 too), one backward pass
 * gives
 * nearly the gradient of fp32 (the rounding of the products' operands, far below the
 * gradient itself: a transposed or stale operand would be off by its own size), and
 * after an update the bf16 pass sees the new weights (its loss follows fp32's, not the
 * loss before the update). Where the CPU has no AVX512-BF16 it says so and runs fp32. */
static double grad_pass(cr_train *t, const uint32_t *ids, int B, int n, float *g, size_t np)
{
    cr_train_stats st = {0};
    cr_train_zero_grad(t);
    cr_train_backward(t, ids, B, n, 0.0f, 1.0f, &st);
    memcpy(g, cr_train_grad(t), np * sizeof *g);
    return st.loss / st.n;
}

static void bf16_follows_fp32(cr_ae_config c)
{
    cr_ae *a32, *a16;
    cr_train *t32, *t16;
    cr_diag d;
    enum { B = 3 };
    uint32_t ids[B * 40];
    uint64_t seed = 23;
    CHECK_EQ(cr_ae_new_random(&a32, &c, 9, &d), CR_OK);
    CHECK_EQ(cr_ae_new_random(&a16, &c, 9, &d), CR_OK);
    if (c.asm_n) { /* the same order of random counts for both */
        uint64_t counts[300];
        for (int i = 0; i < 300; i++)
            counts[i] = cr_rng_next(&seed) % 50;
        CHECK_EQ(cr_asm_order_set(a32, counts, &d), CR_OK);
        CHECK_EQ(cr_asm_order_set(a16, counts, &d), CR_OK);
    }
    CHECK_EQ(cr_train_new(&t32, a32, B, &d), CR_OK);
    CHECK_EQ(cr_train_new(&t16, a16, B, &d), CR_OK);
    int on = cr_train_use_bf16(t16);
    CHECK(on == 0 || on == 1);
    if (!on)
        printf("train: this CPU has no AVX512-BF16: bf16 training not checked\n");
    CHECK_EQ(cr_train_use_bf16(t16), on);
    for (int i = 0; i < B * 40; i++)
        ids[i] = (uint32_t)(cr_rng_next(&seed) % 300);
    size_t np = cr_ae_nparams(&c);
    float *g32 = malloc(np * sizeof *g32), *g16 = malloc(np * sizeof *g16);
    for (int round = 0; round < 2 && on; round++) {
        int n = round ? 23 : 40; /* then a short window, as a curriculum has */
        double l32 = grad_pass(t32, ids, B, n, g32, np), l16 = grad_pass(t16, ids, B, n, g16, np);
        double dd = 0, gg = 0;
        for (size_t i = 0; i < np; i++)
            dd += ((double)g16[i] - g32[i]) * ((double)g16[i] - g32[i]),
                gg += (double)g32[i] * g32[i];
        CHECK_AT(fabs(l16 - l32) < 2e-3 * l32, "loss %.6f in bf16, %.6f in fp32", l16, l32);
        CHECK_AT(sqrt(dd / gg) < 0.02, "gradients off by %.4f of their norm (n %d, asm %d)",
                 sqrt(dd / gg), n, c.asm_n);
        /* tensor by tensor too (a small one's slip would hide in the whole's norm), those
         * that get a gradient at all; asm_order is no parameter */
        int nt = cr_ae_ntensors(&c), worst = -1;
        struct cr_tdesc *td = malloc((size_t)nt * sizeof *td);
        cr_ae_tensors(&c, td);
        double we = 0;
        size_t off = 0;
        for (int k = 0; k < nt; k++) {
            size_t len = (size_t)td[k].rows * td[k].cols;
            double d2 = 0, g2 = 0;
            for (size_t i = off; i < off + len; i++)
                d2 += ((double)g16[i] - g32[i]) * ((double)g16[i] - g32[i]),
                    g2 += (double)g32[i] * g32[i];
            if (g2 > 1e-12 * gg && sqrt(d2 / g2) > we)
                we = sqrt(d2 / g2), worst = k;
            off += len;
        }
        CHECK_AT(we < 0.05, "tensor %s off by %.4f of its norm (n %d, asm %d)",
                 worst >= 0 ? td[worst].name : "?", we, n, c.asm_n);
        if (getenv("CR_TEST_VERBOSE"))
            printf("bf16 gradients: worst tensor %s, %.4f of its norm\n",
                   worst >= 0 ? td[worst].name : "?", we);
        free(td);
        /* one large step of fp32's, its weights copied into the bf16 model (Adam's first
         * step would tell tiny differences apart): the next loss must be the new weights' */
        cr_train_adamw(t32, 0.05f, 0.0f, 0.9f, 0.95f, 1e-8f, 1);
        memcpy(a16->slab, a32->slab, np * sizeof *a16->slab);
        double m32 = grad_pass(t32, ids, B, n, g32, np), m16 = grad_pass(t16, ids, B, n, g16, np);
        CHECK_AT(fabs(m32 - l32) > 10 * fabs(m16 - m32),
                 "after the update: %.6f in bf16, %.6f in fp32, %.6f before", m16, m32, l32);
    }
    free(g32), free(g16);
    cr_train_free(t32), cr_train_free(t16);
    cr_ae_free(a32), cr_ae_free(a16);
}

static void test_bf16_products_follow_fp32(void)
{
    /* the full head, then the adaptive one, tied, with adaptive input */
    bf16_follows_fp32((cr_ae_config){300, 64, 2, 2, 2, 160, 40, 4, 1, 1, 1, 1, 1, 0, 0, 0, 0});
    bf16_follows_fp32((cr_ae_config){300, 64, 2, 2, 2, 160, 40, 4, 1, 1, 1, 1, 1, 2, 2, 64, 1});
}

static void test_schedule_warms_up_then_follows_the_cosine(void)
{
    cr_train_opts o;
    cr_train_opts_default(&o);
    o.steps = 100;
    o.warmup = 10;
    o.lr = 1e-3;
    o.min_lr = 1e-4;
    CHECK_NEAR(cr_train_lr(&o, 5), 5e-4, 1e-12, 0);
    CHECK_NEAR(cr_train_lr(&o, 10), 1e-3, 1e-12, 0);
    CHECK_NEAR(cr_train_lr(&o, 55), 5.5e-4, 1e-12, 0);
    CHECK_NEAR(cr_train_lr(&o, 100), 1e-4, 1e-12, 0);
    o.start_tokens = 16;
    o.grow_every = 10;
    CHECK_EQ(cr_train_window(&o, 9, 64), 16);
    CHECK_EQ(cr_train_window(&o, 10, 64), 32);
    CHECK_EQ(cr_train_window(&o, 25, 64), 64);
    CHECK_EQ(cr_train_micro(&o, 16, 64), 4);
    /* short windows: only on every short_every-th step of full windows, from 32 to L/2,
     * a function of the seed and the step, and more than one size over a run */
    o.short_every = 3;
    CHECK_EQ(cr_train_window(&o, 8, 64), 16); /* a step of the curriculum: untouched */
    o.start_tokens = 0;
    int seen[1025] = {0}, kinds = 0;
    for (long s = 30; s < 330; s++) {
        int n = cr_train_window(&o, s, 1024);
        if ((s + 1) % 3) {
            CHECK_EQ(n, 1024);
            continue;
        }
        CHECK(n >= 32 && n <= 512 && (n & (n - 1)) == 0);
        CHECK_EQ(n, cr_train_window(&o, s, 1024));
        kinds += !seen[n]++;
    }
    CHECK(kinds > 1);
    CHECK_EQ(cr_train_window(&o, 32, 32), 32); /* no window of 32 to L/2 when L < 64 */
    o.short_every = 0;
}

/* The position after k steps is a function of the options alone: what a resumed run
 * recomputes is what the steps counted. */
static void test_steps_advance_as_the_position_predicts(void)
{
    cr_ae_config c = {40, 16, 2, 1, 1, 32, 8, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0};
    cr_train_data data = {.L = 8};
    cr_train_opts o;
    cr_train_pos p = {0}, q;
    cr_train_step_stats s;
    cr_ae *ae;
    cr_train *t;
    cr_diag d;
    uint32_t ids[8], off[9] = {0};
    cr_block b = {.n = 8, .L = 8, .ids = ids, .off = off};
    uint64_t seed = 3;

    CHECK_EQ(cr_ae_new_random(&ae, &c, 5, &d), CR_OK);
    for (int k = 0; k < 5; k++) {
        for (int i = 0; i < 8; i++)
            ids[i] = (uint32_t)(cr_rng_next(&seed) % 40);
        CHECK_EQ(cr_train_data_add(&data, &b, &d), CR_OK);
    }
    b.n = 3;
    CHECK_EQ(cr_train_data_add(&data, &b, &d), CR_OK);
    CHECK_EQ(data.n, 5);
    CHECK_EQ(data.skipped, 1);
    cr_train_opts_default(&o);
    o.B = 2;
    o.steps = 6;
    o.min_lr = o.lr / 10;
    o.start_tokens = 2;
    o.grow_every = 2;
    CHECK_EQ(cr_train_new(&t, ae, 2, &d), CR_OK);
    for (int k = 0; k < 6; k++)
        CHECK_EQ(cr_train_step(t, &o, &data, &p, &s, &d), CR_OK);
    cr_train_pos_at(&q, &o, 6, 8);
    CHECK_EQ(p.step, 6);
    CHECK_EQ(q.drawn, p.drawn);
    CHECK_EQ(q.tokens, p.tokens);
    CHECK_EQ(s.n, 8); /* windows of 2, 4, 8 tokens, two steps each */
    CHECK_EQ(p.tokens, 2 * (4 * 2 * 2 + 2 * 2 * 4 + 2 * 8));
    cr_train_free(t);
    cr_train_data_free(&data);
    cr_ae_free(ae);
}

static const char *scratch(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/cr-test-train-%ld-%s", (long)getpid(), name);
    return path;
}

static void test_checkpoint_keeps_the_run(void)
{
    cr_ae_config c = {40, 16, 2, 1, 1, 32, 8, 2, 1, 1, 1, 1, 1, 0, 0, 0, 0};
    cr_train_opts o, back;
    cr_ae *ae, *ae2;
    float *m, *v, *mv;
    cr_diag d;
    long step = 0;
    const char *path = scratch("ckpt");
    size_t np = cr_ae_nparams(&c);
    int same = 1;

    CHECK_EQ(cr_ae_new_random(&ae, &c, 5, &d), CR_OK);
    cr_meta_set_str(ae->meta, "model.name", "kept");
    m = malloc(np * sizeof *m);
    v = malloc(np * sizeof *v);
    for (size_t i = 0; i < np; i++) {
        m[i] = (float)i * 1e-3f;
        v[i] = (float)i * 2e-3f;
    }
    cr_train_opts_default(&o);
    o.B = 3;
    o.steps = 77;
    o.lr = 2e-3;
    o.min_lr = 3e-4;
    CHECK_EQ(cr_ckpt_save(path, ae, m, v, &o, 42, &d), CR_OK);

    cr_train_opts_default(&back);
    back.B = 5; /* as if given on the command line: kept */
    CHECK_EQ(cr_ckpt_load(path, &ae2, &mv, &back, 1u << CR_TRAIN_B, &step, &d), CR_OK);
    CHECK_EQ(step, 42);
    CHECK_EQ(back.B, 5);
    CHECK_EQ(back.steps, 77);
    CHECK_NEAR(back.lr, 2e-3, 0, 0);
    CHECK_NEAR(back.min_lr, 3e-4, 0, 0);
    CHECK_EQ(ae2->check, ae->check);
    for (size_t i = 0; i < np; i++)
        same &= mv[i] == m[i] && mv[np + i] == v[i];
    CHECK(same);
    const char *name = "";
    cr_meta_get_str(ae2->meta, "model.name", &name);
    CHECK_AT(strcmp(name, "kept") == 0, "model.name '%s'", name);
    cr_ae_free(ae2);
    free(mv);

    /* a checkpoint whose options crtrain could not have been given is refused */
    o.B = 0;
    CHECK_EQ(cr_ckpt_save(path, ae, m, v, &o, 1, &d), CR_OK);
    CHECK_EQ(cr_ckpt_load(path, &ae2, &mv, &back, 0, &step, &d), CR_E_VALUE);
    CHECK_HAS(d.msg, "train.B 0 is out of range (1 to 256)");
    CHECK_HAS(d.msg, path);
    CHECK(ae2 == NULL && mv == NULL);
    unlink(path);
    free(m);
    free(v);
    cr_ae_free(ae);
}

struct out { const char *text; int rc; };

static int write_some(FILE *f, void *arg, cr_diag *d)
{
    const struct out *o = arg;
    fputs(o->text, f);
    return o->rc == CR_OK ? CR_OK : cr_diag_set(d, o->rc, "the writer gave up");
}

static int tmp_files_left(const char *path)
{
    char tmp[300];
    struct stat st;
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    return stat(tmp, &st) == 0;
}

static void test_replace_leaves_the_old_file_or_the_new_one(void)
{
    const char *path = scratch("replace");
    struct out first = {"first\n", CR_OK}, bad = {"second\n", CR_E_VALUE};
    char buf[64] = "";
    cr_diag d;
    FILE *f;

    CHECK_EQ(cr_file_replace(path, write_some, &first, &d), CR_OK);
    CHECK_EQ(cr_file_replace(path, write_some, &bad, &d), CR_E_VALUE);
    CHECK_HAS(d.msg, path);
    CHECK_HAS(d.msg, "the writer gave up");
    CHECK(!tmp_files_left(path));
    if ((f = fopen(path, "r"))) {
        CHECK(fgets(buf, sizeof buf, f) != NULL);
        fclose(f);
    }
    CHECK_AT(strcmp(buf, "first\n") == 0, "the file holds '%s'", buf);
    unlink(path);

    /* a path that cannot be created names itself and the reason */
    CHECK_EQ(cr_file_replace("/nonexistent-dir/x", write_some, &first, &d), CR_E_IO);
    CHECK_HAS(d.msg, "/nonexistent-dir/x: write failed: No such file or directory");
    /* nor is a directory, or standard output, replaced */
    CHECK_EQ(cr_file_replace("/tmp", write_some, &first, &d), CR_E_ARG);
    CHECK_EQ(cr_file_replace("-", write_some, &first, &d), CR_E_ARG);
}

int main(void)
{
    test_gradients_match_finite_differences();
    test_training_lowers_the_loss();
    test_bf16_products_follow_fp32();
    test_bind_reads_tokens_back_from_the_start();
    test_schedule_warms_up_then_follows_the_cosine();
    test_steps_advance_as_the_position_predicts();
    test_checkpoint_keeps_the_run();
    test_replace_leaves_the_old_file_or_the_new_one();
    return check_summary("train");
}
