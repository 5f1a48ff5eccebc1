/* Shared by the fuzz harnesses: libFuzzer's entry points and a check that
 * aborts (so libFuzzer and tests/fuzz/driver.c both keep the input). */
#ifndef KS_FUZZ_COMMON_H
#define KS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed);

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "fuzz: check failed: %s (%s:%d)\n", #cond,     \
                    __FILE__, __LINE__);                                   \
            abort();                                                       \
        }                                                                  \
    } while (0)

/* Writes a line-level mutation back into data: the lines in order, with
 * line `drop` left out, line `dup` twice and `ins` (if not NULL) before
 * line `at`, each ended by '\n'. Frees text, which the lines point into.
 * When the result is empty or longer than max_size, libFuzzer's own
 * mutation is used instead. */
static inline size_t fuzz_join_lines(char *text, char *const *line, size_t nl,
                                     size_t at, size_t drop, size_t dup,
                                     const char *ins, uint8_t *data,
                                     size_t size, size_t max_size)
{
    size_t n = 0;
    int fits = 1;
    char *out = malloc(max_size + 1);
    for (size_t i = 0; out && fits && i < nl; i++) {
        for (int rep = 0; rep < 1 + (i == dup) + (ins && i == at); rep++) {
            const char *l = ins && i == at && rep == 0 ? ins : line[i];
            if (i == drop)
                break;
            size_t ll = strlen(l);
            if (n + ll + 1 > max_size) {
                fits = 0;
                break;
            }
            memcpy(out + n, l, ll);
            n += ll;
            out[n++] = '\n';
        }
    }
    free(text);
    if (!out || !fits || n == 0) {
        free(out);
        return LLVMFuzzerMutate(data, size, max_size);
    }
    memcpy(data, out, n);
    free(out);
    return n;
}

#endif
