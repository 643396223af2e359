/* crmodel: creates randomly initialised models and describes model files. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../core/aefile.h"
#include "../tok/tok.h"
#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: crmodel new [-p PRESET] [-s KEY=VALUE]... [--seed N] [-n NAME] [--bf16]"
            " -o FILE\n"
            "       crmodel convert (--bf16 | --f32) [-n NAME] [--meta K=V]... -o FILE MODEL\n"
            "       crmodel info FILE...\n"
            "new: writes a model with random parameters (GPT-2's initialisation).\n"
            "  -p, --preset P     paper, cpu (default) or tiny\n"
            "  -s, --set K=V      override a config value: vocab width heads enc_layers\n"
            "                     dec_layers ffn block latents tied zattn pool zskip bind\n"
            "                     zsplit\n"
            "      --seed N       random seed (default 1)\n"
            "  -n, --name NAME    model name (default: the preset's)\n"
            "      --bf16         store parameters as bf16 (half the size)\n"
            "  -o, --output FILE  where to write the model\n"
            "convert: writes MODEL again with bf16 (half the size) or fp32 parameters;\n"
            "  -n renames it, --meta K=V sets a text metadata entry (not ae.*).\n"
            "  A bf16 copy is another model (its check differs).\n"
            "info: prints each model's config, parameter count and metadata.\n"
            "See crmodel(1) and cr-model(5).\n");
}

static void print_config(const cr_ae_config *c)
{
    printf("config\tvocab %d\twidth %d\theads %d\tlayers %d+%d\tffn %d\tblock %d\tlatents %d"
           "\t%s head\tzattn %d\tpool %d\tzskip %d\tbind %d\tzsplit %d\n", c->V, c->C, c->NH,
           c->Le, c->Ld, c->F, c->L, c->M, c->tied ? "tied" : "untied", c->zattn, c->pool,
           c->zskip, c->bind, cr_ae_slots(c) / c->M);
    printf("params\t%zu\t(%.1fM)\n", cr_ae_nparams(c), cr_ae_nparams(c) / 1e6);
    /* a latent is zsplit slots of C values, and stands for L/M tokens whatever zsplit */
    printf("compression\t%gx\n", (double)c->L / c->M);
}

static int cmd_new(int argc, char **argv)
{
    static const struct option longs[] = {
        {"preset", 1, 0, 'p'}, {"set", 1, 0, 's'}, {"seed", 1, 0, 'S'}, {"name", 1, 0, 'n'},
        {"bf16", 0, 0, 'b'}, {"output", 1, 0, 'o'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *preset = "cpu", *name = NULL, *out = NULL;
    cr_ae_config c;
    long seed = 1;
    int ch, bf16 = 0, nset = 0;
    char **sets = calloc((size_t)argc, sizeof *sets);

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
    if (cr_ae_preset(&c, preset) < 0) {
        cli_err("-p %s: unknown preset (paper, cpu, tiny)", preset);
        return CLI_EXIT_USAGE;
    }
    for (int i = 0; i < nset; i++)
        if (cli_config_set(&c, sets[i]) < 0)
            return CLI_EXIT_USAGE;
    free(sets);

    cr_ae *ae;
    cr_diag d;
    if (cr_ae_config_check(&c, &d) < 0) {
        cli_err("config: %s", d.msg);
        return CLI_EXIT_USAGE;
    }
    if (cr_ae_new_random(&ae, &c, (uint64_t)seed, &d) < 0) {
        cli_err("%s", d.msg);
        return CLI_EXIT_DATA;
    }
    cr_meta_set_str(ae->meta, "model.name", name ? name : preset);
    cr_meta_set_u64(ae->meta, "model.seed", (uint64_t)seed);
    cr_meta_set_str(ae->meta, "model.origin", "crmodel new (random initialisation)");
    char vpath[4096];
    cr_vocab *v;
    snprintf(vpath, sizeof vpath, "%s/gpt2", cli_share_dir());
    if (c.V == 50257 && cr_vocab_load(&v, vpath, &d) == CR_OK) {
        cr_meta_set_u64(ae->meta, "tok.vocab_id", cr_vocab_id(v));
        cr_vocab_free(v);
    }
    int rc = cr_ae_save(ae, out, bf16 ? CR_DTYPE_BF16 : CR_DTYPE_F32, &d);
    if (rc < 0)
        cli_err("%s", d.msg);
    else
        fprintf(stderr, "%s: %s: %s preset, %zu parameters (%.1fM)\n", cli_prog(), out, preset,
                cr_ae_nparams(&c), cr_ae_nparams(&c) / 1e6);
    cr_ae_free(ae);
    return rc < 0 ? CLI_EXIT_DATA : CLI_EXIT_OK;
}

static int cmd_convert(int argc, char **argv)
{
    static const struct option longs[] = {{"bf16", 0, 0, 'b'}, {"f32", 0, 0, 'f'},
                                          {"name", 1, 0, 'n'}, {"output", 1, 0, 'o'},
                                          {"meta", 1, 0, 'm'}, {"help", 0, 0, 'h'},
                                          {0, 0, 0, 0}};
    const char *name = NULL, *out = NULL;
    int ch, dtype = 0, nmeta = 0;
    char **metas = calloc((size_t)argc, sizeof *metas);

    argv[0] = (char *)cli_prog();
    while ((ch = getopt_long(argc, argv, "n:o:h", longs, NULL)) != -1) {
        switch (ch) {
        case 'b': dtype = CR_DTYPE_BF16; break;
        case 'f': dtype = CR_DTYPE_F32; break;
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
    if (!dtype || !out || optind + 1 != argc) {
        free(metas);
        cli_err(!dtype ? "convert needs --bf16 or --f32" : !out ? "convert needs -o FILE"
                : "convert needs one MODEL");
        return CLI_EXIT_USAGE;
    }
    cr_ae *ae = cli_load_model(argv[optind]);
    cr_diag d;
    int rc = CR_OK;
    if (!ae) {
        free(metas);
        return CLI_EXIT_DATA;
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

static int cmd_info(int argc, char **argv)
{
    int status = CLI_EXIT_OK;
    if (argc < 2) {
        cli_err("info needs a model FILE");
        return CLI_EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        cr_ae *ae = cli_load_model(argv[i]);
        if (!ae) {
            status = CLI_EXIT_DATA;
            continue;
        }
        printf("model\t%s\n", argv[i]);
        printf("check\t%016llx\n", (unsigned long long)ae->check);
        print_config(&ae->cfg);
        for (int k = 0; k < ae->meta->n; k++) {
            const cr_meta_entry *e = &ae->meta->e[k];
            if (!strncmp(e->key, "ae.", 3))
                continue;
            if (e->type == CR_META_U64)
                printf("meta\t%s\t%llu\n", e->key, (unsigned long long)e->u);
            else if (e->type == CR_META_F64)
                printf("meta\t%s\t%.6g\n", e->key, e->f);
            else
                printf("meta\t%s\t%s\n", e->key, e->s);
        }
        cr_ae_free(ae);
    }
    return status;
}

int main(int argc, char **argv)
{
    cli_init(argv);
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    int status;
    if (!strcmp(argv[1], "new"))
        status = cmd_new(argc - 1, argv + 1);
    else if (!strcmp(argv[1], "info"))
        status = cmd_info(argc - 1, argv + 1);
    else if (!strcmp(argv[1], "convert"))
        status = cmd_convert(argc - 1, argv + 1);
    else {
        cli_err("unknown command '%s' (new, convert, info)", argv[1]);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    int cs = cli_close_out(stdout, "-");
    return status > cs ? status : cs;
}
