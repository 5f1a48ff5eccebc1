/*
 * The audit hash chain (store.h): each event's hash covers the previous
 * event's hash and every field of the event, so altering, inserting or
 * removing an event breaks the chain from that point on.
 *
 * Hash input (BLAKE2b-256, libsodium crypto_generichash):
 *   prev[32] || seq || case_id || at          (8-byte big-endian each)
 *   || actor || type || data                  (4-byte big-endian length +
 *                                              bytes; NULL as 0xFFFFFFFF)
 * Lengths make the encoding unambiguous ("ab"+"c" differs from "a"+"bc"),
 * and NULL differs from "". The layout is part of the stored data: changing
 * it invalidates every chain already written.
 */
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "kesu/alloc.h"
#include "kesu/store.h"

static pthread_once_t g_sodium_once = PTHREAD_ONCE_INIT;

static void sodium_start(void)
{
    /* Only picks the fastest implementation; hashing works without it,
     * so a failure here is not fatal. */
    int rc = sodium_init();
    (void)rc;
}

static void put_be64(crypto_generichash_state *st, int64_t v)
{
    uint64_t u = (uint64_t)v;
    unsigned char b[8];
    for (int i = 7; i >= 0; i--, u >>= 8)
        b[i] = (unsigned char)(u & 0xff);
    crypto_generichash_update(st, b, sizeof b);
}

static void put_str(crypto_generichash_state *st, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    /* Strings beyond 4 GiB cannot be stored anyway; clamp so the length
     * never collides with the NULL marker. */
    uint32_t len = !s ? 0xFFFFFFFFu : n >= 0xFFFFFFFFu ? 0xFFFFFFFEu
                                                        : (uint32_t)n;
    unsigned char b[4] = {(unsigned char)(len >> 24),
                          (unsigned char)(len >> 16),
                          (unsigned char)(len >> 8), (unsigned char)len};
    crypto_generichash_update(st, b, sizeof b);
    if (s)
        crypto_generichash_update(st, (const unsigned char *)s, len);
}

void ks_audit_hash(const ks_audit *e, unsigned char out[32])
{
    pthread_once(&g_sodium_once, sodium_start);
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, e->prev, sizeof e->prev);
    put_be64(&st, e->seq);
    put_be64(&st, e->case_id);
    put_be64(&st, e->at);
    put_str(&st, e->actor);
    put_str(&st, e->type);
    put_str(&st, e->data);
    crypto_generichash_final(&st, out, 32);
}

void ks_audit_free(ks_audit *e)
{
    if (!e)
        return;
    ks_free(e->actor);
    ks_free(e->type);
    ks_free(e->data);
    e->actor = e->type = e->data = NULL;
}
