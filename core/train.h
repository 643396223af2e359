/* Training the autoencoder: the trainer (core/train.c: forward with saved activations,
 * backward and AdamW on batches of blocks), and the run around it (core/trainrun.c: its
 * options, learning-rate schedule, curriculum, data and its order, steps and validation;
 * crtrain(1) describes them for users).
 * The blocks of a batch all hold n <= L tokens (n < L for a curriculum of short windows). */
#ifndef CR_TRAIN_H
#define CR_TRAIN_H

#include "ae.h"
#include "tokrec.h"

typedef struct cr_train cr_train;

typedef struct cr_train_stats {
    double loss;     /* summed CE over positions, nats */
    double bow_loss; /* summed bag-of-words CE over blocks, nats */
    long hits;       /* positions whose argmax is the input token */
    long n;          /* positions */
} cr_train_stats;

/* A trainer for ae (whose parameters it makes writable) with micro-batches of at most B
 * blocks. ae must outlive it. */
int cr_train_new(cr_train **out, cr_ae *ae, int B, cr_diag *d);
void cr_train_free(cr_train *t);

/* Runs the model's products in bf16 where the CPU has AVX512-BF16 (core/mm16.h), fp32
 * sums of bf16-rounded operands, forward and backward: the layers' four matrices with the
 * activations, the attention (core/attn16.h) and the head (the whole head, or the
 * adaptive head's shortlist: cr_asm_work_use_bf16). The parameters, gradients, optimizer,
 * softmax and normalisations stay fp32, and so does the head in cr_train_eval. 1 when it does, 0 when this CPU cannot (fp32
 * then), CR_E_NOMEM. */
int cr_train_use_bf16(cr_train *t);

void cr_train_zero_grad(cr_train *t);
/* Forward and backward over B blocks of n tokens (ids: B*n); gradients of
 * grad_scale * (mean CE + bow * mean bag-of-words CE) are added to the gradient slab.
 * Statistics are added into st. */
void cr_train_backward(cr_train *t, const uint32_t *ids, int B, int n, float bow,
                       float grad_scale, cr_train_stats *st);
/* Loss without gradients, with the latent of block b taken from block zfrom[b] (NULL:
 * its own). Used for validation and for the latent gain. */
void cr_train_eval(cr_train *t, const uint32_t *ids, int B, int n, const int *zfrom,
                   cr_train_stats *st);
/* Scales the gradients so that their global norm is at most max_norm (if > 0);
 * returns the norm before clipping. */
double cr_train_clip(cr_train *t, double max_norm);
/* One AdamW update (decoupled weight decay on matrices only); step counts from 1. */
void cr_train_adamw(cr_train *t, float lr, float wd, float beta1, float beta2, float eps,
                    long step);

/* The slabs, cr_ae_nparams floats each: gradients and the two AdamW moments. */
float *cr_train_grad(cr_train *t);
float *cr_train_m(cr_train *t);
float *cr_train_v(cr_train *t);
/* Bytes of memory the trainer allocated. */
size_t cr_train_bytes(const cr_train *t);

/* The options of a run: what a checkpoint keeps (man/cr-checkpoint.5). */
typedef struct cr_train_opts {
    long B;            /* blocks per micro-batch */
    long accum;        /* micro-batches per step (times L/n with a curriculum) */
    long steps;        /* optimizer steps in all */
    long warmup;       /* steps of linear warm-up */
    long seed;         /* data order and window offsets */
    long bow_fade;     /* the bag-of-words weight fades to 0 by this step (0: never) */
    long start_tokens; /* curriculum: windows of start_tokens tokens (0: full blocks), */
    long grow_every;   /* doubled every grow_every steps up to L */
    long short_every;  /* every short_every-th step on windows of 32 to L/2 tokens (0: never) */
    double lr, min_lr; /* peak and final learning rate of the cosine (min_lr < 0: lr/10) */
    double wd, clip;   /* decoupled weight decay, global gradient-norm clip (0: none) */
    double bow;        /* weight of the bag-of-words loss */
} cr_train_opts;

/* One option: its key in checkpoints, where it is, its range and default. */
typedef struct cr_train_key {
    const char *key; /* "train.B" */
    int f64;         /* 1: a double, stored as f64; 0: a long, stored as u64 */
    size_t off;      /* in cr_train_opts */
    double lo, hi, def;
} cr_train_key;

/* Every option, in the order checkpoints write them; the list ends with a NULL key. */
enum { CR_TRAIN_B, CR_TRAIN_ACCUM, CR_TRAIN_STEPS, CR_TRAIN_WARMUP, CR_TRAIN_SEED,
       CR_TRAIN_BOW_FADE, CR_TRAIN_START_TOKENS, CR_TRAIN_GROW_EVERY, CR_TRAIN_LR,
       CR_TRAIN_MIN_LR, CR_TRAIN_WD, CR_TRAIN_CLIP, CR_TRAIN_BOW, CR_TRAIN_SHORT_EVERY,
       CR_TRAIN_NKEYS };
