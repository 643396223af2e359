/* The transformer autoencoder of "Compression is Routing": an encoder reads a block of
 * L tokens together with M learned latent slots and keeps its output at the slots as z
 * (M,C); a decoder reads [z ; m], m being L content-free position slots, and predicts
 * the block's tokens at the m slots. It never sees the tokens. */
#ifndef CR_AE_H
#define CR_AE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "meta.h"

typedef struct cr_ae_config {
    int V;      /* vocabulary */
    int C;      /* model width d */
    int NH;     /* attention heads */
    int Le, Ld; /* encoder and decoder layers */
    int F;      /* FFN width */
    int L;      /* block tokens */
    int M;      /* latent slots */
    int tied;   /* output head shares the token embedding */
    int zattn;  /* first zattn decoder layers attend to z only */
    int pool;   /* 1: latent slot j of the encoder starts from the mean token embedding of
                 * its segment of the block (cr_ae_seg_start) */
    int zskip;  /* 1: decoder position i also receives z of its segment (cr_ae_seg_of) */
    int bind;   /* 1 (needs pool and zskip): the pool is a sum of token embeddings each bound
                 * (element-wise product) to a learned vector of its offset in the segment,
                 * scaled to unit RMS; the decoder's position at that offset receives z of its
                 * segment times its own learned vector. Both start as the same random signs,
                 * so the decoder can read each token back out of z from the first step. */
    int zsplit; /* each latent is zsplit slots of width C inside the model (0 or 1: one), so z
                 * holds M vectors of zsplit * C floats; the segments are those of the slots */
    int asm_n;  /* adaptive-softmax head (core/asm.h): tail clusters, 0 for the full softmax */
    int asm_k0; /* its shortlist: the asm_k0 most frequent tokens */
    int asm_in; /* not 0 (needs asm_n): adaptive input (Baevski and Auli 2019) tied to the
                 * head: tok_emb holds the first R tokens only, by rank (R = asm_in, from
                 * K0 to V; 1 means K0, the shortlist), and a token of tail cluster i at a
                 * rank from R on is embedded as its asm.I.out row times asm.I.proj (dim[i]
                 * values projected up to C) */
} cr_ae_config;

/* The adaptive head of a config (asm_n > 0): vocabulary ranks (a token's place in the
 * model's order, most frequent first) [0, K0) are the shortlist; tail cluster i (1..n) holds
 * the ranks [cut[i], cut[i+1]): cut[1] = K0, cut[i+1] = K0 * 4^i, cut[n+1] = V. Cluster i
 * projects the hidden state to dim[i] = max(8, C / 4^i) values. */
#define CR_ASM_MAX 8
typedef struct cr_asm_shape {
    int n, K0;
    int cut[CR_ASM_MAX + 2];
    int dim[CR_ASM_MAX + 1];
} cr_asm_shape;
void cr_asm_shape_of(const cr_ae_config *c, cr_asm_shape *s);
/* The tail cluster (1..n) of a rank r >= K0. */
static inline int cr_asm_cluster(const cr_asm_shape *s, uint32_t r)
{
    int k = 1;
    while (k < s->n && r >= (uint32_t)s->cut[k + 1])
        k++;
    return k;
}
/* Rows of the asm_head tensor: K0 + n, or n when tied (the shortlist's rows are then the
 * token embeddings of its tokens, so that a bind start reads them out of z as the tied full
 * head does). */
int cr_asm_head_rows(const cr_ae_config *c);
/* Rows of tok_emb: V, or R with adaptive input (asm_in R; K0 when asm_in is 1). */
int cr_ae_emb_rows(const cr_ae_config *c);

/* Latent slots inside the model: M * zsplit. */
static inline int cr_ae_slots(const struct cr_ae_config *c)
{
    return c->M * (c->zsplit > 1 ? c->zsplit : 1);
}

/* Fills c with a named preset ("paper", "cpu", "tiny"); returns CR_E_ARG if unknown. */
int cr_ae_preset(cr_ae_config *c, const char *name);
/* Sets a config field by its short name (vocab width heads enc_layers dec_layers ffn
 * block latents tied zattn pool zskip bind zsplit asm asm_short); CR_E_ARG for an unknown
 * name. */
int cr_ae_config_set(cr_ae_config *c, const char *key, long v);
/* The short names, space-separated, for messages. */
extern const char cr_ae_config_names[];
/* Checks that a config is usable; describes the problem in d. */
int cr_ae_config_check(const cr_ae_config *c, cr_diag *d);
/* Writes the config into metadata as ae.* keys, and reads it back. */
int cr_ae_config_to_meta(const cr_ae_config *c, cr_meta *m);
int cr_ae_config_from_meta(cr_ae_config *c, const cr_meta *m, cr_diag *d);

