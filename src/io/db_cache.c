/*
 * The file cache for compiled Vectorscan databases used by
 * ks_pack_load_dir(): one file per key under the cache directory, written
 * to a temporary name and renamed, so a crash never leaves a torn file
 * under a real key. Every failure is a cache miss.
 *
 * Each edit of a pack compiles new databases (about 10 MB for the
 * shipped one), so the directory is kept under a size (KESU_CACHE_MAX_MB,
 * 512 by default): after a write, the files used least recently go first.
 * A hit refreshes its file's time, since atime is rarely kept.
 */
#include "db_cache.h"
#include "kesu/alloc.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define KS_MAX_DB_FILE (256u << 20)
#define KS_CACHE_MAX_MB 512

static int cache_dir(char *buf, size_t sz)
{
    const char *d = getenv("KESU_CACHE_DIR");
    if (d && !strcmp(d, "off"))
        return -1;
    if (d && *d)
        return snprintf(buf, sz, "%s", d) < (int)sz ? 0 : -1;
    const char *x = getenv("XDG_CACHE_HOME");
    if (x && *x)
        return snprintf(buf, sz, "%s/kesu", x) < (int)sz ? 0 : -1;
    const char *h = getenv("HOME");
    if (h && *h)
        return snprintf(buf, sz, "%s/.cache/kesu", h) < (int)sz ? 0 : -1;
    return -1;
}

/* The file is mapped, not read: no copy, no fresh pages to fault in;
 * and populated, since it is read through at once (a fault per 64 KiB
 * of it costs more than the one call). Entries are only ever replaced
 * by rename(), never rewritten in place, so a mapped one cannot shrink
 * under us. */
static int file_get(void *arg, const char *key, char **data, size_t *len)
{
    (void)arg;
    char dir[PATH_MAX], path[PATH_MAX + 64];
    if (cache_dir(dir, sizeof dir))
        return -1;
    snprintf(path, sizeof path, "%s/%s.hsdb", dir, key);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    int rc = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (size_t)st.st_size <= KS_MAX_DB_FILE) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ,
                       MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (m != MAP_FAILED) {
            *data = m;
            *len = (size_t)st.st_size;
            rc = 0;
            futimens(fd, NULL);     /* recently used: pruned last */
        }
    }
    close(fd);
    return rc;
}

static void file_release(void *arg, char *data, size_t len)
{
    (void)arg;
    munmap(data, len);
}

static void mkdirs(char *dir)
{
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(dir, 0700);
        *p = '/';
    }
    mkdir(dir, 0700);
}

static unsigned long long cache_max_bytes(void)
{
    const char *e = getenv("KESU_CACHE_MAX_MB");
    char *end;
    unsigned long long mb = KS_CACHE_MAX_MB;
    if (e && *e) {
        errno = 0;
        unsigned long long v = strtoull(e, &end, 10);
        if (!errno && !*end && v > 0 && v < (1ull << 40))
            mb = v;
    }
    return mb << 20;
}

typedef struct entry {
    char name[NAME_MAX + 1];
    unsigned long long size;
    struct timespec used;
} entry;

static int by_use(const void *a, const void *b)
{
    const struct timespec *x = &((const entry *)a)->used;
    const struct timespec *y = &((const entry *)b)->used;
    if (x->tv_sec != y->tv_sec)
        return x->tv_sec < y->tv_sec ? -1 : 1;
    return (x->tv_nsec > y->tv_nsec) - (x->tv_nsec < y->tv_nsec);
}

static int is_entry(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".hsdb");
}

/* Lists dir's entries (not `keep`) into *out; returns how many, or -1. */
static long list_entries(const char *dir, const char *keep, entry **out,
                         unsigned long long *total)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    entry *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    char path[PATH_MAX + NAME_MAX + 2];
    while ((de = readdir(d))) {
        struct stat st;
        if (!is_entry(de->d_name) ||
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >=
                (int)sizeof path ||
            stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        *total += (unsigned long long)st.st_size;
        if (!strcmp(de->d_name, keep))
            continue;
        if (ks_grow(&v, &cap, n, sizeof *v, 64)) {
            ks_free(v);
            closedir(d);
            return -1;
        }
        snprintf(v[n].name, sizeof v[n].name, "%s", de->d_name);
        v[n].size = (unsigned long long)st.st_size;
        v[n++].used = st.st_mtim;
    }
    closedir(d);
    *out = v;
    return (long)n;
}

/* Deletes the least recently used entries while the directory holds more
 * than the limit, down to three quarters of it (so one more write does
 * not start it again). A failure leaves the cache as it is. */
static void prune(const char *dir, const char *keep)
{
    unsigned long long max = cache_max_bytes(), total = 0;
    entry *v = NULL;
    long n = list_entries(dir, keep, &v, &total);
    if (n > 0 && total > max) {
        qsort(v, (size_t)n, sizeof *v, by_use);
        char path[PATH_MAX + NAME_MAX + 2];
        for (long i = 0; i < n && total > max / 4 * 3; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, v[i].name);
            if (unlink(path) == 0)
                total -= v[i].size;
        }
    }
    ks_free(v);
}

static void file_put(void *arg, const char *key, const char *data, size_t len)
{
    (void)arg;
    char dir[PATH_MAX], tmp[PATH_MAX + 96], path[PATH_MAX + 64];
    if (cache_dir(dir, sizeof dir))
        return;
    mkdirs(dir);
    snprintf(path, sizeof path, "%s/%s.hsdb", dir, key);
    snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", dir, key, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return;
    int ok = fwrite(data, 1, len, f) == len;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return;
    }
    snprintf(tmp, sizeof tmp, "%s.hsdb", key);
    prune(dir, tmp);
}

const ks_db_cache *ks_file_db_cache(void)
{
    static const ks_db_cache c = {file_get, file_put, NULL, file_release};
    return &c;
}
