/* Big buffers for the edges (src/io/hugemem.c), and Vectorscan databases
 * allocated through them. */
#include "kt.h"
#include "../../src/io/hugemem.h"

#include <hs/hs.h>
#include <stdint.h>
#include <string.h>

static void check_buffer(size_t n)
{
    unsigned char *p = ks_huge_alloc(n);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 64, 0);
    memset(p, 0xA5, n);         /* all of it writable (ASan checks) */
    assert_int_equal(p[n - 1], 0xA5);
    ks_huge_free(p);
}

static void sizes(void **state)
{
    (void)state;
    check_buffer(1);
    check_buffer(4096);
    check_buffer((1 << 20) - 1);   /* the largest from malloc */
    check_buffer(1 << 20);         /* the smallest mapped */
    check_buffer((2 << 20) - 64);  /* head and data fill one huge page */
    check_buffer((2 << 20) - 63);  /* one byte into a second */
    check_buffer(5u << 20);
    ks_huge_free(NULL);
    assert_null(ks_huge_alloc(SIZE_MAX - 8));
}

static int count(unsigned id, unsigned long long from, unsigned long long to,
                 unsigned flags, void *ctx)
{
    (void)id, (void)from, (void)to, (void)flags;
    ++*(int *)ctx;
    return 0;
}

/* A database compiled, serialised and deserialised with the allocator
 * set still scans, and frees through it. */
static void vectorscan_databases(void **state)
{
    (void)state;
    ks_mem_tune();
    hs_database_t *db = NULL, *back = NULL;
    hs_compile_error_t *err = NULL;
    assert_int_equal(hs_compile("ab.{0,3}cd", 0, HS_MODE_BLOCK, NULL, &db,
                                &err), HS_SUCCESS);
    char *bytes = NULL;
    size_t len = 0;
    assert_int_equal(hs_serialize_database(db, &bytes, &len), HS_SUCCESS);
    assert_int_equal(hs_deserialize_database(bytes, len, &back), HS_SUCCESS);
    free(bytes);
    hs_scratch_t *s = NULL;
    assert_int_equal(hs_alloc_scratch(back, &s), HS_SUCCESS);
    int hits = 0;
    assert_int_equal(hs_scan(back, "xxabzzcdxx", 10, 0, s, count, &hits),
                     HS_SUCCESS);
    assert_int_equal(hits, 1);
    hs_free_scratch(s);
    hs_free_database(back);
    hs_free_database(db);
    hs_set_database_allocator(NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes),
        cmocka_unit_test(vectorscan_databases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
