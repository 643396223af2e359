/* crtok: text to GPT-2 token blocks, and (-d) token blocks back to text. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../core/detok.h"
#include "../core/input.h"
#include "../core/le.h"
#include "../core/stream.h"
#include "../core/blockrec.h"
#include "../core/tokrec.h"
#include "../core/window.h"
#include "../tok/tok.h"
#include "cli.h"

#define READ_CHUNK (256u << 10)

static void usage(FILE *f)
{
    fprintf(f,
            "usage: crtok [-e] [-L N] [-S N] [-o FILE] [-f] [-v] [FILE...]\n"
            "       crtok [options] -T LIST [-0]\n"
            "       crtok --ids [-e] [-o FILE] [FILE... | -T LIST [-0]]\n"
            "       crtok -d [-o FILE] [FILE...]\n"
            "Cuts text into blocks of GPT-2 tokens (a cr token stream), or with --ids\n"
            "prints plain ids, or with -d turns token streams, reconstruction streams\n"
            "(what crdec predicted) or plain id lists back into text.\n"
            "  -L, --block N      tokens per block (default 512)\n"
            "  -S, --stride N     tokens between block starts (default L; < L overlaps)\n"
            "  -e, --eot          end every document with <|endoftext|> (id 50256)\n"
            "  -T, --files-from LIST  read document paths from LIST, one per line (- is stdin)\n"
            "  -0, --null         paths in LIST end with NUL, as from find -print0\n"
            "      --ids          plain ids instead of a token stream: one line per\n"
            "                     document, ids separated by spaces (as tiktoken's encode)\n"
            "  -d, --decode       token or reconstruction stream, or whitespace-separated\n"
            "                     ids, to text\n"
            "  -o, --output FILE  write to FILE instead of stdout\n"
            "  -f, --force        write records even to a terminal\n"
            "      --vocab DIR    directory with encoder.json (default: SHARE/gpt2)\n"
            "  -v, --verbose      per-document counts on stderr\n"
            "  -h, --help         this help\n"
            "      --version      version\n"
            "With no FILE, or FILE -, standard input is one document. See crtok(1).\n");
}

struct enc {
    const cr_vocab *v;
    cr_tok *tok;
    cr_window *win;      /* cuts the documents into blocks */
    cr_writer *w;        /* the token stream, or NULL with --ids */
    FILE *fo;            /* the output */
    int ids;             /* --ids: plain ids on fo */
    int eot, verbose;
    uint64_t doc;        /* documents written so far */
    unsigned char *rec;
    unsigned char *chunk;
    const char *out; /* output path, for messages */
};

static int put_block(struct enc *e, const cr_block *b, cr_diag *d)
{
    cr_block_write(b, e->rec);
    return cr_writer_put(e->w, CR_TOK_BLOCK, e->rec, (uint32_t)cr_block_size(b->n), d);
}

/* Writes id, after a space unless it is the first of its line (--ids). */
static void put_id(FILE *f, uint32_t id, int first)
{
    char buf[12], *p = buf + sizeof buf;
    do
        *--p = (char)('0' + id % 10);
    while (id /= 10);
    if (!first)
        *--p = ' ';
    fwrite(p, 1, (size_t)(buf + sizeof buf - p), f);
}

/* One token of the document: a plain id (--ids), or into the window of blocks. */
static int put(struct enc *e, uint32_t id, uint64_t off, uint64_t end, uint64_t k, cr_diag *d)
{
    const cr_block *b;
    if (!e->ids)
        return cr_window_push(e->win, id, off, end, &b) ? put_block(e, b, d) : CR_OK;
    put_id(e->fo, id, k == 0);
    return CR_OK;
}

