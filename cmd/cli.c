#include "cli.h"

#include "../core/aefile.h"
#include "../core/input.h"
#include "../core/mm16.h"
#include "../core/stream.h"
#include "../core/train.h"
#include "../core/version.h"
#include "../tok/tok.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "cr";

void cli_init(char **argv)
{
    const char *s = argv[0] ? strrchr(argv[0], '/') : NULL;
    prog = s ? s + 1 : argv[0] ? argv[0] : "cr";
    argv[0] = (char *)prog; /* getopt names the program by argv[0] in its messages */
}

const char *cli_prog(void) { return prog; }

void cli_err(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_hint(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: hint: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

const char *cli_name(const char *path, int out)
{
    return strcmp(path, "-") == 0 ? (out ? "<stdout>" : "<stdin>") : path;
}

FILE *cli_open_in(const char *path)
{
    struct stat st;
    if (strcmp(path, "-") == 0)
        return stdin;
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_err("%s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_err("%s: is a directory", path);
        fclose(f);
        return NULL;
    }
    return f;
}

void cli_close_in(FILE *f)
{
    if (f && f != stdin)
        fclose(f);
}

/* The -o file being written: to tmp (PATH.tmpPID, beside it) when PATH is a regular file
 * or new, renamed over PATH when whole; NULL tmp for a pipe or a device, written as is. */
static struct {
    FILE *f;
    char *tmp;
} out_file;

FILE *cli_open_out(const char *path, int binary, int force)
{
    struct stat st;
    FILE *f = stdout;
    if (strcmp(path, "-") != 0) {
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
            f = fopen(path, "wb");
        } else {
            size_t n = strlen(path) + 32;
            if ((out_file.tmp = malloc(n)) != NULL) {
                snprintf(out_file.tmp, n, "%s.tmp%ld", path, (long)getpid());
                f = fopen(out_file.tmp, "wbx");
            } else {
                f = NULL;
                errno = ENOMEM;
            }
        }
        if (!f) {
            cli_err("%s: %s", path, strerror(errno));
            free(out_file.tmp);
            out_file.tmp = NULL;
            return NULL;
        }
        out_file.f = f;
    }
    if (binary && !force && isatty(fileno(f))) {
        cli_err("%s: refusing to write binary records to a terminal", cli_name(path, 1));
        cli_hint("redirect the output, pipe it into the next program, or use -f");
        cli_discard_out(f, path);
        return NULL;
    }
    return f;
}

int cli_close_out(FILE *f, const char *path)
{
    int bad = fflush(f) != 0 || ferror(f), err = errno;
    int tmp = f == out_file.f && out_file.tmp;
    if (f != stdout && fclose(f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    if (!bad && tmp && rename(out_file.tmp, path) != 0) {
        bad = 1;
        err = errno;
    }
    if (tmp) {
        if (bad)
            unlink(out_file.tmp);
        free(out_file.tmp);
        out_file.tmp = NULL;
    }
    if (f == out_file.f)
        out_file.f = NULL;
    if (bad) {
        cli_err("%s: write failed: %s", cli_name(path, 1), strerror(err));
        return CLI_EXIT_DATA;
    }
    return CLI_EXIT_OK;
}

void cli_discard_out(FILE *f, const char *path)
{
    if (ferror(f)) { /* a failed write: the retry says why again */
        fflush(f);
        cli_err("%s: write failed: %s", cli_name(path, 1), strerror(errno));
    }
    if (f != stdout)
        fclose(f);
    if (f == out_file.f && out_file.tmp) {
        unlink(out_file.tmp);
        free(out_file.tmp);
        out_file.tmp = NULL;
    }
    if (f == out_file.f)
        out_file.f = NULL;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *cli_share_dir(void)
{
    static char dir[PATH_MAX + 32];
    char exe[PATH_MAX];
    const char *env = getenv("CR_SHARE");
    ssize_t n;

    if (env && *env)
        return env;
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = 0;
        snprintf(dir, sizeof dir, "%s/../share/cr", exe);
        if (is_dir(dir))
            return dir;
        snprintf(dir, sizeof dir, "%s/../share", exe);
        if (is_dir(dir))
            return dir;
    }
    return "/usr/local/share/cr";
}

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0 when there is none. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t k = p[0] < 0x80 ? 1 : p[0] >= 0xC2 && p[0] < 0xE0 ? 2 : p[0] >= 0xE0 && p[0] < 0xF0 ? 3
             : p[0] >= 0xF0 && p[0] < 0xF5 ? 4 : 0;
    if (k == 0 || k > n)
        return 0;
    for (size_t i = 1; i < k; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((k == 3 && p[0] == 0xE0 && p[1] < 0xA0) || (k == 3 && p[0] == 0xED && p[1] >= 0xA0) ||
        (k == 4 && p[0] == 0xF0 && p[1] < 0x90) || (k == 4 && p[0] == 0xF4 && p[1] >= 0x90))
        return 0; /* overlong, surrogate, beyond U+10FFFF */
    return k;
}

void cli_json_str(FILE *f, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    putc('"', f);
    for (size_t i = 0; i < n;) {
        size_t k = utf8_len(p + i, n - i);
        if (k == 1 && p[i] == '"')
            fputs("\\\"", f);
        else if (k == 1 && p[i] == '\\')
            fputs("\\\\", f);
        else if (k == 1 && p[i] == '\n')
            fputs("\\n", f);
        else if (k == 1 && p[i] == '\t')
            fputs("\\t", f);
        else if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7F)))
            fprintf(f, "\\u%04x", p[i]);
        else
            fwrite(p + i, 1, k, f);
        i += k ? k : 1;
    }
    putc('"', f);
}

