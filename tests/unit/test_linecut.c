/* Line cuts (core/linecut.c): where a change of domain may fall, and of which kind. */
#include "../../core/linecut.h"
#include "check.h"

static cr_vocab *V;

/* cuts of the tokens ids[0..n), each as long as its bytes, the block at document token
 * `first` and byte `base` */
static void cuts(const uint32_t *ids, uint32_t n, uint64_t first, uint64_t base,
                 cr_seg_cut *cut)
{
    uint32_t id[16], off[17] = {0};
    for (uint32_t i = 0; i < n; i++) {
        size_t len;
        cr_vocab_bytes(V, ids[i], &len);
        id[i] = ids[i];
        off[i + 1] = off[i] + (uint32_t)len;
    }
    cr_block b = {.first = first, .base = base, .n = n, .L = 16, .ids = id, .off = off};
    cr_line_cuts(V, &b, cut);
}

static void test_kinds(void)
{
    /* "Hello" "\n\n" " world" "\n" "Hello": a paragraph starts at " world", a line at the
     * second "Hello"; a token that ends with its newline starts nothing itself */
    static const uint32_t a[] = {15496, 628, 995, 198, 15496};
    cr_seg_cut c[5];
    cuts(a, 5, 3, 100, c);
    CHECK_EQ(c[0].kind, CR_SEG_IN_LINE); /* a block's first token cannot look back */
    CHECK_EQ(c[0].at, 100);
    CHECK_EQ(c[1].kind, CR_SEG_IN_LINE);
    CHECK_EQ(c[2].kind, CR_SEG_PARA);
    CHECK_EQ(c[2].at, 107); /* the first byte of " world" */
    CHECK_EQ(c[3].kind, CR_SEG_IN_LINE);
    CHECK_EQ(c[4].kind, CR_SEG_LINE);
    CHECK_EQ(c[4].at, 114);
}

static void test_across_tokens(void)
{
    /* "Hello" "\n" " " "\n" "Hello": a line starts at " ", then a blank one ends and a
     * paragraph starts at the second "Hello" */
    static const uint32_t a[] = {15496, 198, 220, 198, 15496};
    cr_seg_cut c[5];
    cuts(a, 5, 0, 0, c);
    CHECK_EQ(c[0].kind, CR_SEG_PARA); /* the document's first line */
    CHECK_EQ(c[1].kind, CR_SEG_IN_LINE);
    CHECK_EQ(c[2].kind, CR_SEG_LINE);
    CHECK_EQ(c[2].at, 6);
    CHECK_EQ(c[3].kind, CR_SEG_IN_LINE);
    CHECK_EQ(c[4].kind, CR_SEG_PARA);
    CHECK_EQ(c[4].at, 8);
    /* a newline first in the document is a blank first line; first in a later block,
     * nothing to look back at */
    static const uint32_t b[] = {198, 15496};
    cuts(b, 2, 0, 0, c);
    CHECK_EQ(c[1].kind, CR_SEG_PARA);
    cuts(b, 2, 7, 0, c);
    CHECK_EQ(c[1].kind, CR_SEG_LINE);
}

static void test_inside_token(void)
{
    /* "x" "\n\u00a0" "y": the line starts one byte into the token (GPT-2's only token
     * with a newline before other bytes) */
    int64_t nl = cr_vocab_lookup(V, (const unsigned char *)"\n\xc2\xa0", 3);
    CHECK(nl >= 0);
    if (nl < 0)
        return;
    uint32_t a[] = {87, (uint32_t)nl, 88};
    cr_seg_cut c[3];
    cuts(a, 3, 0, 0, c);
    CHECK_EQ(c[1].kind, CR_SEG_LINE);
    CHECK_EQ(c[1].at, 2);
    CHECK_EQ(c[2].kind, CR_SEG_IN_LINE);
    /* CR LF ends a line as LF does, and a CR alone on a line leaves it blank:
     * "x" "\r" "\n" "\r" "\n" "y" */
    int64_t cr = cr_vocab_lookup(V, (const unsigned char *)"\r", 1);
    CHECK(cr >= 0);
    if (cr < 0)
        return;
    uint32_t b[] = {87, (uint32_t)cr, 198, (uint32_t)cr, 198, 88};
    cr_seg_cut e[6];
    cuts(b, 6, 0, 0, e);
    CHECK_EQ(e[3].kind, CR_SEG_LINE);
    CHECK_EQ(e[5].kind, CR_SEG_PARA);
    CHECK_EQ(e[5].at, 5);
}

static void test_no_bytes(void)
{
    /* an <|endoftext|> of no bytes in the document holds no newline: the line after the
     * newline before it starts at it */
    uint32_t id[3] = {198, 50256, 198}, off[4] = {0, 1, 1, 2};
    cr_block b = {.first = 0, .base = 0, .n = 3, .L = 16, .ids = id, .off = off};
    cr_seg_cut c[3];
    cr_line_cuts(V, &b, c);
    CHECK_EQ(c[1].kind, CR_SEG_PARA); /* after a blank first line */
    CHECK_EQ(c[1].at, 1);
    /* an id beyond the vocabulary has no bytes: no line, and none read */
    uint32_t big[2] = {198, 1u << 20}, o2[3] = {0, 1, 4};
    cr_block b2 = {.first = 0, .base = 0, .n = 2, .L = 16, .ids = big, .off = o2};
    cr_line_cuts(V, &b2, c);
    CHECK_EQ(c[1].kind, CR_SEG_PARA); /* after the newline before it */
    big[0] = 1u << 20;
    cr_line_cuts(V, &b2, c);
    CHECK_EQ(c[1].kind, CR_SEG_IN_LINE);
}

int main(void)
{
    cr_diag d;
    if (cr_vocab_load(&V, "share/gpt2", &d) < 0) {
        fprintf(stderr, "test_linecut: %s (run from the repository root)\n", d.msg);
        CHECK(0);
        return check_summary("test_linecut");
    }
    test_kinds();
    test_across_tokens();
    test_inside_token();
    test_no_bytes();
    cr_vocab_free(V);
    return check_summary("test_linecut");
}
