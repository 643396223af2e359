/* Record streams and their metadata: round trips, concatenation, and every kind of
 * damage a reader must refuse with the right code and a message that says where. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "../../core/le.h"
#include "../../core/meta.h"
#include "../../core/stream.h"
#include "check.h"

#define REC_HDR 16  /* u32 len, u16 type, u16 flags, u64 seq */
#define REC_SUM 8   /* XXH3 after the payload */
#define END_SIZE (REC_HDR + REC_SUM)

struct buf {
    unsigned char *data;
    size_t len;
};

static void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

/* A FILE that reads p[0..n); an empty input is an empty temporary file, since
 * fmemopen does not promise to accept size 0. */
static FILE *mem_in(const void *p, size_t n)
{
    if (n == 0)
        return tmpfile();
    return fmemopen((void *)p, n, "r");
}

/* Deterministic bytes for payload i of length len, so a reader's copy can be checked. */
static unsigned char payload_byte(int i, uint32_t k)
{
    return (unsigned char)(i * 31 + k * 7 + 1);
}

/* Appends one stream of `kind` with metadata m and n records of len bytes
 * (type 7, payload_byte) to f. */
static void put_stream(FILE *f, int kind, const cr_meta *m, int n, uint32_t len)
{
    cr_writer *w;
    cr_diag d;
    unsigned char *p = malloc(len ? len : 1);

    if (cr_writer_open(&w, f, kind, m, &d) < 0) {
        fprintf(stderr, "writer_open: %s\n", d.msg);
        exit(2);
    }
    for (int i = 0; i < n; i++) {
        for (uint32_t k = 0; k < len; k++)
            p[k] = payload_byte(i, k);
        if (cr_writer_put(w, 7, p, len, &d) < 0) {
            fprintf(stderr, "writer_put: %s\n", d.msg);
            exit(2);
        }
    }
    if (cr_writer_close(w, &d) < 0) {
        fprintf(stderr, "writer_close: %s\n", d.msg);
        exit(2);
    }
    free(p);
}

/* The metadata most tests use: what a token stream header carries. */
static cr_meta *token_meta(void)
{
    cr_meta *m = cr_meta_new();
    cr_meta_set_str(m, "tok.vocab", "gpt2");
    cr_meta_set_u64(m, "block.tokens", 512);
    return m;
}

/* A token-kind stream of n records of len bytes, plus an end record. */
static struct buf token_stream(int n, uint32_t len)
{
    struct buf b = {0};
    cr_meta *m = token_meta();
    FILE *f = open_memstream((char **)&b.data, &b.len);
    put_stream(f, CR_KIND_TOKENS, m, n, len);
    fclose(f);
    cr_meta_free(m);
    return b;
}

/* Bytes of the header token_stream writes. */
static size_t header_size(void)
{
    cr_meta *m = token_meta();
    size_t n = 12 + cr_meta_size(m) + 8;
    cr_meta_free(m);
    return n;
}

/* Byte offset of data record k of a token_stream(_, len). */
static size_t rec_at(int k, uint32_t len)
{
    return header_size() + (size_t)k * (REC_HDR + len + REC_SUM);
}

/* Recomputes the checksum of the record at byte o, after a deliberate edit of its
 * header, so that the reader gets past the checksum to the check under test. */
static void reseal(unsigned char *p, size_t o)
{
    uint32_t len = cr_le32(p + o);
    cr_put64(p + o + REC_HDR + len, XXH3_64bits(p + o, REC_HDR + (size_t)len));
}

/* Recomputes the header checksum of the stream header at byte o. */
static void reseal_header(unsigned char *p, size_t o)
{
    uint32_t ml = cr_le32(p + o + 8);
    cr_put64(p + o + 12 + ml, XXH3_64bits(p + o, 12 + (size_t)ml));
}

/* Opens p[0..n) with `kind` and reads to the end. Returns 0 when the whole input read
 * cleanly, else the first negative code (d says why). *records counts data records. */
static int read_all_kind(const void *p, size_t n, int kind, cr_diag *d, int *records)
{
    FILE *f = mem_in(p, n);
    cr_reader *r;
    cr_rec rec;
    int rc, k = 0;

    cr_diag_clear(d);
    if ((rc = cr_reader_open(&r, f, kind, d)) == CR_OK) {
        while ((rc = cr_reader_next(r, &rec, d)) > 0)
            k += rc == 1;
        cr_reader_close(r);
    }
    fclose(f);
    if (records)
        *records = k;
    return rc;
}

