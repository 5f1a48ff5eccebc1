/* The harnesses' mutators share one small PRNG (xorshift64), seeded by
 * each mutator from libFuzzer's seed, so a run is reproducible. */
#ifndef KS_FUZZ_RNG_H
#define KS_FUZZ_RNG_H

#include <stdint.h>

static uint64_t g_mut_rng;

static unsigned rnd_below(unsigned n)
{
    g_mut_rng ^= g_mut_rng << 13;
    g_mut_rng ^= g_mut_rng >> 7;
    g_mut_rng ^= g_mut_rng << 17;
    return n ? (unsigned)(g_mut_rng % n) : 0;
}

#endif
