/* zcost: the baseline router's expert, a zstd dictionary (Debian's libzstd).
 *
 *   zcost train -o DICT [-s BYTES] LIST       a dictionary from the files named in LIST
 *   zcost -d DICT -n NAME [-c CAL] [FILE...]  token stream in, reconstruction stream out
 *   zcost -d DICT -C [FILE...]                 calibration lines (cal.* value) from
 *                                              held-out text, for -c
 *
 * For each block it compresses the block's bytes with the dictionary and spreads the
 * compressed bits over the block's tokens in proportion to their bytes, so that crroute
 * routes, rejects and segments with it exactly as with an expert: the same windows, the
 * same calibrated scale (-c: cal.* lines of crroute's calibration, `key value`), the same
 * smoothing. The predicted token is the true one (TRA means nothing here). Bench only. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zdict.h>
#include <zstd.h>

#include "../cmd/cli.h"
#include "../core/calib.h"
#include "../core/input.h"
#include "../tok/tok.h"

#define LEVEL 19
#define CHUNK 2048 /* bytes of a training sample */

static int train(const char *out, size_t dict_size, const char *list)
{
    FILE *l = fopen(list, "r"), *f;
    char path[4096];
    size_t cap = 64u << 20, n = 0, ns = 0, scap = 1 << 16;
    unsigned char *buf = malloc(cap);
    size_t *sizes = malloc(scap * sizeof *sizes);
    if (!l || !buf || !sizes) {
        cli_err("%s: cannot read the list", list);
        return CLI_EXIT_DATA;
    }
    /* samples of CHUNK bytes from the files in turn, up to 64 MiB in all */
    while (n < cap && fgets(path, sizeof path, l)) {
        path[strcspn(path, "\n")] = 0;
        if (!(f = fopen(path, "rb")))
            continue;
        size_t got;
        while (n < cap && ns < scap && (got = fread(buf + n, 1, CHUNK < cap - n ? CHUNK : cap - n, f)) > 0) {
            sizes[ns++] = got;
            n += got;
        }
        fclose(f);
    }
    fclose(l);
    void *dict = malloc(dict_size);
    size_t ds = ZDICT_trainFromBuffer(dict, dict_size, buf, sizes, (unsigned)ns);
    if (ZDICT_isError(ds)) {
        cli_err("%s: %s (%zu samples, %zu bytes)", list, ZDICT_getErrorName(ds), ns, n);
        return CLI_EXIT_DATA;
    }
    f = fopen(out, "wb");
    if (!f || fwrite(dict, 1, ds, f) != ds || fclose(f) != 0) {
        cli_err("%s: cannot write", out);
        return CLI_EXIT_DATA;
    }
    fprintf(stderr, "zcost: %s: a dictionary of %zu bytes from %zu samples (%zu bytes)\n", out,
            ds, ns, n);
    free(dict);
    free(buf);
    free(sizes);
    return CLI_EXIT_OK;
}

