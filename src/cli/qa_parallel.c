/*
 * Parallel `kesu qa --format jsonl`: the main thread reads the input in
 * big blocks straight into batches, cut after a batch's last '\n' (the
 * rest starts the next batch), counts their lines and writes finished
 * batches in input order; worker threads, one scanner each, split their
 * batch into lines, parse and judge them into private output and error
 * buffers. A ring of batches bounds memory whatever the input size.
 *
 * A line longer than --max-line whose end is not in sight is skipped by
 * the reader without being kept: it stands alone in a batch of no bytes
 * marked too_long, so its error is reported in order with the others.
 */
#include "qa_stream.h"
#include "report.h"
#include "../io/hugemem.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH_BYTES (1u << 20)

enum { FREE, FILLED, WORKING, DONE };

typedef struct batch {
    char *data;                 /* whole input lines; only the input's
                                   last line may lack its '\n' */
    size_t len, cap;
    size_t first_line;          /* number of the batch's first line */
    int too_long;               /* len == 0: line first_line is too long */
    char *out, *err;            /* results (open_memstream buffers) */
    size_t outlen, errlen;
    ks_stream_stats st;
    int state;
} batch;

typedef struct pool {
    const ks_pack *pack;
    const char *name;
    size_t max_line;
    batch *ring;
    size_t nring;
    size_t next_work;           /* next batch for a worker */
    int eof;
    int failed;                 /* a worker could not allocate */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} pool;

static void on_jsonl(void *arg, const ks_conv *c, const ks_result *r)
{
    ks_report_jsonl(arg, c, r);
}

static void judge_batch(pool *pl, batch *b, ks_scanner *sc, ks_qa_group *g)
{
    FILE *out = open_memstream(&b->out, &b->outlen);
    FILE *err = open_memstream(&b->err, &b->errlen);
    memset(&b->st, 0, sizeof b->st);
    if (!out || !err) {
        if (out)
            fclose(out);
        if (err)
            fclose(err);
        pl->failed = 1;
        return;
    }
    ks_qa_sink sink = {pl->name, sc, on_jsonl, out, err, &b->st};
    size_t lineno = b->first_line;
    if (b->too_long)
        ks_qa_report_too_long(err, pl->name, lineno, pl->max_line, &b->st);
    for (size_t i = 0; i < b->len; lineno++) {
        const char *line = b->data + i;
        char *nl = memchr(line, '\n', b->len - i);
        size_t n = nl ? (size_t)(nl - line) : b->len - i;
        i += n + 1;
        /* as ks_lr_next(): '\r' dropped before '\n', not at the end */
        if (n > pl->max_line) {
            ks_qa_group_flush(g, &sink);    /* its error in order */
            ks_qa_report_too_long(err, pl->name, lineno, pl->max_line, &b->st);
            continue;
        }
        if (nl && n && line[n - 1] == '\r')
            n--;
        b->st.bytes += n + 1;
        if (ks_qa_blank(line, n))
            continue;
        b->st.lines++;
        ks_qa_group_add(g, &sink, lineno, line, n);
    }
    ks_qa_group_flush(g, &sink);
    fclose(out);
    fclose(err);
}

typedef struct worker_ret {
    ks_qa_timing t;
    uint64_t cpu_ns;
} worker_ret;

static void *worker(void *arg)
{
    pool *pl = arg;
    ks_scanner *sc = NULL;
    ks_qa_group *g = ks_qa_group_new();
    if (!g || ks_scanner_new(pl->pack, &sc)) {
        ks_qa_group_free(g);
        pthread_mutex_lock(&pl->mu);
        pl->failed = 1;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
        return NULL;
    }
    ks_scanner_timing(sc, ks_qa_timing_on, NULL);
    ks_scanner_model(sc, !ks_qa_no_model);
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        batch *b = &pl->ring[pl->next_work % pl->nring];
        if (b->state == FILLED) {
            pl->next_work++;
            b->state = WORKING;
            pthread_mutex_unlock(&pl->mu);
            judge_batch(pl, b, sc, g);
            pthread_mutex_lock(&pl->mu);
            b->state = DONE;
            pthread_cond_broadcast(&pl->cv);
            continue;
        }
        if (pl->eof || pl->failed)
            break;
        pthread_cond_wait(&pl->cv, &pl->mu);
    }
    pthread_mutex_unlock(&pl->mu);
    /* this thread's stage times go back through pthread_join */
    ks_qa_timing t;
    ks_scanner_timing(sc, 0, &t);
    uint64_t cpu = ks_qa_thread_cpu_ns();
    ks_qa_group_free(g);
    ks_scanner_free(sc);
    worker_ret *ret = malloc(sizeof *ret);
    if (ret) {
        ret->t = t;
        ret->cpu_ns = cpu;
    }
    return ret;
}

