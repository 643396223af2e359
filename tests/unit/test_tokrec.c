/* Token stream payloads: block, document and document-end records. */
#include <stdlib.h>
#include <string.h>

#include "../../core/le.h"
#include "../../core/tokrec.h"
#include "check.h"

#define BLOCK_FIXED 40
#define VOCAB 50257

static uint32_t ids_in[CR_BLOCK_MAX_TOKENS], off_in[CR_BLOCK_MAX_TOKENS + 1];
static uint32_t ids_out[CR_BLOCK_MAX_TOKENS], off_out[CR_BLOCK_MAX_TOKENS + 1];

static uint64_t rng = 12345;
static uint32_t rnd(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng >> 33);
}

/* A block of n tokens of L with plausible ids and offsets (some tokens of 0 bytes, as an
 * appended <|endoftext|> is). */
static cr_block make_block(uint32_t n, uint32_t L)
{
    cr_block b = {.doc = 3, .index = 7, .first = 7 * 4, .base = 123456789012ULL,
                  .n = n, .L = L, .ids = ids_in, .off = off_in};
    off_in[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        ids_in[i] = rnd() % VOCAB;
        off_in[i + 1] = off_in[i] + rnd() % 5;
    }
    return b;
}

static unsigned char *write_block(const cr_block *b, size_t *len)
{
    *len = cr_block_size(b->n);
    unsigned char *p = malloc(*len);
    cr_block_write(b, p);
    return p;
}

static cr_block empty_out(void)
{
    cr_block b = {.ids = ids_out, .off = off_out};
    return b;
}

static void test_block_round_trip(void)
{
    static const uint32_t shapes[][2] = {{1, 1}, {1, 512}, {3, 8}, {8, 8}, {511, 512},
                                         {CR_BLOCK_MAX_TOKENS, CR_BLOCK_MAX_TOKENS}};
    cr_diag d;

    for (int s = 0; s < 6; s++) {
        cr_block b = make_block(shapes[s][0], shapes[s][1]), r = empty_out();
        size_t len;
        unsigned char *p = write_block(&b, &len);
        CHECK_EQ(len, BLOCK_FIXED + 8 * (size_t)b.n + 4);
        CHECK_EQ(cr_block_read(&r, p, len, VOCAB, &d), CR_OK);
        CHECK_EQ(r.doc, b.doc);
        CHECK_EQ(r.index, b.index);
        CHECK_EQ(r.first, b.first);
        CHECK_EQ(r.base, b.base);
        CHECK_EQ(r.n, b.n);
        CHECK_EQ(r.L, b.L);
        CHECK(memcmp(r.ids, b.ids, b.n * sizeof *b.ids) == 0);
        CHECK(memcmp(r.off, b.off, (b.n + 1) * sizeof *b.off) == 0);
        free(p);
    }
}

static void test_block_layout_is_little_endian(void)
{
    uint32_t ids[2] = {0x01020304, 50256}, off[3] = {0, 5, 5};
    cr_block b = {.doc = 1, .index = 2, .first = 3, .base = 0x0807060504030201ULL,
                  .n = 2, .L = 8, .ids = ids, .off = off};
    unsigned char p[BLOCK_FIXED + 20];

    CHECK_EQ(cr_block_size(2), sizeof p);
    cr_block_write(&b, p);
    CHECK_EQ(cr_le64(p), 1);
    CHECK_EQ(cr_le64(p + 8), 2);
    CHECK_EQ(cr_le64(p + 16), 3);
    CHECK_EQ(p[24], 0x01);
    CHECK_EQ(p[31], 0x08);
    CHECK_EQ(cr_le32(p + 32), 2);
    CHECK_EQ(cr_le32(p + 36), 8);
    CHECK_EQ(p[40], 0x04);
    CHECK_EQ(cr_le32(p + 44), 50256);
    CHECK_EQ(cr_le32(p + 52), 5);
    CHECK_EQ(cr_le32(p + 56), 5);
}

/* Reads a copy of a good 4-of-8 block after edit() changed it. */
static int read_edited(void (*edit)(unsigned char *p, size_t *len), cr_diag *d)
{
    cr_block b = make_block(4, 8), r = empty_out();
    size_t len;
    unsigned char *p = write_block(&b, &len);
    /* room for edits that claim more tokens than were written */
    p = realloc(p, len + 256);
    memset(p + len, 0, 256);
    edit(p, &len);
    int rc = cr_block_read(&r, p, len, VOCAB, d);
    free(p);
    return rc;
}

