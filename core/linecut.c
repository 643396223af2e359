#include "linecut.h"

/* The bytes of token i as they stand in the document (an appended <|endoftext|> has
 * none). */
static const unsigned char *bytes_of(const cr_vocab *v, const cr_block *b, uint32_t i,
                                     size_t *len)
{
    const unsigned char *p = cr_vocab_bytes(v, b->ids[i], len);
    uint32_t have = b->off[i + 1] - b->off[i];
    if (*len > have)
        *len = have;
    return p;
}

/* Whether the line that ends at byte j of token i (p[j] == '\n') is blank: only blanks
 * back to the '\n' before it, looked for in this block. */
static int blank_before(const cr_vocab *v, const cr_block *b, uint32_t i, size_t j)
{
    const unsigned char *p = bytes_of(v, b, i, &(size_t){0});
    for (;;) {
        while (j-- > 0) {
            if (p[j] == '\n')
                return 1;
            if (p[j] != ' ' && p[j] != '\t' && p[j] != '\r')
                return 0;
        }
        if (i == 0)
            return b->first == 0; /* the document's start counts as a blank line */
        p = bytes_of(v, b, --i, &j);
    }
}

void cr_line_cuts(const cr_vocab *v, const cr_block *b, cr_seg_cut *cut)
{
    for (uint32_t i = 0; i < b->n; i++) {
        size_t len, j;
        const unsigned char *p = bytes_of(v, b, i, &len);
        for (j = len; j > 0 && p[j - 1] != '\n'; j--)
            ;
        uint64_t at = b->base + b->off[i];
        if (j == 0)
            cut[i] = (cr_seg_cut){at, CR_SEG_IN_LINE};
        else
            cut[i] = (cr_seg_cut){at + j, blank_before(v, b, i, j - 1) ? CR_SEG_PARA
                                                                        : CR_SEG_LINE};
    }
}
