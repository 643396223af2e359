/* crtag's tagger (core/tagger.h) on arbitrary text, with tiny random experts: the spans of
 * each document cover it from byte 0 to its length, in order, none empty, none past the
 * bytes fed so far, no two in a row of one label, each label an expert's or unknown (0..k);
 * the same spans, token count and failure (code and message) whether the text comes whole,
 * on one thread, to a new tagger, or in pieces, on 1 to 3 threads, to one tagger reused from
 * document to document (after one that was finished, failed or abandoned half-way); the
 * caller's thread setting is what it was after every feed; every failure sets its cr_diag,
 * and a failed cr_tagger_new leaves NULL. With three threads the windows are scored three
 * at a time, each (window, expert) pass on any thread, two experts of one config sharing a
 * scratch per thread: a window or scratch mixed up shows as other spans.
 *
 * Input: five bytes of settings, then the text (at most MAX_TEXT bytes, fewer with a
 * stride below L/2: at most MAX_TEXT * stride / (L/2), so that an iteration scores at most
 * as many windows as MAX_TEXT bytes at the default stride).
 *   0  bits 0-2 the experts (sets[] below); bits 3-4 the threads of the pieces' run (1-3);
 *      bit 5 that run first feeds half the text and abandons it; bits 6-7 the scale (-a -b)
 *   1  the stride: 0 the default (L/2), else 1 + (byte - 1) % (L + 1) (L + 1 is refused)
 *   2  bits 0-1, 2-3, 4-5 the penalties in a line, at a line, at a paragraph; bits 6-7 the
 *      rejection threshold (0: each expert's q99)
 *   3  bits 0-1 the calibration (each expert its own of four, from there on); bits 2-7 the
 *      pieces: 0 one byte each, else random sizes from 0 to that plus one
 *   4  where a second document starts, as a fraction of the text (0: one document)
 *
 * The vocabulary is GPT-2's cut short (first_tokens): with all 50257 tokens a head costs a
 * token thousands of logits even with the adaptive head, and 500 bytes of English took 340 ms
 * an iteration (70 ms with these 513, under the sanitizers and libFuzzer's instrumentation).
 * The experts: width 8, one layer each way, blocks of L = 16 tokens, 2 latents; A and A2 of
 * one config with the adaptive head (they share a scratch per thread), B of another (bind,
 * zsplit, untied full head), S of a vocabulary of 256 (every merged token makes its pass
 * fail), D of blocks of 8 (refused beside the others), U uncalibrated (refused). */
#include <omp.h>

#include "fuzz.h"
#include "../core/tagger.h"

enum { MAX_TEXT = 256, L = 16, NV = 513 };

static const cr_vocab *vocab;
static cr_ae *A, *A2, *B, *S, *D, *U;
static int threads; /* the caller's setting, which the tagger must leave as it was */

/* The expert sets of settings byte 0, and the code cr_tagger_new gives each. */
static struct { int k, rc; cr_ae **ex[3]; } sets[8] = {
    {2, CR_OK, {&A, &A2}},       {3, CR_OK, {&A, &A2, &B}}, {3, CR_OK, {&B, &A, &A2}},
    {1, CR_OK, {&A}},            {2, CR_OK, {&A, &S}},      {3, CR_E_MISMATCH, {&A, &B, &D}},
    {2, CR_E_VALUE, {&A, &U}},   {1, CR_OK, {&B}},
};

/* median bits a byte and a token, then q90, q99, q999: ordinary, a spread below the
 * clamp of calib.c, and the ends of what cr_calib_get accepts */
static const double calib[4][5] = {
    {2.0, 6.0, 1.3, 1.6, 2.0},
    {0.5, 1.5, 1.0001, 1.0002, 1.0003},
    {1e-6, 1e-6, 1e6, 1e6, 1e6},
    {1e6, 1e6, 1.5, 3.0, 9.0},
};
static const double penalties[4] = {0, 4, 48, 1000};
static const double rejects[4] = {0, 0.5, 1.2, 50};
static const cr_calib_scale scales[4] = {
    {CR_CALIB_SPAN_A, CR_CALIB_SPAN_B}, {0, 0}, {1, 1}, {CR_CALIB_BLOCK_A, CR_CALIB_BLOCK_B}};

static cr_ae *expert(int V, int C, int NH, int F, int Lb, const char *opts, uint64_t seed)
{
    cr_ae_config c;
    cr_ae *ae;
    cr_diag d;
    cr_ae_preset(&c, "tiny");
    c.V = V, c.C = C, c.NH = NH, c.F = F, c.L = Lb, c.M = 2;
    if (strchr(opts, 'h')) /* the adaptive head: 16 ranks, then clusters of 48, 192, 257 */
        c.asm_n = 3, c.asm_k0 = 16;
    if (strchr(opts, 'b')) /* bind (pool and zskip), latents of two slots, z-only layer */
        c.pool = c.zskip = c.bind = 1, c.zsplit = 2, c.tied = 0, c.zattn = 1;
    if (strchr(opts, 'u'))
        c.tied = 0;
    if (cr_ae_new_random(&ae, &c, seed, &d) < 0) {
        fprintf(stderr, "fuzz_tagger: %s\n", d.msg);
        exit(1);
    }
    cr_meta_set_str(ae->meta, "model.name", opts);
    return ae;
}

