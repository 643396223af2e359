/* crtrain's step against its PyTorch twin (tests/ref/gen_ref.py, NAME_train.state):
 * every gradient of cr_train_backward on one batch, then the losses of ten steps of
 * zero_grad, backward, clip and AdamW run as crtrain's loop runs them. Floats compare as
 * |a-b| <= atol + rtol*|b|. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/ae.h"
#include "../../core/aefile.h"
#include "../../core/le.h"
#include "../../core/stream.h"
#include "../../core/train.h"
#include "check.h"
#include "refstate.h"

#define GRAD_ATOL 1e-5
#define GRAD_RTOL 1e-3
#define LOSS_RTOL 1e-4
#define REF "tests/ref/"   /* run.sh runs the tests from the top of the repository */
/* core/train.c's bow_backward reads lg[y] for the bag-of-words loss after an earlier
 * position of the block has already subtracted its target share from it, so a block that
 * holds a token twice gets log(p - 1/L), mostly NaN. The gradient is right and is checked;
 * the loss statistic is only reported until that is fixed, and then this goes to 0 (the
 * test fails while it is 1 and the statistic agrees). */
#define BOW_STAT_KNOWN_BAD 0

/* Largest differences seen, printed before the summary: gradients in units of their
 * tolerance, losses and norms relative. */
static double worst_grad, worst_grad_abs, worst_loss, worst_gnorm;
static char worst_grad_at[160];

static const float *state_get(const struct state *s, const char *name, size_t n)
{
    return state_tensor(s, name, n)->v;
}

/* ---- training against PyTorch -------------------------------------------------------- */

/* Compares the gradient slab with PyTorch's, tensor by tensor (a tied head has no slab of
 * its own: its gradient is in tok_emb's). Names each tensor that differs, and the tensor
 * that comes closest to its tolerance. */
static void check_gradients(const char *what, const cr_ae_config *c, const float *got,
                            const float *want)
{
    int n = cr_ae_ntensors(c);
    struct cr_tdesc *td = malloc((size_t)n * sizeof *td);
    size_t off = 0, bad_all = 0;
    double worst = -1;
    char at[96] = "";

    cr_ae_tensors(c, td);
    for (int i = 0; i < n; i++) {
        size_t k = (size_t)td[i].rows * td[i].cols, bad = 0, wi = 0;
        double tw = -1;
        for (size_t j = 0; j < k; j++) {
            double a = got[off + j], b = want[off + j], diff = fabs(a - b);
            double r = diff / (GRAD_ATOL + GRAD_RTOL * fabs(b));
            if (r != r)
                r = INFINITY;
            bad += !(r <= 1);
            worst_grad_abs = fmax(worst_grad_abs, diff == diff ? diff : INFINITY);
            if (r > tw)
                tw = r, wi = j;
        }
        CHECK_AT(bad == 0, "%s: gradient of %s: %zu of %zu values differ (atol %g, rtol %g); "
                 "worst [%zu]: %.9g vs %.9g", what, td[i].name, bad, k, GRAD_ATOL, GRAD_RTOL,
                 wi, (double)got[off + wi], (double)want[off + wi]);
        bad_all += bad;
        if (tw > worst) {
            worst = tw;
            snprintf(at, sizeof at, "%s[%zu]: %.7g vs %.7g", td[i].name, wi,
                     (double)got[off + wi], (double)want[off + wi]);
        }
        off += k;
    }
    CHECK_EQ(off, cr_ae_nparams(c));
    printf("%s: gradients: worst tensor %s, %.2g of its tolerance%s\n", what, at, worst,
           bad_all ? " (FAILED)" : "");
    if (worst > worst_grad) {
        worst_grad = worst;
        snprintf(worst_grad_at, sizeof worst_grad_at, "%s %s", strrchr(what, '/') + 1, at);
    }
    free(td);
}

static double rel_diff(double a, double b)
{
    double r = a == b ? 0.0 : fabs(a - b) / fabs(b); /* both 0: a loss that is off */
    return r == r ? r : INFINITY;
}

