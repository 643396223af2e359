#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int cr_walk(const char *path, cr_walk_fn fn, void *arg)
{
    struct stat st;
    struct dirent **list;
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return fn(arg, path, 0);
    int n = scandir(path, &list, NULL, by_name), stop = 0;
    if (n < 0)
        return fn(arg, path, errno);
    size_t plen = strlen(path);
    for (int i = 0; i < n; i++) {
        const char *e = list[i]->d_name;
        if (!stop && strcmp(e, ".") != 0 && strcmp(e, "..") != 0) {
            size_t len = plen + strlen(e) + 2;
            char *sub = malloc(len);
            if (sub) {
                snprintf(sub, len, "%s%s%s", path, plen && path[plen - 1] == '/' ? "" : "/", e);
                stop = cr_walk(sub, fn, arg);
                free(sub);
            } else {
                stop = fn(arg, e, ENOMEM);
            }
        }
        free(list[i]);
    }
    free(list);
    return stop;
}

/* The path being read from a list, and what to do with it. */
struct list {
    char *path;
    size_t len, cap;
    int sep, stop;
    cr_walk_fn fn;
    void *arg;
};

static void take(struct list *l, const unsigned char *b, size_t n)
{
    for (size_t i = 0; !l->stop && i < n; i++) {
        if (b[i] != l->sep) {
            if (l->len + 1 >= l->cap) {
                size_t cap = l->cap ? 2 * l->cap : 256;
                char *p = realloc(l->path, cap);
                if (!p) {
                    if (l->path)
                        l->path[l->len] = 0;
                    l->stop = l->fn(l->arg, l->path ? l->path : "", ENOMEM);
                    l->stop = l->stop ? l->stop : -1;
                    return;
                }
                l->path = p;
                l->cap = cap;
            }
            l->path[l->len++] = (char)b[i];
        } else if (l->len > 0) {
            l->path[l->len] = 0;
            l->stop = cr_walk(l->path, l->fn, l->arg);
            l->len = 0;
        }
    }
}

int cr_walk_list(FILE *f, cr_walk_fn fn, void *arg)
{
    static unsigned char chunk[1 << 16];
    struct list l = {.sep = -1, .fn = fn, .arg = arg};
    size_t have = 0;
    int fd = fileno(f);
    /* read(2), not stdio: each path is walked as soon as it arrives (find | crtag -) */
    while (!l.stop) {
        ssize_t n = read(fd, chunk + have, sizeof chunk - have);
        if (n < 0 && errno == EINTR)
            break; /* a signal that ends the run */
        if (n < 0) {
            l.stop = fn(arg, "-", errno);
            break;
        }
        if (n == 0)
            break;
        have += (size_t)n;
        if (l.sep < 0 && memchr(chunk, 0, have))
            l.sep = 0;
        else if (l.sep < 0 && have < sizeof chunk)
            continue; /* no NUL yet: read on to 64 KiB or the end */
        else if (l.sep < 0)
            l.sep = '\n';
        take(&l, chunk, have);
        have = 0;
    }
    if (!l.stop && have > 0) { /* a short list without a NUL: one path per line */
        l.sep = l.sep < 0 ? '\n' : l.sep;
        take(&l, chunk, have);
    }
    if (!l.stop && l.len > 0) {
        l.path[l.len] = 0;
        l.stop = cr_walk(l.path, fn, arg);
    }
    free(l.path);
    return l.stop;
}
