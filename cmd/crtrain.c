/* crtrain: trains an expert end to end (encoder and decoder, cross-entropy on every
 * reconstructed position) with AdamW, checkpoints and validation: open the model or the
 * checkpoint, read the blocks, step until done, write the model. The run itself (schedules,
 * data order, steps, validation) is core/trainrun.c, the trainer core/train.c and the
 * checkpoint format core/ckpt.c. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/aefile.h"
#include "../core/ckpt.h"
#include "../core/fit.h"
#include "../core/input.h"
#include "../core/train.h"
#include "cli.h"

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
        "      --start-tokens N curriculum: windows of N tokens of each block, doubled every\n"
        "                       --grow-every steps up to the block size (default 0: off)\n"
        "      --grow-every N   steps between doublings (default 100)\n"
        "      --short-every N  every Nth step on windows of 32 to L/2 tokens (default 0: none)\n"
        "      --eval-every N   validate every N steps (default 100)\n"
        "      --eval-blocks N  validation blocks (default 32)\n"
        "      --log FILE       learning curve as tab-separated lines\n"
        "  -c, --ckpt FILE      checkpoint (default OUT.ckpt)\n"
        "      --ckpt-minutes X checkpoint every X minutes (default 10)\n"
        "      --resume CKPT    continue the run saved in CKPT\n"
        "  -v, --verbose        also report memory, BLAS kernels and bf16 or fp32\n"
        "  -h, --help           this help\n"
        "      --version        cr's version and the BLAS kernels\n"
        "See crtrain(1).\n");
}

/* The command line, read once. The run's options are in run; given has bit i set for each
 * cr_train_keys[i] the command line gave, which overrides a checkpoint's value. */
struct opts {
    cr_train_opts run;
    unsigned given;
    const char *model, *preset, *out, *val, *name, *log, *ckpt, *resume;
    const char **sets;
    int nset, verbose;
    long eval_every, eval_blocks;
    double ckpt_minutes;
    char ckbuf[4096];
};

/* Long options: those of the run are O_RUN + their index in cr_train_keys, which holds their
 * ranges and defaults. */
enum { O_RUN = 256, O_EVE = O_RUN + CR_TRAIN_NKEYS, O_EVB, O_CKM, O_LOG, O_RES, O_VERSION };
static const struct option longs[] = {
    {"model", 1, 0, 'm'}, {"preset", 1, 0, 'p'}, {"set", 1, 0, 's'}, {"output", 1, 0, 'o'},
    {"val", 1, 0, 'V'}, {"name", 1, 0, 'n'}, {"batch", 1, 0, O_RUN + CR_TRAIN_B},
    {"accum", 1, 0, O_RUN + CR_TRAIN_ACCUM}, {"steps", 1, 0, O_RUN + CR_TRAIN_STEPS},
    {"lr", 1, 0, O_RUN + CR_TRAIN_LR}, {"min-lr", 1, 0, O_RUN + CR_TRAIN_MIN_LR},
    {"warmup", 1, 0, O_RUN + CR_TRAIN_WARMUP}, {"wd", 1, 0, O_RUN + CR_TRAIN_WD},
    {"clip", 1, 0, O_RUN + CR_TRAIN_CLIP}, {"bow", 1, 0, O_RUN + CR_TRAIN_BOW},
    {"bow-fade", 1, 0, O_RUN + CR_TRAIN_BOW_FADE}, {"seed", 1, 0, O_RUN + CR_TRAIN_SEED},
    {"start-tokens", 1, 0, O_RUN + CR_TRAIN_START_TOKENS},
    {"grow-every", 1, 0, O_RUN + CR_TRAIN_GROW_EVERY},
    {"short-every", 1, 0, O_RUN + CR_TRAIN_SHORT_EVERY}, {"eval-every", 1, 0, O_EVE},
    {"eval-blocks", 1, 0, O_EVB}, {"log", 1, 0, O_LOG}, {"ckpt", 1, 0, 'c'},
    {"ckpt-minutes", 1, 0, O_CKM}, {"resume", 1, 0, O_RES}, {"verbose", 0, 0, 'v'},
    {"help", 0, 0, 'h'}, {"version", 0, 0, O_VERSION}, {0, 0, 0, 0}};

