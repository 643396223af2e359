/* Calibration: where an expert's own held-out text lies on its scale, so that experts of
 * domains of different entropy can be compared, and text that none of them fits can be
 * told apart (cr(7), crroute(1)).
 *
 * The scale is cross-entropy per byte of text: bits an expert spends to rebuild a block,
 * divided by the block's bytes. Per token would let random printable ASCII (one byte a
 * token) look better than real prose; per byte it is far worse. An expert's calibrated
 * score of a block is its CE per byte divided by the median CE per byte of its own
 * held-out blocks: about 1 in its domain, well above 1 elsewhere.
 *
 * The figures live in the model's metadata (cal.*, written by crmodel calibrate), travel
 * in the headers of its latent and reconstruction streams, and are read back here. */
#ifndef CR_CALIB_H
#define CR_CALIB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "meta.h"

typedef struct cr_calib {
    double bpb_median;        /* median CE per byte of held-out blocks, bits */
    double bpt_median;        /* median CE per token, bits */
    double q90, q99, q999;    /* quantiles of the calibrated score of those blocks */
    uint64_t blocks, bytes;   /* how much held-out text they come from */
} cr_calib;

/* Reads cal.* from m; 1 when the model is calibrated, 0 when it is not. */
int cr_calib_get(cr_calib *c, const cr_meta *m);
/* Writes cal.* into m (and cal.data, the name of the held-out text, when not NULL). */
int cr_calib_set(const cr_calib *c, cr_meta *m, const char *data);
/* Copies every cal.* entry of src into dst (crenc: from the model to its latents). */
int cr_calib_copy(cr_meta *dst, const cr_meta *src);

/* The calibrated score of a block or span: bits / bytes / bpb_median. Text of no bytes
 * (an appended <|endoftext|> alone) scores as its bits per token against bpt_median. */
double cr_calib_score(const cr_calib *c, double bits, double bytes, double tokens);

/* How much of each expert's own figures the router takes into account: its held-out
 * median to the power a, its spread to the power b. a = b = 1 compares experts by the
 * ratio of their CE per byte to their own medians, on the scale of their own spreads (the
 * full calibration); a = b = 0 compares their raw bits, the paper's rule, under which an
 * expert of a low-entropy domain wins text it merely codes well. The defaults lie between
 * and were chosen on held-out text that no benchmark tests on (crroute(1)): blocks by
 * block accuracy on each domain's calibration text (bench/route/tuneblocks.sh), spans
 * by boundary F1 on the development documents (bench/route/tune.sh). */
typedef struct cr_calib_scale {
    double a, b;
} cr_calib_scale;
#define CR_CALIB_BLOCK_A 0.1
#define CR_CALIB_BLOCK_B 0.0
#define CR_CALIB_SPAN_A 0.125
#define CR_CALIB_SPAN_B 0.0

/* The routing score of a block of `bytes` bytes and `tokens` tokens that the expert
 * codes in `bits`, on scale s: (ln bpb - a ln bpb_median) / ln(q90)^b. Text of no bytes
 * (an appended <|endoftext|> alone) scores its bits per token against bpt_median.
 * Lower is better; only differences between experts mean anything. */
double cr_calib_block(const cr_calib *c, cr_calib_scale s, double bits, double bytes,
                      double tokens);

/* Where a block of calibrated score x lies against the expert's own rejection threshold:
 * ln x / ln q99, 1 at the threshold. Text that no expert fits scores above 1 for all of
 * them (crroute -c fit; the score of bench/route.sh's AUROC). */
double cr_calib_fit(const cr_calib *c, double x);

/* Costs that add up along a document (crroute --spans): text of `bytes` bytes that the
 * expert codes in `bits` costs (bits / median^a - a bytes) / (q90 - 1)^b. With a = b = 1
 * a stretch costs its bytes times (x - 1) / (q90 - 1) for its calibrated score x: 0 at
 * the median, 1 per byte at q90. The two coefficients are an expert's, computed once
 * (cr_calib_costs_of), since the cost is taken for every token of every window. */
typedef struct cr_calib_costs {
    double per_bit, per_byte;
} cr_calib_costs;
cr_calib_costs cr_calib_costs_of(const cr_calib *c, cr_calib_scale s);
static inline double cr_calib_cost(cr_calib_costs k, double bits, double bytes)
{
    return bits * k.per_bit - bytes * k.per_byte;
}
/* The cost per byte of text at calibrated score x: (x median^(1-a) - a) / (q90 - 1)^b. */
double cr_calib_cost_rate(const cr_calib *c, cr_calib_scale s, double x);

/* Collects held-out blocks, then computes the figures. */
typedef struct cr_calib_acc {
    double *bpb, *bpt;
    size_t n, cap;
    uint64_t bytes;
} cr_calib_acc;
int cr_calib_add(cr_calib_acc *a, double bits, uint64_t bytes, uint32_t tokens, cr_diag *d);
int cr_calib_finish(cr_calib_acc *a, cr_calib *c, cr_diag *d);
void cr_calib_acc_free(cr_calib_acc *a);

/* Measures an expert on held-out text: every block of a token stream (already checked
 * against the model with cr_ae_accepts_tokens) encoded, decoded and added to a. */
struct cr_ae;
struct cr_input;
int cr_calib_measure(const struct cr_ae *ae, struct cr_input *in, cr_calib_acc *a,
                     cr_diag *d);

#endif