/* Reads "cal.key value" lines into m. */
static int read_cal(const char *path, cr_meta *m)
{
    FILE *f = fopen(path, "r");
    char key[64];
    double v;
    if (!f)
        return -1;
    while (fscanf(f, "%63s %lf", key, &v) == 2)
        strncmp(key, "cal.", 4) == 0 ? cr_meta_set_f64(m, key, v) : 0;
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dict_path = NULL, *name = "zstd", *cal = NULL, *out = NULL;
    int calibrate = 0;
    cr_calib_acc acc = {0};
    size_t dsize = 110 * 1024;
    int c;
    cli_init(argv);
    if (argc > 1 && strcmp(argv[1], "train") == 0) {
        optind = 2;
        while ((c = getopt(argc, argv, "o:s:")) != -1)
            if (c == 'o')
                out = optarg;
            else if (c == 's')
                dsize = (size_t)atol(optarg);
            else
                return CLI_EXIT_USAGE;
        if (!out || argc - optind != 1) {
            cli_err("usage: zcost train -o DICT [-s BYTES] LIST");
            return CLI_EXIT_USAGE;
        }
        return train(out, dsize, argv[optind]);
    }
    while ((c = getopt(argc, argv, "d:n:c:C")) != -1)
        if (c == 'C')
            calibrate = 1;
        else if (c == 'd')
            dict_path = optarg;
        else if (c == 'n')
            name = optarg;
        else if (c == 'c')
            cal = optarg;
        else
            return CLI_EXIT_USAGE;
    if (!dict_path) {
        cli_err("usage: zcost -d DICT -n NAME [-c CAL] [FILE...]");
        return CLI_EXIT_USAGE;
    }
    FILE *df = fopen(dict_path, "rb");
    static unsigned char dict[1 << 22];
    size_t dn = df ? fread(dict, 1, sizeof dict, df) : 0;
    if (df)
        fclose(df);
    if (!dn) {
        cli_err("%s: cannot read the dictionary", dict_path);
        return CLI_EXIT_DATA;
    }
    ZSTD_CDict *cd = ZSTD_createCDict(dict, dn, LEVEL);
    ZSTD_CCtx *cx = ZSTD_createCCtx();
    cr_vocab *v;
    cr_diag d;
    char vpath[4096];
    snprintf(vpath, sizeof vpath, "%s/gpt2", cli_share_dir());
    if (cr_vocab_load(&v, vpath, &d) < 0) {
        cli_err("%s", d.msg);
        return CLI_EXIT_DATA;
    }
    cr_input *in;
    cr_event ev;
    cr_writer *w = NULL;
    int rc;
    size_t bcap = 1 << 20, zcap = ZSTD_compressBound(1 << 20);
    unsigned char *bytes = malloc(bcap), *z = malloc(zcap);
    unsigned char *rec = malloc(cr_recon_size(CR_BLOCK_MAX_TOKENS));
    float *logp = malloc(CR_BLOCK_MAX_TOKENS * sizeof *logp);
    cr_input_open(&in, (const char *const *)argv + optind, argc - optind, CR_KIND_TOKENS, &d);
    while ((rc = cr_input_next(in, &ev, &d)) > 0) {
        if (rc == CR_EV_STREAM) {
            if (w || calibrate)
                continue;
            cr_meta *m = cr_meta_new();
            cr_meta_merge(m, ev.meta);
            cr_meta_set_str(m, "model.name", name);
            cr_meta_set_u64(m, "model.check", XXH3_64bits(dict, dn));
            if (cal && read_cal(cal, m) < 0) {
                cli_err("%s: cannot read", cal);
                return CLI_EXIT_DATA;
            }
            rc = cr_writer_open(&w, stdout, CR_KIND_RECON, m, &d);
            cr_meta_free(m);
        } else if (rc == CR_EV_BLOCK) {
            const cr_block *b = &ev.block;
            size_t n = 0;
            for (uint32_t i = 0; i < b->n; i++) {
                size_t len;
                const unsigned char *p = cr_vocab_bytes(v, b->ids[i], &len);
                if (b->off[i + 1] == b->off[i])
                    continue; /* an appended <|endoftext|> */
                if (n + len > bcap)
                    break;
                memcpy(bytes + n, p, len);
                n += len;
            }
            size_t zn = ZSTD_compress_usingCDict(cx, z, zcap, bytes, n, cd);
            double bits = ZSTD_isError(zn) ? 8.0 * n : 8.0 * (double)zn;
            for (uint32_t i = 0; i < b->n; i++) {
                double share = n ? (double)(b->off[i + 1] - b->off[i]) / n : 1.0 / b->n;
                logp[i] = (float)(-bits * share * M_LN2);
            }
            if (calibrate) {
                rc = cr_calib_add(&acc, bits, b->off[b->n], b->n, &d);
                continue;
            }
            cr_recon_write(b, b->ids, logp, rec);
            rc = cr_writer_put(w, CR_RECON_BLOCK, rec, (uint32_t)cr_recon_size(b->n), &d);
        } else if (rc != CR_EV_INPUT_END && !calibrate) {
            rc = cr_writer_put(w, ev.rec.type, ev.rec.data, ev.rec.len, &d);
        }
        if (rc < 0)
            break;
    }
    if (rc < 0) {
        cli_err("%s", d.msg);
        return CLI_EXIT_DATA;
    }
    if (calibrate) {
        cr_calib cb;
        if (cr_calib_finish(&acc, &cb, &d) < 0) {
            cli_err("%s", d.msg);
            return CLI_EXIT_DATA;
        }
        printf("cal.bpb_median %.9g\ncal.bpt_median %.9g\ncal.q90 %.9g\ncal.q99 %.9g\n"
               "cal.q999 %.9g\n", cb.bpb_median, cb.bpt_median, cb.q90, cb.q99, cb.q999);
        cr_calib_acc_free(&acc);
    }
    cr_writer_close(w, &d);
    cr_input_close(in);
    cr_vocab_free(v);
    ZSTD_freeCDict(cd);
    ZSTD_freeCCtx(cx);
    free(bytes);
    free(z);
    free(rec);
    free(logp);
    return cli_close_out(stdout, "-");
}
