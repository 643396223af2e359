/* crmodel: creates randomly initialised models, converts and describes model files, and
 * lists the shipped experts. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/aefile.h"
#include "../core/asm.h"
#include "../core/calib.h"
#include "../core/input.h"
#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: crmodel new [-p PRESET] [-s KEY=VALUE]... [--seed N] [-n NAME] [--bf16]"
            " -o FILE\n"
            "       crmodel convert [--bf16 | --f32] [--asm-in R] [-n NAME] [--meta K=V]...\n"
            "                       -o FILE MODEL\n"
            "       crmodel info [--json] MODEL...\n"
            "       crmodel list [--header | --json]\n"
            "       crmodel calibrate [-o FILE] [--data TEXT] MODEL HELDOUT.tok...\n"
            "       crmodel --version\n"
            "MODEL is a file, or the name of a shipped expert: python is\n"
            "SHARE/models/python.crm.\n"
            "new: writes a model with random parameters (GPT-2's initialisation).\n"
            "  -p, --preset P     paper, cpu (default) or tiny\n"
            "  -s, --set K=V      override a config value: vocab width heads enc_layers\n"
            "                     dec_layers ffn block latents tied zattn pool zskip bind\n"
            "                     zsplit asm asm_short asm_in\n"
            "      --seed N       random seed (default 1)\n"
            "  -n, --name NAME    model name (default: the preset's)\n"
            "      --bf16         store parameters as bf16 (half the size)\n"
            "  -o, --output FILE  where to write the model\n"
            "convert: writes MODEL again with bf16 (half the size) or fp32 parameters\n"
            "  (default: as it is stored); --asm-in R keeps the token embeddings of the\n"
            "  first R tokens of its adaptive head's order only (the tokens it saw in\n"
            "  training) and embeds the rest through the head's tail (adaptive input);\n"
            "  -n renames it, --meta K=V sets a text metadata entry (not ae.*).\n"
            "  A converted copy is another model (its check differs).\n"
            "info: prints each model's config, parameter count and metadata;\n"
            "  --json as one JSON object per model.\n"
            "list: the shipped experts, one per line: name size params block tra ce\n"
            "  majority gain steps tokens data recipe (validation and training figures\n"
            "  from the metadata, - where absent).\n"
            "  --header  a first line with the column names\n"
            "  --json    JSON Lines (one object per model, keys as the column names)\n"
            "calibrate: measures MODEL on held-out token streams (crtok -L of its block\n"
            "  size) and writes the figures crroute compares experts by (cal.*: median\n"
            "  CE per byte and per token, quantiles) into MODEL, or into -o FILE;\n"
            "  --data names the held-out text in cal.data.\n"
            "See crmodel(1) and cr-model(5).\n");
}

/* Output of info and list: tab-separated text, or JSON Lines with --json. */
static int json;

static const cr_meta_entry *meta_find(const cr_meta *m, const char *key)
{
    for (int k = 0; k < m->n; k++)
        if (!strcmp(m->e[k].key, key))
            return &m->e[k];
    return NULL;
}