static void merge(ks_stream_stats *st, const ks_stream_stats *b)
{
    st->lines += b->lines;
    st->convs += b->convs;
    st->bad += b->bad;
    st->bytes += b->bytes;
    st->parse_ns += b->parse_ns;
    st->output_ns += b->output_ns;
}

/* Waits for the oldest batch, writes it out and frees its slot. */
static int write_oldest(pool *pl, size_t *next_write, ks_stream_stats *st)
{
    batch *b = &pl->ring[*next_write % pl->nring];
    pthread_mutex_lock(&pl->mu);
    while (b->state != DONE && !pl->failed)
        pthread_cond_wait(&pl->cv, &pl->mu);
    int failed = pl->failed;
    pthread_mutex_unlock(&pl->mu);
    if (failed)
        return -1;
    fwrite(b->err, 1, b->errlen, stderr);
    fwrite(b->out, 1, b->outlen, stdout);
    merge(st, &b->st);
    free(b->out);
    free(b->err);
    b->out = b->err = NULL;
    b->len = 0;
    pthread_mutex_lock(&pl->mu);
    b->state = FREE;
    pthread_mutex_unlock(&pl->mu);
    (*next_write)++;
    return 0;
}

static void publish(pool *pl, batch *b)
{
    pthread_mutex_lock(&pl->mu);
    b->state = FILLED;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
}

/* Batches are megabytes, filled once per cycle of the ring: on huge
 * pages (hugemem.c) their first fill costs a few page faults, not
 * thousands. */
static int grow_to(batch *b, size_t cap)
{
    if (b->cap >= cap)
        return 0;
    char *d = ks_huge_alloc(cap);
    if (!d)
        return -1;
    if (b->len)
        memcpy(d, b->data, b->len);
    ks_huge_free(b->data);
    b->data = d;
    b->cap = cap;
    return 0;
}

typedef struct reader {
    int fd;
    int eof;
    int err;                    /* errno of a read error */
    size_t lineno;              /* number of the next batch's first line */
    char *carry;                /* read past the last batch's last '\n' */
    size_t ncarry, capcarry;
} reader;

/* Reads into b->data[b->len..] until b->len reaches want or the input
 * ends; returns -1 on a read error. */
static int fill(reader *rd, batch *b, size_t want)
{
    if (want > b->cap)
        want = b->cap;
    while (!rd->eof && b->len < want) {
        ssize_t got = read(rd->fd, b->data + b->len, want - b->len);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            rd->err = errno;
            return -1;
        }
        if (got == 0)
            rd->eof = 1;
        b->len += (size_t)got;
    }
    return 0;
}

static char *last_nl(char *s, size_t n)
{
    for (char *p = s + n; p > s; p--)
        if (p[-1] == '\n')
            return p - 1;
    return NULL;
}

static size_t count_lines(const char *s, size_t n)
{
    size_t k = 0;
    for (const char *e = s + n; (s = memchr(s, '\n', (size_t)(e - s))); s++)
        k++;
    return k;
}

/* Keeps what follows the batch's last whole line (b->data[keep..len))
 * for the next batch. */
static int keep_carry(reader *rd, const batch *b, size_t keep)
{
    rd->ncarry = b->len - keep;
    if (rd->ncarry > rd->capcarry) {
        char *c = realloc(rd->carry, rd->ncarry);
        if (!c)
            return -1;
        rd->carry = c;
        rd->capcarry = rd->ncarry;
    }
    if (rd->ncarry)
        memcpy(rd->carry, b->data + keep, rd->ncarry);
    return 0;
}

/* Fills batch b with whole lines (or one too-long line, not kept);
 * returns 1 with a batch, 0 at the end of input, -1 on a read error or
 * out of memory. */
