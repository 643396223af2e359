#include "tokrec.h"

#include <string.h>

#include "le.h"

#define BLOCK_FIXED 40 /* doc, index, first, base (u64), n, L (u32) */

void cr_block_copy(cr_block *dst, const cr_block *src)
{
    uint32_t *ids = dst->ids, *off = dst->off;
    *dst = *src;
    dst->ids = memcpy(ids, src->ids, src->n * sizeof *ids);
    dst->off = memcpy(off, src->off, (src->n + 1) * sizeof *off);
}

size_t cr_block_size(uint32_t n)
{
    return BLOCK_FIXED + 4 * (size_t)n + 4 * ((size_t)n + 1);
}

void cr_block_write(const cr_block *b, unsigned char *p)
{
    cr_put64(p, b->doc);
    cr_put64(p + 8, b->index);
    cr_put64(p + 16, b->first);
    cr_put64(p + 24, b->base);
    cr_put32(p + 32, b->n);
    cr_put32(p + 36, b->L);
    p += BLOCK_FIXED;
    for (uint32_t i = 0; i < b->n; i++, p += 4)
        cr_put32(p, b->ids[i]);
    for (uint32_t i = 0; i <= b->n; i++, p += 4)
        cr_put32(p, b->off[i]);
}

int cr_block_read(cr_block *b, const unsigned char *p, size_t len, uint32_t vocab_size,
                  cr_diag *d)
{
    if (len < BLOCK_FIXED)
        return cr_diag_set(d, CR_E_FORMAT, "block record of %zu bytes is too short", len);
    b->doc = cr_le64(p);
    b->index = cr_le64(p + 8);
    b->first = cr_le64(p + 16);
    b->base = cr_le64(p + 24);
    b->n = cr_le32(p + 32);
    b->L = cr_le32(p + 36);
    if (b->L == 0 || b->L > CR_BLOCK_MAX_TOKENS || b->n == 0 || b->n > b->L)
        return cr_diag_set(d, CR_E_VALUE, "block with %u tokens of %u", b->n, b->L);
    if (len != cr_block_size(b->n))
        return cr_diag_set(d, CR_E_FORMAT, "block of %u tokens in a record of %zu bytes", b->n,
                           len);
    p += BLOCK_FIXED;
    for (uint32_t i = 0; i < b->n; i++, p += 4) {
        b->ids[i] = cr_le32(p);
        if (b->ids[i] >= vocab_size)
            return cr_diag_set(d, CR_E_VALUE, "token %u of the block has id %u, beyond the "
                               "vocabulary (%u)", i, b->ids[i], vocab_size);
    }
    for (uint32_t i = 0; i <= b->n; i++, p += 4) {
        b->off[i] = cr_le32(p);
        if (i == 0 ? b->off[0] != 0 : b->off[i] < b->off[i - 1])
            return cr_diag_set(d, CR_E_VALUE, "byte offset of token %u goes backwards", i);
    }
    return CR_OK;
}

size_t cr_doc_size(uint32_t name_len) { return 12 + (size_t)name_len; }

void cr_doc_write(uint64_t doc, const char *name, uint32_t name_len, unsigned char *p)
{
    cr_put64(p, doc);
    cr_put32(p + 8, name_len);
    memcpy(p + 12, name, name_len);
}

int cr_doc_read(cr_docrec *r, const unsigned char *p, size_t len, cr_diag *d)
{
    memset(r, 0, sizeof *r);
    if (len < 12 || len != 12 + (size_t)cr_le32(p + 8))
        return cr_diag_set(d, CR_E_FORMAT, "document record of %zu bytes is malformed", len);
    r->doc = cr_le64(p);
    r->name_len = cr_le32(p + 8);
    if (r->name_len > CR_DOC_NAME_MAX)
        return cr_diag_set(d, CR_E_LIMIT, "document name of %u bytes", r->name_len);
    r->name = (const char *)p + 12;
    return CR_OK;
}

void cr_docend_write(uint64_t doc, uint64_t bytes, uint64_t tokens, unsigned char *p)
{
    cr_put64(p, doc);
    cr_put64(p + 8, bytes);
    cr_put64(p + 16, tokens);
}

int cr_docend_read(cr_docrec *r, const unsigned char *p, size_t len, cr_diag *d)
{
    memset(r, 0, sizeof *r);
    if (len != CR_DOCEND_SIZE)
        return cr_diag_set(d, CR_E_FORMAT, "document end record of %zu bytes", len);
    r->doc = cr_le64(p);
    r->bytes = cr_le64(p + 8);
    r->tokens = cr_le64(p + 16);
    return CR_OK;
}
