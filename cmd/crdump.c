/* crdump: any cr stream as text, for people and for tests. */
#include <getopt.h>
#include <string.h>

#include "../core/stream.h"
#include "../core/tokrec.h"
#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: crdump [-q] [FILE...]\n"
               "Prints cr streams as text: headers, metadata and records.\n"
               "  -q, --quiet   headers and record summaries only, no per-token lines\n"
               "  -h, --help    this help\n"
               "See crdump(1) and cr-stream(5).\n");
}

static void put_meta(const cr_meta *m)
{
    for (int i = 0; i < m->n; i++) {
        const cr_meta_entry *e = &m->e[i];
        printf("meta\t%s\t", e->key);
        if (e->type == CR_META_U64)
            printf("%llu\n", (unsigned long long)e->u);
        else if (e->type == CR_META_F64)
            printf("%.17g\n", e->f);
        else {
            for (size_t k = 0; k < e->slen; k++) {
                unsigned char c = (unsigned char)e->s[k];
                if (c < 32 || c == 127 || c == '\\')
                    printf("\\x%02x", c);
                else
                    putchar(c);
            }
            putchar('\n');
        }
    }
}

static int dump(FILE *in, const char *name, int quiet)
{
    static uint32_t ids[CR_BLOCK_MAX_TOKENS], off[CR_BLOCK_MAX_TOKENS + 1];
    cr_reader *r;
    cr_rec rec;
    cr_diag d;
    cr_block b = {.ids = ids, .off = off};
    cr_docrec dr;
    uint64_t records = 0;
    int rc;

    if ((rc = cr_reader_open(&r, in, 0, &d)) < 0) {
        cli_err("%s: %s", name, d.msg);
        return CLI_EXIT_DATA;
    }
    cr_reader_set_max_len(r, 1u << 30);
    for (rc = 2; rc > 0; rc = cr_reader_next(r, &rec, &d)) {
        if (rc == 2) {
            if (cr_reader_streams(r) > 1)
                printf("end\t%llu records\n", (unsigned long long)records);
            records = 0;
            printf("stream\t%s\tversion %d\n", cr_kind_name(cr_reader_kind(r)),
                   CR_STREAM_VERSION);
            put_meta(cr_reader_meta(r));
            continue;
        }
        records++;
        if (cr_reader_kind(r) != CR_KIND_TOKENS) {
            printf("record\t%llu\ttype %u\t%u bytes\n", (unsigned long long)rec.seq, rec.type,
                   rec.len);
        } else if (rec.type == CR_TOK_DOC) {
            if ((rc = cr_doc_read(&dr, rec.data, rec.len, &d)) < 0) {
                cr_diag_prefix(&d, "record %llu at byte %llu", (unsigned long long)rec.seq,
                               (unsigned long long)rec.pos);
                break;
            }
            printf("doc\t%llu\t%.*s\n", (unsigned long long)dr.doc, (int)dr.name_len, dr.name);
        } else if (rec.type == CR_TOK_BLOCK) {
            if ((rc = cr_block_read(&b, rec.data, rec.len, UINT32_MAX, &d)) < 0) {
                cr_diag_prefix(&d, "record %llu at byte %llu", (unsigned long long)rec.seq,
                               (unsigned long long)rec.pos);
                break;
            }
            printf("block\tdoc %llu\tindex %llu\tfirst %llu\tbytes %llu-%llu\ttokens %u/%u\n",
                   (unsigned long long)b.doc, (unsigned long long)b.index,
                   (unsigned long long)b.first, (unsigned long long)b.base,
                   (unsigned long long)(b.base + b.off[b.n]), b.n, b.L);
            for (uint32_t i = 0; !quiet && i < b.n; i++)
                printf("\t%u\t%llu\t%u\n", b.ids[i], (unsigned long long)(b.base + b.off[i]),
                       b.off[i + 1] - b.off[i]);
        } else if (rec.type == CR_TOK_DOCEND) {
            if ((rc = cr_docend_read(&dr, rec.data, rec.len, &d)) < 0) {
                cr_diag_prefix(&d, "record %llu at byte %llu", (unsigned long long)rec.seq,
                               (unsigned long long)rec.pos);
                break;
            }
            printf("docend\t%llu\t%llu bytes\t%llu tokens\n", (unsigned long long)dr.doc,
                   (unsigned long long)dr.bytes, (unsigned long long)dr.tokens);
        } else {
            printf("record\t%llu\ttype %u\t%u bytes\n", (unsigned long long)rec.seq, rec.type,
                   rec.len);
        }
    }
    if (rc == 0)
        printf("end\t%llu records\n", (unsigned long long)records);
    cr_reader_close(r);
    if (rc < 0) {
        fflush(stdout);
        cli_err("%s: %s", name, d.msg);
        return CLI_EXIT_DATA;
    }
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    static const struct option longs[] = {
        {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c, quiet = 0, status = CLI_EXIT_OK;

    cli_init(argv);
    while ((c = getopt_long(argc, argv, "qh", longs, NULL)) != -1) {
        switch (c) {
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    for (int i = optind; i < argc || i == optind; i++) {
        const char *path = i < argc ? argv[i] : "-";
        FILE *f = cli_open_in(path);
        int s = f ? dump(f, cli_name(path, 0), quiet) : CLI_EXIT_DATA;
        if (s > status)
            status = s;
        cli_close_in(f);
    }
    int cs = cli_close_out(stdout, "-");
    return status > cs ? status : cs;
}