long cli_count(const char *s, const char *opt, long lo, long hi)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 10);
    if (errno || e == s || *e || v < lo || v > hi) {
        cli_err("%s: '%s' is not a whole number from %ld to %ld", opt, s, lo, hi);
        return -1;
    }
    return v;
}

char *openblas_get_corename(void);

const char *cli_blas_core(void)
{
    return openblas_get_corename();
}

int openblas_get_parallel(void);
void openblas_set_num_threads(int n);

void cli_blas_many_callers(void)
{
    /* 2, OpenBLAS's OpenMP build (the Makefile's choice), runs a call made inside a
     * parallel region on the caller's thread by itself; 1, its pthreads build, has a pool
     * of its own that calls from several threads at once would share */
    if (openblas_get_parallel() == 1)
        openblas_set_num_threads(1);
}

static int blas_setup; /* cli_blas_setup ran: the OpenMP settings are ours */

void cli_blas_setup(char **argv, long spin)
{
    static const char *generic[] = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem",
                                    "Katmai", "Coppermine", "Northwood", "Atom", "Banias"};
    const char *core = openblas_get_corename();
    int fallback = 0, again = 0;

    blas_setup = 1;
    if (getenv("CR_REEXEC"))
        return; /* once is enough */
    for (size_t i = 0; core && i < sizeof generic / sizeof generic[0]; i++)
        fallback |= strcasecmp(core, generic[i]) == 0;
    __builtin_cpu_init();
    if (fallback && !getenv("OPENBLAS_CORETYPE") && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq")) {
        setenv("OPENBLAS_CORETYPE", "SKYLAKEX", 1);
        again = 1;
    }
    /* Threads that sleep between parallel regions: two programs of a pipeline, or two
     * under GNU parallel, share the cores, and threads that spin there steal them from
     * each other (two crtags under parallel took 21 s passive, 32 s spinning 3000
     * rounds, 117 s 30000, before crtag gave each pass a thread of its own; now 22 s
     * whatever the spin: bench/out/spin.txt). A program that has the cores to itself
     * (spin > 0: crtrain) spins that long first: its small parallel regions no longer
     * wait for a sleeping thread to wake (bench/spin.sh). libgomp reads both when it is
     * loaded; if the exec fails, the program runs on with libgomp's defaults. */
    if (!getenv("OMP_WAIT_POLICY")) {
        if (spin > 0 && !getenv("GOMP_SPINCOUNT")) {
            char n[32];
            snprintf(n, sizeof n, "%ld", spin);
            setenv("GOMP_SPINCOUNT", n, 1);
        }
        setenv("OMP_WAIT_POLICY", "passive", 1);
        again = 1;
    }
    if (again) {
        setenv("CR_REEXEC", "1", 1);
        execv("/proc/self/exe", argv);
        /* if that failed, run on as we are */
    }
}

/* CR_MATMUL: "fp32", or "auto" (the default) */
static int matmul_fp32(int *bad)
{
    const char *e = getenv("CR_MATMUL");
    *bad = e && *e && strcmp(e, "fp32") != 0 && strcmp(e, "auto") != 0;
    return e && strcmp(e, "fp32") == 0;
}

