/* The block reader (core/input.c): events in order, every invariant of cr-stream(5) that
 * checksums cannot catch, messages that name the input, record and byte, and going on
 * with the next input after an error. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/input.h"
#include "check.h"

#define BL 4 /* block.tokens */
#define BS 2 /* block.stride */

static uint32_t ids[16] = {11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26};
static uint32_t offs[17] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* What a test stream holds: a list of records described by small structs. */
enum { DOC, BLOCK, DOCEND };
typedef struct spec {
    int type;
    uint64_t doc, index, first; /* block: doc, index, first (base = first) */
    uint32_t n, Lb;             /* block: tokens, L of the block */
    uint64_t bytes, tokens;     /* docend */
} spec;

static char path[64];

/* Writes a token stream of the given records (header block.tokens L, stride S). */
static void write_stream(const char *p, const spec *r, int nr, int end)
{
    FILE *f = fopen(p, "wb");
    cr_meta *m = cr_meta_new();
    cr_writer *w;
    cr_diag d;
    unsigned char buf[1024];
    cr_meta_set_u64(m, "tok.vocab_size", 50257);
    cr_meta_set_u64(m, "block.tokens", BL);
    cr_meta_set_u64(m, "block.stride", BS);
    cr_writer_open(&w, f, CR_KIND_TOKENS, m, &d);
    for (int i = 0; i < nr; i++) {
        if (r[i].type == DOC) {
            cr_doc_write(r[i].doc, "doc", 3, buf);
            cr_writer_put(w, CR_TOK_DOC, buf, (uint32_t)cr_doc_size(3), &d);
        } else if (r[i].type == DOCEND) {
            cr_docend_write(r[i].doc, r[i].bytes, r[i].tokens, buf);
            cr_writer_put(w, CR_TOK_DOCEND, buf, CR_DOCEND_SIZE, &d);
        } else {
            cr_block b = {.doc = r[i].doc, .index = r[i].index, .first = r[i].first,
                          .base = r[i].first, .n = r[i].n, .L = r[i].Lb ? r[i].Lb : BL,
                          .ids = ids + r[i].first, .off = offs};
            cr_block_write(&b, buf);
            cr_writer_put(w, CR_TOK_BLOCK, buf, (uint32_t)cr_block_size(b.n), &d);
        }
    }
    if (end)
        cr_writer_close(w, &d);
    else
        cr_writer_abandon(w);
    cr_meta_free(m);
    fclose(f);
}

/* Reads path to its end; returns the first error's message ("" when none) and counts
 * the blocks. */
static const char *read_all(int *blocks)
{
    static cr_diag d;
    const char *p = path;
    cr_input *in;
    cr_event ev;
    int rc;
    *blocks = 0;
    d.msg[0] = 0;
    cr_input_open(&in, &p, 1, CR_KIND_TOKENS, &d);
    while ((rc = cr_input_next(in, &ev, &d)) != CR_EV_END) {
        if (rc < 0)
            break;
        *blocks += rc == CR_EV_BLOCK;
    }
    cr_input_close(in);
    return rc < 0 ? d.msg : "";
}

/* A document of 7 tokens in windows of 4 with stride 2: blocks at 0, 2, 4 (n 4, 4, 3). */
static const spec good[] = {
    {.type = DOC, .doc = 0},
    {.type = BLOCK, .doc = 0, .index = 0, .first = 0, .n = BL},
    {.type = BLOCK, .doc = 0, .index = 1, .first = 2, .n = BL},
    {.type = BLOCK, .doc = 0, .index = 2, .first = 4, .n = 3},
    {.type = DOCEND, .doc = 0, .bytes = 7, .tokens = 7},
    {.type = DOC, .doc = 1},
    {.type = DOCEND, .doc = 1, .bytes = 0, .tokens = 0}};

static void test_good(void)
{
    int blocks;
    write_stream(path, good, 7, 1);
    CHECK_HAS(read_all(&blocks), "");
    CHECK_EQ(strlen(read_all(&blocks)), 0);
    CHECK_EQ(blocks, 3);
}

