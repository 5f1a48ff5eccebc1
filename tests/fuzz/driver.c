/*
 * A small stand-in for libFuzzer, so that the harnesses run inside ctest
 * with gcc (and under ASan/UBSan in the sanitizer build):
 *
 *   fuzz_NAME CORPUS_DIR [ITERATIONS [SECONDS [SEED]]]
 *   fuzz_NAME FILE                      replay one input (a crash file)
 *
 * It replays every seed file of CORPUS_DIR (sorted by name), then runs a
 * deterministic mutation loop — xorshift PRNG seeded by SEED (default
 * fixed), byte flips, inserts of random bytes and of format tokens,
 * deletions, duplications, truncation and splices of two seeds — for
 * ITERATIONS inputs (default 3000) or SECONDS seconds (default 60),
 * whichever ends first. A harness that defines LLVMFuzzerCustomMutator
 * (libFuzzer's hook) mutates its own inputs and may call back the
 * driver's mutations through LLVMFuzzerMutate. If the harness aborts or a
 * sanitizer reports an error, the input is written to
 * ./crash-NAME-seedN.bin or ./crash-NAME-iterN.bin for replay.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* A harness may define libFuzzer's custom mutator; it may call
 * LLVMFuzzerMutate, which this driver provides (its own mutations). */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed) __attribute__((weak));
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

/* Set by ASan/UBSan when linked in; absent (NULL) otherwise. */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

#define DRIVER_MAX_INPUT (1u << 20)

typedef struct buf {
    uint8_t *p;
    size_t n;
} buf;

static const char *g_name = "fuzz";
static const uint8_t *g_cur;
static size_t g_cur_n;
static char g_label[64] = "input";   /* "seed3", "iter1234" */

/* Writes the current input next to the working directory; only
 * async-signal-safe calls. */
static void dump_current(void)
{
    if (!g_cur)
        return;
    char path[256];
    snprintf(path, sizeof path, "crash-%s-%s.bin", g_name, g_label);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        ssize_t w = write(fd, g_cur, g_cur_n);
        (void)w;
        close(fd);
    }
    static const char msg[] = "driver: failing input written to ";
    ssize_t w = write(2, msg, sizeof msg - 1);
    w = write(2, path, strlen(path));
    w = write(2, "\n", 1);
    (void)w;
}

static void on_signal(int sig)
{
    dump_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void run(const uint8_t *p, size_t n)
{
    g_cur = p;
    g_cur_n = n;
    LLVMFuzzerTestOneInput(p, n);
    g_cur = NULL;
}

static int read_file(const char *path, buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    out->p = malloc(DRIVER_MAX_INPUT);
    out->n = out->p ? fread(out->p, 1, DRIVER_MAX_INPUT, f) : 0;
    fclose(f);
    return out->p ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t load_dir(const char *dir, buf **out)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    buf *bufs = calloc(n ? n : 1, sizeof *bufs);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) &&
            read_file(names[i], &bufs[k]) == 0)
            k++;
        free(names[i]);
    }
    free(names);
    *out = bufs;
    return k;
}

static uint64_t g_rng;

static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static size_t below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

/* Tokens of the three input languages (JSON, YAML rule files, UTF-8
 * text) that random bytes rarely produce. */
static const char *const tokens[] = {
    "{", "}", "[", "]", ":", ",", "\"", "\\", "\\u0000", "\\ud800",
    "\\u6dd8", "null", "true", "false", "-1", "1e999", "0.5",
    "\"id\":", "\"messages\":", "\"from\":", "\"text\":", "\"at\":",
    "\"event\":", "\"order\":", "\"agent\"", "\"customer\"", "\"system\"",
    "\"end\"", "\"2024-06-05T10:00:00+08:00\"", "\"2024-02-30T10:00:00Z\"",
    "- ", "\n", "\n  ", "\n    - ", ": ", "- list: ", "- rule: ",
    "- condition: ", "words: ", "regex: ", "except: ", "steps:", "by: ",
    "has: ", "has_all: ", "lacks: ", "absent: true", "next: true",
    "dir: before", "evidence: true", "within: {turns: 2}",
    "within: {seconds: 60}", "reply_delay_over: 180", "use: ", "code: ",
    "level: A", "advice: ", "examples:", "fires: true", "chat:",
    "unless_category: [food]", "risk: critical", "cause: product", "&a ",
    "*a", "!!str ", "---\n", "? ", "|\n", ">-\n", "#", "[淘桃]", "[]",
    "淘", "宝", "寶", "京东", "北京东路", "ＶＸ", "tb", "TB", "1TB", "315",
    " ", ".", "*", "·", "\xe3\x80\x80", "\xe2\x80\x8b", "\xef\xbb\xbf",
    "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf0\x9f\x98\x80",
    "\xe6\xb7", "\xff", "\r\n", "\t", "\x00",
};

