/* crtag: tags files and trees by domain in one command: each file (or, with --spans,
 * each stretch of it) gets the expert that reconstructs it best, or "unknown". The whole
 * pipeline runs in this process (core/tagger.h), one file at a time. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "../core/aefile.h"
#include "../core/tagger.h"
#include "../core/tagstate.h"
#include "../core/tokrec.h"
#include "../core/walk.h"
#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: crtag [-m EXPERT]... [-s] [--state FILE [--changed]] [--json | --header]\n"
               "             [-S STRIDE] [-p P] [-l P] [-P P] [-a A] [-b B] [-r X] [-v] PATH...\n"
               "Tags each file, and with -s each stretch of each file, with the expert that\n"
               "reconstructs it best, or unknown. A PATH is a file or a directory (walked);\n"
               "- reads a list of paths from stdin, NUL- or newline-separated.\n"
               "  -m, --model EXPERT  an expert (a name or a file); default: every shipped one\n"
               "  -s, --spans         one line per span: path start end label\n"
               "      --state FILE    remember each file's hash and spans in FILE; a file\n"
               "                      unchanged since then is not scored again\n"
               "      --changed       with --state: print only files new or changed since\n"
               "  -S, --stride N      tokens between windows (default: half the block, 256)\n"
               "  -p, --penalty P     the cost of a change of label (default %g)\n"
               "  -l, --line-penalty P  the same at the start of a line (default %g)\n"
               "  -P, --para-penalty P  at the start of a paragraph (default %g)\n"
               "  -a, --median-power A  how much of each expert's held-out median its costs\n"
               "                      take, 0 (raw bits) to 1 (default %g)\n"
               "  -b, --spread-power B  the same for its spread (default %g)\n"
               "  -r, --reject X      one rejection threshold (default: each expert's q99)\n"
               "      --json          JSON Lines\n"
               "      --header        a first line naming the columns\n"
               "  -v, --verbose       a summary on stderr\n"
               "  -h, --help          this help\n"
               "      --version       version\n"
               "File lines: path label xxh3 size, then the share of bytes of each label.\n"
               "See crtag(1).\n", CR_SEG_PENALTY, CR_SEG_LINE_PENALTY, CR_SEG_PARA_PENALTY,
            CR_CALIB_SPAN_A, CR_CALIB_SPAN_B);
}

struct opts {
    const char *models[CR_SEG_MAX_STATES], *state;
    int nmodels, spans, changed, json, header, verbose;
    long stride;
    double penalty[3], reject; /* in a line, at a line, at a paragraph */
    cr_calib_scale scale;      /* -a, -b */
};

static struct {
    struct opts o;
    int k, shipped; /* shipped: the names in o.models are ours to free */
    int bf16;       /* an expert multiplies in bf16 (cli_matmul) */
    cr_ae *ex[CR_SEG_MAX_STATES];
    char *names[CR_SEG_MAX_STATES + 1];
    cr_vocab *v;
    cr_tagger *t;
    cr_tagstate old, now;
    cr_tagspan *spans; /* of the file being tagged */
    size_t nspans, cap;
    unsigned char buf[1 << 18];
    unsigned long long files, skipped, scored, reused, bytes, tokens;
    cli_progress pg;
} g;

/* SIGINT or SIGTERM: the file being scored is dropped, the walk ends, and the state keeps
 * what was done and what the run did not reach (the next run goes on from there). */
static volatile sig_atomic_t stop_signal;
static void on_signal(int sig) { stop_signal = sig; }

static int collect(void *arg, uint64_t start, uint64_t end, int state)
{
    (void)arg;
    if (g.nspans == g.cap) {
        size_t cap = g.cap ? 2 * g.cap : 64;
        cr_tagspan *s = realloc(g.spans, cap * sizeof *s);
        if (!s)
            return CR_E_NOMEM;
        g.spans = s;
        g.cap = cap;
    }
    g.spans[g.nspans++] = (cr_tagspan){start, end, (uint16_t)state};
    return 0;
}