/* The segments behind pool and zskip: latent slot j of a block of n tokens covers tokens
 * [cr_ae_seg_start(j), cr_ae_seg_start(j + 1)), and token i lies in slot cr_ae_seg_of(i),
 * M being the slots (cr_ae_slots). They scale with n, so a short block is cut into as
 * many segments too. */
static inline int cr_ae_seg_start(int j, int n, int M)
{
    return (int)((long)j * n / M);
}
static inline int cr_ae_seg_of(int i, int n, int M)
{
    return (int)((((long)i + 1) * M - 1) / n);
}
/* Rows of the bind tensors: the longest segment, ceil(L / slots). */
static inline int cr_ae_seg_max(const struct cr_ae_config *c)
{
    return (c->L + cr_ae_slots(c) - 1) / cr_ae_slots(c);
}

/* The bound pool of latent slot j (bind): u = sum over the segment's tokens i of
 * enc_bind[i - start] * emb[i], out = u / rms(u), emb (n,C) the block's token embeddings
 * (cr_ae_embed). Returns rms(u) (for backward). */
float cr_ae_bind_pool(const struct cr_ae_config *c, const float *emb, const float *enc_bind,
                      int n, int j, float *out);

/* One tensor of the model: its name and shape (cols == 1 for vectors). */
struct cr_tdesc {
    char name[32];
    int rows, cols;
};

/* Number of tensors, and their table (n entries into t, which holds cr_ae_ntensors). */
int cr_ae_ntensors(const cr_ae_config *c);
void cr_ae_tensors(const cr_ae_config *c, struct cr_tdesc *t);
size_t cr_ae_nparams(const cr_ae_config *c);

struct cr_mm16;

/* Pointers into the parameter slab, in the order of cr_ae_tensors; and, after
 * cr_ae_use_bf16, the bf16 copies of the four matrices (NULL: fp32). */
typedef struct cr_ae_layer {
    float *ln1_w, *ln1_b, *qkv_w, *qkv_b, *proj_w, *proj_b;
    float *ln2_w, *ln2_b, *fc_w, *fc_b, *fc2_w, *fc2_b;
    struct cr_mm16 *qkv16, *proj16, *fc16, *fc2_16;
} cr_ae_layer;

typedef struct cr_ae_params {
    float *tok_emb;  /* (V,C) */
    float *enc_pos;  /* (L,C) */
    float *enc_lat;  /* (slots,C) learned latent slots of the encoder */
    float *dec_pos;  /* (L,C) the content-free m */
    float *dec_zpos; /* (slots,C) added to z in the decoder */
    float *enc_lnf_w, *enc_lnf_b, *dec_lnf_w, *dec_lnf_b;
    float *head;     /* (V,C); == tok_emb when tied, and with the adaptive head (asm_n > 0),
                      * where only the bag-of-words loss of training uses it */
    float *enc_bind; /* (seg_max,C) when bind: offset vectors of the pool */
    float *dec_bind; /* (seg_max,C) when bind: offset vectors of the decoder's z */
    /* the adaptive head (asm_n > 0, cr_asm_shape): */
    float *asm_head;                /* (K0 + n, C) logits of the shortlist, then the clusters;
                                     * (n, C), the clusters only, when tied */
    float *asm_proj[CR_ASM_MAX];    /* "asm.I.proj", cluster I = i + 1: (dim, C) projection */
    float *asm_out[CR_ASM_MAX];     /* "asm.I.out": (cut[I+1] - cut[I], dim) logits */
    float *asm_order;               /* (V, 3): rank r holds the token id c0 + 256 c1 + 65536 c2 */
    cr_ae_layer *enc, *dec;
} cr_ae_params;

/* Points p at the tensors of slab (cr_ae_nparams floats), in the order of cr_ae_tensors.
 * p->enc and p->dec must already hold Le and Ld layers. */
int cr_ae_params_carve(const cr_ae_config *c, float *slab, cr_ae_params *p);

typedef struct cr_ae {
    cr_ae_config cfg;
    cr_meta *meta;     /* name, vocabulary id, training notes, ... */
    float *slab;       /* cr_ae_nparams floats */
    int slab_owned;    /* 0 when slab points into a mapping */
    void *map;         /* mmap of the model file, or NULL */
    size_t map_len;
    cr_ae_params p;
    uint64_t check;    /* XXH3 of the parameters: names the model in latent streams */
    int dtype;         /* CR_DTYPE_* of the file it was loaded from, 0 if made here */
    uint32_t *order;   /* adaptive head: (V) token of each rank, decoded from asm_order */
    uint32_t *rank;    /* (V) rank of each token */
    struct cr_mm16 *head16; /* after cr_ae_use_bf16: the head's (V, C), or the adaptive
                             * head's (K0 + n, C); else NULL */
} cr_ae;

