/* Plumbing shared by the programs: messages, exit codes, files, the share directory. */
#ifndef CR_CLI_H
#define CR_CLI_H

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
/* Opens path for writing ("-" is stdout). Binary output to a terminal is refused unless
 * force. Returns NULL after printing why. */
FILE *cli_open_out(const char *path, int binary, int force);
/* Flushes and closes an output; returns CLI_EXIT_OK or, after a message, CLI_EXIT_DATA. */
int cli_close_out(FILE *f, const char *path);

/* The share directory: $CR_SHARE, else <exe>/../share/cr (installed), else
 * <exe>/../share (source tree). Returns a static string. */
const char *cli_share_dir(void);

/* Parses a decimal count in [lo, hi]; prints a usage error naming opt and returns -1. */
long cli_count(const char *s, const char *opt, long lo, long hi);

/* Makes sure OpenBLAS runs its AVX-512 kernels on CPUs it does not recognise: when it
 * fell back to a generic core, the CPU has AVX-512 and OPENBLAS_CORETYPE is unset, the
 * program runs itself again with OPENBLAS_CORETYPE=SKYLAKEX (OpenBLAS reads it when it is
 * loaded, before main). Call first thing in main. */
void cli_blas_setup(char **argv);
/* The OpenBLAS core in use, for -v. */
const char *cli_blas_core(void);

/* Applies "KEY=VALUE" to a model config; prints a usage error and returns -1 if bad. */
struct cr_ae_config;
int cli_config_set(struct cr_ae_config *c, const char *kv);

/* Loads a model and prints why not; NULL on failure. */
struct cr_ae;
struct cr_ae *cli_load_model(const char *path);
/* The body of a filter that runs one model over streams (crenc, crdec): options -m -o -f
 * -v -h (and, when flag_name is not NULL, a flag of the program's own that sets *flag),
 * then run() over each input (stdin when none) with a writer it opens lazily. */
struct cr_writer;
typedef int (*cli_filter_fn)(struct cr_ae *ae, FILE *in, const char *name, FILE *out,
                             struct cr_writer **w, int verbose);
int cli_filter_main(int argc, char **argv, void (*usage)(FILE *), cli_filter_fn run,
                    const char *flag_name, int flag_char, int *flag);
/* The end of a filter's run() over one input: reports the error in d (rc < 0; a failed
 * write is left to cli_close_out) or, with verbose, the blocks done; returns the exit
 * status. */
int cli_filter_end(int rc, const cr_diag *d, const char *name, FILE *out,
                   const struct cr_writer *w, int verbose, unsigned long long blocks);

#endif
