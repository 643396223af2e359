/* crlatent: the geometry of latent streams (the paper's section 3.5): how many principal
 * components carry the variance of z, how well a linear classifier separates two sets,
 * and a 2-D projection. Each input file is one labelled set of blocks. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/input.h"
#include "../core/latent.h"
#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: crlatent pca [-e] [--header | --json] [[LABEL=]FILE...]\n"
               "       crlatent classify [-r RIDGE] [--header | --json] [LABEL=]A [LABEL=]B\n"
               "       crlatent project [--header | --json] [[LABEL=]FILE...]\n"
               "Reads latent streams (from crenc), each file one set of blocks labelled by\n"
               "its name without directory and extension, or by LABEL; prints tab-separated\n"
               "lines:\n"
               "  pca       principal components of z, per set and for all together:\n"
               "            set blocks dim variance k50 k90 k95 k99 (kNN: components that\n"
               "            explain NN%% of the variance)\n"
               "  classify  a ridge LDA trained on the even blocks of each set, tested on\n"
               "            the odd ones: a b train test accuracy acc_a acc_b majority\n"
               "  project   the first two principal components of all sets together, one\n"
               "            line per block: set x y\n"
               "  -e, --spectrum  pca: one line per component instead: set component\n"
               "                  variance share cumulative\n"
               "  -r, --ridge R   classify: ridge, in units of the mean variance (default 1)\n"
               "      --header    a first line naming the columns\n"
               "      --json      JSON Lines (one object per line, keys as the column names)\n"
               "  -h, --help      this help\n"
               "      --version   version\n"
               "With no FILE, or FILE -, standard input is one set (stdin). See crlatent(1).\n");
}

enum { PCA, SPECTRUM, CLASSIFY, PROJECT };
static const char *const columns[] = {
    [PCA] = "set blocks dim variance k50 k90 k95 k99",
    [SPECTRUM] = "set component variance share cumulative",
    [CLASSIFY] = "a b train test accuracy acc_a acc_b majority",
    [PROJECT] = "set x y",
};
static int mode = PCA, json;

/* One output line: field i is a label (s != NULL) or a number printed with fmt. */
typedef struct field {
    const char *s;
    double v;
    const char *fmt;
} field;

static field lab(const char *s) { return (field){.s = s}; }
static field num(double v, const char *fmt) { return (field){.v = v, .fmt = fmt}; }

static void put_line(const field *fl)
{
    const char *c = columns[mode];
    char key[32];
    if (json)
        putchar('{');
    for (int i = 0; *c; i++) {
        size_t k = strcspn(c, " ");
        snprintf(key, sizeof key, "%.*s", (int)k, c);
        cli_put_key(json, i, key);
        if (fl[i].s)
            cli_put_str(json, fl[i].s, strlen(fl[i].s));
        else if (json && !isfinite(fl[i].v))
            fputs("null", stdout);
        else
            printf(fl[i].fmt, fl[i].v);
        c += k + (c[k] == ' ');
    }
    puts(json ? "}" : "");
}

/* The sets: set s holds rows first..first+n of the matrix x (one row per block). */
struct set {
    char label[256];
    const char *path;
    int first, n;
};
static struct set *sets;
static int nsets, dim;
static double *x;
static size_t rows, cap;

/* The label of an argument: LABEL=FILE, else the file's name without its directory and
 * its extension ("stdin" for -). Returns the path. */
static const char *label_of(const char *arg, char *label, size_t size)
{
    const char *eq = strchr(arg, '=');
    /* a file whose name has '=' is read as it is, when it is there */
    if (eq && eq > arg && !memchr(arg, '/', (size_t)(eq - arg)) && access(arg, F_OK) != 0) {
        snprintf(label, size, "%.*s", (int)(eq - arg), arg);
        return eq + 1;
    }
    const char *base = strcmp(arg, "-") ? strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg
                                        : "stdin";
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot > base ? (size_t)(dot - base) : strlen(base);
    snprintf(label, size, "%.*s", (int)n, base);
    return arg;
}

