/* Plumbing shared by the programs: messages, exit codes, files, the share directory. */
#ifndef CR_CLI_H
#define CR_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/err.h"

enum { CLI_EXIT_OK = 0, CLI_EXIT_DATA = 1, CLI_EXIT_USAGE = 2 };

/* Remembers the program name (basename of argv[0]) for messages, and shortens argv[0]
 * to it so that getopt's messages read the same. */
void cli_init(char **argv);
const char *cli_prog(void);
/* Prints "prog: message\n" to stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "prog: hint: message\n" to stderr. */
void cli_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The name used for path in messages: "<stdin>"/"<stdout>" for "-". */
const char *cli_name(const char *path, int out);
/* Opens path for reading ("-" is stdin); prints the error and returns NULL on failure. */
FILE *cli_open_in(const char *path);
void cli_close_in(FILE *f);
/* Opens path for writing ("-" is stdout). A regular or new file is written beside it
 * (PATH.tmpPID) and only cli_close_out puts it in place, so that a run that fails (a
 * full disk, a broken input) leaves PATH as it was; a pipe or device is written as is.
 * Binary output to a terminal is refused unless force. Returns NULL after saying why. */
FILE *cli_open_out(const char *path, int binary, int force);
/* Flushes and closes an output, and puts a file in place; returns CLI_EXIT_OK or, after
 * "PATH: write failed: REASON", CLI_EXIT_DATA (the temporary file removed). */
int cli_close_out(FILE *f, const char *path);
/* Closes an output without putting it in place: the temporary file is removed. After a
 * failed write, says "PATH: write failed: REASON". */
void cli_discard_out(FILE *f, const char *path);

/* The share directory: $CR_SHARE, else <exe>/../share/cr (installed), else
 * <exe>/../share (source tree). Returns a static string. */
const char *cli_share_dir(void);

/* Writes s[0..n) as a JSON string, quotes included: control characters, quotes and
 * backslashes escaped, bytes that are not UTF-8 as \u00XX of their value (so that the
 * line stays valid JSON whatever a file name holds). */
void cli_json_str(FILE *f, const char *s, size_t n);

/* Parses a decimal count in [lo, hi]; prints a usage error naming opt and returns -1. */
long cli_count(const char *s, const char *opt, long lo, long hi);

/* Makes sure OpenBLAS runs its AVX-512 kernels on CPUs it does not recognise: when it
 * fell back to a generic core, the CPU has AVX-512 and OPENBLAS_CORETYPE is unset, the
 * program runs itself again with OPENBLAS_CORETYPE=SKYLAKEX (OpenBLAS reads it when it is
 * loaded, before main). Likewise with OMP_WAIT_POLICY=passive when it is unset, and then,
 * for a program that has the cores to itself, GOMP_SPINCOUNT=spin when that is unset and
 * spin > 0 (OpenMP threads wait that many rounds before they sleep). Call first thing in
 * main. */
void cli_blas_setup(char **argv, long spin);
/* For a program whose threads call BLAS at once (crtag: a model's pass per thread): each
 * call then runs on its caller's thread, whichever OpenBLAS build is loaded. */
void cli_blas_many_callers(void);
/* crtrain's spin: the cores are its own (one training run at a time) */
#define CLI_TRAIN_SPIN 3000L
/* The OpenBLAS core in use, for -v. */
const char *cli_blas_core(void);

/* Applies "KEY=VALUE" to a model config; prints a usage error and returns -1 if bad. */
struct cr_ae_config;
int cli_config_set(struct cr_ae_config *c, const char *kv);

/* --version: the program, cr's version, the BLAS library and kernel, the CPU path. */
void cli_version(void);

/* Where a model given to -m is: an existing path as it is; a bare name ("python", no
 * '/' and no ".crm" file of that name here) is SHARE/models/NAME.crm. Static buffer. */
const char *cli_model_path(const char *arg);
/* Loads a model given as a path or a name (cli_model_path) and prints why not; NULL on
 * failure. */
struct cr_ae;
struct cr_ae *cli_load_model(const char *arg);
/* Runs a loaded model's products in bf16 where the CPU has AVX512-BF16 (cr_ae_use_bf16),
 * unless CR_MATMUL is fp32: 1 when it does, 0 when not; negative, said on stderr, when
 * CR_MATMUL is neither fp32 nor auto, or memory runs out. For programs that run a model,
 * not train it. */
int cli_matmul(struct cr_ae *ae);
/* 1 when CR_MATMUL is unset, empty, fp32 or auto; else 0, said on stderr (a check before
 * any work). */