static int read_all(const void *p, size_t n, cr_diag *d)
{
    return read_all_kind(p, n, 0, d, NULL);
}

/* Finds key in m (any type), or NULL. */
static const cr_meta_entry *entry(const cr_meta *m, const char *key)
{
    for (int i = 0; m && i < m->n; i++)
        if (strcmp(m->e[i].key, key) == 0)
            return &m->e[i];
    return NULL;
}

/* Serialized metadata with one string entry holding NULs: type 3, key "bin", 5 bytes. */
static const unsigned char nul_meta[] = {3, 3, 'b', 'i', 'n', 5, 0, 0, 0, 'a', 0, 'b', 0, 0};

static void test_header_metadata_and_records_round_trip(void)
{
    cr_meta *m, *parsed;
    cr_diag d;
    struct buf b = {0};
    double nz = -0.0, tiny = 4.9e-324, big = -1.5e300;
    uint64_t u;
    double g;
    const char *s;

    CHECK_EQ(cr_meta_parse(&parsed, nul_meta, sizeof nul_meta, &d), CR_OK);
    m = cr_meta_new();
    CHECK_EQ(cr_meta_merge(m, parsed), CR_OK);
    CHECK_EQ(cr_meta_set_u64(m, "zero", 0), CR_OK);
    CHECK_EQ(cr_meta_set_u64(m, "max", UINT64_MAX), CR_OK);
    CHECK_EQ(cr_meta_set_f64(m, "nz", nz), CR_OK);
    CHECK_EQ(cr_meta_set_f64(m, "tiny", tiny), CR_OK);
    CHECK_EQ(cr_meta_set_f64(m, "big", big), CR_OK);
    CHECK_EQ(cr_meta_set_str(m, "empty", ""), CR_OK);
    CHECK_EQ(cr_meta_set_str(m, "utf8", "h\xc3\xa9llo"), CR_OK);
    cr_meta_free(parsed);

    FILE *f = open_memstream((char **)&b.data, &b.len);
    cr_writer *w;
    CHECK_EQ(cr_writer_open(&w, f, CR_KIND_LATENTS, m, &d), CR_OK);
    static const uint32_t lens[] = {0, 1, 7, 4096, 100000};
    unsigned char *p = malloc(100000);
    for (int i = 0; i < 5; i++) {
        for (uint32_t k = 0; k < lens[i]; k++)
            p[k] = payload_byte(i, k);
        CHECK_EQ(cr_writer_put(w, (uint16_t)(100 + i), p, lens[i], &d), CR_OK);
    }
    CHECK_EQ(cr_writer_close(w, &d), CR_OK);
    fclose(f);

    FILE *in = mem_in(b.data, b.len);
    cr_reader *r;
    cr_rec rec;
    size_t pos = 12 + cr_meta_size(m) + 8;
    CHECK_EQ(cr_reader_open(&r, in, CR_KIND_LATENTS, &d), CR_OK);
    CHECK_EQ(cr_reader_kind(r), CR_KIND_LATENTS);
    CHECK_EQ(cr_reader_streams(r), 1);
    const cr_meta *rm = cr_reader_meta(r);
    CHECK_EQ(rm->n, m->n);
    CHECK(cr_meta_get_u64(rm, "zero", &u) && u == 0);
    CHECK(cr_meta_get_u64(rm, "max", &u) && u == UINT64_MAX);
    CHECK(cr_meta_get_f64(rm, "nz", &g) && memcmp(&g, &nz, 8) == 0);
    CHECK(cr_meta_get_f64(rm, "tiny", &g) && g == tiny);
    CHECK(cr_meta_get_f64(rm, "big", &g) && g == big);
    CHECK(cr_meta_get_str(rm, "empty", &s) && s[0] == 0);
    CHECK(cr_meta_get_str(rm, "utf8", &s) && strcmp(s, "h\xc3\xa9llo") == 0);
    /* a getter of the wrong type does not see the key */
    CHECK(!cr_meta_get_u64(rm, "big", &u));
    CHECK(!cr_meta_get_str(rm, "max", &s));
    CHECK(!cr_meta_get_u64(rm, "absent", &u));
    const cr_meta_entry *e = entry(rm, "bin");
    CHECK(e != NULL && e->type == CR_META_STR && e->slen == 5 &&
          memcmp(e->s, "a\0b\0\0", 6) == 0);
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(cr_reader_next(r, &rec, &d), 1);
        CHECK_EQ(rec.type, 100 + i);
        CHECK_EQ(rec.seq, i);
        CHECK_EQ(rec.len, lens[i]);
        CHECK_EQ(rec.pos, pos);
        int same = 1;
        for (uint32_t k = 0; k < rec.len; k++)
            same &= rec.data[k] == payload_byte(i, k);
        CHECK_AT(same, "payload of record %d differs", i);
        pos += REC_HDR + lens[i] + REC_SUM;
    }
    CHECK_EQ(cr_reader_next(r, &rec, &d), 0);
    CHECK_EQ(pos + END_SIZE, b.len);
    cr_reader_close(r);
    fclose(in);
    free(p);
    cr_meta_free(m);
    buf_free(&b);
}