int cli_matmul_ok(void)
{
    int bad;
    matmul_fp32(&bad);
    if (bad)
        cli_err("CR_MATMUL=%s: not fp32 or auto", getenv("CR_MATMUL"));
    return !bad;
}

/* cli_matmul and cli_matmul_train: -1 on a bad CR_MATMUL, 0 for fp32, else what use
 * (cr_ae_use_bf16 or cr_train_use_bf16) gives for its argument, said when it fails */
static int matmul_use(int (*use)(void *), void *arg, const char *what)
{
    int bad, rc;
    if (!cli_matmul_ok())
        return -1;
    if (matmul_fp32(&bad))
        return 0;
    if ((rc = use(arg)) < 0)
        cli_err("out of memory for %s (CR_MATMUL=fp32 runs without)", what);
    return rc;
}

static int use_ae(void *ae) { return cr_ae_use_bf16(ae); }
static int use_train(void *t) { return cr_train_use_bf16(t); }

int cli_matmul(struct cr_ae *ae)
{
    return matmul_use(use_ae, ae, "the model's bf16 copy");
}

int cli_matmul_train(struct cr_train *t)
{
    return matmul_use(use_train, t, "the bf16 copies of the weights");
}

void cli_version(void)
{
    int bad;
    __builtin_cpu_init();
    printf("%s (cr) %s\n", prog, CR_VERSION);
    printf("BLAS: OpenBLAS, %s kernels\n", cli_blas_core());
    printf("CPU: %s\n", __builtin_cpu_supports("avx512f") ? "AVX-512"
                        : __builtin_cpu_supports("avx2") ? "AVX2" : "baseline x86-64");
    /* as cli_blas_setup left them for libgomp (read when it was loaded): how waiting
     * threads wait, in the programs that run models */
    const char *wp = getenv("OMP_WAIT_POLICY"), *sc = getenv("GOMP_SPINCOUNT");
    if (blas_setup)
        printf("OpenMP: OMP_WAIT_POLICY=%s GOMP_SPINCOUNT=%s\n", wp ? wp : "(unset)",
               sc ? sc : "(unset)");
    int fp32 = matmul_fp32(&bad);
    if (bad)
        printf("model products: none: CR_MATMUL=%s is neither fp32 nor auto\n",
               getenv("CR_MATMUL"));
    else
        printf("model products: %s\n",
               fp32 ? "fp32 (CR_MATMUL=fp32)"
               : !cr_mm16_available() ? "fp32 (this CPU has no AVX512-BF16)"
                                      : "bf16 where crenc, crdec, crtag and crtrain "
                                        "multiply by a model's matrices (AVX512-BF16), "
                                        "fp32 elsewhere");
}

const char *cli_model_path(const char *arg)
{
    static char path[PATH_MAX + 64];
    struct stat st;
    if (strchr(arg, '/') || stat(arg, &st) == 0 || !*arg)
        return arg;
    snprintf(path, sizeof path, "%s/models/%s.crm", cli_share_dir(), arg);
    return path;
}

struct cr_ae *cli_load_model(const char *arg)
{
    cr_ae *ae;
    cr_diag d;
    struct stat st;
    const char *path = cli_model_path(arg);
    if (path != arg && stat(path, &st) != 0) {
        cli_err("%s: no such model file, nor a shipped expert of that name (%s)", arg, path);
        cli_hint("crmodel list shows the shipped experts");
        return NULL;
    }
    if (cr_ae_load(&ae, path, &d) < 0) {
        cli_err("%s: %s", path, d.msg);
        return NULL;
    }
    return ae;
}

int cli_config_set(cr_ae_config *c, const char *kv)
{
    char key[64];
    const char *eq = strchr(kv, '=');
    if (eq && (size_t)(eq - kv) < sizeof key) {
        memcpy(key, kv, (size_t)(eq - kv));
        key[eq - kv] = 0;
        long v = cli_count(eq + 1, key, 0, 1 << 24);
        if (v < 0)
            return -1;
        if (cr_ae_config_set(c, key, v) == CR_OK)
            return 0;
    }
    cli_err("-s %s: expected KEY=VALUE with KEY one of %s", kv, cr_ae_config_names);
    return -1;
}

