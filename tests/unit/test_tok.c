/* The GPT-2 tokenizer: vocabulary, pre-tokenizer, merges and the streaming encoder.
 * Run from the repository root (the vocabulary is share/gpt2). Known ids come from
 * tiktoken's "gpt2" encoding (cross-checked with tests/golden/tok/ref_gpt2.js). */
#include <stdlib.h>
#include <string.h>

#include "../../tok/tok.h"
#include "check.h"

static cr_vocab *V;

/* xorshift64*: the same numbers on every machine */
static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dULL;
}

struct toks {
    uint32_t *ids;
    uint64_t *offs;
    size_t n, cap;
};

static void toks_free(struct toks *t)
{
    free(t->ids);
    free(t->offs);
    memset(t, 0, sizeof *t);
}

static void toks_add(struct toks *t, const uint32_t *ids, const uint64_t *offs, size_t n)
{
    if (n == 0)
        return;
    if (t->n + n > t->cap) {
        t->cap = (t->n + n) * 2 + 16;
        t->ids = realloc(t->ids, t->cap * sizeof *t->ids);
        t->offs = realloc(t->offs, t->cap * sizeof *t->offs);
    }
    memcpy(t->ids + t->n, ids, n * sizeof *ids);
    memcpy(t->offs + t->n, offs, n * sizeof *offs);
    t->n += n;
}

/* Encodes p[0..n) as one document, fed in pieces of `chunk` bytes (0: one call;
 * -1: random sizes from 1 to 64), then a final call of 0 bytes. */
static struct toks encode_fed(cr_tok *t, const void *p, size_t n, long chunk)
{
    struct toks out = {0};
    const unsigned char *s = p;
    const uint32_t *ids;
    const uint64_t *offs;
    size_t count, i = 0;
    cr_diag d;

    cr_tok_reset(t);
    if (chunk == 0) {
        if (cr_tok_feed(t, s, n, 1, &ids, &offs, &count, &d) < 0)
            abort();
        toks_add(&out, ids, offs, count);
        return out;
    }
    while (i < n) {
        size_t k = chunk > 0 ? (size_t)chunk : 1 + rnd() % 64;
        if (k > n - i)
            k = n - i;
        if (cr_tok_feed(t, s + i, k, 0, &ids, &offs, &count, &d) < 0)
            abort();
        toks_add(&out, ids, offs, count);
        i += k;
    }
    if (cr_tok_feed(t, NULL, 0, 1, &ids, &offs, &count, &d) < 0)
        abort();
    toks_add(&out, ids, offs, count);
    return out;
}

static struct toks encode(const char *s)
{
    cr_tok *t;
    cr_tok_new(&t, V);
    struct toks out = encode_fed(t, s, strlen(s), 0);
    cr_tok_free(t);
    return out;
}

/* The ids of s as "15496 995". */
static const char *ids_of(const char *s)
{
    static char buf[1024];
    struct toks t = encode(s);
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < t.n && k < sizeof buf - 12; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%u", i ? " " : "", t.ids[i]);
    toks_free(&t);
    return buf;
}

#define CHECK_IDS(s, want)                                                                    \
    do {                                                                                      \
        const char *got_ = ids_of(s);                                                         \
        CHECK_AT(strcmp(got_, want) == 0, "ids of %s: %s, want %s", #s, got_, want);          \
    } while (0)

/* Concatenated bytes of ids == p[0..n), and each offset is where its token's bytes start. */
static int spells(const struct toks *t, const unsigned char *p, size_t n)
{
    uint64_t at = 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t len;
        const unsigned char *b = cr_vocab_bytes(V, t->ids[i], &len);
        if (t->offs[i] != at || at + len > n || memcmp(b, p + at, len) != 0) {
            fprintf(stderr, "token %zu (id %u) at %llu does not spell the input\n", i,
                    t->ids[i], (unsigned long long)at);
            return 0;
        }
        at += len;
    }
    return at == n;
}

