/* What a model accepts: the one place that decides whether a stream fits an expert.
 * Each mismatch has one message, naming both sides and the fix. */
#ifndef CR_FIT_H
#define CR_FIT_H

#include "ae.h"
#include "meta.h"
#include "tokrec.h"

/* A token stream's header (tok.vocab_id, tok.vocab_size, block.tokens) against the
 * model: "blocks of 64 tokens, the model takes blocks of 512 (crtok -L 512)". */
int cr_ae_accepts_tokens(const cr_ae *ae, const cr_meta *m, cr_diag *d);
/* A latent stream's header against the model that is to decode it: the model check
 * (the latents of another expert), latent.slots x latent.width and latent.dtype. */
int cr_ae_accepts_latents(const cr_ae *ae, const cr_meta *m, cr_diag *d);
/* A block against the model: a block cut with another -L, or longer than the model's. */
int cr_ae_accepts_block(const cr_ae *ae, const cr_block *b, cr_diag *d);

#endif