int cli_refuse_tty_in(char *const *paths, int npaths)
{
    int stdin_used = npaths == 0;
    for (int i = 0; i < npaths; i++)
        stdin_used |= strcmp(paths[i], "-") == 0;
    if (stdin_used && isatty(0)) {
        cli_err("<stdin>: refusing to read binary records from a terminal");
        cli_hint("give a file, or pipe the previous program's output in");
        return 1;
    }
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void cli_progress_start(cli_progress *p, char *const *paths, int npaths)
{
    struct stat st;
    memset(p, 0, sizeof *p);
    p->on = isatty(2);
    p->unit = "blocks";
    p->start = p->last = now();
    for (int i = 0; i < npaths; i++)
        if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 && S_ISREG(st.st_mode))
            p->total += (unsigned long long)st.st_size;
        else {
            p->total = 0;
            return;
        }
    if (npaths == 0 && fstat(0, &st) == 0 && S_ISREG(st.st_mode))
        p->total = (unsigned long long)st.st_size;
}

void cli_progress_show(cli_progress *p, unsigned long long blocks, unsigned long long tokens,
                       unsigned long long bytes)
{
    double t = now();
    if (!p->on || t - p->last < 0.5 || t - p->start < 1.0)
        return;
    p->last = t;
    fprintf(stderr, "\r%s: %llu %s, %.1f MB, %.0f tokens/s", prog, blocks, p->unit, bytes / 1e6,
            tokens / (t - p->start));
    if (p->total > bytes && bytes > 0) {
        double eta = (t - p->start) * (double)(p->total - bytes) / (double)bytes;
        fprintf(stderr, ", ETA %d:%02d", (int)eta / 60, (int)eta % 60);
    }
    fprintf(stderr, "\033[K");
}

void cli_progress_end(cli_progress *p)
{
    if (p->on && p->last > p->start)
        fprintf(stderr, "\r\033[K");
}

/* A block waiting for its work: a copy of its event and of what the event points at. */
typedef struct {
    cr_event ev;
    uint32_t *ids, *off;
    float *z, *zprev;
    cli_rec_out out;
    int rc;
} filter_slot;

/* What waits to be written, in order: the blocks (slot >= 0) and the records passed
 * through between them (slot -1: len bytes at `at` in raw). */
typedef struct {
    int slot;
    uint32_t type, len;
    size_t at;
} filter_item;

#define QUEUE_RAW_MAX (1u << 20) /* bytes of passed records that may wait */
#define QUEUE_ITEMS_MAX 1024     /* records (of either kind) that may wait */

typedef struct {
    cli_filter *f;
    cli_work_fn work;
    filter_slot *slot;
    int used;     /* blocks waiting */
    filter_item *item;
    int items;
    unsigned char *raw;
    size_t raw_len, raw_cap;
    size_t mw;    /* latent values of a block, 0 for token streams */
    float *zlast; /* the latents of the last block read (zeros before the first) */
} filter_queue;

static void queue_free(filter_queue *q)
{
    for (int i = 0; q->slot && i < q->f->threads; i++) {
        filter_slot *s = &q->slot[i];
        free(s->ids); free(s->off); free(s->z); free(s->zprev); free(s->out.p);
    }
    free(q->slot);
    free(q->item);
    free(q->raw);
    free(q->zlast);
}

static int queue_room(filter_queue *q, cr_diag *d)
{
    if (!q->slot)
        q->slot = calloc((size_t)q->f->threads, sizeof *q->slot);
    if (!q->item)
        q->item = malloc(QUEUE_ITEMS_MAX * sizeof *q->item);
    return q->slot && q->item ? CR_OK : cr_diag_set(d, CR_E_NOMEM, "out of memory");
}

/* 1 when the queue must be worked on before anything more is put in it. */
static int queue_full(const filter_queue *q)
{
    return q->used == q->f->threads || q->items == QUEUE_ITEMS_MAX ||
           q->raw_len >= QUEUE_RAW_MAX;
}

/* Passes a record through: at once when no block waits, else after the blocks before it. */
static int queue_pass(filter_queue *q, const cr_rec *r, cr_diag *d)
{
    int rc;
    if (!q->items)
        return cr_writer_put(q->f->w, r->type, r->data, r->len, d);
    if ((rc = queue_room(q, d)) < 0)
        return rc;
    if (q->raw_len + r->len > q->raw_cap) {
        size_t cap = q->raw_cap ? q->raw_cap : 4096;
        while (cap < q->raw_len + r->len)
            cap *= 2;
        unsigned char *p = realloc(q->raw, cap);
        if (!p)
            return cr_diag_set(d, CR_E_NOMEM, "out of memory");
        q->raw = p;
        q->raw_cap = cap;
    }
    if (r->len)
        memcpy(q->raw + q->raw_len, r->data, r->len);
    q->item[q->items++] = (filter_item){-1, r->type, r->len, q->raw_len};
    q->raw_len += r->len;
    return CR_OK;
}

