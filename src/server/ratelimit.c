/*
 * Per-credential request rate limit: a token bucket per key (a token's or
 * a client address's hash). Buckets live in a fixed table of shards, each
 * with its own lock, so memory is bounded whatever the number of keys: a
 * key that finds no free slot in its probe window takes the slot used
 * longest ago (that key's bucket restarts full, which only errs towards
 * allowing).
 */
#include "server.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS 16
#define SLOTS 1024   /* per shard */
#define PROBE 8

typedef struct bucket {
    unsigned char key[32];
    double tokens;
    uint64_t last_us;    /* 0: free slot */
} bucket;

typedef struct shard {
    pthread_mutex_t mu;
    bucket slots[SLOTS];
} shard;

struct srv_limiter {
    double rate, burst;
    shard shards[SHARDS];
};

srv_limiter *srv_limiter_new(double rate, double burst)
{
    srv_limiter *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->rate = rate;
    l->burst = burst < 1 ? 1 : burst;
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_init(&l->shards[i].mu, NULL);
    return l;
}

void srv_limiter_free(srv_limiter *l)
{
    if (!l)
        return;
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_destroy(&l->shards[i].mu);
    free(l);
}

/* The key's bucket in s, or the slot to reuse for it (reset). */
static bucket *find(shard *s, const unsigned char key[32], size_t h,
                    double burst)
{
    bucket *victim = NULL;
    for (size_t i = 0; i < PROBE; i++) {
        bucket *b = &s->slots[(h + i) % SLOTS];
        if (b->last_us && !memcmp(b->key, key, 32))
            return b;
        if (!victim || b->last_us < victim->last_us)
            victim = b;
    }
    memcpy(victim->key, key, 32);
    victim->tokens = burst;
    victim->last_us = 0;
    return victim;
}

unsigned srv_limiter_take(srv_limiter *l, const unsigned char key[32],
                          uint64_t now_us)
{
    if (!l || l->rate <= 0)
        return 0;
    size_t h;
    memcpy(&h, key, sizeof h);   /* keys are hashes: any bytes spread well */
    shard *s = &l->shards[key[31] % SHARDS];
    pthread_mutex_lock(&s->mu);
    bucket *b = find(s, key, h, l->burst);
    if (b->last_us && now_us > b->last_us)
        b->tokens += (double)(now_us - b->last_us) / 1e6 * l->rate;
    if (b->tokens > l->burst)
        b->tokens = l->burst;
    b->last_us = now_us ? now_us : 1;
    unsigned wait = 0;
    if (b->tokens >= 1)
        b->tokens -= 1;
    else
        wait = (unsigned)((1 - b->tokens) / l->rate) + 1;   /* whole seconds, rounded up */
    pthread_mutex_unlock(&s->mu);
    return wait;
}
