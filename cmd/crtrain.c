/* crtrain: trains an expert end to end (encoder and decoder, cross-entropy on every
 * reconstructed position) with AdamW, checkpoints and validation. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/aefile.h"
#include "../core/le.h"
#include "../core/rng.h"
#include "../core/stream.h"
#include "../core/tokrec.h"
#include "../core/train.h"
#include "../tok/tok.h"
#include "cli.h"

#define CKPT_CHUNK (1u << 20) /* floats per checkpoint record */
#define CKPT_REC 2

static void usage(FILE *f)
{
    fprintf(f,
        "usage: crtrain (-m MODEL | -p PRESET [-s K=V]...) -o OUT [options] TRAIN.tok...\n"
        "       crtrain --resume CKPT -o OUT [options] TRAIN.tok...\n"
        "Trains an expert on token streams (crtok -L, the model's block size).\n"
        "  -m, --model FILE     start from this model\n"
        "  -p, --preset P       start from a random model of a preset (paper, cpu, tiny)\n"
        "  -s, --set K=V        config override with -p (as in crmodel new)\n"
        "  -o, --output FILE    the trained model\n"
        "  -V, --val FILE       validation token stream (default: none)\n"
        "  -n, --name NAME      model name written into OUT\n"
        "  -B, --batch N        blocks per micro-batch (default 8)\n"
        "  -A, --accum N        micro-batches per step (default 1)\n"
        "  -S, --steps N        optimizer steps (default 1000)\n"
        "      --lr X           peak learning rate (default 1e-3)\n"
        "      --min-lr X       final learning rate of the cosine decay (default lr/10)\n"
        "      --warmup N       linear warm-up steps (default 100)\n"
        "      --wd X           decoupled weight decay on matrices (default 0.1)\n"
        "      --clip X         global gradient-norm clip (default 1; 0 = off)\n"
        "      --bow X          weight of the bag-of-words loss on z (default 0)\n"
        "      --bow-fade N     fade that weight linearly to 0 by step N (default: never)\n"
        "      --seed N         seed of the data order and of -p (default 1)\n"
        "      --start-tokens N curriculum: train on windows of N tokens of each block,\n"
        "                       doubled every --grow-every steps up to the block size\n"
        "                       (with L/N times the micro-batches, so a step sees as\n"
        "                       many tokens)\n"
        "      --grow-every N   steps between doublings (default 100)\n"
        "      --eval-every N   validate every N steps (default 100)\n"
        "      --eval-blocks N  validation blocks (default 32)\n"
        "      --log FILE       learning curve as tab-separated lines\n"
        "  -c, --ckpt FILE      checkpoint (default OUT.ckpt)\n"
        "      --ckpt-minutes N checkpoint every N minutes (default 10)\n"
        "      --resume CKPT    continue the run saved in CKPT\n"
        "  -v, --verbose        also report memory and BLAS kernels\n"
        "  -h, --help           this help\n"
        "See crtrain(1).\n");
}

struct opts {
    int B, accum, warmup, eval_every, eval_blocks, ckpt_minutes, verbose;
    long steps, bow_fade, seed;
    double lr, min_lr, wd, clip, bow;
    long start_tokens, grow_every; /* curriculum: blocks of start_tokens, doubled every
                                    * grow_every steps up to L (0: full blocks) */
};

/* Micro-batches of a step: shorter windows take more, so that every step sees about as
 * many tokens as a step of full blocks. */
static int micro_at(const struct opts *o, int n, int L)
{
    return o->accum * (L / n);
}

/* Tokens per block at a step of the curriculum. */
static int tokens_at(const struct opts *o, long step, int L)
{
    if (o->start_tokens <= 0 || o->start_tokens >= L)
        return L;
    long n = o->start_tokens;
    for (long s = o->grow_every > 0 ? step / o->grow_every : 0; s > 0 && n < L; s--)
        n *= 2;
    return n < L ? (int)n : L;
}

static volatile sig_atomic_t stop_signal;
static void on_signal(int s) { stop_signal = s; }

struct data {
    uint32_t *ids; /* nblocks * L */
    size_t n, cap;
    uint64_t skipped, docs;
};