static int same_toks(const struct toks *a, const struct toks *b)
{
    if (a->n != b->n) {
        fprintf(stderr, "%zu tokens vs %zu\n", a->n, b->n);
        return 0;
    }
    for (size_t i = 0; i < a->n; i++)
        if (a->ids[i] != b->ids[i] || a->offs[i] != b->offs[i]) {
            fprintf(stderr, "token %zu: id %u at %llu vs id %u at %llu\n", i, a->ids[i],
                    (unsigned long long)a->offs[i], b->ids[i], (unsigned long long)b->offs[i]);
            return 0;
        }
    return 1;
}

static void test_vocab_loads_gpt2(void)
{
    cr_vocab *v2;
    cr_diag d;
    size_t len;

    CHECK_EQ(cr_vocab_size(V), 50257);
    CHECK_EQ(cr_vocab_eot(V), 50256);
    const unsigned char *p = cr_vocab_bytes(V, 50256, &len);
    CHECK(len == 13 && memcmp(p, "<|endoftext|>", 13) == 0);
    p = cr_vocab_bytes(V, 15496, &len);
    CHECK(len == 5 && memcmp(p, "Hello", 5) == 0);
    CHECK_EQ(cr_vocab_lookup(V, (const unsigned char *)" world", 6), 995);
    CHECK_EQ(cr_vocab_lookup(V, (const unsigned char *)"\n\n", 2), 628);
    CHECK_EQ(cr_vocab_lookup(V, (const unsigned char *)"\xff", 1), 187);
    CHECK_EQ(cr_vocab_lookup(V, (const unsigned char *)"\0", 1), 188);
    /* the special token is not reachable from text */
    CHECK_EQ(cr_vocab_lookup(V, (const unsigned char *)"<|endoftext|>", 13), -1);
    CHECK_EQ(cr_vocab_lookup(V, (const unsigned char *)"\xff\xff", 2), -1);
    int every_byte = 1;
    for (int b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        int64_t id = cr_vocab_lookup(V, &c, 1);
        every_byte &= id >= 0 && id < 256;
    }
    CHECK(every_byte);
    /* a pair's rank is the id of the concatenation, whichever split made it */
    CHECK_EQ(cr_vocab_pair(V, 220, 6894), 995); /* " " + "world" */
    CHECK_EQ(cr_vocab_pair(V, 198, 198), 628);  /* "\n" + "\n" */
    CHECK_EQ(cr_vocab_pair(V, 187, 187), -1);
    CHECK_EQ(cr_vocab_pair(V, 15496, 50256), -1);

    CHECK_EQ(cr_vocab_load(&v2, "share/gpt2", &d), CR_OK);
    CHECK(cr_vocab_id(v2) == cr_vocab_id(V) && cr_vocab_id(V) != 0);
    cr_vocab_free(v2);
    v2 = (cr_vocab *)1;
    CHECK(cr_vocab_load(&v2, "share/nosuch", &d) < 0);
    CHECK(v2 == NULL);
    CHECK_HAS(d.msg, "share/nosuch");
    cr_vocab_free(NULL);
}

static void test_known_ids(void)
{
    CHECK_IDS("Hello world", "15496 995");
    CHECK_IDS("I'm here, we're done, they'll've", "40 1101 994 11 356 821 1760 11 484 1183 1053");
    CHECK_IDS("don't", "9099 470");
    CHECK_IDS("He's", "1544 338");
    CHECK_IDS(" 's", "705 82");
    CHECK_IDS("'S", "6 50");
    CHECK_IDS("It's'S", "1026 338 6 50");
    CHECK_IDS("they'RE", "9930 6 2200");
    CHECK_IDS("hello   ", "31373 220 220 220");
    CHECK_IDS("  hello", "220 23748");
    CHECK_IDS("a\n\nb", "64 198 198 65");
    CHECK_IDS("x  \n  y", "87 220 220 198 220 331");
    CHECK_IDS("12345678", "10163 2231 30924");
    CHECK_IDS(" \xc3\xa9t\xc3\xa9 caf\xc3\xa9", "220 25125 2634 40304");
    CHECK_IDS("\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c",
              "19526 254 25001 121 10310 244 45911 234");
    CHECK_IDS("\xf0\x9f\x98\x80!", "47249 222 0");
    /* <|endoftext|> in text is text */
    CHECK_IDS("<|endoftext|>", "27 91 437 1659 5239 91 29");
    CHECK_IDS("", "");
}