static void test_metadata_serializes_byte_for_byte(void)
{
    cr_meta *m;
    cr_diag d;
    unsigned char out[sizeof nul_meta];

    CHECK_EQ(cr_meta_parse(&m, nul_meta, sizeof nul_meta, &d), CR_OK);
    CHECK_EQ(cr_meta_size(m), sizeof nul_meta);
    cr_meta_write(m, out);
    CHECK(memcmp(out, nul_meta, sizeof nul_meta) == 0);
    /* setting a key again replaces it rather than adding a second entry */
    CHECK_EQ(cr_meta_set_u64(m, "bin", 3), CR_OK);
    CHECK_EQ(m->n, 1);
    CHECK_EQ(cr_meta_size(m), 2 + 3 + 8);
    cr_meta_free(m);
    CHECK_EQ(cr_meta_size(NULL), 0);
}

static void test_metadata_refuses_bad_keys_and_too_many_entries(void)
{
    cr_meta *m = cr_meta_new();
    char key[300];
    cr_diag d;

    CHECK_EQ(cr_meta_set_u64(m, "", 1), CR_E_ARG);
    memset(key, 'k', 255);
    key[255] = 0;
    CHECK_EQ(cr_meta_set_u64(m, key, 1), CR_OK);
    key[255] = 'k';
    key[256] = 0;
    CHECK_EQ(cr_meta_set_u64(m, key, 1), CR_E_ARG);
    cr_meta_free(m);

    /* the parser stops at CR_META_MAX_ENTRIES distinct keys */
    size_t n = (CR_META_MAX_ENTRIES + 1) * (2 + 5 + 8);
    unsigned char *p = calloc(1, n), *q = p;
    for (int i = 0; i <= CR_META_MAX_ENTRIES; i++, q += 15) {
        q[0] = CR_META_U64;
        q[1] = 5;
        snprintf(key, sizeof key, "k%04d", i);
        memcpy(q + 2, key, 5);
    }
    CHECK_EQ(cr_meta_parse(&m, p, n - 15, &d), CR_OK);
    CHECK_EQ(m ? m->n : -1, CR_META_MAX_ENTRIES);
    cr_meta_free(m);
    CHECK_EQ(cr_meta_parse(&m, p, n, &d), CR_E_LIMIT);
    CHECK(m == NULL);
    CHECK_HAS(d.msg, "more than 1024 metadata entries");
    free(p);
}