static int load_blocks(struct data *dt, const char *path, const cr_ae *ae, int *status)
{
    static uint32_t ids[CR_BLOCK_MAX_TOKENS], off[CR_BLOCK_MAX_TOKENS + 1];
    cr_block b = {.ids = ids, .off = off};
    cr_reader *r = NULL;
    cr_rec rec;
    cr_diag d;
    size_t L = (size_t)ae->cfg.L;
    FILE *f = cli_open_in(path);
    int rc;
    if (!f) {
        *status = CLI_EXIT_DATA;
        return -1;
    }
    if ((rc = cr_reader_open(&r, f, CR_KIND_TOKENS, &d)) < 0)
        goto done;
    for (rc = 2; rc > 0; rc = cr_reader_next(r, &rec, &d)) {
        if (rc == 2) {
            uint64_t v = 0, bl = 0, vid = 0, mvid = 0;
            cr_meta_get_u64(cr_reader_meta(r), "tok.vocab_size", &v);
            cr_meta_get_u64(cr_reader_meta(r), "block.tokens", &bl);
            cr_meta_get_u64(cr_reader_meta(r), "tok.vocab_id", &vid);
            if (cr_meta_get_u64(ae->meta, "tok.vocab_id", &mvid) && vid != mvid)
                rc = cr_diag_set(&d, CR_E_MISMATCH, "tokens of another vocabulary than the "
                                 "model's");
            else if (v != (uint64_t)ae->cfg.V || bl != L)
                rc = cr_diag_set(&d, CR_E_MISMATCH, "blocks of %llu tokens from a %llu-token "
                                 "vocabulary; the model takes %zu from %d (crtok -L %zu)",
                                 (unsigned long long)bl, (unsigned long long)v, L, ae->cfg.V, L);
            if (rc < 0)
                break;
            continue;
        }
        if (rec.type == CR_TOK_DOC)
            dt->docs++;
        if (rec.type != CR_TOK_BLOCK)
            continue;
        if ((rc = cr_block_read(&b, rec.data, rec.len, (uint32_t)ae->cfg.V, &d)) < 0) {
            cr_diag_prefix(&d, "record %llu at byte %llu", (unsigned long long)rec.seq,
                           (unsigned long long)rec.pos);
            break;
        }
        if (b.n != L) {
            dt->skipped++;
            continue;
        }
        if (dt->n == dt->cap) {
            size_t cap = dt->cap ? dt->cap * 2 : 1024;
            uint32_t *p = realloc(dt->ids, cap * L * sizeof *p);
            if (!p) {
                rc = cr_diag_set(&d, CR_E_NOMEM, "out of memory after %zu blocks", dt->n);
                break;
            }
            dt->ids = p;
            dt->cap = cap;
        }
        memcpy(dt->ids + dt->n * L, b.ids, L * sizeof *b.ids);
        dt->n++;
    }
done:
    if (rc < 0) {
        cli_err("%s: %s", cli_name(path, 0), d.msg);
        *status = CLI_EXIT_DATA;
    }
    cr_reader_close(r);
    cli_close_in(f);
    return rc < 0 ? -1 : 0;
}

/* The order of blocks in epoch e: a permutation from the seed. */
static void permutation(size_t *perm, size_t n, long seed, long epoch)
{
    uint64_t s = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + (uint64_t)epoch;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(cr_rng_next(&s) % i), tmp = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = tmp;
    }
}

static double lr_at(const struct opts *o, long step)
{
    if (step <= o->warmup)
        return o->lr * step / (o->warmup > 0 ? o->warmup : 1);
    double p = (double)(step - o->warmup) / (double)(o->steps - o->warmup > 0 ?
                                                   o->steps - o->warmup : 1);
    if (p > 1)
        p = 1;
    return o->min_lr + 0.5 * (o->lr - o->min_lr) * (1 + cos(M_PI * p));
}

struct val {
    double ce, tra, maj, gain; /* bits, shares, bits */
};