int cli_matmul_ok(void);
/* The same as cli_matmul for a trainer (cr_train_use_bf16). */
struct cr_train;
int cli_matmul_train(struct cr_train *t);
/* A filter that runs one model over streams (crenc, crdec). cli_filter_main parses
 * -m -o -f -v -h --version (and, when flag_name is not NULL, a flag of the program's
 * own that sets *flag), loads the model, opens the output, and reads every input (stdin
 * when none) through one block reader of kind in_kind. It calls act for each stream
 * header (where act checks the stream against the model, makes room for f->threads
 * threads and opens f->w) and for each block (where act checks it), passes every other
 * record through to f->w, and at the end calls act with ev NULL so that it can free what
 * it holds. The blocks wait, up to f->threads of them, and work makes each one's output
 * record on a thread of its own, h (0 <= h < f->threads; the model's own loops then run
 * serially inside: a nested region), into out (room for f->rec_max bytes, which act
 * sets at the stream header), with zprev the latents of the block before it in its
 * stream (zeros for a stream's first; latent streams only); work may read ev's input,
 * block and z, not its meta or rec.data, and never writes to f->w. The records are
 * written in input order. On a terminal it shows a progress line; on failure it
 * removes a partial -o file. Returns the exit status. */
struct cr_event;
struct cr_writer;
typedef struct cli_filter {
    struct cr_ae *ae;
    struct cr_writer *w; /* opened by act at the first stream header */
    FILE *out;
    int threads;    /* blocks worked on at once, each on a thread */
    size_t rec_max; /* the largest output record of a block (act sets it) */
} cli_filter;
typedef int (*cli_filter_fn)(cli_filter *f, const struct cr_event *ev, cr_diag *d);
typedef struct cli_rec_out {
    unsigned char *p; /* room for f->rec_max bytes */
    uint32_t type, len;
} cli_rec_out;
typedef int (*cli_work_fn)(cli_filter *f, const struct cr_event *ev, const float *zprev, int h,
                           cli_rec_out *out);
int cli_filter_main(int argc, char **argv, void (*usage)(FILE *), cli_filter_fn act,
                    cli_work_fn work, int in_kind, const char *flag_name, int flag_char,
                    int *flag);

/* Refuses to read binary records from a terminal (as zstd does): 1 after a message when
 * stdin is among paths (none means stdin) and is a terminal. */
int cli_refuse_tty_in(char *const *paths, int npaths);

/* A progress line on stderr while a long run goes on, when stderr is a terminal:
 * "crenc: 1200 blocks, 4.1 MB, 3800 tokens/s, ETA 0:42". total is the input size in
 * bytes when known (0 when not). */
typedef struct cli_progress {
    int on;
    const char *unit; /* what the count counts: "blocks" unless set after start */
    double start, last;
    unsigned long long total;
} cli_progress;
void cli_progress_start(cli_progress *p, char *const *paths, int npaths);
void cli_progress_show(cli_progress *p, unsigned long long blocks, unsigned long long tokens,
                       unsigned long long bytes);
void cli_progress_end(cli_progress *p);

/* Parses a number in [lo, hi], always finite: a whole one with CLI_NUM_WHOLE, lo itself
 * excluded with CLI_NUM_ABOVE (hi may then be INFINITY). Prints a usage error naming opt
 * ("--batch: '2.5' is not a whole number from 1 to 256") and returns NAN. */
enum { CLI_NUM_WHOLE = 1, CLI_NUM_ABOVE = 2 };
double cli_number(const char *s, const char *opt, double lo, double hi, int how);

/* A new model of a preset (paper, cpu, tiny) with the -s changes (KEY=VALUE), its
 * parameters drawn from seed (GPT-2's initialisation); its metadata has model.name (name,
 * else the preset), model.seed, model.origin when origin is not NULL, and tok.vocab_id
 * when it has GPT-2's vocabulary (crmodel new, crtrain -p). Prints why not; returns
 * CLI_EXIT_OK, CLI_EXIT_USAGE for a bad preset or config, or CLI_EXIT_DATA. */
int cli_new_model(struct cr_ae **out, const char *preset, const char *const *sets, int nset,
                  unsigned long long seed, const char *name, const char *origin);

/* Script-friendly lines on stdout (crmodel info and list): fields separated by tabs, or
 * with json one JSON object per line whose keys name the fields. cli_put_key starts field
 * i (from 0) of a line, named key; the others write a field's value. */
void cli_put_key(int json, int i, const char *key);
/* A string: in text, control bytes and the backslash as \xNN (as crdump prints them), so
 * that the line holds and reads back; in JSON, as cli_json_str. */
void cli_put_str(int json, const char *s, size_t n);
/* A metadata value by its type, floats with 6 significant digits (null in JSON for NaN
 * and infinities); NULL (absent) is - in text, null in JSON. */
struct cr_meta_entry;
void cli_put_meta(int json, const struct cr_meta_entry *e);

/* Describes a model as crmodel info does: its path, check, config, parameter count and
 * metadata (but the ae.* keys, which the config shows), as lines of text or one JSON
 * object. */
void cli_model_info(int json, const char *path, const struct cr_ae *ae);

/* The names of the shipped experts (the .crm files of SHARE/models, by name; each a
 * string of its own, for cli_load_model), at most max of them; how many, or -1. */
int cli_shipped_models(const char **names, int max);

/* Seconds on the monotonic clock, for rates and intervals. */
double cli_now(void);

#endif