/* The pre-tokens of s, joined with '|'. */
static const char *pieces(const char *s, size_t n, int eof)
{
    static char buf[512];
    size_t i = 0, k = 0;
    while (i < n) {
        size_t len = cr_pretok_next((const unsigned char *)s + i, n - i, eof);
        if (len == 0) {
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%s<more>", i ? "|" : "");
            break;
        }
        if (len > n - i) {
            snprintf(buf, sizeof buf, "<piece of %zu bytes with %zu left>", len, n - i);
            return buf;
        }
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%.*s", i ? "|" : "", (int)len, s + i);
        i += len;
    }
    buf[k] = 0;
    return buf;
}

#define CHECK_PIECES(s, eof, want)                                                            \
    do {                                                                                      \
        const char *got_ = pieces(s, sizeof s - 1, eof);                                      \
        CHECK_AT(strcmp(got_, want) == 0, "pieces of %s: '%s', want '%s'", #s, got_, want);   \
    } while (0)

static void test_pretok_boundaries(void)
{
    CHECK_PIECES("Hello world", 1, "Hello| world");
    /* a run of spaces gives all but its last to \s+(?!\S); the last joins the word */
    CHECK_PIECES("a   b", 1, "a|  | b");
    CHECK_PIECES("  hello", 1, " | hello");
    CHECK_PIECES("\t\tx", 1, "\t|\t|x");
    CHECK_PIECES("x  \n  y", 1, "x|  \n | y");
    CHECK_PIECES("a\r\n\r\nb", 1, "a|\r\n\r|\n|b");
    CHECK_PIECES("\n\n", 1, "\n\n");
    CHECK_PIECES("a\n\nb", 1, "a|\n|\n|b");
    /* U+3000 is whitespace but not the optional ' ' of the word patterns */
    CHECK_PIECES("\xe3\x80\x80\xe3\x80\x80x", 1, "\xe3\x80\x80|\xe3\x80\x80|x");
    CHECK_PIECES("  \xe4\xbd\xa0", 1, " | \xe4\xbd\xa0");
    /* lone spaces at the end of the input */
    CHECK_PIECES(" ", 1, " ");
    CHECK_PIECES("end ", 1, "end| ");
    CHECK_PIECES("end  ", 1, "end|  ");
    CHECK_PIECES(" ", 0, "<more>");
    CHECK_PIECES("end ", 0, "end|<more>");
    /* contractions are lowercase only */
    CHECK_PIECES("he's", 1, "he|'s");
    CHECK_PIECES("He'S", 1, "He|'|S");
    CHECK_PIECES("it'll'LL", 1, "it|'ll|'|LL");
    CHECK_PIECES("'re're", 1, "'re|'re");
    CHECK_PIECES("don't ", 1, "don|'t| ");
    CHECK_PIECES(" 's", 1, " '|s");
    CHECK_PIECES("123abc", 1, "123|abc");
    CHECK_PIECES(" 123", 1, " 123");
    CHECK_PIECES("!!!? !!", 1, "!!!?| !!");
    /* invalid UTF-8: every bad byte is a piece of its own and breaks runs */
    CHECK_PIECES("\xff\xfe", 1, "\xff|\xfe");
    CHECK_PIECES("ab\x80" "cd", 1, "ab|\x80|cd");
    CHECK_PIECES("\xc3(", 1, "\xc3|(");
    CHECK_PIECES("\xc3(", 0, "\xc3|<more>");
    CHECK_PIECES("\xc0\xaf", 1, "\xc0|\xaf");             /* overlong '/' */
    CHECK_PIECES("\xed\xa0\x80", 1, "\xed|\xa0|\x80");     /* a surrogate */
    CHECK_PIECES("\xf4\x90\x80\x80", 1, "\xf4|\x90|\x80|\x80"); /* above U+10FFFF */
    CHECK_PIECES(" \xff", 1, " |\xff");
    CHECK_PIECES("\xe2\x82", 1, "\xe2|\x82");
    /* a character cut at the end of a buffer that is not the last: needs more */
    CHECK_PIECES("\xe2\x82", 0, "<more>");
    CHECK_PIECES("\xc3", 0, "<more>");
    CHECK_PIECES("abc\xc3", 0, "<more>");
    CHECK_PIECES(" \xe4\xbd", 0, "<more>");
    CHECK_PIECES("!!\xf0\x9f\x98", 0, "<more>");
    CHECK_PIECES("\n\xe3\x80", 0, "<more>");
    CHECK_PIECES("'", 0, "<more>");
    /* a run that reaches the end of a buffer may go on */
    CHECK_PIECES("abc", 0, "<more>");
    CHECK_PIECES("abc ", 0, "abc|<more>");
    CHECK_PIECES("abc", 1, "abc");
}

/* Text with something for every rule: words, contractions, whitespace runs, digits,
 * punctuation, multi-byte characters, invalid and truncated UTF-8, NULs and a long
 * letter run (which takes the heap path of the merges). */
static unsigned char *mixed_text(size_t *n)
{
    static const char head[] =
        "Hello, world! It's  a test.\n\n  Don't stop'S 'll\t\t\r\n123 4567 \xc3\xa9t\xc3\xa9 "
        "\xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80\xf0\x9f\x98\x80 x\xff\xfe y\xc3( "
        "\xe2\x82 z\xed\xa0\x80 \0\0 end\xe3\x80\x80\xe3\x80\x80word   \n";
    size_t h = sizeof head - 1, run = 5000;
    unsigned char *p = malloc(2 * h + run + 1);
    memcpy(p, head, h);
    for (size_t i = 0; i < run; i++)
        p[h + i] = (unsigned char)("etaoinshrdlu"[rnd() % 12] - (rnd() % 8 == 0 ? 32 : 0));
    memcpy(p + h + run, head, h);
    *n = 2 * h + run;
    return p;
}

static void test_streaming_does_not_depend_on_read_sizes(void)
{
    cr_tok *t;
    size_t n;
    unsigned char *p = mixed_text(&n);

    CHECK_EQ(cr_tok_new(&t, V), CR_OK);
    struct toks whole = encode_fed(t, p, n, 0);
    CHECK(spells(&whole, p, n));
    struct toks bytes = encode_fed(t, p, n, 1);
    CHECK(same_toks(&whole, &bytes));
    struct toks odd = encode_fed(t, p, n, 7);
    CHECK(same_toks(&whole, &odd));
    struct toks random = encode_fed(t, p, n, -1);
    CHECK(same_toks(&whole, &random));
    toks_free(&whole);
    toks_free(&bytes);
    toks_free(&odd);
    toks_free(&random);
    cr_tok_free(t);
    free(p);
}

static void test_reset_starts_a_new_document(void)
{
    cr_tok *t;
    const uint32_t *ids;
    const uint64_t *offs;
    size_t count;
    cr_diag d;

    cr_tok_new(&t, V);
    CHECK_EQ(cr_tok_feed(t, (const unsigned char *)"Hello wor", 9, 0, &ids, &offs, &count, &d),
             CR_OK);
    CHECK_EQ(count, 1); /* " wor" may still grow */
    CHECK_EQ(ids[0], 15496);
    cr_tok_reset(t); /* the pending " wor" belongs to the old document */
    CHECK_EQ(cr_tok_feed(t, (const unsigned char *)"Hello world", 11, 1, &ids, &offs, &count,
                         &d), CR_OK);
    CHECK_EQ(count, 2);
    CHECK(count == 2 && ids[1] == 995 && offs[0] == 0 && offs[1] == 5);
    /* an empty document has no tokens */
    cr_tok_reset(t);
    CHECK_EQ(cr_tok_feed(t, NULL, 0, 1, &ids, &offs, &count, &d), CR_OK);
    CHECK_EQ(count, 0);
    cr_tok_free(t);
}

static void test_every_byte_sequence_round_trips(void)
{
    static const char *frag[] = {"a", "Z", "the", " ", "  ", "\n", "\r\n", "\t", "'s", "'",
                                 "7", "42", ".", "!?", "\xc3\xa9", "\xe4\xbd\xa0",
                                 "\xf0\x9f\x98\x80", "\xe3\x80\x80", "\xc2\xa0", "\x80",
                                 "\xff", "\xc3", "\xe2\x82", "\0", "\xcc\x81", "\xd9\xa3"};
    size_t n = 1 << 17;
    unsigned char *p = malloc(n + 8);
    cr_tok *t;

    cr_tok_new(&t, V);
    /* pure noise */
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)rnd();
    struct toks a = encode_fed(t, p, n, -1);
    CHECK(spells(&a, p, n));
    toks_free(&a);
    /* noise made of pieces of text, split at random */
    size_t k = 0;
    while (k < n) {
        const char *f = frag[rnd() % (sizeof frag / sizeof *frag)];
        size_t fl = *f ? strlen(f) : 1;
        memcpy(p + k, f, fl);
        k += fl;
    }
    struct toks b = encode_fed(t, p, k, -1), c = encode_fed(t, p, k, 0);
    CHECK(spells(&b, p, k));
    CHECK(same_toks(&b, &c));
    toks_free(&b);
    toks_free(&c);
    cr_tok_free(t);
    free(p);
}

