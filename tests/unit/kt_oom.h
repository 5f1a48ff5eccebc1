/*
 * Allocation failure injection for the cmocka tests (private to
 * tests/unit): install with ks_set_allocator(kt_malloc, kt_realloc,
 * kt_free); set kt_fail_at = N to fail the Nth allocation since
 * kt_calls was reset (and, with kt_sticky, every one after it);
 * kt_live counts allocations not yet freed, so a run can check that a
 * failure leaked nothing.
 */
#ifndef KT_OOM_H
#define KT_OOM_H

#include <stdlib.h>

static long kt_calls;     /* allocations attempted since the last reset */
static long kt_fail_at;   /* 0 = never fail */
static int kt_sticky;     /* fail every call from kt_fail_at on */
static long kt_live;      /* allocations not yet freed */

static inline int kt_should_fail(void)
{
    kt_calls++;
    return kt_fail_at &&
           (kt_calls == kt_fail_at || (kt_sticky && kt_calls > kt_fail_at));
}

static inline void *kt_malloc(size_t n)
{
    if (kt_should_fail())
        return NULL;
    void *p = malloc(n);
    kt_live += p != NULL;
    return p;
}

static inline void *kt_realloc(void *p, size_t n)
{
    if (kt_should_fail())
        return NULL;
    void *q = realloc(p, n);
    kt_live += q && !p;
    return q;
}

static inline void kt_free(void *p)
{
    kt_live -= p != NULL;
    free(p);
}

#endif
