/* Backward pass against central finite differences on a tiny model, and AdamW. */
#include <stdlib.h>

#include "../../core/rng.h"
#include "../../core/train.h"
#include "check.h"

static double total_loss(cr_trainer *t, const uint32_t *ids, int B, float bow, int L)
{
    cr_train_stats st = {0};
    cr_trainer_backward(t, ids, B, L, bow, 1.0f, &st);
    return st.loss / ((double)B * L) + bow * st.bow_loss / B;
}

static void check_gradients(int tied, int zattn, int pool, int n)
{
    /* pool 2: pool, zskip and bind; 3: also two slots per latent */
    cr_ae_config c = {50, 8, 2, 1, 2, 16, 6, 2, tied, zattn, pool > 0, pool > 0, pool > 1,
                      pool > 2 ? 2 : 0};
    cr_ae *ae;
    cr_trainer *t;
    cr_diag d;
    uint32_t ids[2 * 6];
    uint64_t seed = 7;
    float bow = 0.5f;

    CHECK_EQ(cr_ae_new_random(&ae, &c, 3, &d), CR_OK);
    /* larger weights than the default so that every path carries signal */
    for (size_t i = 0; i < cr_ae_nparams(&c); i++)
        ae->slab[i] += (float)(0.2 * cr_rng_normal(&seed));
    CHECK_EQ(cr_trainer_new(&t, ae, 2, &d), CR_OK);
    for (int i = 0; i < 12; i++)
        ids[i] = (uint32_t)(cr_rng_next(&seed) % 50);
    cr_trainer_zero_grad(t);
    total_loss(t, ids, 2, bow, n);
    size_t np = cr_ae_nparams(&c);
    float *an = malloc(np * sizeof *an);
    memcpy(an, cr_trainer_grad(t), np * sizeof *an);
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
             "pool %d)", bad, tried, tied, zattn, pool);
    free(an);
    cr_trainer_free(t);
    cr_ae_free(ae);
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
    check_gradients(0, 1, 3, 5);
}

/* With bind, inference (ae_fwd.c) and the trainer agree, and a fresh model already
 * reads most tokens back out of z: the pool binds each token to its offset and the
 * decoder unbinds it with the same signs. Without bind it cannot tell positions of a
 * segment apart. */
static double fresh_tra(int bind)
{
    cr_ae_config c = {500, 128, 2, 1, 1, 32, 16, 8, 1, 1, 1, 1, bind, 0};
    cr_ae *ae;
    cr_ae_run *r;
    cr_trainer *t;
    cr_diag d;
    uint32_t ids[16], am[16];
    float z[8 * 128], lp[16];
    uint64_t seed = 5;
    int hits = 0;
    double lsum = 0;
    cr_train_stats st = {0};

    CHECK_EQ(cr_ae_new_random(&ae, &c, 9, &d), CR_OK);
    CHECK_EQ(cr_ae_run_new(&r, &c), CR_OK);
    for (int i = 0; i < 16; i++)
        ids[i] = (uint32_t)(cr_rng_next(&seed) % 500);
    CHECK_EQ(cr_ae_encode(ae, r, ids, 16, z), CR_OK);
    CHECK_EQ(cr_ae_decode(ae, r, z, 16, ids, am, lp), CR_OK);
    for (int i = 0; i < 16; i++) {
        hits += am[i] == ids[i];
        lsum -= lp[i];
    }
    CHECK_EQ(cr_trainer_new(&t, ae, 1, &d), CR_OK);
    cr_trainer_eval(t, ids, 1, 16, NULL, &st);
    CHECK_AT(fabs(st.loss - lsum) < 1e-3 * lsum, "trainer loss %.6f, inference %.6f (bind %d)",
             st.loss, lsum, bind);
    CHECK_EQ(st.hits, hits);
    cr_trainer_free(t);
    cr_ae_run_free(r);
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
    cr_ae_config c = {40, 16, 2, 1, 1, 32, 8, 2, 1, 1, 0, 0, 0, 0};
    cr_ae *ae;
    cr_trainer *t;
    cr_diag d;
    uint32_t ids[4 * 8];
    uint64_t seed = 11;
    double first = 0, last = 0;

    CHECK_EQ(cr_ae_new_random(&ae, &c, 5, &d), CR_OK);
    CHECK_EQ(cr_trainer_new(&t, ae, 4, &d), CR_OK);
    for (int i = 0; i < 32; i++)
        ids[i] = (uint32_t)(cr_rng_next(&seed) % 40);
    for (long step = 1; step <= 60; step++) {
        cr_train_stats st = {0};
        cr_trainer_zero_grad(t);
        cr_trainer_backward(t, ids, 4, 8, 0.0f, 1.0f, &st);
        cr_trainer_clip(t, 1.0);
        cr_trainer_adamw(t, 1e-2f, 0.0f, 0.9f, 0.95f, 1e-8f, step);
        if (step == 1)
            first = st.loss / st.n;
        last = st.loss / st.n;
    }
    CHECK_AT(last < 0.5 * first, "loss went from %.3f to %.3f", first, last);
    cr_trainer_free(t);
    cr_ae_free(ae);
}

int main(void)
{
    test_gradients_match_finite_differences();
    test_training_lowers_the_loss();
    test_bind_reads_tokens_back_from_the_start();
    return check_summary("train");
}