static void test_training_matches_pytorch(const char *model, const char *state)
{
    cr_ae *ae = load_or_die(model);
    cr_ae_config c = ae->cfg;
    struct state s;
    cr_train *t;
    cr_diag d;

    state_load(&s, state);
    CHECK_AT(meta_u64(&s, "model.check") == ae->check, "%s: model check %016llx, the fixture "
             "was made from %016llx", model, (unsigned long long)ae->check,
             (unsigned long long)meta_u64(&s, "model.check"));
    CHECK_EQ(meta_u64(&s, "block.tokens"), c.L);
    int B = (int)meta_u64(&s, "train.B"), steps = (int)meta_u64(&s, "train.steps");
    float bow = (float)meta_f64(&s, "train.bow"), lr = (float)meta_f64(&s, "train.lr");
    float beta1 = (float)meta_f64(&s, "train.beta1"), beta2 = (float)meta_f64(&s, "train.beta2");
    float eps = (float)meta_f64(&s, "train.eps"), wd = (float)meta_f64(&s, "train.wd");
    double clip = meta_f64(&s, "train.clip");
    if (B < 1 || B > 64 || steps < 1 || steps > 100) {
        fprintf(stderr, "%s: %d blocks, %d steps\n", state, B, steps);
        exit(2);
    }
    size_t BL = (size_t)B * c.L, np = cr_ae_nparams(&c);
    const float *tids = state_get(&s, "ids", BL), *tgrad = state_get(&s, "grad", np);
    const float *tloss = state_get(&s, "loss", (size_t)steps);
    const float *tce = state_get(&s, "ce", (size_t)steps);
    const float *tbow = state_get(&s, "bow", (size_t)steps);
    const float *tgnorm = state_get(&s, "gnorm", (size_t)steps);
    uint32_t *ids = malloc(BL * sizeof *ids);
    int bow_off = 0;
    for (size_t i = 0; i < BL; i++)
        ids[i] = (uint32_t)tids[i];

    CHECK_EQ(cr_train_new(&t, ae, B, &d), CR_OK);
    /* crtrain's loop with one micro-batch per step and a constant learning rate */
    for (int k = 0; k < steps; k++) {
        cr_train_stats st = {0};
        cr_train_zero_grad(t);
        cr_train_backward(t, ids, B, c.L, bow, 1.0f, &st);
        CHECK_EQ(st.n, (long)BL);
        double ce = st.loss / st.n, bw = st.bow_loss / B, loss = ce + bow * bw;
        if (k == 0)
            check_gradients(state, &c, cr_train_grad(t), tgrad);
        double gnorm = cr_train_clip(t, clip);
        cr_train_adamw(t, lr, wd, beta1, beta2, eps, k + 1);

        double rce = rel_diff(ce, tce[k]), rbow = rel_diff(bw, tbow[k]);
        double rloss = rel_diff(loss, tloss[k]), rg = rel_diff(gnorm, tgnorm[k]);
        CHECK_AT(rce <= LOSS_RTOL, "%s: step %d: mean CE %.9g, PyTorch %.9g", state, k + 1, ce,
                 (double)tce[k]);
        CHECK_AT(rg <= LOSS_RTOL, "%s: step %d: gradient norm %.9g, PyTorch %.9g", state,
                 k + 1, gnorm, (double)tgnorm[k]);
        if (!BOW_STAT_KNOWN_BAD) {
            CHECK_AT(rbow <= LOSS_RTOL, "%s: step %d: bag-of-words CE %.9g, PyTorch %.9g",
                     state, k + 1, bw, (double)tbow[k]);
            CHECK_AT(rloss <= LOSS_RTOL, "%s: step %d: loss %.9g, PyTorch %.9g", state, k + 1,
                     loss, (double)tloss[k]);
            worst_loss = fmax(worst_loss, fmax(rbow, rloss));
        } else if (rbow > LOSS_RTOL) {
            if (!bow_off++)
                printf("%s: known discrepancy: step %d: bag-of-words CE %.9g, PyTorch %.9g\n",
                       state, k + 1, bw, (double)tbow[k]);
        }
        worst_loss = fmax(worst_loss, rce);
        worst_gnorm = fmax(worst_gnorm, rg);
    }
    if (BOW_STAT_KNOWN_BAD)
        CHECK_AT(bow_off > 0, "%s: the bag-of-words CE agrees with PyTorch at all %d steps: set "
                 "BOW_STAT_KNOWN_BAD to 0", state, steps);
    free(ids);
    cr_train_free(t);
    state_free(&s);
    cr_ae_free(ae);
}

int main(void)
{
    test_training_matches_pytorch(REF "tiny_tied.crm", REF "tiny_tied_train.state");
    test_training_matches_pytorch(REF "tiny_pool.crm", REF "tiny_pool_train.state");
    test_training_matches_pytorch(REF "tiny_bind.crm", REF "tiny_bind_train.state");
    test_training_matches_pytorch(REF "tiny_asm.crm", REF "tiny_asm_train.state");
    test_training_matches_pytorch(REF "tiny_asmin.crm", REF "tiny_asmin_train.state");
    test_training_matches_pytorch(REF "tiny_asmin40.crm", REF "tiny_asmin40_train.state");
    printf("ref_train: largest differences: gradients %.2g, %.2g of the tolerance (%s; atol "
           "%g, rtol %g), losses %.2g and gradient norms %.2g relative (rtol %g)%s\n",
           worst_grad_abs, worst_grad, worst_grad_at, GRAD_ATOL, GRAD_RTOL, worst_loss,
           worst_gnorm, LOSS_RTOL,
           BOW_STAT_KNOWN_BAD ? "; bag-of-words CE not compared (BOW_STAT_KNOWN_BAD)" : "");
    return check_summary("ref_train");
}