/* optarg as a number in [lo, hi], whole if asked; NAN after a usage message naming the long
 * option of ch. */
static double number(int ch, double lo, double hi, int whole)
{
    char opt[32];
    int i = 0;
    while (longs[i].val != ch)
        i++;
    snprintf(opt, sizeof opt, "--%s", longs[i].name);
    return cli_number(optarg, opt, lo, hi, whole ? CLI_NUM_WHOLE : 0);
}

/* Reads the command line into o; returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct opts *o)
{
    struct stat st;
    double v;
    int c;

    *o = (struct opts){.eval_every = 100, .eval_blocks = 32, .ckpt_minutes = 10};
    cr_train_opts_default(&o->run);
    if (!(o->sets = calloc((size_t)argc + 1, sizeof *o->sets)))
        return CLI_EXIT_DATA;
    while ((c = getopt_long(argc, argv, "m:p:s:o:V:n:B:A:S:c:vh", longs, NULL)) != -1) {
        c = c == 'B' ? O_RUN + CR_TRAIN_B : c == 'A' ? O_RUN + CR_TRAIN_ACCUM :
            c == 'S' ? O_RUN + CR_TRAIN_STEPS : c;
        if (c >= O_RUN && c < O_EVE) {
            const cr_train_key *k = &cr_train_keys[c - O_RUN];
            if (isnan(v = number(c, k->lo, k->hi, !k->f64)))
                return CLI_EXIT_USAGE;
            cr_train_opts_set(&o->run, c - O_RUN, v);
            o->given |= 1u << (c - O_RUN);
            continue;
        }
        switch (c) {
        case 'm': o->model = optarg; break;
        case 'p': o->preset = optarg; break;
        case 's': o->sets[o->nset++] = optarg; break;
        case 'o': o->out = optarg; break;
        case 'V': o->val = optarg; break;
        case 'n': o->name = optarg; break;
        case 'c': o->ckpt = optarg; break;
        case O_LOG: o->log = optarg; break;
        case O_RES: o->resume = optarg; break;
        case O_EVE: if (isnan(v = number(c, 1, 1e9, 1))) return CLI_EXIT_USAGE;
                    o->eval_every = (long)v; break;
        case O_EVB: if (isnan(v = number(c, 1, 1e6, 1))) return CLI_EXIT_USAGE;
                    o->eval_blocks = (long)v; break;
        case O_CKM: if (isnan(o->ckpt_minutes = number(c, 0, 1e6, 0))) return CLI_EXIT_USAGE;
                    break;
        case 'v': o->verbose = 1; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        case O_VERSION: cli_version(); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (!o->out || optind >= argc || (!!o->model + !!o->preset + !!o->resume) != 1) {
        cli_err("%s", !o->out ? "no output: give -o OUT" : optind >= argc ?
                "no training data: give TRAIN.tok" : "give exactly one of -m, -p, --resume");
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (o->nset && !o->preset) {
        cli_err("-s changes the config of a new model: it goes with -p, not -m or --resume");
        return CLI_EXIT_USAGE;
    }
    if ((stat(o->out, &st) == 0 && !S_ISREG(st.st_mode)) || !strcmp(o->out, "-") ||
        (o->ckpt && stat(o->ckpt, &st) == 0 && !S_ISREG(st.st_mode))) {
        cli_err("the model (-o) and the checkpoint (-c) are written to regular files");
        return CLI_EXIT_USAGE;
    }
    if (!o->ckpt) {
        snprintf(o->ckbuf, sizeof o->ckbuf, "%s.ckpt", o->out);
        o->ckpt = o->ckbuf;
    }
    return -1;
}

/* The model to train: a checkpoint's, with its moments, its step and its options but those
 * the command line gave; a model file; or a new model of a preset. */