/* Reads set s: every block's z into new rows of x. Prints why not and returns -1. */
static int read_set(struct set *s)
{
    static uint64_t check0;
    static const char *from;
    cr_input *in;
    cr_event ev;
    cr_diag d;
    int rc;
    const char *name = cli_name(s->path, 0);

    s->first = (int)rows;
    if (cr_input_open(&in, &s->path, 1, CR_KIND_LATENTS, &d) < 0) {
        cli_err("%s", d.msg);
        return -1;
    }
    while ((rc = cr_input_next(in, &ev, &d)) > 0) {
        uint64_t check = 0;
        if (rc == CR_EV_STREAM) {
            cr_meta_get_u64(ev.meta, "model.check", &check);
            if (!from)
                check0 = check, from = name;
            else if (check != check0) {
                cli_err("%s: latents were made with model %016llx, but %s's with model "
                        "%016llx", name, (unsigned long long)check, from,
                        (unsigned long long)check0);
                cli_hint("compare the latents of one expert: crenc -m the same model");
                break;
            }
        } else if (rc == CR_EV_BLOCK) {
            if (dim && ev.mw != dim) {
                cli_err("%s: latents of %d values, but %s's have %d", name, ev.mw, from, dim);
                break;
            }
            dim = ev.mw;
            if (rows == cap) {
                double *p = realloc(x, (cap = cap ? 2 * cap : 256) * (size_t)dim * sizeof *x);
                if (!p) {
                    cli_err("%s: out of memory (%zu blocks)", name, rows);
                    break;
                }
                x = p;
            }
            for (int j = 0; j < dim; j++) {
                if (!isfinite(ev.z[j])) {
                    cli_err("%s: block %llu of document %llu: latent value %d is not finite",
                            name, (unsigned long long)ev.block.index,
                            (unsigned long long)ev.block.doc, j);
                    goto out;
                }
                x[rows * dim + j] = ev.z[j];
            }
            rows++;
        }
    }
out:
    cr_input_close(in);
    if (rc < 0)
        cli_err("%s", d.msg);
    if (rc != CR_EV_END)
        return -1;
    s->n = (int)rows - s->first;
    if (s->n == 0) {
        cli_err("%s: no latent blocks", name);
        return -1;
    }
    return 0;
}

/* pca: one line per set, and one for all when there are several; -e the spectrum. */
static int pca(void)
{
    int m = (int)rows < dim ? (int)rows : dim;
    double *ev = malloc((size_t)m * sizeof *ev);
    cr_diag d;
    if (!ev) {
        cli_err("out of memory");
        return CLI_EXIT_DATA;
    }
    for (int s = 0; s <= nsets - (nsets == 1); s++) {
        const char *label = s < nsets ? sets[s].label : "all";
        int first = s < nsets ? sets[s].first : 0, n = s < nsets ? sets[s].n : (int)rows;
        int k = n < dim ? n : dim;
        if (cr_latent_pca(x + (size_t)first * dim, n, dim, ev, NULL, 0, &d) < 0) {
            cli_err("%s: %s", label, d.msg);
            free(ev);
            return CLI_EXIT_DATA;
        }
        double total = 0, sum = 0;
        for (int j = 0; j < k; j++)
            total += ev[j];
        if (mode == PCA) {
            put_line((field[]){lab(label), num(n, "%.0f"), num(dim, "%.0f"),
                               num(total, "%.6g"), num(cr_latent_explained(ev, k, 0.5), "%.0f"),
                               num(cr_latent_explained(ev, k, 0.9), "%.0f"),
                               num(cr_latent_explained(ev, k, 0.95), "%.0f"),
                               num(cr_latent_explained(ev, k, 0.99), "%.0f")});
            continue;
        }
        for (int j = 0, r = cr_latent_explained(ev, k, 1.0); j < r; j++) {
            sum += ev[j];
            put_line((field[]){lab(label), num(j + 1, "%.0f"), num(ev[j], "%.6g"),
                               num(ev[j] / total, "%.6f"), num(sum / total, "%.6f")});
        }
    }
    free(ev);
    return CLI_EXIT_OK;
}

/* classify: ridge LDA on the even blocks of each set, accuracy on the odd ones. */
static int classify(double ridge)
{
    int ntrain = 0, ntest = 0, right[2] = {0, 0}, tests[2] = {0, 0}, status = CLI_EXIT_DATA;
    double *xt = malloc(rows * (size_t)dim * sizeof *xt), *w = malloc((size_t)dim * sizeof *w);
    unsigned char *y = malloc(rows);
    cr_diag d;
    double b;

    for (int s = 0; s < 2; s++)
        if (sets[s].n < 2) {
            cli_err("%s: 1 block; classify needs 2 or more in each set (the even ones "
                    "train, the odd ones test)", cli_name(sets[s].path, 0));
            goto done;
        }
    if (!xt || !w || !y) {
        cli_err("out of memory");
        goto done;
    }
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < sets[s].n; i += 2, ntrain++) {
            memcpy(xt + (size_t)ntrain * dim, x + (size_t)(sets[s].first + i) * dim,
                   (size_t)dim * sizeof *xt);
            y[ntrain] = (unsigned char)s;
        }
    if (cr_latent_lda(xt, y, ntrain, dim, ridge, w, &b, &d) < 0) {
        cli_err("%s", d.msg);
        goto done;
    }
    for (int s = 0; s < 2; s++)
        for (int i = 1; i < sets[s].n; i += 2, ntest++) {
            const double *r = x + (size_t)(sets[s].first + i) * dim;
            double v = 0;
            for (int j = 0; j < dim; j++)
                v += w[j] * r[j];
            tests[s]++;
            right[s] += (v > b) == s;
        }
    put_line((field[]){lab(sets[0].label), lab(sets[1].label), num(ntrain, "%.0f"),
                       num(ntest, "%.0f"), num((double)(right[0] + right[1]) / ntest, "%.6f"),
                       num((double)right[0] / tests[0], "%.6f"),
                       num((double)right[1] / tests[1], "%.6f"),
                       num((double)(tests[0] > tests[1] ? tests[0] : tests[1]) / ntest, "%.6f")});
    status = CLI_EXIT_OK;