/* GPT-2's first 511 tokens (its bytes and first merges) and its "\n\n" (in which a paragraph
 * starts), renumbered in order, then <|endoftext|>: GPT-2's BPE with its merges cut short,
 * whose heads cost a token a few hundred logits. Written as encoder.json (keys in GPT-2's
 * byte alphabet, escaped) to a directory of its own. */
static cr_vocab *first_tokens(const cr_vocab *gpt2)
{
    char dir[] = "/tmp/fuzz_tagger.XXXXXX", path[64];
    int cp[256], extra = 0;
    cr_vocab *v;
    cr_diag d;
    FILE *f;
    for (int b = 0; b < 256; b++) { /* GPT-2's bytes_to_unicode (tok/vocab.c) */
        int printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
        cp[b] = printable ? b : 256 + extra++;
    }
    if (!mkdtemp(dir))
        abort();
    snprintf(path, sizeof path, "%s/encoder.json", dir);
    if (!(f = fopen(path, "w")))
        abort();
    fputc('{', f);
    for (uint32_t id = 0; id + 1 < NV; id++) {
        size_t len;
        const unsigned char *p = cr_vocab_bytes(gpt2, id + 2 < NV ? id : 628, &len);
        fputc('"', f);
        for (size_t i = 0; i < len; i++)
            fprintf(f, "\\u%04x", cp[p[i]]);
        fprintf(f, "\": %u, ", id);
    }
    fprintf(f, "\"<|endoftext|>\": %u}", NV - 1);
    if (fclose(f) != 0 || cr_vocab_load(&v, dir, &d) < 0) {
        fprintf(stderr, "fuzz_tagger: %s\n", d.msg);
        exit(1);
    }
    remove(path);
    remove(dir);
    return v;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* threads that wait awake, without yielding, but not long (LLVM's OpenMP, which clang
     * links, reads these at its first call): asleep between parallel regions, as crtag's
     * are, or yielding to the other work of two shared cores, they come too late to take a
     * pass (the thread that starts the region has taken them all), and passes on threads of
     * their own are what is tested; awake for the default 200 ms they would spin through the
     * reference run, on one thread. wake() starts them before a document. */
    setenv("OMP_WAIT_POLICY", "active", 0);
    setenv("KMP_BLOCKTIME", "10", 0);
    cr_vocab *gpt2 = fz_vocab("fuzz_tagger");
    vocab = first_tokens(gpt2);
    cr_vocab_free(gpt2);
    int V = (int)cr_vocab_size(vocab);
    A = expert(V, 8, 2, 16, L, "ah", 1);
    A2 = expert(V, 8, 2, 16, L, "ah2", 2);
    B = expert(V, 8, 1, 8, L, "b", 3);
    S = expert(256, 4, 1, 8, L, "su", 4);
    D = expert(V, 8, 2, 16, 8, "d", 5);
    U = expert(V, 8, 2, 16, L, "u", 6);
    return 0;
}

/* What one run saw of a document. */
struct run {
    int k, last;
    uint64_t at, fed;
    size_t n;
    uint64_t span[MAX_TEXT][3]; /* start, end, label */
};

static int emit(void *arg, uint64_t start, uint64_t end, int state)
{
    struct run *r = arg;
    FZ_ASSERT(start == r->at);
    FZ_ASSERT(end > start);
    FZ_ASSERT(end <= r->fed);
    FZ_ASSERT(state >= 0 && state <= r->k);
    FZ_ASSERT(state != r->last);
    FZ_ASSERT(r->n < MAX_TEXT);
    r->span[r->n][0] = start, r->span[r->n][1] = end, r->span[r->n][2] = (uint64_t)state;
    r->n++;
    r->at = end;
    r->last = state;
    return 0;
}

static void begin(cr_tagger *t, struct run *r)
{
    cr_tagger_begin(t);
    r->last = -1;
    r->at = r->fed = 0;
    r->n = 0;
}

/* After the last byte of a document of len bytes: rc, and the spans cover it. */
static void done(const struct run *r, int rc, const cr_diag *d, uint64_t len)
{
    if (rc < 0) {
        fz_check_diag(rc, d);
        return;
    }
    FZ_ASSERT(rc == CR_OK);
    FZ_ASSERT(r->at == len);
    FZ_ASSERT(len > 0 || r->n == 0);
}

static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Feeds p[0..n) in pieces (sizes from 0 to size + 1, or 1 with size 0), with final or not;
 * the last call may be an empty one of its own. Returns the first failure or CR_OK. */
