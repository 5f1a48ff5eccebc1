/*
 * ks_pack_load_dir(): the I/O edge of pack loading. Reads every
 * DIR/NAME.yaml (and the model, DIR/NAME.tsv) in name order, so overrides
 * in a later file are predictable, and hands the texts to the pure loader.
 */
#include "kesu/alloc.h"
#include "kesu/pack.h"
#include "db_cache.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define KS_MAX_RULE_FILE (16u << 20)

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Rule files, and the n-gram model (*.tsv). */
static int is_pack_file(const char *n)
{
    size_t l = strlen(n);
    return (l > 5 && strcmp(n + l - 5, ".yaml") == 0) ||
           (l > 4 && strcmp(n + l - 4, ".yml") == 0) ||
           (l > 4 && strcmp(n + l - 4, ".tsv") == 0);
}

static int read_file(const char *path, char **out, size_t *len,
                     ks_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ks_diags_add(d, 0, path, "cannot open: %s", strerror(errno));
        return KS_EIO;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = KS_OK;
    for (;;) {
        if (cap - n < 65536) {
            cap = cap ? cap * 2 : 65536;
            char *nb = cap > KS_MAX_RULE_FILE + 65536 ? NULL
                                                      : ks_realloc(buf, cap);
            if (!nb) {
                ks_diags_add(d, 0, path, "rule file larger than 16 MiB");
                rc = KS_ETOOBIG;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                ks_diags_add(d, 0, path, "read error: %s", strerror(errno));
                rc = KS_EIO;
            }
            break;
        }
    }
    fclose(f);
    if (rc) {
        ks_free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return KS_OK;
}

static int list_dir(const char *dir, char ***names, size_t *n, ks_diags *d)
{
    DIR *dp = opendir(dir);
    if (!dp) {
        ks_diags_add(d, 0, dir, "cannot open rule directory: %s",
                     strerror(errno));
        return KS_EIO;
    }
    struct dirent *e;
    char **v = NULL;
    size_t cnt = 0;
    while ((e = readdir(dp))) {
        if (e->d_name[0] == '.' || !is_pack_file(e->d_name))
            continue;
        char **nv = ks_realloc(v, (cnt + 1) * sizeof *nv);
        size_t plen = strlen(dir) + strlen(e->d_name) + 2;
        char *path = nv ? ks_malloc(plen) : NULL;
        if (!path) {
            ks_free(nv ? nv : v);
            closedir(dp);
            return KS_ENOMEM;
        }
        snprintf(path, plen, "%s/%s", dir, e->d_name);
        v = nv;
        v[cnt++] = path;
    }
    closedir(dp);
    if (cnt == 0) {
        ks_diags_add(d, 0, dir, "no *.yaml rule files in this directory");
        ks_free(v);
        return KS_ENOENT;
    }
    qsort(v, cnt, sizeof *v, cmp_str);
    *names = v;
    *n = cnt;
    return KS_OK;
}

int ks_pack_load_dir(const char *dir, ks_pack **out, ks_diags *d)
{
    char **names = NULL;
    size_t n = 0;
    *out = NULL;
    int rc = list_dir(dir, &names, &n, d);
    if (rc)
        return rc;
    ks_source *srcs = ks_calloc(n, sizeof *srcs);
    if (!srcs)
        rc = KS_ENOMEM;
    for (size_t i = 0; rc == KS_OK && i < n; i++) {
        char *text;
        size_t len;
        rc = read_file(names[i], &text, &len, d);
        if (rc == KS_OK)
            srcs[i] = (ks_source){names[i], text, len};
    }
    if (rc == KS_OK)
        rc = ks_pack_load_cached(srcs, n, ks_file_db_cache(), out, d);
    for (size_t i = 0; i < n; i++) {
        if (srcs)
            ks_free((void *)srcs[i].text);
        ks_free(names[i]);
    }
    ks_free(srcs);
    ks_free(names);
    return rc;
}