static int model_open(struct opts *o, cr_ae **ae, float **moments, long *step)
{
    cr_diag d;
    int status = CLI_EXIT_OK;

    if (o->resume) {
        if (cr_ckpt_load(o->resume, ae, moments, &o->run, o->given, step, &d) < 0) {
            cli_err("%s", d.msg);
            return CLI_EXIT_DATA;
        }
        fprintf(stderr, "%s: resuming %s at step %ld of %ld\n", cli_prog(), o->resume, *step,
                o->run.steps);
    } else if (o->model) {
        status = (*ae = cli_load_model(o->model)) ? CLI_EXIT_OK : CLI_EXIT_DATA;
    } else {
        status = cli_new_model(ae, o->preset, o->sets, o->nset, (unsigned long long)o->run.seed,
                               NULL, NULL);
    }
    if (o->run.min_lr < 0)
        o->run.min_lr = o->run.lr / 10;
    if (status == CLI_EXIT_OK && o->name)
        cr_meta_set_str((*ae)->meta, "model.name", o->name);
    return status;
}

/* Reads the blocks of token streams into dt, each input to its end or its first error, so
 * that every error is reported. */
static int data_load(cr_train_data *dt, const char *const *paths, int n, const cr_ae *ae)
{
    cr_input *in;
    cr_diag d;
    int status = CLI_EXIT_OK;

    if (cr_input_open(&in, paths, n, CR_KIND_TOKENS, &d) < 0) {
        cli_err("%s", d.msg);
        return CLI_EXIT_DATA;
    }
    while (cr_train_data_read(dt, in, ae, &d) < 0) {
        cli_err("%s", d.msg);
        status = CLI_EXIT_DATA;
    }
    cr_input_close(in);
    return status;
}

static volatile sig_atomic_t stop_signal;
static void on_signal(int s) { stop_signal = s; }

/* A run under way. */
struct run {
    cr_ae *ae;
    cr_train *t;
    cr_train_data train, val;
    cr_train_pos pos;
    cr_train_val vr;  /* the last validation */
    FILE *log;
    double t0, last_ckpt;
    long start_step;  /* the step this process started at */
    long ckpt_step;   /* the step of its last checkpoint, -1 before the first */
    int tty;
    int bf16;         /* products in bf16 (cli_matmul_train) */
};

/* The adaptive head's order is still that of a new model: the ids in order. */
static int order_is_ids(const cr_ae *ae)
{
    for (int r = 0; r < ae->cfg.V; r++)
        if (ae->order[r] != (uint32_t)r)
            return 0;
    return 1;
}

