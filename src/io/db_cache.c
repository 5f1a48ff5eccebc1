/*
 * The file cache for compiled Vectorscan databases used by
 * ks_pack_load_dir(): one file per key under the cache directory, written
 * to a temporary name and renamed, so a crash never leaves a torn file
 * under a real key. Every failure is a cache miss.
 */
#include "db_cache.h"
#include "kesu/alloc.h"

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

/* The file is mapped, not read: no copy, no fresh pages to fault in.
 * Entries are only ever replaced by rename(), never rewritten in place,
 * so a mapped one cannot shrink under us. */
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
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            *data = m;
            *len = (size_t)st.st_size;
            rc = 0;
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
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
}

const ks_db_cache *ks_file_db_cache(void)
{
    static const ks_db_cache c = {file_get, file_put, NULL, file_release};
    return &c;
}