static int cmd_new(int argc, char **argv)
{
    static const struct option longs[] = {
        {"preset", 1, 0, 'p'}, {"set", 1, 0, 's'}, {"seed", 1, 0, 'S'}, {"name", 1, 0, 'n'},
        {"bf16", 0, 0, 'b'}, {"output", 1, 0, 'o'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *preset = "cpu", *name = NULL, *out = NULL;
    long seed = 1;
    int ch, bf16 = 0, nset = 0;
    const char **sets = calloc((size_t)argc, sizeof *sets);

    argv[0] = (char *)cli_prog();
    while ((ch = getopt_long(argc, argv, "p:s:n:o:h", longs, NULL)) != -1) {
        switch (ch) {
        case 'p': preset = optarg; break;
        case 's': sets[nset++] = optarg; break;
        case 'S': if ((seed = cli_count(optarg, "--seed", 0, 1L << 62)) < 0) return 2; break;
        case 'n': name = optarg; break;
        case 'b': bf16 = 1; break;
        case 'o': out = optarg; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (!out || optind < argc) {
        cli_err(out ? "unexpected argument '%s'" : "new needs -o FILE", argv[optind]);
        return CLI_EXIT_USAGE;
    }
    cr_ae *ae;
    cr_diag d;
    int rc = cli_new_model(&ae, preset, sets, nset, (unsigned long long)seed, name,
                           "crmodel new (random initialisation)");
    free(sets);
    if (rc != CLI_EXIT_OK)
        return rc;
    if ((rc = cr_ae_save(ae, out, bf16 ? CR_DTYPE_BF16 : CR_DTYPE_F32, &d)) < 0)
        cli_err("%s", d.msg);
    else
        fprintf(stderr, "%s: %s: %s preset, %zu parameters (%.1fM)\n", cli_prog(), out, preset,
                cr_ae_nparams(&ae->cfg), cr_ae_nparams(&ae->cfg) / 1e6);
    cr_ae_free(ae);
    return rc < 0 ? CLI_EXIT_DATA : CLI_EXIT_OK;
}

static int cmd_convert(int argc, char **argv)
{
    static const struct option longs[] = {{"bf16", 0, 0, 'b'}, {"f32", 0, 0, 'f'},
                                          {"name", 1, 0, 'n'}, {"output", 1, 0, 'o'},
                                          {"meta", 1, 0, 'm'}, {"asm-in", 1, 0, 'a'},
                                          {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *name = NULL, *out = NULL;
    int ch, dtype = 0, nmeta = 0;
    long asm_in = 0;
    char **metas = calloc((size_t)argc, sizeof *metas);

    argv[0] = (char *)cli_prog();
    while ((ch = getopt_long(argc, argv, "n:o:h", longs, NULL)) != -1) {
        switch (ch) {
        case 'b': dtype = CR_DTYPE_BF16; break;
        case 'f': dtype = CR_DTYPE_F32; break;
        case 'a':
            if ((asm_in = cli_count(optarg, "--asm-in", 1, 1L << 30)) < 0) {
                free(metas);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'n': name = optarg; break;
        case 'o': out = optarg; break;
        case 'm':
            if (!strchr(optarg, '=') || optarg[0] == '=' || !strncmp(optarg, "ae.", 3)) {
                cli_err("--meta %s: expected KEY=VALUE, KEY not empty nor ae.*", optarg);
                free(metas);
                return CLI_EXIT_USAGE;
            }
            metas[nmeta++] = optarg;
            break;
        case 'h': free(metas); usage(stdout); return CLI_EXIT_OK;
        default: free(metas); usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if ((!dtype && !asm_in) || !out || optind + 1 != argc) {
        free(metas);
        cli_err(!dtype && !asm_in ? "convert needs --bf16, --f32 or --asm-in"
                : !out ? "convert needs -o FILE" : "convert needs one MODEL");
        return CLI_EXIT_USAGE;
    }
    cr_ae *ae = cli_load_model(argv[optind]);
    cr_diag d;
    int rc = CR_OK;
    if (!ae) {
        free(metas);
        return CLI_EXIT_DATA;
    }
    if (!dtype)
        dtype = ae->dtype ? ae->dtype : CR_DTYPE_F32;
    if (asm_in) {
        cr_ae *in;
        if (cr_asm_input(ae, (int)asm_in, &in, &d) < 0) {
            cli_err("%s: --asm-in %ld: %s", argv[optind], asm_in, d.msg);
            free(metas);
            cr_ae_free(ae);
            return CLI_EXIT_DATA;
        }
        cr_ae_free(ae);
        ae = in;
    }
    if (name)
        rc = cr_meta_set_str(ae->meta, "model.name", name);
    for (int i = 0; i < nmeta && rc == CR_OK; i++) {
        char *eq = strchr(metas[i], '=');
        *eq = 0;
        rc = cr_meta_set_str(ae->meta, metas[i], eq + 1);
        *eq = '=';
    }
    free(metas);
    if (rc < 0) {
        cli_err("%s: metadata: out of memory or too long", argv[optind]);
        cr_ae_free(ae);
        return CLI_EXIT_DATA;
    }
    rc = cr_ae_save(ae, out, dtype, &d);
    if (rc < 0)
        cli_err("%s", d.msg);
    cr_ae_free(ae);
    return rc < 0 ? CLI_EXIT_DATA : CLI_EXIT_OK;
}

/* calibrate: the expert's own figures on held-out text, for crroute (core/calib.h). */
static int cmd_calibrate(int argc, char **argv)
{
    static const struct option longs[] = {{"output", 1, 0, 'o'}, {"data", 1, 0, 'D'},
                                          {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *out = NULL, *data = NULL;
    int ch, rc;
    cr_calib_acc acc = {0};
    cr_calib cal;
    cr_input *in = NULL;
    cr_diag d;

    argv[0] = (char *)cli_prog();
    while ((ch = getopt_long(argc, argv, "o:h", longs, NULL)) != -1) {
        switch (ch) {
        case 'o': out = optarg; break;
        case 'D': data = optarg; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (argc - optind < 2) {
        cli_err("calibrate needs a MODEL and its held-out token streams");
        return CLI_EXIT_USAGE;
    }
    cr_ae *ae = cli_load_model(argv[optind]);
    if (!ae)
        return CLI_EXIT_DATA;
    if (!out)
        out = cli_model_path(argv[optind]);
    if ((rc = cr_input_open(&in, (const char *const *)argv + optind + 1, argc - optind - 1,
                            CR_KIND_TOKENS, &d)) >= 0 &&
        (rc = cr_calib_measure(ae, in, &acc, &d)) >= 0 &&
        (rc = cr_calib_finish(&acc, &cal, &d)) >= 0 &&
        (rc = cr_calib_set(&cal, ae->meta, data)) >= 0)
        rc = cr_ae_save(ae, out, ae->dtype ? ae->dtype : CR_DTYPE_F32, &d);
    if (rc < 0)
        cli_err("%s", d.msg);
    else
        fprintf(stderr, "%s: %s: %llu held-out blocks, median %.4f bits/byte (%.3f "
                "bits/token); q90 %.3f, q99 %.3f, q999 %.3f of the median\n", cli_prog(), out,
                (unsigned long long)cal.blocks, cal.bpb_median, cal.bpt_median, cal.q90,
                cal.q99, cal.q999);
    cr_input_close(in);
    cr_calib_acc_free(&acc);
    cr_ae_free(ae);
    return rc < 0 ? CLI_EXIT_DATA : CLI_EXIT_OK;
}

static int cmd_info(int argc, char **argv)
{
    static const struct option longs[] = {{"json", 0, 0, 'j'}, {"help", 0, 0, 'h'},
                                          {0, 0, 0, 0}};
    int ch, status = CLI_EXIT_OK;

    argv[0] = (char *)cli_prog();
    while ((ch = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        switch (ch) {
        case 'j': json = 1; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_err("info needs a MODEL (a file, or a name from crmodel list)");
        return CLI_EXIT_USAGE;
    }
    for (int i = optind; i < argc; i++) {
        fflush(stdout); /* lines and messages in order */
        cr_ae *ae = cli_load_model(argv[i]);
        if (!ae) {
            status = CLI_EXIT_DATA;
            continue;
        }
        /* a name is shown as the file it stands for */
        cli_model_info(json, cli_model_path(argv[i]), ae);
        cr_ae_free(ae);
    }
    return status;
}

/* The columns of list: name is the file's name without .crm (what -m takes); key, the
 * metadata entry of the others that come from the model, or else alt (data and recipe:
 * the description a shipped expert carries, else the path and recipe crtrain wrote). */
static const struct { const char *name, *key, *alt; } list_cols[] = {
    {"name", NULL, NULL}, {"size", NULL, NULL}, {"params", NULL, NULL}, {"block", NULL, NULL},
    {"tra", "val.tra", NULL}, {"ce", "val.ce_bits", NULL}, {"majority", "val.majority_tra", NULL},
    {"gain", "val.latent_gain_bits", NULL}, {"steps", "train.steps", NULL},
    {"tokens", "train.tokens", NULL}, {"data", "data", "train.data"},
    {"recipe", "recipe", "train.recipe"}};
enum { NCOLS = sizeof list_cols / sizeof list_cols[0] };

static void list_model(const char *name, size_t namelen, long long size, const cr_ae *ae)
{
    if (json)
        putchar('{');
    for (int i = 0; i < NCOLS; i++) {
        cli_put_key(json, i, list_cols[i].name);
        switch (i) {
        case 0: cli_put_str(json, name, namelen); break;
        case 1: printf("%lld", size); break;
        case 2: printf("%zu", cr_ae_nparams(&ae->cfg)); break;
        case 3: printf("%d", ae->cfg.L); break;
        default: {
            const cr_meta_entry *e = meta_find(ae->meta, list_cols[i].key);
            if (!e && list_cols[i].alt)
                e = meta_find(ae->meta, list_cols[i].alt);
            cli_put_meta(json, e);
        }
        }
    }
    puts(json ? "}" : "");
}

static int is_model(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return e->d_name[0] != '.' && n > 4 && !strcmp(e->d_name + n - 4, ".crm");
}

static int cmd_list(int argc, char **argv)
{
    static const struct option longs[] = {{"header", 0, 0, 'H'}, {"json", 0, 0, 'j'},
                                          {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    char dir[4096], path[4096 + 256];
    struct dirent **ents;
    int ch, n, header = 0, status = CLI_EXIT_OK;

    argv[0] = (char *)cli_prog();
    while ((ch = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        switch (ch) {
        case 'H': header = 1; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_err("list takes no operand ('%s'): it lists SHARE/models", argv[optind]);
        return CLI_EXIT_USAGE;
    }
    snprintf(dir, sizeof dir, "%s/models", cli_share_dir());
    if ((n = scandir(dir, &ents, is_model, alphasort)) < 0) {
        cli_err("%s: %s", dir, strerror(errno));
        cli_hint("set CR_SHARE to the share directory (which holds models/)");
        return CLI_EXIT_DATA;
    }
    for (int i = 0; header && !json && i < NCOLS; i++)
        printf("%s%c", list_cols[i].name, i + 1 < NCOLS ? '\t' : '\n');
    for (int i = 0; i < n; i++) {
        struct stat st;
        cr_ae *ae;
        snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
        fflush(stdout); /* lines and messages in order */
        if (stat(path, &st) < 0) {
            cli_err("%s: %s", path, strerror(errno));
            status = CLI_EXIT_DATA;
        } else if (!(ae = cli_load_model(path))) {
            status = CLI_EXIT_DATA;
        } else {
            list_model(ents[i]->d_name, strlen(ents[i]->d_name) - 4, (long long)st.st_size, ae);
            cr_ae_free(ae);
        }
        free(ents[i]);
    }
    free(ents);
    return status;
}

int main(int argc, char **argv)
{
    cli_blas_setup(argv, 0);
    cli_init(argv);
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        cli_version();
        return cli_close_out(stdout, "-");
    }
    int status;
    if (!strcmp(argv[1], "new"))
        status = cmd_new(argc - 1, argv + 1);
    else if (!strcmp(argv[1], "info"))
        status = cmd_info(argc - 1, argv + 1);
    else if (!strcmp(argv[1], "convert"))
        status = cmd_convert(argc - 1, argv + 1);
    else if (!strcmp(argv[1], "list"))
        status = cmd_list(argc - 1, argv + 1);
    else if (!strcmp(argv[1], "calibrate"))
        status = cmd_calibrate(argc - 1, argv + 1);
    else {
        cli_err("unknown command '%s' (new, convert, info, list, calibrate)", argv[1]);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    int cs = cli_close_out(stdout, "-");
    return status > cs ? status : cs;
}