/* Tokenizes one document from f; returns CR_OK or a code with d set. */
static int encode_doc(struct enc *e, FILE *f, const char *name, cr_diag *d)
{
    uint32_t nl = (uint32_t)strlen(name);
    uint64_t bytes = 0, ntok = 0;
    int rc, final = 0, rderr = 0;
    const cr_block *b;

    if (nl > CR_DOC_NAME_MAX)
        nl = CR_DOC_NAME_MAX;
    cr_doc_write(e->doc, name, nl, e->rec);
    if (!e->ids &&
        (rc = cr_writer_put(e->w, CR_TOK_DOC, e->rec, (uint32_t)cr_doc_size(nl), d)) < 0)
        return rc;
    cr_tok_reset(e->tok);
    cr_window_start(e->win, e->doc);
    while (!final) {
        size_t got = fread(e->chunk, 1, READ_CHUNK, f), count;
        const uint32_t *ids;
        const uint64_t *offs;
        if (got < READ_CHUNK) {
            /* on a read error the document ends here, so that the stream stays whole */
            rderr = ferror(f);
            final = 1;
        }
        bytes += got;
        if ((rc = cr_tok_feed(e->tok, e->chunk, got, final, &ids, &offs, &count, d)) < 0)
            return rc;
        for (size_t i = 0; i < count; i++) {
            size_t tl;
            cr_vocab_bytes(e->v, ids[i], &tl);
            if ((rc = put(e, ids[i], offs[i], offs[i] + tl, ntok++, d)) < 0)
                return rc;
        }
        /* a reader that went away: stop now rather than at the end of a large input */
        if (e->ids && ferror(e->fo))
            return cr_diag_set(d, CR_E_IO, "write failed");
    }
    if (e->eot && (rc = put(e, cr_vocab_eot(e->v), bytes, bytes, ntok++, d)) < 0)
        return rc;
    if (e->ids)
        putc('\n', e->fo);
    else if (cr_window_end(e->win, &b) && (rc = put_block(e, b, d)) < 0)
        return rc;
    if (e->verbose && e->ids)
        fprintf(stderr, "%s: %s: %llu bytes, %llu tokens\n", cli_prog(), name,
                (unsigned long long)bytes, (unsigned long long)ntok);
    else if (e->verbose)
        fprintf(stderr, "%s: %s: %llu bytes, %llu tokens, %llu blocks\n", cli_prog(), name,
                (unsigned long long)bytes, (unsigned long long)ntok,
                (unsigned long long)cr_window_blocks(e->win));
    cr_docend_write(e->doc, bytes, ntok, e->rec);
    e->doc++;
    if (!e->ids && (rc = cr_writer_put(e->w, CR_TOK_DOCEND, e->rec, CR_DOCEND_SIZE, d)) < 0)
        return rc;
    return rderr ? cr_diag_set(d, CR_E_IO, "read error after %llu bytes: the document is cut "
                               "there", (unsigned long long)bytes) : CR_OK;
}

/* One document from a path; a file that cannot be opened is reported and skipped. */
static int encode_path(struct enc *e, const char *path, int *status)
{
    cr_diag d;
    FILE *f = cli_open_in(path);
    if (!f) {
        *status = CLI_EXIT_DATA;
        return CR_OK;
    }
    int rc = encode_doc(e, f, cli_name(path, 0), &d);
    if (rc == CR_E_IO && ferror(f)) {
        cli_err("%s: %s", cli_name(path, 0), d.msg);
        *status = CLI_EXIT_DATA;
        rc = CR_OK; /* the document was ended where the error struck */
    }
    cli_close_in(f);
    if (rc < 0 && !(rc == CR_E_IO && ferror(e->fo)))
        cli_err("%s: %s", cli_name(e->out, 1), d.msg);
    return rc; /* a failed write is reported by cli_close_out, with its reason */
}

/* Reads paths from LIST separated by sep and encodes each. */
static int encode_list(struct enc *e, FILE *f, const char *list, int sep, int *status)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = CR_OK;

    while (rc == CR_OK && (n = getdelim(&line, &cap, sep, f)) > 0) {
        if (line[n - 1] == sep)
            line[--n] = 0;
        if (n == 0)
            continue;
        if (strlen(line) != (size_t)n) {
            cli_err("%s: a path holds a NUL byte (a list from find -print0 needs -0)",
                    cli_name(list, 0));
            *status = CLI_EXIT_DATA;
            continue;
        }
        rc = encode_path(e, line, status);
    }
    free(line);
    return rc;
}

