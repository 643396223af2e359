/* Training the autoencoder: forward with saved activations, backward, AdamW.
 * The blocks of a batch all hold n <= L tokens (n < L for a curriculum of short blocks). */
#ifndef CR_TRAIN_H
#define CR_TRAIN_H

#include "ae.h"

typedef struct cr_trainer cr_trainer;

typedef struct cr_train_stats {
    double loss;     /* summed CE over positions, nats */
    double bow_loss; /* summed bag-of-words CE over blocks, nats */
    long hits;       /* positions whose argmax is the input token */
    long n;          /* positions */
} cr_train_stats;

/* A trainer for ae (whose parameters it makes writable) with micro-batches of B blocks. */
int cr_trainer_new(cr_trainer **out, cr_ae *ae, int B, cr_diag *d);
void cr_trainer_free(cr_trainer *t);

void cr_trainer_zero_grad(cr_trainer *t);
/* Forward and backward over B blocks of n tokens (ids: B*n); gradients of
 * grad_scale * (mean CE + bow * mean bag-of-words CE) are added to the gradient slab.
 * Statistics are added into st. */
void cr_trainer_backward(cr_trainer *t, const uint32_t *ids, int B, int n, float bow,
                         float grad_scale, cr_train_stats *st);
/* Loss without gradients, with the latent of block b taken from block zfrom[b] (NULL:
 * its own). Used for validation and for the latent gain. */
void cr_trainer_eval(cr_trainer *t, const uint32_t *ids, int B, int n, const int *zfrom,
                     cr_train_stats *st);
/* Scales the gradients so that their global norm is at most max_norm (if > 0);
 * returns the norm before clipping. */
double cr_trainer_clip(cr_trainer *t, double max_norm);
/* One AdamW update (decoupled weight decay on matrices only); step counts from 1. */
void cr_trainer_adamw(cr_trainer *t, float lr, float wd, float beta1, float beta2, float eps,
                      long step);

/* The slabs, cr_ae_nparams floats each: gradients and the two AdamW moments. */
float *cr_trainer_grad(cr_trainer *t);
float *cr_trainer_m(cr_trainer *t);
float *cr_trainer_v(cr_trainer *t);
/* Bytes of memory the trainer allocated. */
size_t cr_trainer_bytes(const cr_trainer *t);

#endif
