/* crdump: any cr stream as text, for people and for tests. */
#include <getopt.h>
#include <string.h>

#include "../core/input.h"
#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: crdump [-q] [FILE...]\n"
               "Prints cr streams as text: headers, metadata and records.\n"
               "  -q, --quiet   headers and record summaries only, no per-token lines\n"
               "  -h, --help    this help\n"
               "      --version version\n"
               "See crdump(1) and cr-stream(5).\n");
}


static void put_meta(const cr_meta *m)
{
    for (int i = 0; i < m->n; i++) {
        const cr_meta_entry *e = &m->e[i];
        printf("meta\t%s\t", e->key);
        if (e->type == CR_META_U64)
            printf("%llu", (unsigned long long)e->u);
        else if (e->type == CR_META_F64)
            printf("%.17g", e->f);
        else
            cli_put_str(0, e->s, e->slen);
        putchar('\n');
    }
}

static void put_event(const cr_event *ev, int quiet)
{
    const cr_block *b = &ev->block;
    switch (ev->type) {
    case CR_EV_STREAM:
        printf("stream\t%s\tversion %d\n", cr_kind_name(ev->kind), CR_STREAM_VERSION);
        put_meta(ev->meta);
        break;
    case CR_EV_DOC:
        printf("doc\t%llu\t", (unsigned long long)ev->doc.doc);
        cli_put_str(0, ev->doc.name, ev->doc.name_len);
        putchar('\n');
        break;
    case CR_EV_BLOCK:
        printf("block\tdoc %llu\tindex %llu\tfirst %llu\tbytes %llu-%llu\ttokens %u/%u\n",
               (unsigned long long)b->doc, (unsigned long long)b->index,
               (unsigned long long)b->first, (unsigned long long)b->base,
               (unsigned long long)(b->base + b->off[b->n]), b->n, b->L);
        for (uint32_t i = 0; !quiet && i < b->n; i++)
            printf("\t%u\t%llu\t%u\n", b->ids[i], (unsigned long long)(b->base + b->off[i]),
                   b->off[i + 1] - b->off[i]);
        break;
    case CR_EV_DOCEND:
        printf("docend\t%llu\t%llu bytes\t%llu tokens\n", (unsigned long long)ev->doc.doc,
               (unsigned long long)ev->doc.bytes, (unsigned long long)ev->doc.tokens);
        break;
    default:
        printf("record\t%llu\ttype %u\t%u bytes\n", (unsigned long long)ev->rec.seq,
               ev->rec.type, ev->rec.len);
    }
}

/* Dumps every input in turn; an input that fails is reported and the next one dumped. */
static int dump(char *const *paths, int npaths, int quiet)
{
    cr_input *in;
    cr_event ev;
    cr_diag d;
    uint64_t records = 0;
    int rc, status = CLI_EXIT_OK;

    if (cr_input_open(&in, (const char *const *)paths, npaths, 0, &d) < 0) {
        cli_err("%s", d.msg);
        return CLI_EXIT_DATA;
    }
    cr_input_set_max_len(in, 1u << 30);
    cr_input_set_raw(in, 1);
    while ((rc = cr_input_next(in, &ev, &d)) != CR_EV_END) {
        if (rc < 0) {
            fflush(stdout);
            cli_err("%s", d.msg);
            status = CLI_EXIT_DATA;
            records = 0;
            continue;
        }
        if ((rc == CR_EV_STREAM && !ev.first) || rc == CR_EV_INPUT_END)
            printf("end\t%llu records\n", (unsigned long long)records);
        if (rc == CR_EV_INPUT_END)
            continue;
        records = rc == CR_EV_STREAM ? 0 : records + 1;
        put_event(&ev, quiet);
    }
    cr_input_close(in);
    return status;
}

int main(int argc, char **argv)
{
    static const struct option longs[] = {
        {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    int c, quiet = 0, status = CLI_EXIT_OK;

    cli_init(argv);
    while ((c = getopt_long(argc, argv, "qh", longs, NULL)) != -1) {
        switch (c) {
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        case 'V': cli_version(); return cli_close_out(stdout, "-");
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (cli_refuse_tty_in(argv + optind, argc - optind))
        return CLI_EXIT_USAGE;
    status = dump(argv + optind, argc - optind, quiet);
    int cs = cli_close_out(stdout, "-");
    return status > cs ? status : cs;
}
