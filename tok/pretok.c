/* GPT-2's pre-tokenizer written out by hand over Unicode categories:
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * Bytes that are not valid UTF-8 form pieces of one byte and break every run. */
#include <utf8proc.h>

#include "tok.h"

enum { C_L = 1, C_N, C_S, C_O, C_BAD, C_MORE };

#include "ucd_delta.h"

/* tiktoken's class for a code point that Unicode 16.0 and utf8proc disagree on, or 0. */
static int delta_class(int32_t cp)
{
    int lo = 0, hi = (int)(sizeof ucd_delta / sizeof ucd_delta[0]) - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < ucd_delta[mid].lo)
            hi = mid - 1;
        else if (cp > ucd_delta[mid].hi)
            lo = mid + 1;
        else
            return ucd_delta[mid].k;
    }
    return 0;
}

static unsigned char ascii_class[128];

static void init_ascii(void)
{
    for (int c = 0; c < 128; c++) {
        int k = C_O;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            k = C_L;
        else if (c >= '0' && c <= '9')
            k = C_N;
        else if ((c >= 9 && c <= 13) || c == ' ')
            k = C_S;
        ascii_class[c] = (unsigned char)k;
    }
}

/* Unicode White_Space, which is what \s means to tiktoken's regex engine. */
static int is_space(int32_t c)
{
    return (c >= 9 && c <= 13) || c == 32 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Decodes the character at p (n > 0 bytes available): sets *len and returns its class.
 * C_MORE when the bytes so far start a valid sequence that is cut off (only if !eof). */
static int char_class(const unsigned char *p, size_t n, int eof, size_t *len)
{
    unsigned c = p[0];
    if (c < 0x80) {
        *len = 1;
        return ascii_class[c];
    }
    size_t need;
    int32_t cp;
    unsigned lo = 0x80, hi = 0xBF; /* allowed second byte (Unicode Table 3-7) */
    if (c >= 0xC2 && c <= 0xDF)
        need = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 3, cp = c & 0x0F, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 4, cp = c & 0x07, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else {
        *len = 1;
        return C_BAD;
    }
    for (size_t i = 1; i < need; i++) {
        if (i >= n) {
            *len = 1;
            return eof ? C_BAD : C_MORE;
        }
        if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xBF)) {
            *len = 1;
            return C_BAD;
        }
        cp = cp << 6 | (p[i] & 0x3F);
    }
    *len = need;
    if (is_space(cp))
        return C_S;
    int k = delta_class(cp);
    if (k)
        return k;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
        return C_L;
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return C_N;
    default:
        return C_O;
    }
}

/* Extends a run of class k from byte i; returns the end, or 0 when the run reaches the
 * end of the input and more may follow. */
static size_t run(const unsigned char *p, size_t n, size_t i, int k, int eof)
{
    size_t len;
    while (i < n) {
        if (i >= CR_TOK_PIECE_MAX)
            return i;
        int c = char_class(p + i, n - i, eof, &len);
        if (c == C_MORE)
            return 0;
        if (c != k)
            return i;
        i += len;
    }
    return eof ? i : 0;
}

size_t cr_pretok_next(const unsigned char *p, size_t n, int eof)
{
    size_t len, len2;
    int k;

    if (!ascii_class['a'])
        init_ascii();
    k = char_class(p, n, eof, &len);
    if (k == C_MORE)
        return 0;
    if (p[0] == '\'') {
        /* contractions: 's 't 'm 'd 're 've 'll (lowercase only) */
        if (n < 3 && !eof)
            return 0;
        if (n >= 2 && (p[1] == 's' || p[1] == 't' || p[1] == 'm' || p[1] == 'd'))
            return 2;
        if (n >= 3 && ((p[1] == 'r' && p[2] == 'e') || (p[1] == 'v' && p[2] == 'e') ||
                       (p[1] == 'l' && p[2] == 'l')))
            return 3;
    }
    if (p[0] == ' ') {
        if (n == 1)
            return eof ? 1 : 0;
        int k2 = char_class(p + 1, n - 1, eof, &len2);
        if (k2 == C_MORE)
            return 0;
        if (k2 == C_L || k2 == C_N || k2 == C_O)
            return run(p, n, 1 + len2, k2, eof);
    }
    if (k == C_L || k == C_N || k == C_O)
        return run(p, n, len, k, eof);
    if (k == C_BAD)
        return 1;
    /* whitespace: \s+(?!\S) takes the run but its last character when a non-space
     * follows; a lone space character before a non-space is \s+ */
    size_t i = 0, last = 0;
    while (i < n && i < CR_TOK_PIECE_MAX) {
        int c = char_class(p + i, n - i, eof, &len2);
        if (c == C_MORE)
            return 0;
        if (c != C_S)
            return last > 0 ? last : i;
        last = i;
        i += len2;
    }
    if (i >= CR_TOK_PIECE_MAX)
        return last > 0 ? last : i;
    return eof ? i : 0;
}