/* The textbook merge loop (tiktoken's semantics): start from single bytes and merge the
 * adjacent pair whose concatenation has the lowest id, leftmost on ties, until no pair
 * is a token. O(n^2), written for obviousness. */
static size_t naive_bpe(const unsigned char *p, size_t n, uint32_t *ids)
{
    uint32_t *rank = malloc((n + 1) * sizeof *rank);
    size_t m = n;

    for (size_t i = 0; i < n; i++)
        ids[i] = (uint32_t)cr_vocab_lookup(V, p + i, 1);
    for (size_t i = 0; i + 1 < m; i++) {
        int64_t r = cr_vocab_pair(V, ids[i], ids[i + 1]);
        rank[i] = r < 0 ? UINT32_MAX : (uint32_t)r;
    }
    while (m > 1) {
        size_t best = 0;
        for (size_t i = 1; i + 1 < m; i++)
            if (rank[i] < rank[best])
                best = i;
        if (rank[best] == UINT32_MAX)
            break;
        ids[best] = rank[best];
        for (size_t i = best + 1; i + 1 < m; i++) {
            ids[i] = ids[i + 1];
            rank[i] = i + 1 < m - 1 ? rank[i + 1] : UINT32_MAX;
        }
        m--;
        for (size_t i = best ? best - 1 : 0; i <= best + 1 && i + 1 < m; i++) {
            int64_t r = cr_vocab_pair(V, ids[i], ids[i + 1]);
            rank[i] = r < 0 ? UINT32_MAX : (uint32_t)r;
        }
    }
    free(rank);
    return m;
}

