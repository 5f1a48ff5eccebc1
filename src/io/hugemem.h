/* Private to the edges: big buffers on transparent huge pages. */
#ifndef KS_HUGEMEM_H
#define KS_HUGEMEM_H

#include <stddef.h>

/* A buffer of n bytes, 64-byte aligned; of 1 MiB or more it is mapped
 * on 2 MiB pages where the kernel allows. Freed by ks_huge_free(). */
void *ks_huge_alloc(size_t n);
void ks_huge_free(void *p);

/* Process-wide: Vectorscan's databases on huge pages. Call once, first
 * thing in main(). */
void ks_mem_tune(void);

/* For a command that streams a big input and then exits: freed memory is
 * kept for reuse instead of handed back to the kernel and faulted in
 * again (not for the server, which should give memory back). */
void ks_mem_keep_freed(void);

#endif