/* Allocates a model of config c with no parameter slab yet (for loaders). */
int cr_ae_alloc(cr_ae **out, const cr_ae_config *c, cr_diag *d);
/* A model with parameters drawn from seed (GPT-2's scheme: N(0, 0.02), residual
 * projections scaled by 1/sqrt(2 layers), LayerNorm 1 and 0). */
int cr_ae_new_random(cr_ae **out, const cr_ae_config *c, uint64_t seed, cr_diag *d);
void cr_ae_free(cr_ae *ae);
/* Recomputes ae->check from the parameters. */
void cr_ae_rehash(cr_ae *ae);
/* Decodes the asm_order tensor into ae->order and ae->rank (nothing without the adaptive
 * head); CR_E_FORMAT when it is not a permutation of the vocabulary. Call it whenever the
 * tensor changes (loaders, cr_ae_new_random, cr_asm_order_set do). */
int cr_ae_asm_sync(cr_ae *ae, cr_diag *d);

/* Inference in bf16 where the CPU has AVX512-BF16 (core/mm16.h): packs bf16 copies of
 * the layers' matrices and of the head (the adaptive head's shortlist), which cr_ae_encode and
 * cr_ae_decode then multiply by, and run the attention's products in bf16 too (a
 * scratch's cr_attn16 workspace, core/attn16.h). Returns 1 when they do, 0 when the CPU lacks the
 * instructions (fp32 then, as without the call), CR_E_NOMEM. The copies do not follow
 * later changes of the parameters: not for a model that trains. */
int cr_ae_use_bf16(cr_ae *ae);

/* Scratch for one block's forward pass, reused from block to block. It keeps nothing
 * from one pass to the next, so that one scratch serves every model that fits in it:
 * cr_ae_encode and cr_ae_decode refuse (CR_E_ARG) a scratch without room for the model. */
typedef struct cr_ae_scratch cr_ae_scratch;
int cr_ae_scratch_new(cr_ae_scratch **out, const cr_ae_config *c);
void cr_ae_scratch_free(cr_ae_scratch *r);
/* 1 when a scratch made for config a has room for the passes of a model of config c
 * (every size no larger, the same kind of head): the shipped experts, which differ only in
 * their adaptive input, share one. */
int cr_ae_scratch_shared(const cr_ae_config *a, const cr_ae_config *c);

/* Passes run at once by a program that gives each its own thread and scratch (crtag,
 * crenc, crdec): omp_get_max_threads(), from 1 to CR_AE_PASSES_MAX (each thread holds a
 * scratch, in crtag one for every expert it has room for: with the shipped experts about
 * 24 MB a thread; a full head's logits would take 51 MB alone). Inside such a pass, call
 * omp_set_num_threads(1): its loops then run serially, in a team of one too. */
#define CR_AE_PASSES_MAX 8
int cr_ae_passes(void);

/* z (slots,C) = (M, zsplit*C) from the first n tokens of ids (0 < n <= L). */
int cr_ae_encode(const cr_ae *ae, cr_ae_scratch *r, const uint32_t *ids, int n, float *z);
/* Decodes z into n positions: argmax (n) and, when target is not NULL, logp (n) the
 * natural log-probability of target[i]. Either output may be NULL. */
int cr_ae_decode(const cr_ae *ae, cr_ae_scratch *r, const float *z, int n, const uint32_t *target,
                 uint32_t *argmax, float *logp);

/* The input rows of the encoder and of the decoder for one block: the one assembly that
 * inference (cr_ae_encode, cr_ae_decode) and training (train.c) share.
 * Encoder: x (n + slots, C) = token embedding plus position for the n tokens of ids (all
 * < V), then the latent slots, each plus the mean token embedding of its segment (pool) or
 * its bound pool (bind). With bind, pool (slots, C) receives the bound pools and, when not
 * NULL, rms (slots) their RMS, which backward needs; without bind pool may be NULL.
 * emb (n, C) receives the token embeddings (cr_ae_embed). */
void cr_ae_enc_input(const cr_ae *ae, const uint32_t *ids, int n, float *x, float *pool,
                     float *rms, float *emb);
/* The embeddings emb (n,C) of the n tokens ids (all < V): rows of tok_emb, or with adaptive
 * input (asm_in R) the rows of the first R ranks and the rest projected up. */
void cr_ae_embed(const cr_ae *ae, const uint32_t *ids, int n, float *emb);
/* Decoder: x (slots + n, C) = z (slots, C) plus dec_zpos, then the n content-free position
 * rows, each plus z of its segment (zskip), bound to its offset (bind). */
void cr_ae_dec_input(const cr_ae *ae, const float *z, int n, float *x);

#endif