static int fill_batch(pool *pl, reader *rd, batch *b)
{
    b->len = 0;
    b->too_long = 0;
    b->first_line = rd->lineno;
    /* one size for every batch, so buffers are not reallocated (and their
     * pages faulted in again) as the carried bytes vary */
    if (grow_to(b, rd->ncarry > BATCH_BYTES ? rd->ncarry + BATCH_BYTES
                                            : 2 * BATCH_BYTES))
        return -1;
    if (rd->ncarry)
        memcpy(b->data, rd->carry, rd->ncarry);
    b->len = rd->ncarry;
    rd->ncarry = 0;
    size_t scanned = 0;         /* b->data[0..scanned) holds no '\n' */
    for (;;) {
        if (fill(rd, b, scanned + BATCH_BYTES) < 0) {
            rd->lineno += count_lines(b->data, b->len);
            return -1;
        }
        char *nl = last_nl(b->data + scanned, b->len - scanned);
        if (nl && !rd->eof) {
            size_t keep = (size_t)(nl - b->data) + 1;
            if (keep_carry(rd, b, keep))
                return -1;
            b->len = keep;
            rd->lineno += count_lines(b->data, b->len);
            return 1;
        }
        if (rd->eof) {
            rd->lineno += count_lines(b->data, b->len) + 1;
            return b->len > 0;
        }
        /* one line, its end not yet read */
        scanned = b->len;
        if (scanned > pl->max_line)
            break;
        if (grow_to(b, b->len + b->len / 2 + BATCH_BYTES))
            return -1;
    }
    /* too long: skip through its '\n', keep what follows */
    b->too_long = 1;
    rd->lineno++;
    for (;;) {
        b->len = 0;
        if (fill(rd, b, 1) < 0)
            return -1;
        char *nl = memchr(b->data, '\n', b->len);
        if (nl) {
            size_t keep = (size_t)(nl - b->data) + 1;
            if (keep_carry(rd, b, keep))
                return -1;
            break;
        }
        if (rd->eof)
            break;
    }
    b->len = 0;
    return 1;
}

/* Reads the input into batches; returns -1 on a read error. */
static int produce(pool *pl, reader *rd, size_t *next_write,
                   ks_stream_stats *st)
{
    size_t next_fill = 0;
    int r;
    for (;;) {
        if (next_fill - *next_write == pl->nring &&
            write_oldest(pl, next_write, st))
            return -1;
        batch *b = &pl->ring[next_fill % pl->nring];
        if ((r = fill_batch(pl, rd, b)) <= 0)
            break;
        publish(pl, b);
        next_fill++;
    }
    if (r < 0 && !rd->err)
        pl->failed = 1;
    while (*next_write < next_fill)
        if (write_oldest(pl, next_write, st))
            return -1;
    return r < 0 ? -1 : 0;
}

int ks_qa_stream_jsonl_parallel(const char *path, const ks_pack *p,
                                size_t max_line, int threads,
                                ks_stream_stats *st)
{
    int is_stdin = !strcmp(path, "-");
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    memset(st, 0, sizeof *st);
    if (!f) {
        fprintf(stderr, "kesu: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    pool pl = {.pack = p, .name = is_stdin ? "<stdin>" : path,
               .max_line = max_line, .nring = (size_t)threads * 4};
    pl.ring = calloc(pl.nring, sizeof *pl.ring);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    reader rd = {.fd = fileno(f), .lineno = 1};
    int rc = -1, started = 0;
    uint64_t t0 = ks_qa_now_ns(), cpu0 = ks_qa_thread_cpu_ns();
    pthread_mutex_init(&pl.mu, NULL);
    pthread_cond_init(&pl.cv, NULL);
    if (pl.ring && tids) {
        for (; started < threads; started++)
            if (pthread_create(&tids[started], NULL, worker, &pl))
                break;
        size_t next_write = 0;
        rc = started ? produce(&pl, &rd, &next_write, st) : -1;
        if (rc && rd.err)
            fprintf(stderr, "%s:%zu: error: read failed: %s\n", pl.name,
                    rd.lineno, strerror(rd.err));
    }
    free(rd.carry);
    pthread_mutex_lock(&pl.mu);
    pl.eof = 1;
    pthread_cond_broadcast(&pl.cv);
    pthread_mutex_unlock(&pl.mu);
    for (int i = 0; i < started; i++) {
        void *ret = NULL;
        pthread_join(tids[i], &ret);
        worker_ret *w = ret;
        if (w) {
            st->engine.normalise_ns += w->t.normalise_ns;
            st->engine.hits_ns += w->t.hits_ns;
            st->engine.match_ns += w->t.match_ns;
            st->engine.rules_ns += w->t.rules_ns;
            if (i < 8)
                st->worker_cpu_ns[i] = w->cpu_ns;
            free(w);
        }
    }
    st->nworkers = started;
    st->reader_cpu_ns = ks_qa_thread_cpu_ns() - cpu0;
    if (pl.failed)
        fprintf(stderr, "kesu: out of memory\n");
    st->total_ns = ks_qa_now_ns() - t0;
    for (size_t i = 0; pl.ring && i < pl.nring; i++) {
        ks_huge_free(pl.ring[i].data);
        free(pl.ring[i].out);
        free(pl.ring[i].err);
    }
    free(pl.ring);
    free(tids);
    pthread_mutex_destroy(&pl.mu);
    pthread_cond_destroy(&pl.cv);
    if (!is_stdin)
        fclose(f);
    return pl.failed ? -1 : rc;
}