static int same_ids(const uint32_t *a, long na, const uint32_t *b, long nb)
{
    if (na != nb) {
        fprintf(stderr, "%ld ids vs %ld\n", na, nb);
        return 0;
    }
    for (long i = 0; i < na; i++)
        if (a[i] != b[i]) {
            fprintf(stderr, "id %ld: %u vs %u\n", i, a[i], b[i]);
            return 0;
        }
    return 1;
}

static void test_merges_match_the_textbook_loop(void)
{
    /* alphabets that make many ties and long merge chains */
    static const char *alpha[] = {"a", "ab", "etaoin shrdlu", "0123456789", "=-", " ",
                                  "\xe4\xbd\xa0\xe5\xa5\xbd", "aAbBcC"};
    unsigned char p[700];
    uint32_t got[700], want[700];
    cr_bpe *b = cr_bpe_new();
    int bad = 0;

    for (int t = 0; t < 400 && !bad; t++) {
        const char *a = alpha[t % 8];
        size_t al = strlen(a), n = 1 + rnd() % (t % 4 == 0 ? 60 : sizeof p - 1);
        for (size_t i = 0; i < n; i++)
            p[i] = (unsigned char)a[rnd() % al];
        long g = cr_bpe_encode(V, b, p, n, got);
        size_t w = naive_bpe(p, n, want);
        bad += !same_ids(got, g, want, (long)w);
        if (bad)
            fprintf(stderr, "piece %d of %zu bytes from '%s'\n", t, n, a);
    }
    CHECK_EQ(bad, 0);
    cr_bpe_free(b);
}