static void test_metadata_parse_names_the_bad_entry(void)
{
    static const unsigned char unknown_type[] = {9, 1, 'x', 0, 0, 0, 0, 0, 0, 0, 0};
    static const unsigned char zero_key[] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const unsigned char nul_in_key[] = {1, 2, 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const unsigned char short_u64[] = {1, 1, 'x', 0, 0, 0};
    static const unsigned char long_str[] = {3, 1, 's', 0xff, 0xff, 0xff, 0xff, 'a'};
    static const unsigned char half_entry[] = {1, 1, 'x', 1, 2, 3, 4, 5, 6, 7, 8, 3};
    cr_meta *m = (cr_meta *)1;
    cr_diag d;

    CHECK_EQ(cr_meta_parse(&m, unknown_type, sizeof unknown_type, &d), CR_E_FORMAT);
    CHECK(m == NULL);
    CHECK_HAS(d.msg, "metadata 'x' has unknown type 9");
    CHECK_EQ(cr_meta_parse(&m, zero_key, sizeof zero_key, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "offset 0: bad key length 0");
    CHECK_EQ(cr_meta_parse(&m, nul_in_key, sizeof nul_in_key, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "NUL in key");
    CHECK_EQ(cr_meta_parse(&m, short_u64, sizeof short_u64, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "metadata 'x' is cut short");
    CHECK_EQ(cr_meta_parse(&m, long_str, sizeof long_str, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "metadata 's' is cut short");
    CHECK_EQ(cr_meta_parse(&m, half_entry, sizeof half_entry, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "entry at offset 11 is cut short");
    CHECK_EQ(cr_meta_parse(&m, half_entry, 0, &d), CR_OK);
    CHECK(m != NULL && m->n == 0);
    cr_meta_free(m);
}

/* xorshift64*: the same numbers on every machine */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dULL;
}

static void test_metadata_parse_survives_random_bytes(void)
{
    unsigned char p[512], again[1024];
    cr_meta *seed = token_meta(), *m, *m2;
    cr_diag d;
    size_t sn = cr_meta_size(seed);
    int ok = 0, bad_code = 0, bad_size = 0, bad_reparse = 0, no_msg = 0;

    cr_meta_set_f64(seed, "x", 0.5);
    sn = cr_meta_size(seed);
    for (int t = 0; t < 6000; t++) {
        size_t n = (size_t)(rnd() % sizeof p);
        if (t % 3 == 0) {
            /* pure noise */
            for (size_t i = 0; i < n; i++)
                p[i] = (unsigned char)rnd();
        } else {
            /* a valid table with a few bytes changed and a random length, so that
             * parsing goes deep before it fails */
            cr_meta_write(seed, p);
            n = t % 3 == 1 ? sn : (size_t)(rnd() % (sn + 1));
            for (int k = (int)(rnd() % 4); k >= 0; k--)
                p[rnd() % sn] = (unsigned char)(rnd() % 8 < 6 ? rnd() % 5 : rnd());
        }
        d.msg[0] = 0;
        int rc = cr_meta_parse(&m, p, n, &d);
        if (rc == CR_OK) {
            ok++;
            size_t k = cr_meta_size(m);
            bad_size += k > n;
            /* whatever parsed serializes and parses to the same table */
            if (k <= sizeof again) {
                cr_meta_write(m, again);
                if (cr_meta_parse(&m2, again, k, &d) != CR_OK || m2->n != m->n ||
                    cr_meta_size(m2) != k)
                    bad_reparse++;
                cr_meta_free(m2);
            }
            cr_meta_free(m);
        } else {
            bad_code += rc != CR_E_FORMAT && rc != CR_E_LIMIT;
            no_msg += d.msg[0] == 0;
        }
    }
    CHECK_EQ(bad_code, 0);
    CHECK_EQ(bad_size, 0);
    CHECK_EQ(bad_reparse, 0);
    CHECK_EQ(no_msg, 0);
    CHECK_AT(ok > 100, "only %d of 6000 random tables parsed", ok);
    cr_meta_free(seed);
}

static void test_writer_refuses_metadata_beyond_the_limit(void)
{
    cr_meta *m = cr_meta_new();
    char *s = malloc(CR_META_MAX_BYTES + 1);
    cr_writer *w = (cr_writer *)1;
    cr_diag d;
    FILE *f = tmpfile();

    memset(s, 'a', CR_META_MAX_BYTES);
    s[CR_META_MAX_BYTES] = 0;
    cr_meta_set_str(m, "huge", s);
    CHECK_EQ(cr_writer_open(&w, f, CR_KIND_TOKENS, m, &d), CR_E_LIMIT);
    CHECK(w == NULL);
    CHECK_HAS(d.msg, "too large");
    CHECK_EQ(ftell(f), 0);
    fclose(f);
    free(s);
    cr_meta_free(m);
}

static void test_writer_reports_a_failed_write(void)
{
    FILE *f = fopen("/dev/full", "wb");
    cr_writer *w;
    cr_diag d;

    if (!f)
        return;
    CHECK_EQ(cr_writer_open(&w, f, CR_KIND_TOKENS, NULL, &d), CR_OK);
    CHECK_EQ(cr_writer_put(w, 1, "abc", 3, &d), CR_OK); /* buffered by stdio */
    CHECK_EQ(cr_writer_close(w, &d), CR_E_IO);
    CHECK_HAS(d.msg, "write failed");
    fclose(f);
    CHECK_EQ(cr_writer_close(NULL, &d), CR_OK);
    cr_writer_abandon(NULL);
    cr_reader_close(NULL);
}

static void test_empty_stream_reads(void)
{
    struct buf s = token_stream(0, 0);
    cr_diag d;
    int n = -1;

    CHECK_EQ(s.len, header_size() + END_SIZE);
    CHECK_EQ(read_all_kind(s.data, s.len, CR_KIND_TOKENS, &d, &n), 0);
    CHECK_EQ(n, 0);
    buf_free(&s);
}

static void test_concatenated_streams_return_2_at_the_second_header(void)
{
    struct buf b = {0};
    FILE *f = open_memstream((char **)&b.data, &b.len);
    cr_meta *m1 = token_meta(), *m2 = cr_meta_new();
    cr_reader *r;
    cr_rec rec;
    cr_diag d;
    uint64_t u;

    cr_meta_set_u64(m2, "block.tokens", 8);
    put_stream(f, CR_KIND_TOKENS, m1, 2, 5);
    size_t second = (size_t)ftell(f);
    put_stream(f, CR_KIND_TOKENS, m2, 3, 9);
    fclose(f);

    FILE *in = mem_in(b.data, b.len);
    CHECK_EQ(cr_reader_open(&r, in, CR_KIND_TOKENS, &d), CR_OK);
    CHECK(cr_meta_get_u64(cr_reader_meta(r), "block.tokens", &u) && u == 512);
    CHECK_EQ(cr_reader_next(r, &rec, &d), 1);
    CHECK_EQ(cr_reader_next(r, &rec, &d), 1);
    CHECK_EQ(rec.seq, 1);
    CHECK_EQ(cr_reader_next(r, &rec, &d), 2);
    CHECK_EQ(cr_reader_streams(r), 2);
    CHECK(cr_meta_get_u64(cr_reader_meta(r), "block.tokens", &u) && u == 8);
    CHECK_EQ(cr_meta_get_str(cr_reader_meta(r), "tok.vocab", &(const char *){0}), 0);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(cr_reader_next(r, &rec, &d), 1);
        CHECK_EQ(rec.seq, i); /* sequence numbers start again in each stream */
        CHECK_EQ(rec.len, 9);
        CHECK_EQ(rec.data[8], payload_byte(i, 8));
        CHECK_EQ(rec.pos, second + 12 + cr_meta_size(m2) + 8 + (size_t)i * (16 + 9 + 8));
    }
    CHECK_EQ(cr_reader_next(r, &rec, &d), 0);
    cr_reader_close(r);
    fclose(in);
    cr_meta_free(m1);
    cr_meta_free(m2);
    buf_free(&b);
}

static void test_concatenated_stream_of_another_kind_is_refused(void)
{
    struct buf b = {0};
    FILE *f = open_memstream((char **)&b.data, &b.len);
    cr_diag d;
    char want[64];

    put_stream(f, CR_KIND_TOKENS, NULL, 1, 4);
    size_t second = (size_t)ftell(f);
    put_stream(f, CR_KIND_LATENTS, NULL, 1, 4);
    fclose(f);
    /* even a reader that accepts any kind wants one kind per input */
    CHECK_EQ(read_all(b.data, b.len, &d), CR_E_KIND);
    snprintf(want, sizeof want, "concatenated stream at byte %zu is a latent stream", second);
    CHECK_HAS(d.msg, want);
    buf_free(&b);
}

static void test_empty_input_is_refused(void)
{
    cr_diag d;
    CHECK_EQ(read_all("", 0, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "empty input");
}

static void test_text_input_says_it_looks_like_text(void)
{
    static const char text[] = "Once upon a time\n";
    cr_diag d;
    CHECK_EQ(read_all(text, sizeof text - 1, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "not a cr stream (starts with 'Once' - looks like text; run crtok first?)");
    /* shorter than a magic number */
    CHECK_EQ(read_all("Hi\n", 3, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "looks like text");
}

static void test_bad_magic_is_refused(void)
{
    struct buf s = token_stream(1, 8);
    cr_diag d;

    s.data[0] = 0x7f; /* ELF-like: binary, not text */
    s.data[1] = 'E';
    s.data[2] = 0;
    CHECK_EQ(read_all(s.data, s.len, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "not a cr stream (starts with bytes '.E.S')");
    buf_free(&s);
}

static void test_wrong_version_is_refused(void)
{
    struct buf s = token_stream(1, 8);
    cr_diag d;

    cr_put16(s.data + 4, 2);
    reseal_header(s.data, 0);
    CHECK_EQ(read_all(s.data, s.len, &d), CR_E_VERSION);
    CHECK_HAS(d.msg, "stream format version 2, this build reads version 1");
    /* the version is checked before the checksum: a newer format may checksum differently */
    cr_put16(s.data + 4, 7);
    CHECK_EQ(read_all(s.data, s.len, &d), CR_E_VERSION);
    buf_free(&s);
}

static void test_wrong_kind_is_refused(void)
{
    struct buf s = token_stream(1, 8);
    cr_diag d;

    CHECK_EQ(read_all_kind(s.data, s.len, CR_KIND_LATENTS, &d, NULL), CR_E_KIND);
    CHECK_HAS(d.msg, "expected a latent stream, got a token stream");
    CHECK_EQ(read_all_kind(s.data, s.len, CR_KIND_TOKENS, &d, NULL), 0);
    cr_put16(s.data + 6, 99);
    reseal_header(s.data, 0);
    CHECK_EQ(read_all_kind(s.data, s.len, CR_KIND_TOKENS, &d, NULL), CR_E_KIND);
    CHECK_HAS(d.msg, "got an unknown stream");
    buf_free(&s);
}

static void test_header_checksum_mismatch_is_refused(void)
{
    struct buf s = token_stream(1, 8);
    cr_diag d;

    s.data[14] ^= 0x20; /* inside the metadata */
    CHECK_EQ(read_all(s.data, s.len, &d), CR_E_CHECKSUM);
    CHECK_HAS(d.msg, "stream header at byte 0: checksum mismatch");
    buf_free(&s);
}

static void test_metadata_length_beyond_the_limit_is_refused(void)
{
    struct buf s = token_stream(1, 8);
    cr_diag d;
    size_t before = mallinfo2().hblkhd;

    cr_put32(s.data + 8, CR_META_MAX_BYTES + 1);
    CHECK_EQ(read_all(s.data, s.len, &d), CR_E_LIMIT);
    CHECK_HAS(d.msg, "stream header at byte 0: metadata length 1048577 exceeds 1048576");
    cr_put32(s.data + 8, UINT32_MAX);
    CHECK_EQ(read_all(s.data, s.len, &d), CR_E_LIMIT);
    CHECK_HAS(d.msg, "metadata length 4294967295 exceeds");
    CHECK_AT(mallinfo2().hblkhd <= before + (1u << 20), "%s", "large allocation made");
    buf_free(&s);
}

static void test_bad_metadata_inside_a_good_header_is_refused(void)
{
    struct buf s = token_stream(1, 8);
    cr_diag d;

    s.data[12] = 9; /* type of the first entry */
    reseal_header(s.data, 0);
    CHECK_EQ(read_all(s.data, s.len, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "unknown type 9");
    buf_free(&s);
}

static void test_truncated_header_is_refused(void)
{
    struct buf s = token_stream(1, 8);
    size_t h = header_size();
    cr_diag d;

    /* inside the magic, inside the fixed part, inside the metadata, inside the checksum */
    size_t cuts[] = {2, 6, 20, h - 1};
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(read_all(s.data, cuts[i], &d), CR_E_TRUNCATED);
        CHECK_HAS(d.msg, "stream header at byte 0 is cut short");
    }
    buf_free(&s);
}

static void test_truncated_second_header_names_its_offset(void)
{
    struct buf a = token_stream(1, 8), b = {0};
    FILE *f = open_memstream((char **)&b.data, &b.len);
    cr_diag d;
    char want[64];

    fwrite(a.data, 1, a.len, f);
    fwrite(a.data, 1, 10, f);
    fclose(f);
    CHECK_EQ(read_all(b.data, b.len, &d), CR_E_TRUNCATED);
    snprintf(want, sizeof want, "stream header at byte %zu is cut short", a.len);
    CHECK_HAS(d.msg, want);
    /* two bytes of a magic number after the end record */
    CHECK_EQ(read_all(b.data, a.len + 2, &d), CR_E_TRUNCATED);
    CHECK_HAS(d.msg, want);
    buf_free(&a);
    buf_free(&b);
}

static void test_truncated_payload_names_the_record(void)
{
    struct buf s = token_stream(3, 64);
    cr_diag d;
    char want[96];
    int n;

    /* drop the end record and the last 10 bytes of record 2 */
    CHECK_EQ(read_all_kind(s.data, s.len - END_SIZE - 10, 0, &d, &n), CR_E_TRUNCATED);
    snprintf(want, sizeof want, "record 2 at byte %zu: cut short (payload of 64 bytes)",
             rec_at(2, 64));
    CHECK_HAS(d.msg, want);
    CHECK_EQ(n, 2);
    /* a record header cut in the middle */
    CHECK_EQ(read_all(s.data, rec_at(1, 64) + 5, &d), CR_E_TRUNCATED);
    snprintf(want, sizeof want, "record 1 at byte %zu: header cut short", rec_at(1, 64));
    CHECK_HAS(d.msg, want);
    buf_free(&s);
}

static void test_payload_checksum_mismatch_names_the_record(void)
{
    struct buf s = token_stream(3, 64);
    cr_diag d;
    char want[96];

    s.data[rec_at(1, 64) + REC_HDR + 30] ^= 1;
    CHECK_EQ(read_all(s.data, s.len, &d), CR_E_CHECKSUM);
    snprintf(want, sizeof want, "record 1 at byte %zu: checksum mismatch", rec_at(1, 64));
    CHECK_HAS(d.msg, want);
    s.data[rec_at(1, 64) + REC_HDR + 30] ^= 1;
    CHECK_EQ(read_all(s.data, s.len, &d), 0);
    /* a flipped bit in the record header, and in the checksum itself */
    s.data[rec_at(2, 64) + 4] ^= 4;
    CHECK_EQ(read_all(s.data, s.len, &d), CR_E_CHECKSUM);
    CHECK_HAS(d.msg, "record 2 at byte");
    s.data[rec_at(2, 64) + 4] ^= 4;
    s.data[rec_at(3, 64) - 1] ^= 0x80;
    CHECK_EQ(read_all(s.data, s.len, &d), CR_E_CHECKSUM);
    CHECK_HAS(d.msg, "record 2 at byte");
    buf_free(&s);
}

static void test_record_length_beyond_the_limit_is_refused_without_allocating(void)
{
    struct buf s = token_stream(3, 64);
    size_t o = rec_at(1, 64);
    cr_diag d;
    char want[96];

    cr_put32(s.data + o, 0xfffffff0u);
    size_t before = mallinfo2().hblkhd;
    FILE *f = mem_in(s.data, s.len);
    cr_reader *r;
    cr_rec rec;
    CHECK_EQ(cr_reader_open(&r, f, 0, &d), CR_OK);
    CHECK_EQ(cr_reader_next(r, &rec, &d), 1);
    CHECK_EQ(cr_reader_next(r, &rec, &d), CR_E_LIMIT);
    snprintf(want, sizeof want, "record 1 at byte %zu: length 4294967280 exceeds 16777216", o);
    CHECK_HAS(d.msg, want);
    /* the reader still holds its buffer: it must not have grown toward 4 GB */
    CHECK_AT(mallinfo2().hblkhd <= before + (1u << 20), "reader holds %zu more bytes",
             mallinfo2().hblkhd - before);
    cr_reader_close(r);
    fclose(f);

    /* the limit is the caller's: 64 passes a limit of 64 and fails one of 63 */
    cr_put32(s.data + o, 64);
    for (uint32_t lim = 63; lim <= 64; lim++) {
        f = mem_in(s.data, s.len);
        CHECK_EQ(cr_reader_open(&r, f, 0, &d), CR_OK);
        cr_reader_set_max_len(r, lim);
        int rc;
        while ((rc = cr_reader_next(r, &rec, &d)) > 0)
            ;
        CHECK_EQ(rc, lim == 64 ? 0 : CR_E_LIMIT);
        cr_reader_close(r);
        fclose(f);
    }
    CHECK_HAS(d.msg, "record 0 at byte");
    buf_free(&s);
}

static void test_nonzero_flags_are_refused(void)
{
    struct buf s = token_stream(3, 64);
    size_t o = rec_at(1, 64);
    cr_diag d;
    char want[96];

    cr_put16(s.data + o + 6, 1);
    reseal(s.data, o);
    CHECK_EQ(read_all(s.data, s.len, &d), CR_E_FORMAT);
    snprintf(want, sizeof want, "record 1 at byte %zu: unknown flags 0x1", o);
    CHECK_HAS(d.msg, want);
    buf_free(&s);
}

static void test_wrong_sequence_number_is_refused(void)
{
    struct buf s = token_stream(3, 64);
    size_t o = rec_at(1, 64);
    cr_diag d;
    char want[128];

    cr_put64(s.data + o + 8, 5);
    reseal(s.data, o);
    CHECK_EQ(read_all(s.data, s.len, &d), CR_E_SEQ);
    snprintf(want, sizeof want, "record 1 at byte %zu: sequence number 5", o);
    CHECK_HAS(d.msg, want);
    buf_free(&s);

    /* a record cut out of the middle: record 2 arrives where 1 was expected */
    s = token_stream(3, 64);
    size_t rl = REC_HDR + 64 + REC_SUM;
    memmove(s.data + o, s.data + o + rl, s.len - o - rl);
    CHECK_EQ(read_all(s.data, s.len - rl, &d), CR_E_SEQ);
    snprintf(want, sizeof want, "record 1 at byte %zu: sequence number 2 (records lost", o);
    CHECK_HAS(d.msg, want);
    buf_free(&s);

    /* an end record whose count disagrees with the records read */
    s = token_stream(3, 64);
    cr_put64(s.data + s.len - END_SIZE + 8, 2);
    reseal(s.data, s.len - END_SIZE);
    CHECK_EQ(read_all(s.data, s.len, &d), CR_E_SEQ);
    snprintf(want, sizeof want, "record 3 at byte %zu: sequence number 2", s.len - END_SIZE);
    CHECK_HAS(d.msg, want);
    buf_free(&s);
}

static void test_missing_end_record_is_refused(void)
{
    struct buf s = token_stream(3, 64);
    cr_diag d;
    int n;

    CHECK_EQ(read_all_kind(s.data, s.len - END_SIZE, 0, &d, &n), CR_E_TRUNCATED);
    CHECK_HAS(d.msg, "stream ended after 3 records without an end record");
    CHECK_EQ(n, 3);
    /* the same for a stream abandoned by its writer */
    struct buf b = {0};
    FILE *f = open_memstream((char **)&b.data, &b.len);
    cr_writer *w;
    cr_writer_open(&w, f, CR_KIND_TOKENS, NULL, &d);
    cr_writer_put(w, 1, "x", 1, &d);
    cr_writer_abandon(w);
    fclose(f);
    CHECK_EQ(read_all(b.data, b.len, &d), CR_E_TRUNCATED);
    CHECK_HAS(d.msg, "stream ended after 1 records");
    buf_free(&b);
    buf_free(&s);
}

static void test_end_record_with_payload_is_refused(void)
{
    struct buf b = {0};
    FILE *f = open_memstream((char **)&b.data, &b.len);
    cr_writer *w;
    cr_diag d;
    char want[64];

    cr_writer_open(&w, f, CR_KIND_TOKENS, NULL, &d);
    cr_writer_put(w, 1, "x", 1, &d);
    fflush(f);
    size_t at = b.len;
    cr_writer_put(w, CR_REC_END, "abcd", 4, &d);
    cr_writer_abandon(w);
    fclose(f);
    CHECK_EQ(read_all(b.data, b.len, &d), CR_E_FORMAT);
    snprintf(want, sizeof want, "end record at byte %zu has a payload", at);
    CHECK_HAS(d.msg, want);
    buf_free(&b);
}

static void test_garbage_after_the_end_record_is_refused(void)
{
    struct buf s = token_stream(2, 16), b = {0};
    FILE *f = open_memstream((char **)&b.data, &b.len);
    cr_diag d;
    int n;

    fwrite(s.data, 1, s.len, f);
    fputs("junk\n", f);
    fclose(f);
    CHECK_EQ(read_all_kind(b.data, b.len, 0, &d, &n), CR_E_FORMAT);
    CHECK_HAS(d.msg, "after the end record: not a cr stream (starts with 'junk'");
    CHECK_EQ(n, 2);
    /* a single stray newline, as an editor might add */
    CHECK_EQ(read_all(b.data, s.len + 1, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "after the end record");
    /* binary garbage */
    b.data[s.len] = 0;
    CHECK_EQ(read_all(b.data, b.len, &d), CR_E_FORMAT);
    CHECK_HAS(d.msg, "after the end record: not a cr stream (starts with bytes");
    buf_free(&s);
    buf_free(&b);
}

int main(void)
{
    test_header_metadata_and_records_round_trip();
    test_metadata_serializes_byte_for_byte();
    test_metadata_refuses_bad_keys_and_too_many_entries();
    test_metadata_parse_names_the_bad_entry();
    test_metadata_parse_survives_random_bytes();
    test_writer_refuses_metadata_beyond_the_limit();
    test_writer_reports_a_failed_write();
    test_empty_stream_reads();
    test_concatenated_streams_return_2_at_the_second_header();
    test_concatenated_stream_of_another_kind_is_refused();
    test_empty_input_is_refused();
    test_text_input_says_it_looks_like_text();
    test_bad_magic_is_refused();
    test_wrong_version_is_refused();
    test_wrong_kind_is_refused();
    test_header_checksum_mismatch_is_refused();
    test_metadata_length_beyond_the_limit_is_refused();
    test_bad_metadata_inside_a_good_header_is_refused();
    test_truncated_header_is_refused();
    test_truncated_second_header_names_its_offset();
    test_truncated_payload_names_the_record();
    test_payload_checksum_mismatch_names_the_record();
    test_record_length_beyond_the_limit_is_refused_without_allocating();
    test_nonzero_flags_are_refused();
    test_wrong_sequence_number_is_refused();
    test_missing_end_record_is_refused();
    test_end_record_with_payload_is_refused();
    test_garbage_after_the_end_record_is_refused();
    return check_summary("stream");
}
