/*
 * Parallel `kesu qa --format jsonl`: the main thread reads lines into
 * batches and writes finished batches in input order; worker threads, one
 * scanner each, judge whole batches into private output and error
 * buffers. A ring of batches bounds memory whatever the input size.
 *
 * A line too long to keep is stored in its batch as a one-byte marker so
 * its error is reported in order with the others.
 */
#include "qa_stream.h"
#include "report.h"
#include "../io/lines.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_BYTES (1u << 20)
#define BATCH_LINES 4096
#define TOO_LONG '\x01'

enum { FREE, FILLED, WORKING, DONE };

typedef struct batch {
    char *data;                 /* lines, each ended by '\n' */
    size_t len, cap;
    size_t first_line;          /* number of the batch's first line */
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

static void judge_batch(pool *pl, batch *b, ks_scanner *sc, ks_conv_buf *cb,
                        ks_result *res)
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
    size_t lineno = b->first_line;
    for (size_t i = 0; i < b->len; lineno++) {
        char *nl = memchr(b->data + i, '\n', b->len - i);
        size_t n = (size_t)(nl - (b->data + i));
        const char *line = b->data + i;
        i += n + 1;
        if (n == 1 && line[0] == TOO_LONG) {
            ks_qa_report_too_long(err, pl->name, lineno, pl->max_line, &b->st);
            continue;
        }
        b->st.bytes += n + 1;
        if (ks_qa_blank(line, n))
            continue;
        b->st.lines++;
        ks_qa_judge_line(pl->name, lineno, line, n, sc, cb, res, on_jsonl, out,
                         err, &b->st);
    }
    fclose(out);
    fclose(err);
}

static void *worker(void *arg)
{
    pool *pl = arg;
    ks_scanner *sc = NULL;
    ks_result res = {0};
    ks_conv_buf cb = {0};
    if (ks_scanner_new(pl->pack, &sc)) {
        pthread_mutex_lock(&pl->mu);
        pl->failed = 1;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
        return NULL;
    }
    ks_scanner_timing(sc, ks_qa_timing_on, NULL);
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        batch *b = &pl->ring[pl->next_work % pl->nring];
        if (b->state == FILLED) {
            pl->next_work++;
            b->state = WORKING;
            pthread_mutex_unlock(&pl->mu);
            judge_batch(pl, b, sc, &cb, &res);
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
    ks_result_free(&res);
    ks_conv_buf_free(&cb);
    ks_scanner_free(sc);
    ks_qa_timing *ret = malloc(sizeof *ret);
    if (ret)
        *ret = t;
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

static int append(batch *b, const char *line, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : BATCH_BYTES;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, line, len);
    b->data[b->len + len] = '\n';
    b->len += len + 1;
    return 0;
}

static void publish(pool *pl, batch *b)
{
    pthread_mutex_lock(&pl->mu);
    b->state = FILLED;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
}

/* Reads the input into batches; returns -1 on a read error. */
static int produce(pool *pl, ks_linereader *lr, size_t *next_write,
                   ks_stream_stats *st)
{
    size_t next_fill = 0, nlines = 0;
    batch *b = NULL;
    const char *line;
    size_t len;
    int too_long, r;
    while ((r = ks_lr_next(lr, &line, &len, &too_long)) == 1) {
        if (!b) {
            if (next_fill - *next_write == pl->nring &&
                write_oldest(pl, next_write, st))
                return -1;
            b = &pl->ring[next_fill % pl->nring];
            b->first_line = lr->lineno;
            nlines = 0;
        }
        if (too_long ? append(b, "\x01", 1) : append(b, line, len)) {
            pl->failed = 1;
            return -1;
        }
        if (++nlines == BATCH_LINES || b->len >= BATCH_BYTES) {
            publish(pl, b);
            next_fill++;
            b = NULL;
        }
    }
    if (b) {
        publish(pl, b);
        next_fill++;
    }
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
    ks_linereader lr;
    int rc = -1, started = 0;
    uint64_t t0 = ks_qa_now_ns();
    pthread_mutex_init(&pl.mu, NULL);
    pthread_cond_init(&pl.cv, NULL);
    if (pl.ring && tids && !ks_lr_open(&lr, f, max_line)) {
        for (; started < threads; started++)
            if (pthread_create(&tids[started], NULL, worker, &pl))
                break;
        size_t next_write = 0;
        rc = started ? produce(&pl, &lr, &next_write, st) : -1;
        if (rc && lr.err)
            fprintf(stderr, "%s:%zu: error: read failed: %s\n", pl.name,
                    lr.lineno + 1, strerror(lr.err));
        ks_lr_close(&lr);
    }
    pthread_mutex_lock(&pl.mu);
    pl.eof = 1;
    pthread_cond_broadcast(&pl.cv);
    pthread_mutex_unlock(&pl.mu);
    for (int i = 0; i < started; i++) {
        void *ret = NULL;
        pthread_join(tids[i], &ret);
        ks_qa_timing *t = ret;
        if (t) {
            st->engine.normalise_ns += t->normalise_ns;
            st->engine.match_ns += t->match_ns;
            st->engine.rules_ns += t->rules_ns;
            free(t);
        }
    }
    if (pl.failed)
        fprintf(stderr, "kesu: out of memory\n");
    st->total_ns = ks_qa_now_ns() - t0;
    for (size_t i = 0; pl.ring && i < pl.nring; i++) {
        free(pl.ring[i].data);
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
