#include "fit.h"

#include <string.h>

int cr_ae_accepts_tokens(const cr_ae *ae, const cr_meta *m, cr_diag *d)
{
    uint64_t vid = 0, mvid = 0, V = 0, L = 0;
    int has_vid = cr_meta_get_u64(m, "tok.vocab_id", &vid);
    cr_meta_get_u64(m, "tok.vocab_size", &V);
    cr_meta_get_u64(m, "block.tokens", &L);
    if (has_vid && cr_meta_get_u64(ae->meta, "tok.vocab_id", &mvid) && vid != mvid)
        return cr_diag_set(d, CR_E_MISMATCH, "tokens of vocabulary %016llx, the model was made "
                           "for %016llx (tokenize with the model's vocabulary)",
                           (unsigned long long)vid, (unsigned long long)mvid);
    if (V != (uint64_t)ae->cfg.V)
        return cr_diag_set(d, CR_E_MISMATCH, "tokens of a %llu-token vocabulary, the model has "
                           "%d", (unsigned long long)V, ae->cfg.V);
    if (L != (uint64_t)ae->cfg.L)
        return cr_diag_set(d, CR_E_MISMATCH, "blocks of %llu tokens, the model takes blocks of "
                           "%d (crtok -L %d)", (unsigned long long)L, ae->cfg.L, ae->cfg.L);
    return CR_OK;
}

int cr_ae_accepts_latents(const cr_ae *ae, const cr_meta *m, cr_diag *d)
{
    uint64_t check = 0, M = 0, W = 0;
    const char *name = "?", *dt = "f32";
    int mw = cr_ae_slots(&ae->cfg) * ae->cfg.C;
    cr_meta_get_u64(m, "model.check", &check);
    cr_meta_get_str(m, "model.name", &name);
    if (check != ae->check)
        return cr_diag_set(d, CR_E_MISMATCH, "latents were made with model %016llx (%s), but "
                           "-m gives model %016llx (decode with the model that made them)",
                           (unsigned long long)check, name, (unsigned long long)ae->check);
    cr_meta_get_str(m, "latent.dtype", &dt);
    if (strcmp(dt, "f32") != 0 && strcmp(dt, "bf16") != 0)
        return cr_diag_set(d, CR_E_FORMAT, "latents of type '%s' (f32 or bf16)", dt);
    if (cr_meta_get_u64(m, "latent.slots", &M) && cr_meta_get_u64(m, "latent.width", &W) &&
        M * W != (uint64_t)mw)
        return cr_diag_set(d, CR_E_MISMATCH, "latents of %llu x %llu values, the model makes "
                           "%d", (unsigned long long)M, (unsigned long long)W, mw);
    return CR_OK;
}

int cr_ae_accepts_block(const cr_ae *ae, const cr_block *b, cr_diag *d)
{
    if (b->n > (uint32_t)ae->cfg.L)
        return cr_diag_set(d, CR_E_VALUE, "a block of %u tokens, the model takes %d", b->n,
                           ae->cfg.L);
    if (b->L != (uint32_t)ae->cfg.L)
        return cr_diag_set(d, CR_E_MISMATCH, "a block cut with -L %u, the model takes %d "
                           "(crtok -L %d)", b->L, ae->cfg.L, ae->cfg.L);
    return CR_OK;
}