static void put_path(const char *p) { cli_put_str(g.o.json, p, strlen(p)); }

static void put_skipped(const char *path, const char *why, const char *detail)
{
    g.skipped++;
    cli_err("%s: skipped: %s", path, detail ? detail : why);
    if (g.o.json) {
        fputs("{\"path\":", stdout);
        put_path(path);
        printf(",\"label\":\"skipped\",\"reason\":\"%s\"}\n", why);
        return;
    }
    put_path(path);
    printf("\tskipped:%s\t-\t-", why);
    for (int i = 0; !g.o.spans && i <= g.k; i++)
        fputs("\t-", stdout);
    putchar('\n');
}

/* The lines of a tagged file: its spans, or one line with the share of each label. */
static void put_result(const cr_tagentry *e)
{
    double share[CR_SEG_MAX_STATES + 1] = {0};
    int label = g.k;
    for (uint32_t i = 0; g.o.spans && i < e->nspans; i++) {
        const cr_tagspan *s = &e->spans[i];
        if (g.o.json) {
            fputs("{\"path\":", stdout);
            put_path(e->path);
            printf(",\"start\":%llu,\"end\":%llu,\"label\":\"%s\"}\n",
                   (unsigned long long)s->start, (unsigned long long)s->end, g.names[s->state]);
        } else {
            put_path(e->path);
            printf("\t%llu\t%llu\t%s\n", (unsigned long long)s->start,
                   (unsigned long long)s->end, g.names[s->state]);
        }
    }
    if (g.o.spans)
        return;
    for (uint32_t i = 0; i < e->nspans; i++)
        share[e->spans[i].state] += (double)(e->spans[i].end - e->spans[i].start) / e->size;
    for (int i = 0; i < g.k; i++) /* the label covering most bytes; unknown on a tie */
        if (share[i] > share[label])
            label = i;
    if (g.o.json) {
        fputs("{\"path\":", stdout);
        put_path(e->path);
        printf(",\"label\":\"%s\",\"xxh3\":\"%016llx\",\"size\":%llu,\"shares\":{",
               g.names[label], (unsigned long long)e->hash, (unsigned long long)e->size);
        for (int i = 0; i <= g.k; i++)
            printf("%s\"%s\":%.4f", i ? "," : "", g.names[i], share[i]);
        puts("}}");
        return;
    }
    put_path(e->path);
    printf("\t%s\t%016llx\t%llu", g.names[label], (unsigned long long)e->hash,
           (unsigned long long)e->size);
    for (int i = 0; i <= g.k; i++)
        printf("\t%.4f", share[i]);
    putchar('\n');
}

/* Hashes an open file; *binary when its first 64 KiB hold a NUL byte (as grep and git
 * decide). Returns 0, or errno. */
static int hash_file(int fd, uint64_t *hash, uint64_t *size, int *binary)
{
    XXH3_state_t *h = XXH3_createState();
    ssize_t n;
    *size = 0;
    *binary = 0;
    XXH3_64bits_reset(h);
    while ((n = read(fd, g.buf, sizeof g.buf)) > 0) {
        if (*size < 65536 && memchr(g.buf, 0, (size_t)n < 65536 ? (size_t)n : 65536))
            *binary = 1;
        XXH3_64bits_update(h, g.buf, (size_t)n);
        *size += (uint64_t)n;
    }
    *hash = XXH3_64bits_digest(h);
    XXH3_freeState(h);
    return n < 0 ? errno : 0;
}