done:
    free(xt);
    free(w);
    free(y);
    return status;
}

/* project: the first two principal components of all blocks, fitted together. */
static int project(void)
{
    int k = (int)rows < dim ? (int)rows : dim;
    double *ev = malloc((size_t)k * sizeof *ev), *sc;
    cr_diag d;
    k = k < 2 ? k : 2;
    sc = malloc(rows * 2 * sizeof *sc);
    if (!ev || !sc) {
        cli_err("out of memory");
        free(ev);
        free(sc);
        return CLI_EXIT_DATA;
    }
    if (cr_latent_pca(x, (int)rows, dim, ev, sc, k, &d) < 0) {
        cli_err("%s", d.msg);
        free(ev);
        free(sc);
        return CLI_EXIT_DATA;
    }
    for (int s = 0; s < nsets; s++)
        for (int i = sets[s].first; i < sets[s].first + sets[s].n; i++)
            put_line((field[]){lab(sets[s].label), num(sc[(size_t)i * k], "%.6g"),
                               num(k > 1 ? sc[(size_t)i * k + 1] : 0.0, "%.6g")});
    free(ev);
    free(sc);
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    static const struct option longs[] = {
        {"spectrum", 0, 0, 'e'}, {"ridge", 1, 0, 'r'}, {"header", 0, 0, 'H'},
        {"json", 0, 0, 'j'}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    int c, header = 0, spectrum = 0, ridged = 0, status = CLI_EXIT_OK;
    double ridge = 1.0;
    static char *stdin_arg[] = {"-"};

    cli_blas_setup(argv, 0);
    cli_init(argv);
    while ((c = getopt_long(argc, argv, "er:h", longs, NULL)) != -1) {
        switch (c) {
        case 'e': spectrum = 1; break;
        case 'r':
            ridged = 1;
            if (isnan(ridge = cli_number(optarg, "--ridge", 0, INFINITY, CLI_NUM_ABOVE)))
                return CLI_EXIT_USAGE;
            break;
        case 'H': header = 1; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        case 'V': cli_version(); return cli_close_out(stdout, "-");
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    const char *cmd = optind < argc ? argv[optind++] : "";
    if (!strcmp(cmd, "pca"))
        mode = spectrum ? SPECTRUM : PCA;
    else if (!strcmp(cmd, "classify"))
        mode = CLASSIFY;
    else if (!strcmp(cmd, "project"))
        mode = PROJECT;
    else {
        if (*cmd)
            cli_err("'%s': no such command (pca, classify, project)", cmd);
        else
            cli_err("a command is needed: pca, classify or project");
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    char **paths = argv + optind;
    int npaths = argc - optind;
    if (mode == CLASSIFY && npaths != 2) {
        cli_err("classify takes two latent streams, A and B (%d given)", npaths);
        return CLI_EXIT_USAGE;
    }
    if ((spectrum && mode != SPECTRUM) || (ridged && mode != CLASSIFY)) {
        cli_err("%s applies to %s only", spectrum ? "-e" : "-r", spectrum ? "pca" : "classify");
        return CLI_EXIT_USAGE;
    }
    if (npaths == 0)
        paths = stdin_arg, npaths = 1;
    if (cli_refuse_tty_in(paths, npaths))
        return CLI_EXIT_USAGE;
    if (!(sets = calloc((size_t)npaths, sizeof *sets))) {
        cli_err("out of memory");
        return CLI_EXIT_DATA;
    }
    for (nsets = 0; nsets < npaths; nsets++) {
        sets[nsets].path = label_of(paths[nsets], sets[nsets].label, sizeof sets[nsets].label);
        if (read_set(&sets[nsets]) < 0) {
            status = CLI_EXIT_DATA;
            break;
        }
    }
    if (status == CLI_EXIT_OK) {
        if (header && !json) {
            for (const char *h = columns[mode]; *h; h++)
                putchar(*h == ' ' ? '\t' : *h);
            putchar('\n');
        }
        status = mode == CLASSIFY ? classify(ridge) : mode == PROJECT ? project() : pca();
    }
    free(sets);
    free(x);
    int cs = cli_close_out(stdout, "-");
    return status > cs ? status : cs;
}
