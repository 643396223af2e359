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
    /* "Hello" "\n\n" " world" "\n" "Hello": a paragraph, then a line */
    static const uint32_t a[] = {15496, 628, 995, 198, 15496};
    cr_seg_cut c[5];
    cuts(a, 5, 3, 100, c);
    CHECK_EQ(c[0].kind, CR_SEG_IN_LINE);
    CHECK_EQ(c[0].at, 100);
    CHECK_EQ(c[1].kind, CR_SEG_PARA);
    CHECK_EQ(c[1].at, 107); /* after both newlines: the first byte of " world" */
    CHECK_EQ(c[2].kind, CR_SEG_IN_LINE);
    CHECK_EQ(c[3].kind, CR_SEG_LINE);
    CHECK_EQ(c[3].at, 114);
    CHECK_EQ(c[4].kind, CR_SEG_IN_LINE);
}

static void test_across_tokens(void)
{
    /* "Hello" "\n" " " "\n": the blank line spans three tokens */
    static const uint32_t a[] = {15496, 198, 220, 198};
    cr_seg_cut c[4];
    cuts(a, 4, 0, 0, c);
    CHECK_EQ(c[1].kind, CR_SEG_LINE);
    CHECK_EQ(c[3].kind, CR_SEG_PARA);
    CHECK_EQ(c[3].at, 8);
    /* a newline first in the document starts a paragraph; first in a later block, only
     * a line (nothing before it to look at) */
    static const uint32_t b[] = {198, 15496};
    cuts(b, 2, 0, 0, c);
    CHECK_EQ(c[0].kind, CR_SEG_PARA);
    cuts(b, 2, 7, 0, c);
    CHECK_EQ(c[0].kind, CR_SEG_LINE);
}

static void test_no_bytes(void)
{
    /* an <|endoftext|> of no bytes in the document breaks no line */
    uint32_t id[2] = {198, 50256}, off[3] = {0, 1, 1};
    cr_block b = {.first = 0, .base = 0, .n = 2, .L = 16, .ids = id, .off = off};
    cr_seg_cut c[2];
    cr_line_cuts(V, &b, c);
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
    test_no_bytes();
    cr_vocab_free(V);
    return check_summary("test_linecut");
}