static int tag_fd(int fd, uint64_t size, cr_diag *d)
{
    ssize_t n;
    uint64_t got = 0;
    int rc = CR_OK;
    g.nspans = 0;
    cr_tagger_begin(g.t);
    if (lseek(fd, 0, SEEK_SET) != 0)
        return cr_diag_set(d, CR_E_IO, "%s", strerror(errno));
    while (rc >= 0 && !stop_signal && (n = read(fd, g.buf, sizeof g.buf)) > 0) {
        got += (uint64_t)n;
        rc = cr_tagger_feed(g.t, g.buf, (size_t)n, 0, d);
        cli_progress_show(&g.pg, g.files, g.tokens + cr_tagger_tokens(g.t), g.bytes + got);
    }
    if (stop_signal)
        return 1;
    if (rc >= 0 && got != size)
        return cr_diag_set(d, CR_E_IO, "changed while it was read (%llu bytes, then %llu)",
                           (unsigned long long)size, (unsigned long long)got);
    rc = rc < 0 ? rc : cr_tagger_feed(g.t, NULL, 0, 1, d);
    g.tokens += cr_tagger_tokens(g.t);
    return rc;
}

static int tag_file(void *arg, const char *path, int direrr)
{
    struct stat st;
    uint64_t hash, size;
    int binary, err, rc = 0;
    cr_diag d;
    (void)arg;
    if (stop_signal)
        return 1;
    g.files++;
    if (direrr) {
        put_skipped(path, "unreadable", strerror(direrr));
        return 0;
    }
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        put_skipped(path, errno == ENOENT ? "vanished" : "unreadable", strerror(errno));
        return 0;
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        put_skipped(path, "link", "a link to a directory, not followed");
    } else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        put_skipped(path, "special", "not a regular file");
    } else if ((err = hash_file(fd, &hash, &size, &binary)) != 0) {
        put_skipped(path, "unreadable", strerror(err));
    } else if (size == 0) {
        put_skipped(path, "empty", NULL);
    } else if (binary) {
        put_skipped(path, "binary", "binary (a NUL byte in its first 64 KiB)");
    } else {
        const cr_tagentry *was = cr_tagstate_find(&g.old, path);
        cr_tagentry e = {(char *)path, hash, size, 0, NULL};
        int fresh = !was || was->hash != hash || was->size != size;
        if (fresh && (rc = tag_fd(fd, size, &d)) != 0) {
            if (rc < 0)
                put_skipped(path, "unreadable", d.msg);
            else
                g.files--; /* stopped: not done */
            close(fd);
            return rc > 0;
        }
        e.spans = fresh ? g.spans : was->spans;
        e.nspans = fresh ? (uint32_t)g.nspans : was->nspans;
        g.scored += fresh;
        g.reused += !fresh;
        g.bytes += size;
        if (g.o.state && cr_tagstate_add(&g.now, &e, &d) < 0)
            cli_err("%s: %s", path, d.msg);
        if (!g.o.changed || fresh)
            put_result(&e);
    }
    close(fd);
    return stop_signal != 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option longs[] = {
        {"model", 1, 0, 'm'}, {"spans", 0, 0, 's'}, {"state", 1, 0, 'T'},
        {"changed", 0, 0, 'C'}, {"stride", 1, 0, 'S'}, {"penalty", 1, 0, 'p'},
        {"line-penalty", 1, 0, 'l'}, {"para-penalty", 1, 0, 'P'}, {"median-power", 1, 0, 'a'},
        {"spread-power", 1, 0, 'b'}, {"reject", 1, 0, 'r'}, {"json", 0, 0, 'j'}, {"header", 0, 0, 'H'},
        {"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    int c;
    /* stride 0: half the block size */
    *o = (struct opts){.penalty = {CR_SEG_PENALTY, CR_SEG_LINE_PENALTY, CR_SEG_PARA_PENALTY},
                       .scale = {CR_CALIB_SPAN_A, CR_CALIB_SPAN_B}};
    while ((c = getopt_long(argc, argv, "m:sS:p:l:P:a:b:r:vh", longs, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (o->nmodels == CR_SEG_MAX_STATES - 1) {
                cli_err("-m: at most %d experts", CR_SEG_MAX_STATES - 1);
                return -1;
            }
            o->models[o->nmodels++] = optarg;
            break;
        case 's': o->spans = 1; break;
        case 'T': o->state = optarg; break;
        case 'C': o->changed = 1; break;
        case 'S':
            if ((o->stride = cli_count(optarg, "-S", 1, CR_BLOCK_MAX_TOKENS)) < 0)
                return -1;
            break;
        case 'p':
        case 'l':
        case 'P':
        case 'r':
        case 'a':
        case 'b': {
            double *x = c == 'p'   ? &o->penalty[0]
                        : c == 'l' ? &o->penalty[1]
                        : c == 'P' ? &o->penalty[2]
                        : c == 'r' ? &o->reject
                        : c == 'a' ? &o->scale.a
                                   : &o->scale.b;
            const char name[3] = {'-', (char)c, 0};
            int power = c == 'a' || c == 'b'; /* from 0 to 1; the others above 0 */
            if (isnan(*x = cli_number(optarg, name, 0, power ? 1 : INFINITY,
                                      power ? 0 : CLI_NUM_ABOVE)))
                return -1;
            break;
        }
        case 'j': o->json = 1; break;
        case 'H': o->header = 1; break;
        case 'v': o->verbose = 1; break;
        case 'h': usage(stdout); return 1;
        case 'V': cli_version(); return 1;
        default: usage(stderr); return -1;
        }
    }
    if (o->changed && !o->state) {
        cli_err("--changed goes with --state FILE");
        return -1;
    }
    if (optind == argc) {
        cli_err("no PATH: give files, directories, or - for a list on stdin");
        usage(stderr);
        return -1;
    }
    return 0;
}

/* The experts: those of -m, else every shipped one. */
static int load_experts(void)
{
    if (!g.o.nmodels && (g.shipped = 1) &&
        (g.o.nmodels = cli_shipped_models(g.o.models, CR_SEG_MAX_STATES - 1)) <= 0) {
        cli_err("%s/models: no shipped experts; give one with -m", cli_share_dir());
        return -1;
    }
    for (g.k = 0; g.k < g.o.nmodels; g.k++) {
        const char *name = NULL;
        if (!(g.ex[g.k] = cli_load_model(g.o.models[g.k])))
            return -1;
        int rc = cli_matmul(g.ex[g.k]);
        if (rc < 0) {
            cr_ae_free(g.ex[g.k]);
            g.ex[g.k] = NULL;
            return -1;
        }
        g.bf16 |= rc > 0;
        cr_meta_get_str(g.ex[g.k]->meta, "model.name", &name);
        g.names[g.k] = strdup(name ? name : g.o.models[g.k]);
    }
    g.names[g.k] = "unknown";
    return 0;
}

/* The settings a state file's entries hold for: experts, their checks, their products
 * (bf16 or fp32), the windows. */
static cr_meta *settings(void)
{
    uint64_t checks[CR_SEG_MAX_STATES];
    for (int i = 0; i < g.k; i++)
        checks[i] = g.ex[i]->check;
    return cr_tagstate_settings((const char *const *)g.names, checks, g.k,
                                (uint64_t)g.o.stride, g.o.penalty, g.o.reject, g.o.scale,
                                g.bf16 ? "bf16" : "fp32");
}

/* --state: one run at a time (a lock on FILE.lock), then the last run's entries. */
static int open_state(const cr_meta *now, cr_diag *d)
{
    if (cr_tagstate_lock(g.o.state, d) < 0) {
        cli_err("%s", d->msg);
        return -1;
    }
    if (cr_tagstate_load(&g.old, g.o.state, d) < 0) {
        cli_err("%s", d->msg);
        cli_hint("remove %s to score every file again", g.o.state);
        return -1;
    }
    if (g.old.meta && !cr_tagstate_same(g.old.meta, now)) {
        if (g.o.verbose)
            fprintf(stderr, "%s: %s: other experts or settings: every file is scored\n",
                    cli_prog(), g.o.state);
        cr_tagstate_free(&g.old);
    }
    return 0;
}

/* A run stopped by a signal keeps the old entries of the files it did not reach. */
static int keep_unreached(cr_diag *d)
{
    for (size_t i = 0; i < g.old.cap; i++)
        if (g.old.e[i].path && !cr_tagstate_find(&g.now, g.old.e[i].path) &&
            cr_tagstate_add(&g.now, &g.old.e[i], d) < 0)
            return -1;
    return 0;
}

int main(int argc, char **argv)
{
    cr_diag d;
    char vdir[4096];
    cli_blas_setup(argv, 0);
    cli_blas_many_callers(); /* the tagger runs a model's pass on each thread */
    cli_init(argv);
    int p = parse(argc, argv, &g.o), status = CLI_EXIT_DATA;
    if (p)
        return p < 0 ? CLI_EXIT_USAGE : cli_close_out(stdout, "-");
    if (load_experts() < 0)
        goto done;
    snprintf(vdir, sizeof vdir, "%s/gpt2", cli_share_dir());
    if (cr_vocab_load(&g.v, vdir, &d) < 0 ||
        cr_tagger_new(&g.t, (const cr_ae *const *)g.ex, g.k, g.v, (uint32_t)g.o.stride,
                      g.o.penalty, g.o.reject, g.o.scale, collect, NULL, &d) < 0) {
        cli_err("%s", d.msg);
        goto done;
    }
    cr_meta *now = settings();
    if (g.o.state && open_state(now, &d) < 0) {
        cr_meta_free(now);
        goto done;
    }
    if (g.o.header && !g.o.json) {
        fputs(g.o.spans ? "path\tstart\tend\tlabel" : "path\tlabel\txxh3\tsize", stdout);
        for (int i = 0; !g.o.spans && i <= g.k; i++)
            printf("\t%s", g.names[i]);
        putchar('\n');
    }
    cli_progress_start(&g.pg, NULL, 0);
    g.pg.unit = "files";
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: a list read stops */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    for (int i = optind; i < argc && !stop_signal; i++)
        strcmp(argv[i], "-") ? cr_walk(argv[i], tag_file, NULL)
                             : cr_walk_list(stdin, tag_file, NULL);
    cli_progress_end(&g.pg);
    status = g.skipped || stop_signal ? CLI_EXIT_DATA : CLI_EXIT_OK;
    if (stop_signal && g.o.state && keep_unreached(&d) < 0)
        cli_err("%s", d.msg);
    if (g.o.state && cr_tagstate_save(&g.now, now, g.o.state, &d) < 0) {
        cli_err("%s", d.msg);
        status = CLI_EXIT_DATA;
    } else if (stop_signal && g.o.state) {
        cli_err("stopped by signal %d after %llu files; %s holds them: run the same "
                "command again to go on", (int)stop_signal, g.files, g.o.state);
    }
    if (stop_signal && !g.o.state)
        cli_err("stopped by signal %d after %llu files", (int)stop_signal, g.files);
    cr_meta_free(now);
    if (g.o.verbose)
        fprintf(stderr, "%s: %llu files, %llu skipped, %llu scored, %llu from the state, "
                "%.1f MB\n", cli_prog(), g.files, g.skipped, g.scored, g.reused, g.bytes / 1e6);
done:
    cr_tagger_free(g.t);
    cr_vocab_free(g.v);
    cr_tagstate_free(&g.old);
    cr_tagstate_free(&g.now);
    for (int i = 0; i < g.k; i++) {
        cr_ae_free(g.ex[i]);
        free(g.names[i]);
    }
    for (int i = 0; g.shipped && i < g.o.nmodels; i++)
        free((char *)g.o.models[i]);
    free(g.spans);
    int cs = cli_close_out(stdout, "-");
    return status > cs ? status : cs;
}