static void n_zero(unsigned char *p, size_t *len) { cr_put32(p + 32, 0); *len = BLOCK_FIXED + 4; }
static void n_above_L(unsigned char *p, size_t *len)
{
    cr_put32(p + 32, 9);
    *len = cr_block_size(9);
}
static void L_zero(unsigned char *p, size_t *len) { (void)len; cr_put32(p + 36, 0); }
static void L_huge(unsigned char *p, size_t *len)
{
    (void)len;
    cr_put32(p + 36, CR_BLOCK_MAX_TOKENS + 1);
}
static void n_huge(unsigned char *p, size_t *len)
{
    (void)len;
    cr_put32(p + 32, UINT32_MAX); /* would overflow a size computed in 32 bits */
    cr_put32(p + 36, UINT32_MAX);
}
static void too_short(unsigned char *p, size_t *len) { (void)p; *len = BLOCK_FIXED - 1; }
static void one_byte_less(unsigned char *p, size_t *len) { (void)p; *len -= 1; }
static void four_bytes_more(unsigned char *p, size_t *len) { (void)p; *len += 4; }
static void id_at_vocab(unsigned char *p, size_t *len) { (void)len; cr_put32(p + 40 + 8, VOCAB); }
static void id_huge(unsigned char *p, size_t *len) { (void)len; cr_put32(p + 40, UINT32_MAX); }
static void first_off_nonzero(unsigned char *p, size_t *len)
{
    (void)len;
    cr_put32(p + 56, 1);
    cr_put32(p + 60, 100);
    cr_put32(p + 64, 100);
    cr_put32(p + 68, 100);
    cr_put32(p + 72, 100);
}
static void off_backwards(unsigned char *p, size_t *len)
{
    (void)len;
    /* offsets 0, 10, 20, 15, 30: token 3 starts before token 2 */
    cr_put32(p + 56, 0);
    cr_put32(p + 60, 10);
    cr_put32(p + 64, 20);
    cr_put32(p + 68, 15);
    cr_put32(p + 72, 30);
}
static void off_flat(unsigned char *p, size_t *len)
{
    (void)len;
    for (int i = 0; i < 5; i++)
        cr_put32(p + 56 + 4 * i, i < 3 ? (uint32_t)i : 2); /* equal offsets are fine */
}
static void id_last_in_vocab(unsigned char *p, size_t *len)
{
    (void)len;
    cr_put32(p + 40, VOCAB - 1);
}