/* The trainer (with the checkpoint's moments), the first report, the log and the signals. */
static int run_start(const struct opts *o, struct run *r, const float *moments)
{
    size_t np = cr_ae_nparams(&r->ae->cfg);
    cr_diag d;

    if (r->train.n == 0) {
        cli_err("no full blocks of %d tokens in the training data (%llu shorter ones)",
                r->ae->cfg.L, (unsigned long long)r->train.skipped);
        return CLI_EXIT_DATA;
    }
    if (r->ae->cfg.asm_in && o->run.bow > 0) {
        cli_err("--bow: the bag-of-words loss reads the full token embedding, which a model "
                "with adaptive input (asm_in) does not have");
        return CLI_EXIT_USAGE;
    }
    if (cr_train_new(&r->t, r->ae, (int)o->run.B, &d) < 0) {
        cli_err("%s", d.msg);
        return CLI_EXIT_DATA;
    }
    if ((r->bf16 = cli_matmul_train(r->t)) < 0)
        return CLI_EXIT_DATA;
    if (r->ae->cfg.asm_n && !o->resume && (o->preset || order_is_ids(r->ae))) {
        /* a new adaptive head: its shortlist and clusters follow this data's counts */
        long seen = cr_train_asm_order(r->ae, &r->train, &d);
        if (seen < 0) {
            cli_err("%s", d.msg);
            return CLI_EXIT_DATA;
        }
        /* how many rows crmodel convert --asm-in keeps of the tokens this data has */
        if (cr_meta_set_u64(r->ae->meta, "train.vocab_seen", (uint64_t)seen) < 0) {
            cli_err("out of memory");
            return CLI_EXIT_DATA;
        }
        fprintf(stderr, "%s: adaptive head: token order from the training data (%ld of %d "
                "tokens seen)\n", cli_prog(), seen, r->ae->cfg.V);
    }
    if (moments) {
        memcpy(cr_train_m(r->t), moments, np * sizeof(float));
        memcpy(cr_train_v(r->t), moments + np, np * sizeof(float));
    }
    fprintf(stderr, "%s: %zu parameters, %zu training blocks (%llu short ones skipped), %zu "
            "validation blocks, %ld steps of %ld x %ld blocks\n", cli_prog(), np, r->train.n,
            (unsigned long long)r->train.skipped, r->val.n, o->run.steps, o->run.accum,
            o->run.B);
    if (o->verbose)
        fprintf(stderr, "%s: trainer memory %.1f MB, BLAS kernels %s, model products %s\n",
                cli_prog(), cr_train_bytes(r->t) / 1e6, cli_blas_core(),
                r->bf16 ? "bf16" : "fp32");
    if (o->log) {
        int fresh = !o->resume || access(o->log, F_OK) != 0;
        if (!(r->log = fopen(o->log, o->resume ? "a" : "w"))) {
            cli_err("%s: cannot write the log: %s", o->log, strerror(errno));
            return CLI_EXIT_DATA;
        }
        if (fresh)
            fprintf(r->log, "step\ttokens\tlr\tloss_bits\ttra\tgnorm\tval_ce_bits\tval_tra\t"
                            "val_majority_tra\tlatent_gain_bits\tseconds\n");
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    cr_train_pos_at(&r->pos, &o->run, r->pos.step, r->ae->cfg.L);
    r->vr = (cr_train_val){NAN, NAN, NAN, NAN};
    r->start_step = r->pos.step;
    r->ckpt_step = -1;
    r->tty = isatty(2);
    r->t0 = r->last_ckpt = cli_now();
    return CLI_EXIT_OK;
}

/* The log line and the progress line of a step (crtrain(1): Progress, Log file). */
static void report(const struct opts *o, const struct run *r, const cr_train_step_stats *s,
                   int eval, double tok_s)
{
    long step = r->pos.step, left = o->run.steps - step;
    double loss = s->st.loss / s->st.n / M_LN2, tra = (double)s->st.hits / s->st.n;
    double secs = cli_now() - r->t0;
    if (r->log) {
        fprintf(r->log, "%ld\t%llu\t%.3g\t%.4f\t%.4f\t%.3f\t%.4f\t%.4f\t%.4f\t%.4f\t%.1f\n", step,
                (unsigned long long)r->pos.tokens, s->lr, loss, tra, s->gnorm,
                eval ? r->vr.ce : NAN, eval ? r->vr.tra : NAN, eval ? r->vr.maj : NAN,
                eval ? r->vr.gain : NAN, secs);
        if (eval)
            fflush(r->log);
    }
    if (r->tty || eval || step % 10 == 0 || left == 0)
        fprintf(stderr, "%sstep %ld/%ld  n %d  %.0f tok/s  loss %.3f bits  tra %.3f  val tra "
                "%.3f (majority %.3f) ce %.3f gain %.3f  eta %.0fm%s", r->tty ? "\r" : "",
                step, o->run.steps, s->n, tok_s, loss, tra, r->vr.tra, r->vr.maj, r->vr.ce,
                r->vr.gain, secs / (step - r->start_step) * left / 60, r->tty ? "\033[K" : "\n");
}

/* Writes a checkpoint of the run as it is now; prints why not and returns -1 on failure. */
static int checkpoint(const struct opts *o, struct run *r)
{
    cr_diag d;
    if (cr_ckpt_save(o->ckpt, r->ae, cr_train_m(r->t), cr_train_v(r->t), &o->run, r->pos.step,
                     &d) < 0) {
        cli_err("%s", d.msg);
        return -1;
    }
    r->ckpt_step = r->pos.step;
    return 0;
}

/* The end of a run that did not diverge: a checkpoint (so that a finished run can be
 * extended with --resume -S MORE), then the model unless a signal stopped the run. */
static int run_end(const struct opts *o, struct run *r, const char *const *files, int nfiles)
{
    int saved = checkpoint(o, r) == 0, sig = (int)stop_signal;
    cr_diag d;

    if (sig && saved)
        cli_err("stopped by signal %d at step %ld; resume with --resume %s", sig, r->pos.step,
                o->ckpt);
    else if (sig && r->ckpt_step >= 0)
        cli_err("stopped by signal %d at step %ld; resume from step %ld with --resume %s", sig,
                r->pos.step, r->ckpt_step, o->ckpt);
    else if (sig)
        cli_err("stopped by signal %d at step %ld without a checkpoint", sig, r->pos.step);
    if (sig)
        return CLI_EXIT_DATA;
    if (cr_train_meta(r->ae->meta, &o->run, &r->pos, &r->train, r->val.n ? &r->vr : NULL,
                      files, nfiles, &d) < 0 ||
        cr_meta_set_str(r->ae->meta, "train.matmul", r->bf16 ? "bf16" : "fp32") < 0 ||
        cr_ae_save(r->ae, o->out, CR_DTYPE_F32, &d) < 0) {
        cli_err("%s", d.msg);
        return CLI_EXIT_DATA;
    }
    return saved ? CLI_EXIT_OK : CLI_EXIT_DATA;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct run r = {0};
    float *moments = NULL;
    const char *const *files;
    cr_train_step_stats s;
    cr_diag d;
    int rc, status;

    cli_blas_setup(argv, CLI_TRAIN_SPIN);
    cli_init(argv);
    if ((status = parse_args(argc, argv, &o)) >= 0)
        goto done;
    if (!cli_matmul_ok()) { /* before the model and the data are read */
        status = CLI_EXIT_DATA;
        goto done;
    }
    if ((status = model_open(&o, &r.ae, &moments, &r.pos.step)) != CLI_EXIT_OK)
        goto done;
    files = (const char *const *)(argv + optind);
    status = data_load(&r.train, files, argc - optind, r.ae);
    if (o.val && data_load(&r.val, &o.val, 1, r.ae) != CLI_EXIT_OK)
        status = CLI_EXIT_DATA;
    if (status != CLI_EXIT_OK || (status = run_start(&o, &r, moments)) != CLI_EXIT_OK)
        goto done;

    while (r.pos.step < o.run.steps && !stop_signal) {
        double t0 = cli_now();
        if ((rc = cr_train_step(r.t, &o.run, &r.train, &r.pos, &s, &d)) < 0) {
            if (rc != CR_E_NUMERIC)
                cli_err("%s", d.msg);
            else if (access(o.ckpt, F_OK) == 0)
                cli_err("%s: stopping; the last good checkpoint is %s", d.msg, o.ckpt);
            else
                cli_err("%s: stopping (no checkpoint was written)", d.msg);
            status = CLI_EXIT_DATA;
            break;
        }
        double tok_s = s.st.n / (cli_now() - t0);
        int eval = r.val.n && (r.pos.step % o.eval_every == 0 || r.pos.step == o.run.steps);
        if (eval)
            cr_train_validate(r.t, &r.val, (size_t)o.eval_blocks, &r.vr);
        report(&o, &r, &s, eval, tok_s);
        if (o.ckpt_minutes > 0 && cli_now() - r.last_ckpt > 60.0 * o.ckpt_minutes) {
            checkpoint(&o, &r);
            r.last_ckpt = cli_now();
        }
    }
    if (r.tty)
        fputc('\n', stderr);
    if (status == CLI_EXIT_OK)
        status = run_end(&o, &r, files, argc - optind);
done:
    if (r.log)
        fclose(r.log);
    cr_train_data_free(&r.train);
    cr_train_data_free(&r.val);
    cr_train_free(r.t);
    cr_ae_free(r.ae);
    free(moments);
    free(o.sets);
    return status;
}
