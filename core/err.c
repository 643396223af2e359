#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cr_diag_set(cr_diag *d, int code, const char *fmt, ...)
{
    if (d) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
        va_end(ap);
        d->code = code;
    }
    return code;
}

int cr_diag_prefix(cr_diag *d, const char *fmt, ...)
{
    char pre[sizeof d->msg], msg[sizeof d->msg + sizeof pre + 2];
    va_list ap;
    if (!d)
        return CR_E_ARG;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof msg, "%s: %s", pre, d->msg);
    size_t n = strlen(msg) < sizeof d->msg ? strlen(msg) : sizeof d->msg - 1;
    memcpy(d->msg, msg, n); /* cut to fit */
    d->msg[n] = 0;
    return d->code;
}

void cr_diag_clear(cr_diag *d)
{
    if (d) {
        d->code = CR_OK;
        d->msg[0] = 0;
    }
}

const char *cr_strerror(int code)
{
    switch (code) {
    case CR_OK: return "success";
    case CR_E_IO: return "input/output error";
    case CR_E_NOMEM: return "out of memory";
    case CR_E_FORMAT: return "not in the expected format";
    case CR_E_VERSION: return "unsupported version";
    case CR_E_KIND: return "wrong kind of stream";
    case CR_E_TRUNCATED: return "truncated";
    case CR_E_CHECKSUM: return "checksum mismatch";
    case CR_E_LIMIT: return "size beyond limit";
    case CR_E_SEQ: return "records out of sequence";
    case CR_E_VALUE: return "value out of range";
    case CR_E_MISMATCH: return "mismatch";
    case CR_E_ARG: return "bad argument";
    case CR_E_NUMERIC: return "numerical failure";
    }
    return "unknown error";
}
