/*
 * Why: on the virtual machines shops rent, a first touch of a 4 KiB page
 * costs a trap to the hypervisor (about 15 us here, `perf stat -e
 * page-faults`). Loading the shipped pack deserialises 11 MB of
 * Vectorscan databases into fresh memory, 2,800 faults, about half of
 * kesu's start; the stream's batch buffers are as many again. On 2 MiB
 * pages the same memory is a handful of faults.
 */
#include "hugemem.h"

#include <hs/hs.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

enum { HEAD = 64, HUGE_MIN = 1 << 20 };
#define HUGE_PAGE ((size_t)2 << 20)

typedef struct head {
    void *map;                  /* the mapping, or NULL: from malloc */
    size_t maplen;
} head;

static void *from_malloc(size_t n)
{
    char *b = aligned_alloc(HEAD, (n + 2 * HEAD - 1) / HEAD * HEAD);
    if (!b)
        return NULL;
    *(head *)b = (head){NULL, 0};
    return b + HEAD;
}

/* Maps n + HEAD bytes rounded to whole huge pages, starting on a huge
 * page boundary (mmap only promises 4 KiB, so map one page more and trim
 * both ends). */
static void *from_map(size_t n)
{
    size_t len = (n + HEAD + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    if (len < n)
        return NULL;
    char *m = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    uintptr_t a = ((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    char *b = (char *)a;
    if (b > m)
        munmap(m, (size_t)(b - m));
    if (b + len < m + len + HUGE_PAGE)
        munmap(b + len, (size_t)(m + len + HUGE_PAGE - (b + len)));
#ifdef MADV_HUGEPAGE
    madvise(b, len, MADV_HUGEPAGE);   /* only advice: fine if refused */
#endif
    *(head *)b = (head){b, len};
    return b + HEAD;
}

void *ks_huge_alloc(size_t n)
{
    if (n > SIZE_MAX - 2 * HEAD - HUGE_PAGE)
        return NULL;
    return n >= HUGE_MIN ? from_map(n) : from_malloc(n);
}

void ks_huge_free(void *p)
{
    if (!p)
        return;
    head *h = (head *)((char *)p - HEAD);
    if (h->map)
        munmap(h->map, h->maplen);
    else
        free(h);
}

void ks_mem_tune(void)
{
    hs_set_database_allocator(ks_huge_alloc, ks_huge_free);
}

void ks_mem_keep_freed(void)
{
    /* glibc returns a freed block of 128 KiB or more to the kernel, and
     * a stream frees and allocates such blocks for every batch */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
}