/* Writes the text of the token or reconstruction streams of f, or of its list of ids;
 * returns the exit status. */
static int decode(const cr_vocab *v, FILE *f, const char *name, FILE *out)
{
    cr_detok s = {.v = v, .out = out};
    cr_input *in;
    cr_event ev;
    cr_diag d;
    int rc, status = CLI_EXIT_OK, c = getc(f);

    if (c == EOF) { /* as every reader of streams: nothing is not an empty stream */
        cli_err("%s: empty input (no stream header, no ids)", name);
        return CLI_EXIT_DATA;
    }
    ungetc(c, f);
    if (c != 0x89) {
        if (cr_detok_ids(v, f, out, &d) == CR_OK)
            return CLI_EXIT_OK;
        cli_err("%s: %s", name, d.msg);
        return CLI_EXIT_DATA;
    }
    if (cr_input_open_file(&in, f, name, 0, &d) < 0) {
        cli_err("%s: %s", name, d.msg);
        return CLI_EXIT_DATA;
    }
    while ((rc = cr_input_next(in, &ev, &d)) != CR_EV_END) {
        if (rc > 0 && (rc = cr_detok_event(&s, &ev, &d)) < 0) {
            /* our own complaint: say where, and give up the rest of this input */
            cr_event_where(&ev, &d);
            cr_input_skip(in);
        }
        if (rc < 0) {
            fflush(out);
            cli_err("%s", d.msg);
            status = CLI_EXIT_DATA;
        }
    }
    cr_input_close(in);
    return status;
}