extern const cr_train_key cr_train_keys[CR_TRAIN_NKEYS + 1];

/* Option i (of cr_train_keys) of o, as a double: exact for whole numbers up to 2^53. */
double cr_train_opts_get(const cr_train_opts *o, int i);
void cr_train_opts_set(cr_train_opts *o, int i, double v);
/* The defaults of crtrain(1). */
void cr_train_opts_default(cr_train_opts *o);

/* The learning rate of step s (from 1): linear warm-up, then a cosine from lr to min_lr. */
double cr_train_lr(const cr_train_opts *o, long s);
/* Tokens per window at step s (from 0): the curriculum's, else L; with short_every, every
 * short_every-th step of full windows takes a power of two from 32 to L/2 instead (drawn
 * from the seed and s), so that the expert also meets blocks shorter than L (a file's
 * last block, a small file), which the training data leaves out. */
int cr_train_window(const cr_train_opts *o, long s, int L);
/* Micro-batches of a step on windows of n tokens: more for shorter windows, so that every
 * step sees about as many tokens as a step of full blocks. */
long cr_train_micro(const cr_train_opts *o, int n, int L);

/* Training or validation data: full blocks of L tokens, back to back. */
typedef struct cr_train_data {
    uint32_t *ids;    /* n * L */
    size_t n, cap;
    int L;
    uint64_t skipped; /* shorter blocks, left out */
    uint64_t docs;    /* documents (cr_train_data_read) */
} cr_train_data;

/* Appends a block that has L tokens, and counts a shorter one; L is set by the first call
 * if it is 0. */
int cr_train_data_add(cr_train_data *dt, const cr_block *b, cr_diag *d);
/* Reads the token streams of in into dt for the model ae: checks each stream header against
 * it (cr_ae_accepts_tokens), counts the documents, adds the blocks. Returns CR_OK after the
 * last input, or a code with d set (naming the input); called again, it goes on after the
 * error, so that a caller can report every one. */
struct cr_input;
int cr_train_data_read(cr_train_data *dt, struct cr_input *in, const cr_ae *ae, cr_diag *d);
void cr_train_data_free(cr_train_data *dt);
/* The adaptive head (asm_n > 0): sets the token order of ae (which must own its parameters)
 * from the token counts of dt's blocks, most frequent first, ties by id, and rehashes it.
 * Tokens the data lacks keep id order at the end. Returns the distinct tokens seen. */
long cr_train_asm_order(cr_ae *ae, const cr_train_data *dt, cr_diag *d);

/* Where a run is: steps done, and the blocks drawn and tokens trained on before. Blocks are
 * drawn in order from a permutation per epoch, so a resumed run draws what the
 * uninterrupted one would have. */
typedef struct cr_train_pos {
    long step;
    uint64_t drawn, tokens;
} cr_train_pos;

/* The position of a run of options o after step steps. */
void cr_train_pos_at(cr_train_pos *p, const cr_train_opts *o, long step, int L);

/* What a step did. */
typedef struct cr_train_step_stats {
    cr_train_stats st; /* loss, hits and positions of its blocks or windows */
    int n;             /* tokens per block or window */
    double lr, gnorm;  /* its learning rate; the gradient norm before clipping */
} cr_train_step_stats;

/* One optimizer step of the run o (whose B must be the trainer's) over data: draws its
 * micro-batches, computes the gradient, clips it and updates with AdamW; advances *p.
 * Returns CR_E_NUMERIC, leaving the parameters as they were, when the loss is not finite or
 * exceeds 1000 nats per token ("loss X at step S"). */
int cr_train_step(cr_train *t, const cr_train_opts *o, const cr_train_data *data,
                  cr_train_pos *p, cr_train_step_stats *out, cr_diag *d);

/* A validation. */
typedef struct cr_train_val {
    double ce;   /* cross-entropy, bits per token */
    double tra;  /* token reconstruction accuracy */
    double maj;  /* share of the most common token */
    double gain; /* latent gain, bits per token; NaN without a micro-batch of 2 blocks */
} cr_train_val;

/* Validates on the first K blocks of v in micro-batches of the trainer's B. */
void cr_train_validate(cr_train *t, const cr_train_data *v, size_t K, cr_train_val *out);

/* Records a run in the metadata of the model it trained (cr-model(5)): model.origin, and
 * train.data (the training files), .docs, .blocks, .steps, .tokens, .lr and .bow, and the
 * val.* keys of the last validation v (none when v is NULL), after dropping the run-state
 * keys of a checkpoint and the val.* keys of the model the run started from. */
int cr_train_meta(cr_meta *m, const cr_train_opts *o, const cr_train_pos *p,
                  const cr_train_data *train, const cr_train_val *v,
                  const char *const *files, int nfiles, cr_diag *d);

#endif