/* Each case: the good stream with one record changed, and what the reader must say. */
static void expect(const spec *r, int nr, int end, const char *want)
{
    int blocks;
    write_stream(path, r, nr, end);
    const char *got = read_all(&blocks);
    CHECK_HAS(got, want);
    CHECK_HAS(got, path); /* the input is named */
}

static void test_broken(void)
{
    spec r[7];
#define CASE(i, field, value, want)                                                           \
    do {                                                                                      \
        memcpy(r, good, sizeof good);                                                         \
        r[i].field = value;                                                                   \
        expect(r, 7, 1, want);                                                                \
    } while (0)
    CASE(0, doc, 1, "record 0 at byte ");
    CASE(0, doc, 1, "document numbered 1, expected 0");
    memcpy(r, good, sizeof good);
    expect(r + 1, 6, 1, "a block outside any document");
    CASE(1, doc, 1, "a block of document 1 inside document 0");
    CASE(2, index, 2, "block 2 of document 0, expected block 1");
    CASE(2, first, 3, "starts at token 3, not 2");
    CASE(3, Lb, 8, "a block cut with -L 8 in a stream of blocks of 4");
    CASE(2, n, 3, "a block after the short last block of document 0");
    CASE(4, tokens, 8, "document 0 ends after 8 tokens, its blocks hold 7");
    CASE(4, bytes, 6, "document 0 of 6 bytes has tokens up to byte 7");
    CASE(4, doc, 1, "the end of document 1, which is not open");
    CASE(4, type, DOC, "document 0 starts before document 0 ended");
    CASE(6, doc, 0, "the end of document 0, which is not open");
#undef CASE
    expect(good, 4, 1, "the stream ended inside document 0");
    expect(good, 7, 0, "without an end record");
}

/* After a broken input the reader goes on with the next; the good one is read whole. */
static void test_next_input(void)
{
    char good_path[96];
    snprintf(good_path, sizeof good_path, "%s.good", path);
    write_stream(good_path, good, 7, 1);
    spec r[7];
    memcpy(r, good, sizeof good);
    r[2].index = 5;
    write_stream(path, r, 7, 1);
    const char *paths[3] = {path, "/nonexistent/cr", good_path};
    cr_input *in;
    cr_event ev;
    cr_diag d;
    int rc, errors = 0, blocks = 0, ends = 0;
    cr_input_open(&in, paths, 3, CR_KIND_TOKENS, &d);
    while ((rc = cr_input_next(in, &ev, &d)) != CR_EV_END) {
        if (rc < 0 && errors++ == 1)
            CHECK_HAS(d.msg, "/nonexistent/cr: ");
        blocks += rc == CR_EV_BLOCK;
        ends += rc == CR_EV_INPUT_END;
    }
    cr_input_close(in);
    CHECK_EQ(errors, 2);
    CHECK_EQ(ends, 1);
    CHECK_EQ(blocks, 1 + 3); /* the first block of the broken input, then the good one */
    unlink(good_path);
}

/* Overlapping windows: each token counted once, in the first block that has it. */
static void test_tokens_seen(void)
{
    cr_tokens_seen s;
    cr_block b = {.n = 4};
    cr_tokens_seen_reset(&s);
    b.first = 0;
    CHECK_EQ(cr_tokens_new(&s, &b), 0);
    b.first = 2;
    CHECK_EQ(cr_tokens_new(&s, &b), 2);
    b.first = 4;
    b.n = 3;
    CHECK_EQ(cr_tokens_new(&s, &b), 2);
    b.first = 4; /* the same window again: nothing new */
    CHECK_EQ(cr_tokens_new(&s, &b), 3);
    cr_tokens_seen_reset(&s);
    CHECK_EQ(cr_tokens_new(&s, &b), 0);
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/cr_test_input.%d", (int)getpid());
    test_good();
    test_broken();
    test_next_input();
    test_tokens_seen();
    unlink(path);
    return check_summary("test_input");
}