int main(int argc, char **argv)
{
    static const struct option longs[] = {
        {"block", 1, 0, 'L'}, {"stride", 1, 0, 'S'}, {"eot", 0, 0, 'e'},
        {"files-from", 1, 0, 'T'}, {"null", 0, 0, '0'}, {"decode", 0, 0, 'd'},
        {"output", 1, 0, 'o'}, {"force", 0, 0, 'f'}, {"vocab", 1, 0, 'V'},
        {"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'}, {"ids", 0, 0, 'I'},
        {"version", 0, 0, 'W'}, {0, 0, 0, 0}};
    const char *out = "-", *list = NULL, *vdir = NULL;
    long L = 512, S = 0;
    int c, eot = 0, nul = 0, dec = 0, ids = 0, force = 0, verbose = 0;

    cli_init(argv);
    while ((c = getopt_long(argc, argv, "L:S:eT:0do:fvh", longs, NULL)) != -1) {
        switch (c) {
        case 'L': if ((L = cli_count(optarg, "-L", 1, CR_BLOCK_MAX_TOKENS)) < 0) return 2; break;
        case 'S': if ((S = cli_count(optarg, "-S", 1, CR_BLOCK_MAX_TOKENS)) < 0) return 2; break;
        case 'e': eot = 1; break;
        case 'T': list = optarg; break;
        case '0': nul = 1; break;
        case 'd': dec = 1; break;
        case 'o': out = optarg; break;
        case 'f': force = 1; break;
        case 'V': vdir = optarg; break;
        case 'v': verbose = 1; break;
        case 'I': ids = 1; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        case 'W': cli_version(); return cli_close_out(stdout, "-");
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (ids && dec) {
        cli_err("--ids and -d go opposite ways: give one of them");
        return CLI_EXIT_USAGE;
    }
    if (S == 0)
        S = L;
    if (S > L) {
        cli_err("-S %ld: the stride cannot exceed the block size (%ld)", S, L);
        return CLI_EXIT_USAGE;
    }
    if (list && (optind < argc || dec)) {
        cli_err("-T reads the documents from its list: give no FILE%s", dec ? " and no -d" : "");
        return CLI_EXIT_USAGE;
    }

    char vpath[4096];
    cr_vocab *v;
    cr_diag d;
    snprintf(vpath, sizeof vpath, "%s/gpt2", cli_share_dir());
    if (cr_vocab_load(&v, vdir ? vdir : vpath, &d) < 0) {
        cli_err("%s", d.msg);
        cli_hint("set CR_SHARE to the share directory (which holds gpt2/encoder.json), or "
                 "--vocab to the directory of encoder.json");
        return CLI_EXIT_DATA;
    }
    FILE *lf = list ? cli_open_in(list) : NULL; /* before any output is written */
    FILE *fo = list && !lf ? NULL : cli_open_out(out, !dec && !ids, force);
    if (!fo) {
        cli_close_in(lf);
        cr_vocab_free(v);
        return CLI_EXIT_DATA;
    }
    int status = CLI_EXIT_OK, rc = CR_OK;
    if (dec) {
        for (int i = optind; i < argc || i == optind; i++) {
            const char *path = i < argc ? argv[i] : "-";
            FILE *f = cli_open_in(path);
            int s = f ? decode(v, f, cli_name(path, 0), fo) : CLI_EXIT_DATA;
            if (s > status)
                status = s;
            cli_close_in(f);
        }
        if (status != CLI_EXIT_OK) /* the previous -o file stays as it was */
            cli_discard_out(fo, out), fo = NULL;
    } else {
        struct enc e = {0};
        cr_meta *m = cr_meta_new();
        e.v = v;
        e.out = out;
        e.fo = fo;
        e.ids = ids;
        e.eot = eot;
        e.verbose = verbose;
        e.rec = malloc(cr_block_size((uint32_t)L) + cr_doc_size(CR_DOC_NAME_MAX));
        e.chunk = malloc(READ_CHUNK);
        if (!m || !e.rec || !e.chunk || cr_tok_new(&e.tok, v) < 0 ||
            cr_window_new(&e.win, (uint32_t)L, (uint32_t)S, &d) < 0) {
            cli_err("out of memory");
            return CLI_EXIT_DATA;
        }
        cr_meta_set_str(m, "tok.vocab", "gpt2");
        cr_meta_set_u64(m, "tok.vocab_id", cr_vocab_id(v));
        cr_meta_set_u64(m, "tok.vocab_size", cr_vocab_size(v));
        cr_meta_set_u64(m, "block.tokens", (uint64_t)L);
        cr_meta_set_u64(m, "block.stride", (uint64_t)S);
        cr_meta_set_u64(m, "tok.eot", (uint64_t)eot);
        if (!ids && (rc = cr_writer_open(&e.w, fo, CR_KIND_TOKENS, m, &d)) < 0)
            cli_err("%s: %s", cli_name(out, 1), d.msg);
        else if (list)
            rc = encode_list(&e, lf, list, nul ? 0 : '\n', &status);
        else
            for (int i = optind; rc == CR_OK && (i < argc || i == optind); i++)
                rc = encode_path(&e, i < argc ? argv[i] : "-", &status);
        if (rc < 0)
            cr_writer_abandon(e.w);
        else if ((rc = cr_writer_close(e.w, &d)) < 0 && rc != CR_E_IO)
            cli_err("%s: %s", cli_name(out, 1), d.msg); /* cli_close_out reports I/O */
        if (rc < 0)
            status = CLI_EXIT_DATA;
        if (rc < 0) /* a broken stream: the previous -o file stays as it was */
            cli_discard_out(fo, out), fo = NULL;
        cr_meta_free(m);
        cr_tok_free(e.tok);
        cr_window_free(e.win);
        free(e.rec);
        free(e.chunk);
    }
    cli_close_in(lf);
    int cs = fo ? cli_close_out(fo, out) : CLI_EXIT_OK;
    cr_vocab_free(v);
    return status > cs ? status : cs;
}
