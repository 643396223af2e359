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
    cr_ae_config c = {50, 8, 2, 1, 2, 16, 6, 2, tied, zattn, pool, pool};
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
}

static void test_training_lowers_the_loss(void)
{
    cr_ae_config c = {40, 16, 2, 1, 1, 32, 8, 2, 1, 1, 0, 0};
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
    return check_summary("train");
}