/* Keeps a block event until the queue is worked on. */
static int queue_put(filter_queue *q, const cr_event *ev, cr_diag *d)
{
    cli_filter *f = q->f;
    uint32_t L = (uint32_t)f->ae->cfg.L, n = ev->block.n;
    size_t mw = ev->z ? (size_t)ev->mw : 0;
    int rc;
    if ((rc = queue_room(q, d)) < 0)
        return rc;
    if (mw && !q->zlast) {
        if (!(q->zlast = calloc(mw, sizeof *q->zlast)))
            return cr_diag_set(d, CR_E_NOMEM, "out of memory");
        q->mw = mw;
    }
    if (mw != q->mw || n > L) /* act's checks make both impossible */
        return cr_diag_set(d, CR_E_MISMATCH, "a block of %u tokens and %zu latent values",
                           n, mw);
    filter_slot *s = &q->slot[q->used];
    if (!s->ids)
        s->ids = malloc(L * sizeof *s->ids);
    if (!s->off)
        s->off = malloc((L + 1) * sizeof *s->off);
    if (!s->out.p)
        s->out.p = malloc(f->rec_max);
    if (mw && !s->z)
        s->z = malloc(mw * sizeof *s->z);
    if (mw && !s->zprev)
        s->zprev = malloc(mw * sizeof *s->zprev);
    if (!s->ids || !s->off || !s->out.p || (mw && (!s->z || !s->zprev)))
        return cr_diag_set(d, CR_E_NOMEM, "out of memory");
    s->ev = *ev;
    s->ev.meta = NULL;     /* the reader's, gone with the stream */
    s->ev.rec.data = NULL; /* the reader's, gone at the next read */
    s->ev.block.ids = s->ids;
    s->ev.block.off = s->off;
    cr_block_copy(&s->ev.block, &ev->block);
    s->ev.argmax = NULL;
    s->ev.logp = NULL;
    if (mw) {
        s->ev.z = memcpy(s->z, ev->z, mw * sizeof *s->z);
        memcpy(s->zprev, q->zlast, mw * sizeof *s->zprev);
        memcpy(q->zlast, ev->z, mw * sizeof *q->zlast);
    }
    q->item[q->items++] = (filter_item){q->used++, 0, 0, 0};
    return CR_OK;
}

/* Works on the waiting blocks, each on a thread, then writes what waits, in order. */
static int queue_run(filter_queue *q, cr_diag *d)
{
    cli_filter *f = q->f;
    int used = q->used, items = q->items, rc;
    q->used = q->items = 0;
    q->raw_len = 0;
    if (used > 0) { /* (records wait only behind a block: never 0) */
#pragma omp parallel for schedule(dynamic, 1) num_threads(used < f->threads ? used : f->threads)
        for (int i = 0; i < used; i++) {
            filter_slot *s = &q->slot[i];
            omp_set_num_threads(1); /* this task's loops: serial even in a team of one */
            s->rc = q->work(f, &s->ev, s->zprev, omp_get_thread_num(), &s->out);
        }
    }
    for (int i = 0; i < items; i++) {
        const filter_item *it = &q->item[i];
        if (it->slot < 0) {
            rc = cr_writer_put(f->w, it->type, q->raw + it->at, it->len, d);
        } else {
            filter_slot *s = &q->slot[it->slot];
            if (s->rc < 0) {
                cr_diag_set(d, s->rc, "the model could not work on this block");
                return cr_event_where(&s->ev, d);
            }
            rc = cr_writer_put(f->w, s->out.type, s->out.p, s->out.len, d);
        }
        if (rc < 0)
            return rc;
    }
    return CR_OK;
}