static size_t mutate(uint8_t *d, size_t n, size_t cap, const buf *seeds,
                     size_t nseeds)
{
    switch (below(8)) {
    case 0: /* flip a bit */
        if (n)
            d[below(n)] ^= (uint8_t)(1u << below(8));
        break;
    case 1: /* set a random byte */
        if (n)
            d[below(n)] = (uint8_t)rnd();
        break;
    case 2: /* insert a random byte */
        if (n < cap) {
            size_t at = below(n + 1);
            memmove(d + at + 1, d + at, n - at);
            d[at] = (uint8_t)rnd();
            n++;
        }
        break;
    case 3: /* insert a token */
    case 4: {
        const char *t = tokens[below(sizeof tokens / sizeof tokens[0])];
        size_t tl = t[0] ? strlen(t) : 1, at = below(n + 1);
        if (n + tl <= cap) {
            memmove(d + at + tl, d + at, n - at);
            memcpy(d + at, t, tl);
            n += tl;
        }
        break;
    }
    case 5: /* delete a range */
        if (n) {
            size_t at = below(n), len = 1 + below(n - at < 16 ? n - at : 16);
            memmove(d + at, d + at + len, n - at - len);
            n -= len;
        }
        break;
    case 6: /* duplicate a range, or truncate */
        if (n && rnd() % 2) {
            size_t at = below(n), len = 1 + below(n - at < 64 ? n - at : 64);
            if (n + len <= cap) {
                size_t to = below(n + 1);
                uint8_t tmp[64];
                memcpy(tmp, d + at, len);
                memmove(d + to + len, d + to, n - to);
                memcpy(d + to, tmp, len);
                n += len;
            }
        } else {
            n = below(n + 1);
        }
        break;
    case 7: /* splice: our head, another seed's tail */
        if (nseeds) {
            const buf *o = &seeds[below(nseeds)];
            size_t head = below(n + 1), from = below(o->n + 1);
            size_t len = o->n - from;
            if (head + len > cap)
                len = cap - head;
            memcpy(d + head, o->p + from, len);
            n = head + len;
        }
        break;
    }
    return n;
}

static const buf *g_seeds;
static size_t g_nseeds;

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size)
{
    int k = 1 + (int)below(2);
    while (k--)
        size = mutate(data, size, max_size, g_seeds, g_nseeds);
    return size;
}

int main(int argc, char **argv)
{
    const char *slash = strrchr(argv[0], '/');
    g_name = slash ? slash + 1 : argv[0];
    if (!strncmp(g_name, "fuzz_", 5))
        g_name += 5;
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR [ITERATIONS [SECONDS [SEED]]]\n"
                        "       %s FILE\n", argv[0], argv[0]);
        return 2;
    }
    signal(SIGABRT, on_signal);
    signal(SIGSEGV, on_signal);
    signal(SIGBUS, on_signal);
    signal(SIGFPE, on_signal);
    signal(SIGILL, on_signal);
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(dump_current);

    struct stat st;
    if (stat(argv[1], &st) == 0 && S_ISREG(st.st_mode)) {
        buf b;
        if (read_file(argv[1], &b)) {
            perror(argv[1]);
            return 2;
        }
        run(b.p, b.n);
        printf("%s: replayed %s (%zu bytes): ok\n", g_name, argv[1], b.n);
        free(b.p);
        return 0;
    }
    long iterations = argc > 2 ? atol(argv[2]) : 3000;
    double seconds = argc > 3 ? atof(argv[3]) : 60;
    g_rng = argc > 4 ? strtoull(argv[4], NULL, 0) : 0x6b657375ull;
    if (!g_rng)
        g_rng = 1;

    buf *seeds;
    size_t nseeds = load_dir(argv[1], &seeds);
    if (nseeds == 0) {
        fprintf(stderr, "%s: no seed files in %s\n", g_name, argv[1]);
        return 2;
    }
    g_seeds = seeds;
    g_nseeds = nseeds;
    for (size_t i = 0; i < nseeds; i++) {
        snprintf(g_label, sizeof g_label, "seed%zu", i);
        run(seeds[i].p, seeds[i].n);
    }

    /* the inputs are kept small: the harnesses are not about size */
    size_t cap = 1u << 16;
    uint8_t *cur = malloc(cap);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long i;
    double elapsed = 0;
    for (i = 0; i < iterations; i++) {
        const buf *s = &seeds[below(nseeds)];
        size_t n = s->n < cap ? s->n : cap;
        memcpy(cur, s->p, n);
        if (LLVMFuzzerCustomMutator) {
            n = LLVMFuzzerCustomMutator(cur, n, cap, (unsigned)rnd());
        } else {
            int k = 1 + (int)below(4);
            while (k--)
                n = mutate(cur, n, cap, seeds, nseeds);
        }
        snprintf(g_label, sizeof g_label, "iter%ld", i);
        run(cur, n);
        if ((i & 63) == 0) {
            clock_gettime(CLOCK_MONOTONIC, &t1);
            elapsed = (double)(t1.tv_sec - t0.tv_sec) +
                      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
            if (elapsed > seconds)
                break;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    elapsed = (double)(t1.tv_sec - t0.tv_sec) +
              (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%s: %zu seeds, %ld mutated inputs in %.1f s: ok\n", g_name,
           nseeds, i < iterations ? i + 1 : i, elapsed);
    free(cur);
    for (size_t k = 0; k < nseeds; k++)
        free(seeds[k].p);
    free(seeds);
    return 0;
}
