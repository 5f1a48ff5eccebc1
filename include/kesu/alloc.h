/*
 * Allocation hook. All engine allocations go through these three
 * functions, so a program (or a test injecting failures) can replace them.
 */
#ifndef KESU_ALLOC_H
#define KESU_ALLOC_H

#include <stddef.h>
#include "kesu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void *(*ks_malloc_fn)(size_t);
typedef void *(*ks_realloc_fn)(void *, size_t);
typedef void (*ks_free_fn)(void *);

/* Replaces the allocator; pass NULLs to restore the C library's. Call
 * before any other ks_* function, never while engine objects are live. */
KS_API void ks_set_allocator(ks_malloc_fn m, ks_realloc_fn r, ks_free_fn f);

KS_API void *ks_malloc(size_t n);
KS_API void *ks_calloc(size_t n, size_t size);
KS_API void *ks_realloc(void *p, size_t n);
KS_API void ks_free(void *p);
KS_API char *ks_strndup(const char *s, size_t n);

/* Makes room for one more element in a growable array: when *n == *cap,
 * doubles *cap (starting at first) and reallocates *arr. Returns KS_OK or
 * KS_ENOMEM (then *arr and *cap are unchanged). */
KS_API int ks_grow(void *arr, size_t *cap, size_t n, size_t elem,
                   size_t first);
KS_API char *ks_strdup(const char *s);

#ifdef __cplusplus
}
#endif
#endif