/* Reads every input and acts on it; returns the exit status. */
static int filter_run(cli_filter *f, cr_input *in, cli_filter_fn act, cli_work_fn work,
                      int verbose, cli_progress *pg)
{
    unsigned long long blocks = 0, tokens = 0, bytes = 0, done_bytes = 0;
    filter_queue q = {.f = f, .work = work};
    cr_event ev;
    cr_diag d;
    int rc;
    while ((rc = cr_input_next(in, &ev, &d)) > 0) {
        if ((ev.type == CR_EV_STREAM || ev.type == CR_EV_INPUT_END) && q.items &&
            (rc = queue_run(&q, &d)) < 0)
            break;
        if (ev.type == CR_EV_INPUT_END) {
            if (verbose)
                fprintf(stderr, "%s: %s: %llu blocks\n", prog, ev.input, blocks);
            done_bytes += cr_input_pos(in);
            continue;
        }
        if (ev.type == CR_EV_STREAM && f->w) {
            /* each stream read gives a stream written, so that documents are numbered
             * from 0 in each, as in the input (cr-stream(5), Concatenation); the writer
             * is gone even when the close fails */
            rc = cr_writer_close(f->w, &d);
            f->w = NULL;
            if (rc < 0)
                break;
        }
        if (ev.type == CR_EV_STREAM && q.zlast) /* -x: a stream's first block from z = 0 */
            memset(q.zlast, 0, q.mw * sizeof *q.zlast);
        if (ev.type == CR_EV_STREAM || ev.type == CR_EV_BLOCK) {
            if ((rc = act(f, &ev, &d)) < 0 ||
                (ev.type == CR_EV_BLOCK && (rc = queue_put(&q, &ev, &d)) < 0)) {
                cr_event_where(&ev, &d);
                break;
            }
            if (ev.type == CR_EV_BLOCK) {
                blocks++;
                tokens += ev.block.n;
                bytes = done_bytes + cr_input_pos(in);
                cli_progress_show(pg, blocks, tokens, bytes);
            }
        } else if ((rc = queue_pass(&q, &ev.rec, &d)) < 0) {
            break;
        }
        if (queue_full(&q) && (rc = queue_run(&q, &d)) < 0)
            break; /* a failed write: cli_close_out says why */
    }
    if (q.items) { /* what was read before the end, or before a damaged record */
        cr_diag d2;
        int rc2 = queue_run(&q, &d2);
        if (rc2 < 0 && rc >= 0) {
            rc = rc2;
            d = d2;
        }
    }
    queue_free(&q);
    cli_progress_end(pg);
    if (rc < 0 && !(d.code == CR_E_IO && ferror(f->out)))
        cli_err("%s", d.msg);
    return rc < 0 ? CLI_EXIT_DATA : CLI_EXIT_OK;
}