static void test_block_rejects_bad_lengths_and_values(void)
{
    cr_diag d;

    CHECK_EQ(read_edited(n_zero, &d), CR_E_VALUE);
    CHECK_HAS(d.msg, "block with 0 tokens of 8");
    CHECK_EQ(read_edited(n_above_L, &d), CR_E_VALUE);
    CHECK_HAS(d.msg, "block with 9 tokens of 8");
    CHECK_EQ(read_edited(L_zero, &d), CR_E_VALUE);
    CHECK_EQ(read_edited(L_huge, &d), CR_E_VALUE);
    CHECK_HAS(d.msg, "of 65537");
    CHECK_EQ(read_edited(n_huge, &d), CR_E_VALUE);
    CHECK_EQ(read_edited(too_short, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "block record of 39 bytes is too short");
    CHECK_EQ(read_edited(one_byte_less, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "block of 4 tokens in a record of 75 bytes");
    CHECK_EQ(read_edited(four_bytes_more, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "block of 4 tokens in a record of 80 bytes");
    CHECK_EQ(read_edited(id_at_vocab, &d), CR_E_VALUE);
    CHECK_HAS(d.msg, "token 2 of the block has id 50257, beyond the vocabulary (50257)");
    CHECK_EQ(read_edited(id_huge, &d), CR_E_VALUE);
    CHECK_HAS(d.msg, "token 0 of the block has id 4294967295");
    CHECK_EQ(read_edited(first_off_nonzero, &d), CR_E_VALUE);
    CHECK_HAS(d.msg, "byte offset of token 0");
    CHECK_EQ(read_edited(off_backwards, &d), CR_E_VALUE);
    CHECK_HAS(d.msg, "byte offset of token 3 goes backwards");
    CHECK_EQ(read_edited(off_flat, &d), CR_OK);
    CHECK_EQ(read_edited(id_last_in_vocab, &d), CR_OK);
}

static void test_block_beyond_the_largest_size_is_refused(void)
{
    cr_block b = make_block(CR_BLOCK_MAX_TOKENS, CR_BLOCK_MAX_TOKENS), r = empty_out();
    size_t len;
    unsigned char *p = write_block(&b, &len);
    cr_diag d;

    cr_put32(p + 32, CR_BLOCK_MAX_TOKENS + 1); /* one more than any reader's arrays hold */
    cr_put32(p + 36, CR_BLOCK_MAX_TOKENS + 1);
    CHECK_EQ(cr_block_read(&r, p, len, VOCAB, &d), CR_E_VALUE);
    free(p);
}

static void test_doc_round_trip(void)
{
    static const char name[] = "dir/a b\0c.txt";
    unsigned char p[64], big[12 + CR_DOC_NAME_MAX + 1];
    cr_docrec r;
    cr_diag d;

    CHECK_EQ(cr_doc_size(sizeof name - 1), 12 + sizeof name - 1);
    cr_doc_write(42, name, sizeof name - 1, p);
    CHECK_EQ(cr_doc_read(&r, p, cr_doc_size(sizeof name - 1), &d), CR_OK);
    CHECK_EQ(r.doc, 42);
    CHECK_EQ(r.name_len, sizeof name - 1);
    CHECK(memcmp(r.name, name, sizeof name - 1) == 0);
    CHECK_EQ(r.bytes, 0);
    CHECK_EQ(r.tokens, 0);

    cr_doc_write(UINT64_MAX, "", 0, p);
    CHECK_EQ(cr_doc_read(&r, p, 12, &d), CR_OK);
    CHECK_EQ(r.doc, UINT64_MAX);
    CHECK_EQ(r.name_len, 0);

    static const char zeros[CR_DOC_NAME_MAX];
    cr_doc_write(1, zeros, CR_DOC_NAME_MAX, big); /* the longest name, all NULs */
    CHECK_EQ(cr_doc_read(&r, big, cr_doc_size(CR_DOC_NAME_MAX), &d), CR_OK);
    CHECK_EQ(r.name_len, CR_DOC_NAME_MAX);
}

static void test_doc_rejects_bad_lengths(void)
{
    unsigned char p[64], big[12 + CR_DOC_NAME_MAX + 1];
    char name[CR_DOC_NAME_MAX + 1];
    cr_docrec r;
    cr_diag d;

    cr_doc_write(1, "abc", 3, p);
    CHECK_EQ(cr_doc_read(&r, p, 11, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "document record of 11 bytes is malformed");
    CHECK_EQ(cr_doc_read(&r, p, 14, &d), CR_E_FORMAT);
    CHECK_EQ(cr_doc_read(&r, p, 16, &d), CR_E_FORMAT);
    CHECK_EQ(cr_doc_read(&r, p, 0, &d), CR_E_FORMAT);
    /* a name length that wraps 12 + len around 32 bits */
    cr_put32(p + 8, UINT32_MAX - 11);
    CHECK_EQ(cr_doc_read(&r, p, 15, &d), CR_E_FORMAT);

    memset(name, 'n', sizeof name);
    cr_doc_write(1, name, CR_DOC_NAME_MAX + 1, big);
    CHECK_EQ(cr_doc_read(&r, big, sizeof big, &d), CR_E_LIMIT);
    CHECK_HAS(d.msg, "document name of 4097 bytes");
}

static void test_docend_round_trip_and_bad_lengths(void)
{
    unsigned char p[CR_DOCEND_SIZE + 1];
    cr_docrec r;
    cr_diag d;

    cr_docend_write(5, 1ULL << 40, 123, p);
    CHECK_EQ(cr_docend_read(&r, p, CR_DOCEND_SIZE, &d), CR_OK);
    CHECK_EQ(r.doc, 5);
    CHECK_EQ(r.bytes, 1ULL << 40);
    CHECK_EQ(r.tokens, 123);
    CHECK_EQ(r.name_len, 0);
    CHECK_EQ(cr_docend_read(&r, p, CR_DOCEND_SIZE - 1, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "document end record of 23 bytes");
    CHECK_EQ(cr_docend_read(&r, p, CR_DOCEND_SIZE + 1, &d), CR_E_FORMAT);
    CHECK_EQ(cr_docend_read(&r, p, 0, &d), CR_E_FORMAT);
}

int main(void)
{
    test_block_round_trip();
    test_block_layout_is_little_endian();
    test_block_rejects_bad_lengths_and_values();
    test_block_beyond_the_largest_size_is_refused();
    test_doc_round_trip();
    test_doc_rejects_bad_lengths();
    test_docend_round_trip_and_bad_lengths();
    return check_summary("tokrec");
}