static void test_long_piece_takes_the_heap_path_to_the_same_ids(void)
{
    size_t n = 48 << 10;
    unsigned char *p = malloc(n);
    uint32_t *got = malloc(n * sizeof *got), *want = malloc(n * sizeof *want);
    cr_bpe *b = cr_bpe_new();
    cr_tok *t;

    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)((rnd() % 2 ? 'a' : 'A') + rnd() % 26);
    CHECK_EQ(cr_pretok_next(p, n, 1), n); /* one piece */
    long g = cr_bpe_encode(V, b, p, n, got);
    size_t w = naive_bpe(p, n, want);
    CHECK(same_ids(got, g, want, (long)w));
    /* the encoder reaches the same ids through its own buffering */
    cr_tok_new(&t, V);
    struct toks s = encode_fed(t, p, n, 0);
    CHECK(same_ids(s.ids, (long)s.n, want, (long)w));
    CHECK(spells(&s, p, n));
    toks_free(&s);
    cr_tok_free(t);
    cr_bpe_free(b);
    free(p);
    free(got);
    free(want);
}

static void test_very_long_piece_spells_its_input(void)
{
    /* 200 KB of letters: too long for the textbook loop, but the ids must still spell
     * the input and agree however it is fed */
    size_t n = 200 << 10;
    unsigned char *p = malloc(n);
    cr_tok *t;

    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)((rnd() % 2 ? 'a' : 'A') + rnd() % 26);
    cr_tok_new(&t, V);
    struct toks whole = encode_fed(t, p, n, 0), parts = encode_fed(t, p, n, 4093);
    CHECK(spells(&whole, p, n));
    CHECK(same_toks(&whole, &parts));
    toks_free(&whole);
    toks_free(&parts);
    cr_tok_free(t);
    free(p);
}

int main(void)
{
    cr_diag d;
    if (cr_vocab_load(&V, "share/gpt2", &d) < 0) {
        fprintf(stderr, "test_tok: %s (run from the repository root)\n", d.msg);
        CHECK(0);
        return check_summary("tok");
    }
    test_vocab_loads_gpt2();
    test_known_ids();
    test_pretok_boundaries();
    test_streaming_does_not_depend_on_read_sizes();
    test_reset_starts_a_new_document();
    test_every_byte_sequence_round_trips();
    test_merges_match_the_textbook_loop();
    test_long_piece_takes_the_heap_path_to_the_same_ids();
    test_very_long_piece_spells_its_input();
    cr_vocab_free(V);
    return check_summary("tok");
}