static struct val validate(cr_trainer *t, const struct data *v, int K, int B, int L, int V)
{
    struct val r = {0, 0, 0, 0};
    cr_train_stats own = {0}, other = {0}, own_paired = {0};
    int zfrom[256];
    size_t nb = (size_t)K < v->n ? (size_t)K : v->n;
    uint32_t *freq = calloc((size_t)V, sizeof *freq), top = 0;
    for (size_t i = 0; freq && i < nb * (size_t)L; i++)
        if (++freq[v->ids[i]] > top)
            top = freq[v->ids[i]];
    free(freq);
    for (size_t b0 = 0; b0 < nb; b0 += (size_t)B) {
        int n = (int)(nb - b0 < (size_t)B ? nb - b0 : (size_t)B);
        const uint32_t *ids = v->ids + b0 * (size_t)L;
        cr_train_stats here = {0};
        cr_trainer_eval(t, ids, n, L, NULL, &here);
        own.loss += here.loss;
        own.hits += here.hits;
        own.n += here.n;
        if (n > 1) {
            own_paired.loss += here.loss;
            own_paired.n += here.n;
            for (int i = 0; i < n; i++)
                zfrom[i] = (i + 1) % n;
            cr_trainer_eval(t, ids, n, L, zfrom, &other);
        }
    }
    if (own.n) {
        r.ce = own.loss / own.n / M_LN2;
        r.tra = (double)own.hits / own.n;
        r.maj = (double)top / own.n;
    }
    /* the gain compares like with like: own CE over the blocks that had a partner */
    r.gain = NAN;
    if (other.n && own_paired.n)
        r.gain = (other.loss / other.n - own_paired.loss / own_paired.n) / M_LN2;
    return r;
}

/* Checkpoint: a tensor stream with the config, the run's state and options in its
 * metadata, and the parameters and AdamW moments in records of CKPT_CHUNK floats. */
static int save_ckpt(const char *path, cr_ae *ae, cr_trainer *t, const struct opts *o,
                     long step, cr_diag *d)
{
    char tmp[4096];
    cr_meta *m = cr_meta_new();
    cr_writer *w = NULL;
    size_t np = cr_ae_nparams(&ae->cfg);
    unsigned char *buf = malloc(16 + 4 * (size_t)CKPT_CHUNK);
    int rc;
    FILE *f;

    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    if (!m || !buf || !(f = fopen(tmp, "wb"))) {
        cr_meta_free(m);
        free(buf);
        return cr_diag_set(d, CR_E_IO, "%s: cannot write", tmp);
    }
    cr_meta_merge(m, ae->meta);
    cr_ae_config_to_meta(&ae->cfg, m);
    cr_meta_set_u64(m, "train.step", (uint64_t)step);
    cr_meta_set_u64(m, "train.B", (uint64_t)o->B);
    cr_meta_set_u64(m, "train.accum", (uint64_t)o->accum);
    cr_meta_set_u64(m, "train.steps", (uint64_t)o->steps);
    cr_meta_set_u64(m, "train.warmup", (uint64_t)o->warmup);
    cr_meta_set_u64(m, "train.seed", (uint64_t)o->seed);
    cr_meta_set_u64(m, "train.bow_fade", (uint64_t)o->bow_fade);
    cr_meta_set_u64(m, "train.start_tokens", (uint64_t)o->start_tokens);
    cr_meta_set_u64(m, "train.grow_every", (uint64_t)o->grow_every);
    cr_meta_set_f64(m, "train.lr", o->lr);
    cr_meta_set_f64(m, "train.min_lr", o->min_lr);
    cr_meta_set_f64(m, "train.wd", o->wd);
    cr_meta_set_f64(m, "train.clip", o->clip);
    cr_meta_set_f64(m, "train.bow", o->bow);
    rc = cr_writer_open(&w, f, CR_KIND_TENSORS, m, d);
    const float *slabs[3] = {ae->slab, cr_trainer_m(t), cr_trainer_v(t)};
    for (int s = 0; rc == CR_OK && s < 3; s++)
        for (size_t i = 0; rc == CR_OK && i < np; i += CKPT_CHUNK) {
            size_t k = np - i < CKPT_CHUNK ? np - i : CKPT_CHUNK;
            cr_put32(buf, (uint32_t)s);
            cr_put64(buf + 4, i);
            cr_put32(buf + 12, (uint32_t)k);
            for (size_t j = 0; j < k; j++)
                cr_putf32(buf + 16 + 4 * j, slabs[s][i + j]);
            rc = cr_writer_put(w, CKPT_REC, buf, (uint32_t)(16 + 4 * k), d);
        }
    if (rc == CR_OK)
        rc = cr_writer_close(w, d);
    else
        cr_writer_abandon(w);
    if (fsync(fileno(f)) != 0 || fclose(f) != 0 || rc < 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        rc = rc < 0 ? rc : cr_diag_set(d, CR_E_IO, "%s: write failed", path);
    }
    cr_meta_free(m);
    free(buf);
    return rc;
}

