#include "cli.h"

#include "../core/aefile.h"
#include "../core/stream.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/stat.h>
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

FILE *cli_open_out(const char *path, int binary, int force)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (!f) {
        cli_err("%s: %s", path, strerror(errno));
        return NULL;
    }
    if (binary && !force && isatty(fileno(f))) {
        cli_err("%s: refusing to write binary records to a terminal", cli_name(path, 1));
        cli_hint("redirect the output, pipe it into the next program, or use -f");
        if (f != stdout)
            fclose(f);
        return NULL;
    }
    return f;
}

int cli_close_out(FILE *f, const char *path)
{
    int bad = fflush(f) != 0 || ferror(f);
    if (f != stdout)
        bad |= fclose(f) != 0;
    if (bad) {
        cli_err("%s: write failed: %s", cli_name(path, 1), strerror(errno));
        return CLI_EXIT_DATA;
    }
    return CLI_EXIT_OK;
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

void cli_blas_setup(char **argv)
{
    static const char *generic[] = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem",
                                    "Katmai", "Coppermine", "Northwood", "Atom", "Banias"};
    const char *core = openblas_get_corename();
    int fallback = 0, again = 0;

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
    /* Threads that sleep at once between parallel regions: the BLAS calls and our own
     * loops alternate, and spinning threads steal the other core (measured 861 vs 1126
     * training tokens/s on two cores). libgomp reads this when it is loaded. */
    if (!getenv("OMP_WAIT_POLICY")) {
        setenv("OMP_WAIT_POLICY", "passive", 1);
        again = 1;
    }
    if (again) {
        setenv("CR_REEXEC", "1", 1);
        execv("/proc/self/exe", argv);
        /* if that failed, run on as we are */
    }
}

struct cr_ae *cli_load_model(const char *path)
{
    cr_ae *ae;
    cr_diag d;
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

int cli_filter_end(int rc, const cr_diag *d, const char *name, FILE *out,
                   const struct cr_writer *w, int verbose, unsigned long long blocks)
{
    if (rc < 0 && !(d->code == CR_E_IO && w && ferror(out)))
        cli_err("%s: %s", name, d->msg);
    else if (rc >= 0 && verbose)
        fprintf(stderr, "%s: %s: %llu blocks\n", cli_prog(), name, blocks);
    return rc < 0 ? CLI_EXIT_DATA : CLI_EXIT_OK;
}

int cli_filter_main(int argc, char **argv, void (*usage)(FILE *), cli_filter_fn run,
                    const char *flag_name, int flag_char, int *flag)
{
    struct option longs[] = {
        {"model", 1, 0, 'm'}, {"output", 1, 0, 'o'}, {"force", 0, 0, 'f'},
        {"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}, {0, 0, 0, 0}};
    char shorts[16] = "m:o:fvh";
    if (flag_name) {
        longs[5] = (struct option){flag_name, 0, 0, flag_char};
        shorts[7] = (char)flag_char;
        shorts[8] = 0;
    }
    const char *model = NULL, *out = "-";
    int c, force = 0, verbose = 0, status = CLI_EXIT_OK;

    cli_blas_setup(argv);
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
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (!model) {
        cli_err("no model: give one with -m MODEL");
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    cr_ae *ae = cli_load_model(model);
    if (!ae)
        return CLI_EXIT_DATA;
    if (verbose)
        fprintf(stderr, "%s: BLAS kernels: %s\n", cli_prog(), cli_blas_core());
    FILE *fo = cli_open_out(out, 1, force);
    if (!fo) {
        cr_ae_free(ae);
        return CLI_EXIT_DATA;
    }
    cr_writer *w = NULL;
    for (int i = optind; status == CLI_EXIT_OK && (i < argc || i == optind); i++) {
        const char *path = i < argc ? argv[i] : "-";
        FILE *f = cli_open_in(path);
        status = f ? run(ae, f, cli_name(path, 0), fo, &w, verbose) : CLI_EXIT_DATA;
        cli_close_in(f);
    }
    cr_diag d;
    int rc;
    if (status == CLI_EXIT_OK && w && (rc = cr_writer_close(w, &d)) < 0) {
        if (rc != CR_E_IO) /* cli_close_out reports failed writes */
            cli_err("%s: %s", cli_name(out, 1), d.msg);
        status = CLI_EXIT_DATA;
    } else if (status != CLI_EXIT_OK)
        cr_writer_abandon(w);
    int cs = cli_close_out(fo, out);
    cr_ae_free(ae);
    return status > cs ? status : cs;
}