static int feed(cr_tagger *t, struct run *r, const unsigned char *p, size_t n, int final,
                unsigned size, uint32_t *rs, cr_diag *d)
{
    size_t at = 0;
    int rc;
    while (at < n) {
        size_t m = size ? rng_next(rs) % (size + 2) : 1;
        m = m < n - at ? m : n - at;
        int last = final && at + m == n && (rng_next(rs) & 1);
        r->fed = at + m;
        rc = cr_tagger_feed(t, p + at, m, last, d);
        FZ_ASSERT(omp_get_max_threads() == threads);
        if (rc < 0)
            return rc;
        at += m;
        if (last)
            return CR_OK;
    }
    rc = final ? cr_tagger_feed(t, p + n, 0, 1, d) : CR_OK;
    FZ_ASSERT(omp_get_max_threads() == threads);
    return rc;
}

/* Wakes a team of n threads, so that they are awake (KMP_BLOCKTIME) when the tagger's first
 * parallel region starts, and take their passes. */
static void wake(int n)
{
#pragma omp parallel num_threads(n)
    ;
}

/* The stride of settings byte 1 (0: the tagger's default) */
static uint32_t stride_of(const uint8_t *s)
{
    return s[1] ? 1 + (uint32_t)(s[1] - 1) % (L + 1) : 0;
}

/* A tagger of the settings s on nth threads, or NULL where cr_tagger_new must refuse it. */
static cr_tagger *tagger(const uint8_t *s, int nth, struct run *r, int *rc, cr_diag *d)
{
    int set = s[0] & 7;
    uint32_t stride = stride_of(s);
    double pen[3] = {penalties[s[2] & 3], penalties[s[2] >> 2 & 3], penalties[s[2] >> 4 & 3]};
    const cr_ae *ex[3];
    cr_tagger *t;
    for (int i = 0; i < sets[set].k; i++)
        ex[i] = *sets[set].ex[i];
    r->k = sets[set].k;
    omp_set_num_threads(threads = nth);
    *rc = cr_tagger_new(&t, ex, sets[set].k, vocab, stride, pen, rejects[s[2] >> 6],
                        scales[s[0] >> 6], emit, r, d);
    if (*rc < 0) {
        fz_check_diag(*rc, d);
        FZ_ASSERT(t == NULL);
        FZ_ASSERT(*rc == (sets[set].rc < 0 ? sets[set].rc : CR_E_ARG));
        FZ_ASSERT(sets[set].rc < 0 || stride > L);
        return NULL;
    }
    FZ_ASSERT(sets[set].rc == CR_OK && stride <= L);
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct run ref, got;
    if (size < 5)
        return 0;
    const unsigned char *text = data + 5;
    uint32_t stride = stride_of(data) ? stride_of(data) : L / 2;
    size_t max = stride < L / 2 ? MAX_TEXT * stride / (L / 2) : MAX_TEXT;
    size_t len = size - 5 < max ? size - 5 : max;
    size_t cut[3] = {0, len * data[4] / 256, len}; /* the documents: [cut[i], cut[i + 1]) */
    int nth = 1 + (data[0] >> 3 & 3) % 3, docs = cut[1] > 0 ? 2 : 1, rc, rc2;
    unsigned pieces = data[3] >> 2;
    uint32_t rs = 0x9e3779b9u ^ data[3];
    cr_tagger *t;
    cr_diag d, d2;

    if (docs == 1)
        cut[1] = len;
    for (int i = 0; i < 6; i++) { /* each expert a calibration from the settings' on */
        const double *c = calib[(data[3] + i) & 3];
        cr_calib cal = {c[0], c[1], c[2], c[3], c[4], 1000, 100000};
        cr_ae *e = (cr_ae *[]){A, A2, B, S, D, U}[i];
        if (e != U)
            FZ_ASSERT(cr_calib_set(&cal, e->meta, NULL) == CR_OK);
    }
    if (!(t = tagger(data, nth, &got, &rc, &d)))
        return 0;
    if (data[0] & 32) { /* half of the text, never finished */
        begin(t, &got);
        if ((rc = feed(t, &got, text, len / 2, 0, pieces, &rs, &d)) < 0)
            fz_check_diag(rc, &d);
    }
    for (int i = 0; i < docs; i++) {
        const unsigned char *p = text + cut[i];
        uint64_t n = cut[i + 1] - cut[i];
        begin(t, &got);
        wake(nth);
        done(&got, rc2 = feed(t, &got, p, n, 1, pieces, &rs, &d2), &d2, n);
        cr_tagger *one = tagger(data, 1, &ref, &rc, &d);
        FZ_ASSERT(one != NULL);
        begin(one, &ref);
        ref.fed = n;
        done(&ref, rc = cr_tagger_feed(one, p, n, 1, &d), &d, n);
        FZ_ASSERT(omp_get_max_threads() == 1);
        FZ_ASSERT(rc2 == rc);
        if (rc < 0) {
            FZ_ASSERT(strcmp(d.msg, d2.msg) == 0);
        } else {
            FZ_ASSERT(got.n == ref.n);
            FZ_ASSERT(memcmp(got.span, ref.span, ref.n * sizeof ref.span[0]) == 0);
            FZ_ASSERT(cr_tagger_tokens(t) == cr_tagger_tokens(one));
            FZ_ASSERT(n == 0 || cr_tagger_tokens(t) > 0);
        }
        cr_tagger_free(one);
    }
    cr_tagger_free(t);
    return 0;
}