/* Reads a checkpoint into a new model; the moments go to *mv (2 * np floats). */
static int load_ckpt(const char *path, cr_ae **out, float **mv, struct opts *o, long *step,
                     cr_diag *d)
{
    FILE *f = fopen(path, "rb");
    cr_reader *r = NULL;
    cr_ae_config c;
    cr_ae *ae = NULL;
    cr_rec rec;
    uint64_t u;
    double x;
    int rc;
    size_t np = 0, got[3] = {0, 0, 0};

    *out = NULL;
    *mv = NULL;
    if (!f)
        return cr_diag_set(d, CR_E_IO, "%s: cannot open", path);
    if ((rc = cr_reader_open(&r, f, CR_KIND_TENSORS, d)) < 0)
        goto done;
    cr_reader_set_max_len(r, 16 + 4 * CKPT_CHUNK);
    const cr_meta *m = cr_reader_meta(r);
    if ((rc = cr_ae_config_from_meta(&c, m, d)) < 0 || (rc = cr_ae_alloc(&ae, &c, d)) < 0)
        goto done;
    np = cr_ae_nparams(&c);
    cr_meta_merge(ae->meta, m);
    ae->slab = malloc(np * sizeof(float));
    *mv = malloc(2 * np * sizeof(float));
    if (!ae->slab || !*mv || cr_ae_params_carve(&c, ae->slab, &ae->p) < 0) {
        rc = cr_diag_set(d, CR_E_NOMEM, "out of memory");
        goto done;
    }
    ae->slab_owned = 1;
#define GETU(k, f) if (cr_meta_get_u64(m, k, &u)) f = (long)u;
#define GETF(k, f) if (cr_meta_get_f64(m, k, &x)) f = x;
    GETU("train.step", *step) GETU("train.B", o->B) GETU("train.accum", o->accum)
    GETU("train.warmup", o->warmup) GETU("train.seed", o->seed)
    GETU("train.bow_fade", o->bow_fade) GETU("train.start_tokens", o->start_tokens)
    GETU("train.grow_every", o->grow_every) GETF("train.lr", o->lr) GETF("train.min_lr", o->min_lr)
    GETF("train.wd", o->wd) GETF("train.clip", o->clip) GETF("train.bow", o->bow)
    if (o->steps <= 0)
        GETU("train.steps", o->steps)
    while ((rc = cr_reader_next(r, &rec, d)) == 1) {
        if (rec.type != CKPT_REC || rec.len < 16)
            continue;
        if (cr_reader_streams(r) > 1)
            break;
        uint32_t s = cr_le32(rec.data), k = cr_le32(rec.data + 12);
        uint64_t at = cr_le64(rec.data + 4);
        if (s > 2 || rec.len != 16 + 4 * (size_t)k || at > np || k > np - at) {
            rc = cr_diag_set(d, CR_E_FORMAT, "record %llu does not fit the model",
                             (unsigned long long)rec.seq);
            break;
        }
        float *dst = s == 0 ? ae->slab : *mv + (s - 1) * np;
        for (uint32_t j = 0; j < k; j++)
            dst[at + j] = cr_lef32(rec.data + 16 + 4 * j);
        got[s] += k;
    }
    if (rc == 2)
        rc = cr_diag_set(d, CR_E_FORMAT, "more than one stream in a checkpoint");
    if (rc == 0 && (got[0] != np || got[1] != np || got[2] != np))
        rc = cr_diag_set(d, CR_E_TRUNCATED, "checkpoint lacks part of its tensors");
    for (size_t i = 0; rc == 0 && i < np; i++)
        if (!isfinite(ae->slab[i]) || !isfinite((*mv)[i]) || !isfinite((*mv)[np + i]))
            rc = cr_diag_set(d, CR_E_VALUE, "value %zu of the checkpoint is not finite", i);
done:
    cr_reader_close(r);
    fclose(f);
    if (rc < 0) {
        cr_ae_free(ae);
        free(*mv);
        *mv = NULL;
        return rc;
    }
    cr_ae_rehash(ae);
    *out = ae;
    return CR_OK;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct args {
    const char *model, *preset, *out, *valpath, *name, *logpath, *ckpt, *resume;
    char **sets;
    int nset;
};

enum { O_LR = 256, O_MINLR, O_WARM, O_WD, O_CLIP, O_BOW, O_BOWF, O_SEED, O_EVE, O_EVB,
       O_LOG, O_CKM, O_RES, O_START, O_GROW };
static const struct option longs[] = {
    {"model", 1, 0, 'm'}, {"preset", 1, 0, 'p'}, {"set", 1, 0, 's'}, {"output", 1, 0, 'o'},
    {"val", 1, 0, 'V'}, {"name", 1, 0, 'n'}, {"batch", 1, 0, 'B'}, {"accum", 1, 0, 'A'},
    {"steps", 1, 0, 'S'}, {"lr", 1, 0, O_LR}, {"min-lr", 1, 0, O_MINLR},
    {"warmup", 1, 0, O_WARM}, {"wd", 1, 0, O_WD}, {"clip", 1, 0, O_CLIP},
    {"bow", 1, 0, O_BOW}, {"bow-fade", 1, 0, O_BOWF}, {"seed", 1, 0, O_SEED},
    {"eval-every", 1, 0, O_EVE}, {"eval-blocks", 1, 0, O_EVB}, {"log", 1, 0, O_LOG},
    {"ckpt", 1, 0, 'c'}, {"ckpt-minutes", 1, 0, O_CKM}, {"resume", 1, 0, O_RES},
    {"start-tokens", 1, 0, O_START}, {"grow-every", 1, 0, O_GROW},
    {"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};

/* Reads the options into o and a; returns -1 to go on, or an exit status. Run again
 * after --resume has loaded a checkpoint, so that what the command line says wins. */
static int parse_args(int argc, char **argv, struct opts *o, struct args *a)
{
    int c, idx = 0;
    char *e;
#define NUM(dst, lo, hi, whole) do { double v_ = strtod(optarg, &e); if (*e || e == optarg || \
        !(v_ >= (lo) && v_ <= (hi)) || ((whole) && v_ != floor(v_))) { \
        cli_err("--%s: '%s' is not a %s from %g to %g", longs[idx].name, optarg, \
                (whole) ? "whole number" : "number", (double)(lo), (double)(hi)); \
        return CLI_EXIT_USAGE; } dst = v_; } while (0)
    optind = 0;
    a->nset = 0;
    while ((c = getopt_long(argc, argv, "m:p:s:o:V:n:B:A:S:c:vh", longs, &idx)) != -1) {
        if (c != '?' && c < 256)
            for (idx = 0; longs[idx].name && longs[idx].val != c; idx++)
                ;
        switch (c) {
        case 'm': a->model = optarg; break;
        case 'p': a->preset = optarg; break;
        case 's': a->sets[a->nset++] = optarg; break;
        case 'o': a->out = optarg; break;
        case 'V': a->valpath = optarg; break;
        case 'n': a->name = optarg; break;
        case 'B': NUM(o->B, 1, 256, 1); break;
        case 'A': NUM(o->accum, 1, 4096, 1); break;
        case 'S': NUM(o->steps, 1, 1e12, 1); break;
        case O_LR: NUM(o->lr, 0, 10, 0); break;
        case O_MINLR: NUM(o->min_lr, 0, 10, 0); break;
        case O_WARM: NUM(o->warmup, 0, 1e9, 1); break;
        case O_WD: NUM(o->wd, 0, 10, 0); break;
        case O_CLIP: NUM(o->clip, 0, 1e9, 0); break;
        case O_BOW: NUM(o->bow, 0, 100, 0); break;
        case O_BOWF: NUM(o->bow_fade, 0, 1e12, 1); break;
        case O_SEED: NUM(o->seed, 0, 1e15, 1); break;
        case O_EVE: NUM(o->eval_every, 1, 1e9, 1); break;
        case O_EVB: NUM(o->eval_blocks, 1, 1e6, 1); break;
        case O_LOG: a->logpath = optarg; break;
        case 'c': a->ckpt = optarg; break;
        case O_CKM: NUM(o->ckpt_minutes, 0, 1e6, 0); break;
        case O_RES: a->resume = optarg; break;
        case O_START: NUM(o->start_tokens, 0, 65536, 1); break;
        case O_GROW: NUM(o->grow_every, 1, 1e12, 1); break;
        case 'v': o->verbose = 1; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
#undef NUM
    return -1;
}

int main(int argc, char **argv)
{
    struct opts o = {8, 1, 100, 100, 32, 10, 0, 0, 0, 1, 1e-3, -1, 0.1, 1.0, 0.0, 0, 100};
    struct args a = {0};
    int status = CLI_EXIT_OK, rc;

    cli_blas_setup(argv);
    cli_init(argv);
    a.sets = calloc((size_t)argc + 1, sizeof *a.sets);
    if ((rc = parse_args(argc, argv, &o, &a)) >= 0)
        return rc;
    const char *model = a.model, *preset = a.preset, *out = a.out, *valpath = a.valpath;
    const char *name = a.name, *logpath = a.logpath, *ckpt = a.ckpt, *resume = a.resume;
    char **sets = a.sets;
    int nset = a.nset;
    if (!out || optind >= argc || (!!model + !!preset + !!resume) != 1) {
        cli_err("%s", !out ? "no output: give -o OUT" : optind >= argc ?
                "no training data: give TRAIN.tok" : "give exactly one of -m, -p, --resume");
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (nset && !preset) {
        cli_err("-s changes the config of a new model: it goes with -p, not -m or --resume");
        return CLI_EXIT_USAGE;
    }
    struct stat st;
    if ((stat(out, &st) == 0 && !S_ISREG(st.st_mode)) ||
        (ckpt && stat(ckpt, &st) == 0 && !S_ISREG(st.st_mode)) || !strcmp(out, "-")) {
        cli_err("the model (-o) and the checkpoint (-c) are written to regular files");
        return CLI_EXIT_USAGE;
    }
    char ckbuf[4096];
    if (!ckpt) {
        snprintf(ckbuf, sizeof ckbuf, "%s.ckpt", out);
        ckpt = ckbuf;
    }

    cr_ae *ae = NULL;
    cr_diag d;
    float *mv = NULL;
    long step = 0;
    if (resume) {
        if (load_ckpt(resume, &ae, &mv, &o, &step, &d) < 0) {
            cli_err("%s: %s", resume, d.msg);
            return CLI_EXIT_DATA;
        }
        parse_args(argc, argv, &o, &a); /* the command line wins over the checkpoint */
        fprintf(stderr, "%s: resuming %s at step %ld of %ld\n", cli_prog(), resume, step, o.steps);
    } else if (model) {
        if (!(ae = cli_load_model(model)))
            return CLI_EXIT_DATA;
    } else {
        cr_ae_config cfg;
        if (cr_ae_preset(&cfg, preset) < 0) {
            cli_err("-p %s: unknown preset (paper, cpu, tiny)", preset);
            return CLI_EXIT_USAGE;
        }
        for (int i = 0; i < nset; i++)
            if (cli_config_set(&cfg, sets[i]) < 0)
                return CLI_EXIT_USAGE;
        if (cr_ae_config_check(&cfg, &d) < 0 ||
            cr_ae_new_random(&ae, &cfg, (uint64_t)o.seed, &d) < 0) {
            cli_err("config: %s", d.msg);
            return CLI_EXIT_USAGE;
        }
        char vpath[4096];
        cr_vocab *voc;
        snprintf(vpath, sizeof vpath, "%s/gpt2", cli_share_dir());
        if (cfg.V == 50257 && cr_vocab_load(&voc, vpath, &d) == CR_OK) {
            cr_meta_set_u64(ae->meta, "tok.vocab_id", cr_vocab_id(voc));
            cr_vocab_free(voc);
        }
        cr_meta_set_str(ae->meta, "model.name", preset);
        cr_meta_set_u64(ae->meta, "model.seed", (uint64_t)o.seed);
    }
    free(sets);
    if (o.steps == 0)
        o.steps = 1000;
    if (o.min_lr < 0)
        o.min_lr = o.lr / 10;
    if (name)
        cr_meta_set_str(ae->meta, "model.name", name);

    struct data train = {0}, val = {0};
    for (int i = optind; i < argc; i++)
        load_blocks(&train, argv[i], ae, &status);
    if (valpath)
        load_blocks(&val, valpath, ae, &status);
    if (status != CLI_EXIT_OK) {
        cr_ae_free(ae);
        return status;
    }
    if (train.n == 0) {
        cli_err("no full blocks of %d tokens in the training data (%llu shorter ones)",
                ae->cfg.L, (unsigned long long)train.skipped);
        cr_ae_free(ae);
        return CLI_EXIT_DATA;
    }
    cr_trainer *t;
    if (cr_trainer_new(&t, ae, o.B, &d) < 0) {
        cli_err("%s", d.msg);
        return CLI_EXIT_DATA;
    }
    if (mv) {
        size_t np = cr_ae_nparams(&ae->cfg);
        memcpy(cr_trainer_m(t), mv, np * sizeof(float));
        memcpy(cr_trainer_v(t), mv + np, np * sizeof(float));
        free(mv);
    }
    fprintf(stderr, "%s: %zu parameters, %zu training blocks (%llu short ones skipped), %zu "
            "validation blocks, %ld steps of %d x %d blocks\n", cli_prog(),
            cr_ae_nparams(&ae->cfg), train.n, (unsigned long long)train.skipped, val.n,
            o.steps, o.accum, o.B);
    if (o.verbose)
        fprintf(stderr, "%s: trainer memory %.1f MB, BLAS kernels %s\n", cli_prog(),
                cr_trainer_bytes(t) / 1e6, cli_blas_core());

    FILE *log = NULL;
    if (logpath) {
        int fresh = access(logpath, F_OK) != 0 || !resume;
        log = fopen(logpath, resume ? "a" : "w");
        if (!log) {
            cli_err("%s: cannot write the log", logpath);
            return CLI_EXIT_DATA;
        }
        if (fresh)
            fprintf(log, "step\ttokens\tlr\tloss_bits\ttra\tgnorm\tval_ce_bits\tval_tra\t"
                         "val_majority_tra\tlatent_gain_bits\tseconds\n");
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    size_t L = (size_t)ae->cfg.L, *perm = malloc(train.n * sizeof *perm);
    uint32_t *batch = malloc((size_t)o.B * L * sizeof *batch);
    long epoch = -1;
    int tty = isatty(2);
    double t0 = now(), last_ckpt = t0, tok_s = 0;
    long start_step = step;
    struct val vr = {NAN, NAN, NAN, NAN};
    cr_train_stats run = {0};
    /* blocks drawn and tokens trained before this step, also across a resume */
    uint64_t drawn = 0, tokens_done = 0;
    for (long s0 = 0; s0 < step; s0++) {
        int n0 = tokens_at(&o, s0, (int)L), m0 = micro_at(&o, n0, (int)L);
        drawn += (uint64_t)m0 * o.B;
        tokens_done += (uint64_t)m0 * o.B * (uint64_t)n0;
    }
    while (step < o.steps && !stop_signal) {
        cr_train_stats st = {0};
        double ts = now();
        cr_trainer_zero_grad(t);
        float bow = (float)o.bow;
        if (o.bow_fade > 0)
            bow = step >= o.bow_fade ? 0.0f : (float)(o.bow * (1.0 - (double)step / o.bow_fade));
        int n = tokens_at(&o, step, (int)L), micro = micro_at(&o, n, (int)L);
        for (int a = 0; a < micro; a++) {
            for (int b = 0; b < o.B; b++) {
                uint64_t k = drawn + (uint64_t)a * o.B + b;
                long ep = (long)(k / train.n);
                if (ep != epoch) {
                    permutation(perm, train.n, o.seed, ep);
                    epoch = ep;
                }
                /* a window of n tokens, at a place that the step decides */
                uint64_t h = k * 0x9E3779B97F4A7C15ULL + (uint64_t)o.seed;
                size_t at = (size_t)((h >> 17) % (L - (size_t)n + 1));
                memcpy(batch + (size_t)b * n, train.ids + perm[k % train.n] * L + at,
                       (size_t)n * sizeof *batch);
            }
            cr_trainer_backward(t, batch, o.B, n, bow, 1.0f / micro, &st);
        }
        drawn += (uint64_t)micro * o.B;
        double loss = st.loss / st.n;
        if (!isfinite(loss) || loss > 1e3) {
            if (access(ckpt, F_OK) == 0)
                cli_err("loss %g at step %ld: stopping; the last good checkpoint is %s", loss,
                        step + 1, ckpt);
            else
                cli_err("loss %g at step %ld: stopping (no checkpoint was written)", loss,
                        step + 1);
            status = CLI_EXIT_DATA;
            break;
        }
        double gnorm = cr_trainer_clip(t, o.clip);
        double lr = lr_at(&o, step + 1);
        cr_trainer_adamw(t, (float)lr, (float)o.wd, 0.9f, 0.95f, 1e-8f, step + 1);
        step++;
        tokens_done += (uint64_t)st.n;
        run.loss += st.loss;
        run.hits += st.hits;
        run.n += st.n;
        tok_s = st.n / (now() - ts);
        int eval = val.n && (step % o.eval_every == 0 || step == o.steps);
        if (eval)
            vr = validate(t, &val, o.eval_blocks, o.B, (int)L, ae->cfg.V);
        if (log)
            fprintf(log, "%ld\t%llu\t%.3g\t%.4f\t%.4f\t%.3f\t%.4f\t%.4f\t%.4f\t%.4f\t%.1f\n", step,
                    (unsigned long long)tokens_done, lr,
                    loss / M_LN2, (double)st.hits / st.n, gnorm, eval ? vr.ce : NAN,
                    eval ? vr.tra : NAN, eval ? vr.maj : NAN, eval ? vr.gain : NAN,
                    now() - t0);
        if (log && eval)
            fflush(log);
        double eta = (now() - t0) / (step - start_step) * (o.steps - step);
        if (tty || eval || step % 10 == 0 || step == o.steps) {
            fprintf(stderr, "%sstep %ld/%ld  n %d  %.0f tok/s  loss %.3f bits  tra %.3f  val tra "
                    "%.3f (majority %.3f) ce %.3f gain %.3f  eta %.0fm%s", tty ? "\r" : "", step,
                    o.steps, n, tok_s, loss / M_LN2, (double)st.hits / st.n, vr.tra, vr.maj,
                    vr.ce, vr.gain, eta / 60, tty ? "\033[K" : "\n");
        }
        if (o.ckpt_minutes > 0 && now() - last_ckpt > 60.0 * o.ckpt_minutes) {
            if (save_ckpt(ckpt, ae, t, &o, step, &d) < 0)
                cli_err("%s", d.msg);
            last_ckpt = now();
        }
    }
    if (tty)
        fputc('\n', stderr);
    if (status == CLI_EXIT_OK && !stop_signal && save_ckpt(ckpt, ae, t, &o, step, &d) < 0)
        cli_err("%s", d.msg); /* a finished run can be extended with --resume -S MORE */
    if (stop_signal && status == CLI_EXIT_OK) {
        if (save_ckpt(ckpt, ae, t, &o, step, &d) < 0)
            cli_err("%s", d.msg);
        else
            cli_err("stopped by signal %d at step %ld; resume with --resume %s", (int)stop_signal,
                    step, ckpt);
        status = CLI_EXIT_DATA;
    }
    if (status == CLI_EXIT_OK) {
        char desc[1024] = "";
        size_t at = 0;
        for (int i = optind; i < argc && at < sizeof desc - 1; i++)
            at += (size_t)snprintf(desc + at, sizeof desc - at, "%s%s", i > optind ? " " : "",
                                   argv[i]);
        static const char *run_keys[] = {"train.step", "train.B", "train.accum", "train.warmup",
                                         "train.seed", "train.bow_fade", "train.min_lr",
                                         "train.start_tokens", "train.grow_every",
                                         "train.wd", "train.clip", "val.tra", "val.ce_bits",
                                         "val.majority_tra", "val.latent_gain_bits"};
        for (size_t k = 0; k < sizeof run_keys / sizeof run_keys[0]; k++)
            cr_meta_del(ae->meta, run_keys[k]);
        cr_meta_set_str(ae->meta, "model.origin", "crtrain");
        cr_meta_set_str(ae->meta, "train.data", desc);
        cr_meta_set_u64(ae->meta, "train.docs", train.docs);
        cr_meta_set_u64(ae->meta, "train.blocks", train.n);
        cr_meta_set_u64(ae->meta, "train.steps", (uint64_t)step);
        cr_meta_set_u64(ae->meta, "train.tokens", tokens_done);
        cr_meta_set_f64(ae->meta, "train.lr", o.lr);
        cr_meta_set_f64(ae->meta, "train.bow", o.bow);
        if (val.n) {
            cr_meta_set_f64(ae->meta, "val.tra", vr.tra);
            cr_meta_set_f64(ae->meta, "val.ce_bits", vr.ce);
            cr_meta_set_f64(ae->meta, "val.majority_tra", vr.maj);
            cr_meta_set_f64(ae->meta, "val.latent_gain_bits", vr.gain);
        }
        if (cr_ae_save(ae, out, CR_DTYPE_F32, &d) < 0) {
            cli_err("%s", d.msg);
            status = CLI_EXIT_DATA;
        }
    }
    if (log)
        fclose(log);
    free(perm);
    free(batch);
    free(train.ids);
    free(val.ids);
    cr_trainer_free(t);
    cr_ae_free(ae);
    return status;
}
