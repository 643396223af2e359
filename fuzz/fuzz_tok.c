/* The streaming tokenizer (tok/tok.h) on arbitrary bytes: the ids never depend on how the
 * input is split into calls, and the tokens' bytes are the input, byte for byte, at the
 * offsets given.
 *
 * Input: two bytes that choose a split point (a fraction of the rest) and a piece size for
 * a third feeding in small pieces, then the text. */
#include "fuzz.h"
#include "../tok/tok.h"

static const cr_vocab *vocab;
static cr_tok *tok;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    vocab = fz_vocab("fuzz_tok");
    if (cr_tok_new(&tok, vocab) < 0) {
        fprintf(stderr, "fuzz_tok: out of memory\n");
        exit(1);
    }
    return 0;
}

struct toks {
    uint32_t *ids;
    uint64_t *offs;
    size_t n;
};

/* Feeds p[0..n) in pieces: cut at `split`, then every `piece` bytes (0: no more cuts). */
static struct toks encode(const unsigned char *p, size_t n, size_t split, size_t piece)
{
    struct toks t = {malloc((n + 1) * sizeof *t.ids), malloc((n + 1) * sizeof *t.offs), 0};
    size_t at = 0;
    cr_diag d;

    FZ_ASSERT(t.ids && t.offs);
    cr_tok_reset(tok);
    do {
        size_t k = at < split ? split - at : piece ? piece : n - at;
        if (k > n - at)
            k = n - at;
        const uint32_t *ids;
        const uint64_t *offs;
        size_t c;
        FZ_ASSERT(cr_tok_feed(tok, p + at, k, at + k == n, &ids, &offs, &c, &d) == CR_OK);
        FZ_ASSERT(t.n + c <= n); /* at most a token per byte */
        if (c) { /* with no tokens the arrays may be NULL */
            memcpy(t.ids + t.n, ids, c * sizeof *ids);
            memcpy(t.offs + t.n, offs, c * sizeof *offs);
        }
        t.n += c;
        at += k;
    } while (at < n);
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const unsigned char *p = data + 2;
    size_t n = size - 2, split = data[0] * n / 255, piece = 1 + data[1] % 16;
    struct toks a = encode(p, n, 0, 0), b = encode(p, n, split, 0), c = encode(p, n, 0, piece);

    FZ_ASSERT(a.n == b.n && a.n == c.n);
    FZ_ASSERT(!memcmp(a.ids, b.ids, a.n * sizeof *a.ids) &&
              !memcmp(a.ids, c.ids, a.n * sizeof *a.ids));
    FZ_ASSERT(!memcmp(a.offs, b.offs, a.n * sizeof *a.offs) &&
              !memcmp(a.offs, c.offs, a.n * sizeof *a.offs));
    uint64_t at = 0;
    for (size_t i = 0; i < a.n; i++) {
        size_t len;
        FZ_ASSERT(a.ids[i] < cr_vocab_size(vocab) && a.ids[i] != cr_vocab_eot(vocab));
        const unsigned char *tb = cr_vocab_bytes(vocab, a.ids[i], &len);
        FZ_ASSERT(a.offs[i] == at && len > 0 && len <= n - at);
        FZ_ASSERT(memcmp(tb, p + at, len) == 0);
        at += len;
    }
    FZ_ASSERT(at == n);
    free(a.ids), free(a.offs), free(b.ids), free(b.offs), free(c.ids), free(c.offs);
    return 0;
}
