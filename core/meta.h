/* Typed key/value metadata carried in stream headers and model files.
 * Keys are short ASCII names such as "block.tokens" or "tok.vocab_id". */
#ifndef CR_META_H
#define CR_META_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum { CR_META_U64 = 1, CR_META_F64 = 2, CR_META_STR = 3 };

#define CR_META_MAX_ENTRIES 1024
#define CR_META_MAX_BYTES (1u << 20)

typedef struct cr_meta_entry {
    char key[256];
    int type;
    uint64_t u;
    double f;
    char *s;     /* NUL-terminated copy, owned by the table */
    size_t slen; /* bytes in s, which may itself hold NULs */
} cr_meta_entry;

typedef struct cr_meta {
    cr_meta_entry *e;
    int n, cap;
} cr_meta;

cr_meta *cr_meta_new(void);
void cr_meta_free(cr_meta *m);
/* Copies every entry of src into dst (replacing equal keys). */
int cr_meta_merge(cr_meta *dst, const cr_meta *src);

/* Setters replace an existing key. Return CR_OK or CR_E_NOMEM / CR_E_ARG. */
int cr_meta_set_u64(cr_meta *m, const char *key, uint64_t v);
int cr_meta_set_f64(cr_meta *m, const char *key, double v);
int cr_meta_set_str(cr_meta *m, const char *key, const char *s);

/* Removes key if present. */
void cr_meta_del(cr_meta *m, const char *key);

/* Getters return 1 and fill *v when the key exists with that type, else 0. */
int cr_meta_get_u64(const cr_meta *m, const char *key, uint64_t *v);
int cr_meta_get_f64(const cr_meta *m, const char *key, double *v);
int cr_meta_get_str(const cr_meta *m, const char *key, const char **s);

/* Serialized size in bytes, and serialization into buf (which holds that many). */
size_t cr_meta_size(const cr_meta *m);
void cr_meta_write(const cr_meta *m, unsigned char *buf);
/* Parses n bytes into a new table; checks every length against n. */
int cr_meta_parse(cr_meta **out, const unsigned char *p, size_t n, cr_diag *d);

#endif
