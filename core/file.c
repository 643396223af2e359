#include "file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cr_file_replace(const char *path, cr_file_writer fill, void *arg, cr_diag *d)
{
    struct stat st;
    size_t n = strlen(path) + 32;
    char *tmp = NULL;
    FILE *f = NULL;
    int rc, e = 0;

    if (strcmp(path, "-") == 0 || (stat(path, &st) == 0 && !S_ISREG(st.st_mode)))
        return cr_diag_set(d, CR_E_ARG, "%s: not a regular file (it would be replaced by "
                           "renaming a temporary file)", path);
    if (!(tmp = malloc(n)))
        return cr_diag_set(d, CR_E_NOMEM, "%s: out of memory", path);
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    if (!(f = fopen(tmp, "wb"))) {
        rc = cr_diag_set(d, CR_E_IO, "%s: write failed: %s", path, strerror(errno));
        free(tmp);
        return rc;
    }
    /* errno is read right after the call that failed: a later one may change it */
    errno = 0;
    rc = fill(f, arg, d);
    if (rc == CR_E_IO || (rc == CR_OK && ferror(f)))
        e = errno ? errno : EIO;
    else if (rc == CR_OK && fflush(f) != 0)
        e = errno;
    else if (rc == CR_OK && fsync(fileno(f)) != 0)
        e = errno;
    if (fclose(f) != 0 && rc == CR_OK && !e)
        e = errno;
    if (rc == CR_OK && !e && rename(tmp, path) != 0)
        e = errno;
    if (e || rc < 0) {
        unlink(tmp);
        if (e)
            rc = cr_diag_set(d, CR_E_IO, "%s: write failed: %s", path, strerror(e));
        else
            cr_diag_prefix(d, "%s", path);
    }
    free(tmp);
    return rc;
}
