#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

void cr_walk(const char *path, cr_walk_fn fn, void *arg)
{
    struct stat st;
    struct dirent **list;
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fn(arg, path, 0);
        return;
    }
    int n = scandir(path, &list, NULL, by_name);
    if (n < 0) {
        fn(arg, path, errno);
        return;
    }
    size_t plen = strlen(path);
    for (int i = 0; i < n; i++) {
        const char *e = list[i]->d_name;
        if (strcmp(e, ".") != 0 && strcmp(e, "..") != 0) {
            size_t len = plen + strlen(e) + 2;
            char *sub = malloc(len);
            if (sub) {
                snprintf(sub, len, "%s%s%s", path, plen && path[plen - 1] == '/' ? "" : "/", e);
                cr_walk(sub, fn, arg);
                free(sub);
            } else {
                fn(arg, e, ENOMEM);
            }
        }
        free(list[i]);
    }
    free(list);
}

void cr_walk_list(FILE *f, cr_walk_fn fn, void *arg)
{
    static unsigned char chunk[1 << 16];
    char *path = NULL;
    size_t len = 0, cap = 0, n;
    int sep = -1;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (sep < 0)
            sep = memchr(chunk, 0, n) ? 0 : '\n';
        for (size_t i = 0; i < n; i++) {
            if (chunk[i] != sep) {
                if (len + 1 >= cap) {
                    char *p = realloc(path, cap = cap ? 2 * cap : 256);
                    if (!p) {
                        free(path);
                        return;
                    }
                    path = p;
                }
                path[len++] = (char)chunk[i];
            } else if (len > 0) {
                path[len] = 0;
                cr_walk(path, fn, arg);
                len = 0;
            }
        }
    }
    if (len > 0) {
        path[len] = 0;
        cr_walk(path, fn, arg);
    }
    free(path);
}
