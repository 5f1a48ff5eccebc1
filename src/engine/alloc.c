/* The allocation hook behind include/kesu/alloc.h. */
#include "kesu/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static ks_malloc_fn g_malloc = malloc;
static ks_realloc_fn g_realloc = realloc;
static ks_free_fn g_free = free;

void ks_set_allocator(ks_malloc_fn m, ks_realloc_fn r, ks_free_fn f)
{
    g_malloc = m ? m : malloc;
    g_realloc = r ? r : realloc;
    g_free = f ? f : free;
}

void *ks_malloc(size_t n) { return g_malloc(n ? n : 1); }

void *ks_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t total = n * size;
    void *p = g_malloc(total ? total : 1);
    if (p)
        memset(p, 0, total);
    return p;
}

void *ks_realloc(void *p, size_t n) { return g_realloc(p, n ? n : 1); }

void ks_free(void *p)
{
    if (p)
        g_free(p);
}

char *ks_strndup(const char *s, size_t n)
{
    char *d = ks_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *ks_strdup(const char *s) { return ks_strndup(s, strlen(s)); }

int ks_grow(void *arr, size_t *cap, size_t n, size_t elem, size_t first)
{
    if (n < *cap)
        return KS_OK;
    size_t c = *cap ? *cap * 2 : first;
    if (c < *cap || (elem && c > SIZE_MAX / elem))
        return KS_ENOMEM;
    void **p = arr;
    void *np = ks_realloc(*p, c * elem);
    if (!np)
        return KS_ENOMEM;
    *p = np;
    *cap = c;
    return KS_OK;
}