int cli_filter_main(int argc, char **argv, void (*usage)(FILE *), cli_filter_fn act,
                    cli_work_fn work, int in_kind, const char *flag_name, int flag_char,
                    int *flag)
{
    struct option longs[] = {
        {"model", 1, 0, 'm'}, {"output", 1, 0, 'o'}, {"force", 0, 0, 'f'},
        {"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'},
        {0, 0, 0, 0}, {0, 0, 0, 0}};
    char shorts[16] = "m:o:fvh";
    if (flag_name) {
        longs[6] = (struct option){flag_name, 0, 0, flag_char};
        shorts[7] = (char)flag_char;
        shorts[8] = 0;
    }
    const char *model = NULL, *out = "-";
    int c, force = 0, verbose = 0;

    cli_blas_setup(argv, 0);
    cli_init(argv);
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (flag && c == flag_char) {
            *flag = 1;
            continue;
        }
        switch (c) {
        case 'm': model = optarg; break;
        case 'o': out = optarg; break;
        case 'f': force = 1; break;
        case 'v': verbose = 1; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        case 'V': cli_version(); return cli_close_out(stdout, "-");
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (!model) {
        cli_err("no model: give one with -m MODEL");
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (cli_refuse_tty_in(argv + optind, argc - optind))
        return CLI_EXIT_USAGE;
    cli_filter f = {.ae = cli_load_model(model), .threads = cr_ae_passes()};
    if (!f.ae)
        return CLI_EXIT_DATA;
    cli_blas_many_callers();
    int bf16 = cli_matmul(f.ae);
    if (bf16 < 0) {
        cr_ae_free(f.ae);
        return CLI_EXIT_DATA;
    }
    if (verbose)
        fprintf(stderr, "%s: BLAS kernels: %s; model products: %s\n", prog, cli_blas_core(),
                bf16 ? "bf16" : "fp32");
    if (!(f.out = cli_open_out(out, 1, force))) {
        cr_ae_free(f.ae);
        return CLI_EXIT_DATA;
    }
    cr_input *in = NULL;
    cr_diag d;
    cli_progress pg;
    int status = CLI_EXIT_DATA, rc;
    cli_progress_start(&pg, argv + optind, argc - optind);
    if (cr_input_open(&in, (const char *const *)argv + optind, argc - optind, in_kind, &d) < 0)
        cli_err("%s", d.msg);
    else
        status = filter_run(&f, in, act, work, verbose, &pg);
    cr_input_close(in);
    act(&f, NULL, &d);
    if (status == CLI_EXIT_OK && f.w && (rc = cr_writer_close(f.w, &d)) < 0) {
        if (rc != CR_E_IO) /* cli_close_out reports failed writes */
            cli_err("%s: %s", cli_name(out, 1), d.msg);
        status = CLI_EXIT_DATA;
    } else if (status != CLI_EXIT_OK)
        cr_writer_abandon(f.w);
    int cs = CLI_EXIT_OK;
    if (status == CLI_EXIT_OK) /* else the previous -o file stays as it was */
        cs = cli_close_out(f.out, out);
    else
        cli_discard_out(f.out, out);
    cr_ae_free(f.ae);
    return status > cs ? status : cs;
}

double cli_number(const char *s, const char *opt, double lo, double hi, int how)
{
    char *e;
    double v = strtod(s, &e);
    if (e != s && !*e && isfinite(v) && ((how & CLI_NUM_ABOVE) ? v > lo : v >= lo) && v <= hi &&
        (!(how & CLI_NUM_WHOLE) || v == floor(v)))
        return v;
    fprintf(stderr, "%s: %s: '%s' is not a %s %s %g", prog, opt, s,
            how & CLI_NUM_WHOLE ? "whole number" : "number",
            how & CLI_NUM_ABOVE ? "above" : "from", lo);
    if (isfinite(hi))
        fprintf(stderr, " to %g", hi);
    fputc('\n', stderr);
    return NAN;
}

int cli_new_model(struct cr_ae **out, const char *preset, const char *const *sets, int nset,
                  unsigned long long seed, const char *name, const char *origin)
{
    cr_ae_config c;
    cr_vocab *v;
    cr_diag d;
    char vpath[PATH_MAX];

    *out = NULL;
    if (cr_ae_preset(&c, preset) < 0) {
        cli_err("-p %s: unknown preset (paper, cpu, tiny)", preset);
        return CLI_EXIT_USAGE;
    }
    for (int i = 0; i < nset; i++)
        if (cli_config_set(&c, sets[i]) < 0)
            return CLI_EXIT_USAGE;
    if (cr_ae_config_check(&c, &d) < 0) {
        cli_err("config: %s", d.msg);
        return CLI_EXIT_USAGE;
    }
    if (cr_ae_new_random(out, &c, (uint64_t)seed, &d) < 0) {
        cli_err("%s", d.msg);
        return CLI_EXIT_DATA;
    }
    cr_meta_set_str((*out)->meta, "model.name", name ? name : preset);
    cr_meta_set_u64((*out)->meta, "model.seed", (uint64_t)seed);
    if (origin)
        cr_meta_set_str((*out)->meta, "model.origin", origin);
    snprintf(vpath, sizeof vpath, "%s/gpt2", cli_share_dir());
    if (c.V == 50257 && cr_vocab_load(&v, vpath, &d) == CR_OK) {
        cr_meta_set_u64((*out)->meta, "tok.vocab_id", cr_vocab_id(v));
        cr_vocab_free(v);
    }
    return CLI_EXIT_OK;
}

void cli_put_key(int json, int i, const char *key)
{
    if (json)
        printf("%s\"%s\":", i ? "," : "", key);
    else if (i)
        putchar('\t');
}

void cli_put_str(int json, const char *s, size_t n)
{
    if (json) {
        cli_json_str(stdout, s, n);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c < 32 || c == 127 || c == '\\')
            printf("\\x%02x", c);
        else
            putchar(c);
    }
}

/* A float with 6 significant digits, as text and JSON alike; null in JSON for what it
 * cannot hold. */
static void put_f64(int json, double v)
{
    if (json && !isfinite(v))
        fputs("null", stdout);
    else
        printf("%.6g", v);
}

void cli_put_meta(int json, const cr_meta_entry *e)
{
    if (!e)
        fputs(json ? "null" : "-", stdout);
    else if (e->type == CR_META_U64)
        printf("%llu", (unsigned long long)e->u);
    else if (e->type == CR_META_F64)
        put_f64(json, e->f);
    else
        cli_put_str(json, e->s, e->slen);
}

static void config_text(const cr_ae_config *c)
{
    printf("config\tvocab %d\twidth %d\theads %d\tlayers %d+%d\tffn %d\tblock %d\tlatents %d"
           "\t%s head\tzattn %d\tpool %d\tzskip %d\tbind %d\tzsplit %d\n", c->V, c->C, c->NH,
           c->Le, c->Ld, c->F, c->L, c->M, c->tied ? "tied" : "untied", c->zattn, c->pool,
           c->zskip, c->bind, cr_ae_slots(c) / c->M);
    if (c->asm_n) { /* a line of its own, so that the config line of other models stays */
        cr_asm_shape s;
        cr_asm_shape_of(c, &s);
        printf("adaptive\tshortlist %d", s.K0);
        for (int i = 1; i <= s.n; i++)
            printf("\tcluster %d-%d width %d", s.cut[i], s.cut[i + 1], s.dim[i]);
        if (c->asm_in)
            printf("\tadaptive input %d rows", cr_ae_emb_rows(c));
        putchar('\n');
    }
    printf("params\t%zu\t(%.1fM)\n", cr_ae_nparams(c), cr_ae_nparams(c) / 1e6);
    /* a latent is zsplit slots of C values, and stands for L/M tokens whatever zsplit */
    printf("compression\t%gx\n", (double)c->L / c->M);
}

/* The config, in the order of the text line and with the names of -s. */
static void config_json(const cr_ae_config *c)
{
    const struct { const char *k; int v; } f[] = {
        {"vocab", c->V}, {"width", c->C}, {"heads", c->NH}, {"enc_layers", c->Le},
        {"dec_layers", c->Ld}, {"ffn", c->F}, {"block", c->L}, {"latents", c->M},
        {"tied", c->tied}, {"zattn", c->zattn}, {"pool", c->pool}, {"zskip", c->zskip},
        {"bind", c->bind}, {"zsplit", cr_ae_slots(c) / c->M}, {"asm", c->asm_n},
        {"asm_short", c->asm_k0}, {"asm_in", c->asm_in}};
    /* asm and asm_in only when set */
    size_t n = sizeof f / sizeof f[0] - (c->asm_in ? 0 : c->asm_n ? 1 : 3);
    putchar('{');
    for (size_t i = 0; i < n; i++)
        printf("%s\"%s\":%d", i ? "," : "", f[i].k, f[i].v);
    putchar('}');
}

static void model_info_json(const char *path, const cr_ae *ae)
{
    const cr_ae_config *c = &ae->cfg;
    printf("{\"model\":");
    cli_json_str(stdout, path, strlen(path));
    printf(",\"check\":\"%016llx\",\"config\":", (unsigned long long)ae->check);
    config_json(c);
    printf(",\"params\":%zu,\"compression\":%g,\"meta\":{", cr_ae_nparams(c),
           (double)c->L / c->M);
    for (int k = 0, i = 0; k < ae->meta->n; k++) {
        const cr_meta_entry *e = &ae->meta->e[k];
        if (!strncmp(e->key, "ae.", 3))
            continue;
        if (i++)
            putchar(',');
        cli_json_str(stdout, e->key, strlen(e->key));
        putchar(':');
        cli_put_meta(1, e);
    }
    puts("}}");
}

static void model_info_text(const char *path, const cr_ae *ae)
{
    printf("model\t");
    cli_put_str(0, path, strlen(path));
    printf("\ncheck\t%016llx\n", (unsigned long long)ae->check);
    config_text(&ae->cfg);
    for (int k = 0; k < ae->meta->n; k++) {
        const cr_meta_entry *e = &ae->meta->e[k];
        if (strncmp(e->key, "ae.", 3) != 0) {
            printf("meta\t%s\t", e->key);
            cli_put_meta(0, e);
            putchar('\n');
        }
    }
}

void cli_model_info(int json, const char *path, const cr_ae *ae)
{
    (json ? model_info_json : model_info_text)(path, ae);
}

double cli_now(void)
{
    return now();
}

int cli_shipped_models(const char **names, int max)
{
    struct dirent **list;
    char dir[PATH_MAX];
    int n, k = 0;
    snprintf(dir, sizeof dir, "%s/models", cli_share_dir());
    if ((n = scandir(dir, &list, NULL, alphasort)) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(list[i]->d_name);
        if (l > 4 && list[i]->d_name[0] != '.' && !strcmp(list[i]->d_name + l - 4, ".crm") &&
            k < max) {
            list[i]->d_name[l - 4] = 0;
            names[k++] = strdup(list[i]->d_name);
        }
        free(list[i]);
    }
    free(list);
    return k;
}
