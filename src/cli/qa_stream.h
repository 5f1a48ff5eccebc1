/* Private: streaming a JSON Lines file through the QA engine. */
#ifndef KS_QA_STREAM_H
#define KS_QA_STREAM_H

#include <stdint.h>
#include "cli.h"

typedef struct ks_stream_stats {
    size_t lines;        /* non-blank input lines */
    size_t convs;        /* conversations judged */
    size_t bad;          /* lines rejected (reported on stderr) */
    uint64_t bytes;      /* input bytes read */
    uint64_t parse_ns;   /* stage times, when timing is on */
    uint64_t output_ns;
    uint64_t total_ns;
    uint64_t load_ns;    /* loading the rule pack, before the stream */
    ks_qa_timing engine; /* normalise, match, rules */
    /* parallel stream, when timing is on: CPU time of the reader (main)
     * thread and of each worker (at most 8 shown) */
    uint64_t reader_cpu_ns;
    uint64_t worker_cpu_ns[8];
    int nworkers;
} ks_stream_stats;

typedef void (*ks_on_conv)(void *arg, const ks_conv *c, const ks_result *r);

/* Reads path ("-" = stdin), judges every conversation and calls fn in
 * input order. Bad lines are reported on stderr with "path:line" and
 * skipped. Returns 0, or -1 if the input could not be read at all. */
int ks_qa_stream(const char *path, const ks_pack *p, size_t max_line,
                 ks_on_conv fn, void *arg, ks_stream_stats *st);

/* Turns on per-stage timing for the next ks_qa_stream() calls. */
void ks_qa_stream_timing(int on);

/* Like ks_qa_stream() writing SPEC 3.2 JSON Lines to stdout, with
 * `threads` workers; output and errors stay in input order. */
int ks_qa_stream_jsonl_parallel(const char *path, const ks_pack *p,
                                size_t max_line, int threads,
                                ks_stream_stats *st);

/* Shared by the sequential and parallel streams (qa_stream.c). */
extern int ks_qa_timing_on;
extern int ks_qa_no_model;      /* --no-model */
uint64_t ks_qa_now_ns(void);
uint64_t ks_qa_thread_cpu_ns(void);
int ks_qa_blank(const char *s, size_t n);
void ks_qa_judge_line(const char *name, size_t lineno, const char *line,
                      size_t len, ks_scanner *sc, ks_conv_buf *cb,
                      ks_result *res, ks_on_conv fn, void *arg, FILE *err,
                      ks_stream_stats *st);
/* Where a group's verdicts go (qa_group.c). */
typedef struct ks_qa_sink {
    const char *name;           /* input name, for "name:line" */
    ks_scanner *sc;
    ks_on_conv fn;              /* each judged conversation, in order */
    void *arg;
    FILE *err;                  /* errors, in order */
    ks_stream_stats *st;
} ks_qa_sink;

/* Reads a line the fast reader refused with ks_conv_from_json(), which
 * reports what is wrong with it on err as "name:line". Returns 1 with
 * *conv filled (the caller frees it), else 0. */
int ks_qa_read_slow(FILE *err, const char *name, size_t lineno,
                    const char *line, size_t len, ks_conv *conv);

/* A judged conversation to out->fn, or its error (rc) to out->err. */
void ks_qa_deliver(const ks_qa_sink *out, size_t lineno, const ks_conv *c,
                   int rc, const ks_result *res);

/* Lines judged KS_GROUP at a time through ks_qa_many(): add each line
 * (parse errors reported at once), flush at the end. */
#define KS_GROUP 64
#define KS_GROUP_BYTES (256u << 10)
typedef struct ks_qa_group ks_qa_group;
ks_qa_group *ks_qa_group_new(void);
void ks_qa_group_free(ks_qa_group *g);
void ks_qa_group_add(ks_qa_group *g, const ks_qa_sink *out, size_t lineno,
                     const char *line, size_t len);
void ks_qa_group_flush(ks_qa_group *g, const ks_qa_sink *out);

void ks_qa_report_too_long(FILE *err, const char *name, size_t lineno,
                           size_t max_line, ks_stream_stats *st);

/* Prints st's stage breakdown (for --stats) to f. */
void ks_print_stage_stats(FILE *f, const ks_stream_stats *st);

#endif
