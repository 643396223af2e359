#include "linecut.h"

/* The bytes of token i as they stand in the document (an appended <|endoftext|> has
 * none, nor has an id beyond the vocabulary). */
static const unsigned char *bytes_of(const cr_vocab *v, const cr_block *b, uint32_t i,
                                     size_t *len)
{
    if (b->ids[i] >= cr_vocab_size(v)) {
        *len = 0;
        return NULL;
    }
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

/* The index of the last '\n' of token i, or -1. */
static long last_newline(const cr_vocab *v, const cr_block *b, uint32_t i, size_t *len)
{
    const unsigned char *p = bytes_of(v, b, i, len);
    for (size_t j = *len; j > 0; j--)
        if (p[j - 1] == '\n')
            return (long)j - 1;
    return -1;
}

void cr_line_cuts(const cr_vocab *v, const cr_block *b, cr_seg_cut *cut)
{
    for (uint32_t i = 0; i < b->n; i++) {
        size_t len, plen;
        uint64_t at = b->base + b->off[i];
        long j = last_newline(v, b, i, &len), k;
        cut[i] = (cr_seg_cut){at, CR_SEG_IN_LINE};
        if (j >= 0 && (size_t)j + 1 < len) /* a line starts inside the token */
            cut[i] = (cr_seg_cut){at + (uint64_t)j + 1,
                                  blank_before(v, b, i, (size_t)j) ? CR_SEG_PARA : CR_SEG_LINE};
        else if (i > 0 && (k = last_newline(v, b, i - 1, &plen)) >= 0 && (size_t)k + 1 == plen)
            cut[i] = (cr_seg_cut){at, blank_before(v, b, i - 1, (size_t)k) ? CR_SEG_PARA
                                                                           : CR_SEG_LINE};
        else if (i == 0 && b->first == 0)
            cut[i] = (cr_seg_cut){at, CR_SEG_PARA}; /* the document's first line */
    }
}
