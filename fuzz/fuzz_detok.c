/* crtok -d (core/detok.h): a token or reconstruction stream back to text through the block
 * reader, or a list of decimal ids, as cmd/crtok.c's decode() does it.
 *
 * Input: a mode byte (FZ_RESEAL, FZ_RENUM), then a stream (first byte 0x89) or ids. For a
 * token stream the detokenizer accepts, the text it writes is as long as its documents say. */
#include "fuzz.h"
#include "../core/detok.h"

static const cr_vocab *vocab;
static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    vocab = fz_vocab("fuzz_detok");
    if (!(sink = fopen("/dev/null", "w")))
        exit(1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    unsigned char *p = fz_copy(data + 1, n);
    FILE *f = fz_open(p, n);
    cr_diag d;
    int rc;

    if (n == 0 || p[0] != 0x89) {
        if ((rc = cr_detok_ids(vocab, f, sink, &d)) < 0)
            fz_check_diag(rc, &d);
    } else {
        cr_detok s = {.v = vocab, .out = sink};
        cr_input *in;
        cr_event ev;
        uint64_t docs_bytes = 0, out_bytes = 0;
        fz_reseal_stream(p, n, data[0]);
        FZ_ASSERT(cr_input_open_file(&in, f, "fuzz", 0, &d) == CR_OK);
        while ((rc = cr_input_next(in, &ev, &d)) != CR_EV_END) {
            if (rc > 0 && (rc = cr_detok_event(&s, &ev, &d)) < 0) {
                cr_event_where(&ev, &d);
                cr_input_skip(in);
            }
            if (rc < 0) {
                fz_check_diag(rc, &d);
                FZ_ASSERT(strncmp(d.msg, "fuzz: ", 6) == 0);
                continue;
            }
            if (ev.type == CR_EV_DOCEND && ev.kind == CR_KIND_TOKENS) {
                docs_bytes += ev.doc.bytes;
                out_bytes += s.written;
            }
        }
        FZ_ASSERT(docs_bytes == out_bytes);
        cr_input_close(in);
    }
    fclose(f);
    free(p);
    return 0;
}
