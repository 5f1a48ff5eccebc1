/* Streaming QA over JSON Lines (see qa_stream.h). */
#include "qa_stream.h"
#include "../io/lines.h"

#include <errno.h>
#include <string.h>
#include <time.h>

int ks_qa_timing_on;
int ks_qa_no_model;
#define g_timing ks_qa_timing_on

void ks_qa_stream_timing(int on) { g_timing = on; }

uint64_t ks_qa_now_ns(void)
{
    if (!g_timing)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ks_qa_thread_cpu_ns(void)
{
    if (!g_timing)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ks_print_stage_stats(FILE *f, const ks_stream_stats *st)
{
    double total = (double)st->total_ns / 1e9;
    double parse = (double)st->parse_ns / 1e9;
    double norm = (double)st->engine.normalise_ns / 1e9;
    double match = (double)st->engine.match_ns / 1e9;
    double hits = (double)st->engine.hits_ns / 1e9;
    double rules = (double)st->engine.rules_ns / 1e9;
    double out = (double)st->output_ns / 1e9;
    double rest = total - parse - norm - match - hits - rules - out;
    fprintf(f, "stages (s): load rules %.3f, then read+parse %.3f, "
               "normalise %.3f, match %.3f, hits+clock %.3f, rules %.3f, "
               "output %.3f, other %.3f; total %.3f s, "
               "%.1f MB/s, %.0f conversations/s\n",
            (double)st->load_ns / 1e9, parse, norm, match, hits, rules, out,
            rest > 0 ? rest : 0, total,
            total > 0 ? (double)st->bytes / 1048576.0 / total : 0,
            total > 0 ? (double)st->convs / total : 0);
    if (st->nworkers) {
        fprintf(f, "threads (CPU s): reader %.3f, workers",
                (double)st->reader_cpu_ns / 1e9);
        for (int i = 0; i < st->nworkers && i < 8; i++)
            fprintf(f, " %.3f", (double)st->worker_cpu_ns[i] / 1e9);
        fprintf(f, "; wall %.3f\n", total);
    }
}

int ks_qa_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

int ks_qa_read_slow(FILE *err, const char *name, size_t lineno,
                    const char *line, size_t len, ks_conv *conv)
{
    ks_diags d = {0};
    char where[4400];
    snprintf(where, sizeof where, "%s:%zu", name, lineno);
    int rc = ks_conv_from_json(line, len, conv, &d, where);
    size_t nerr = d.errors;
    ks_print_diags(err, &d);
    ks_diags_free(&d);
    if (rc || nerr) {
        if (!rc)
            ks_conv_free(conv);
        return 0;
    }
    return 1;
}

void ks_qa_deliver(const ks_qa_sink *out, size_t lineno, const ks_conv *c,
                   int rc, const ks_result *res)
{
    if (rc) {
        fprintf(out->err, "%s:%zu: error: conversation %s not judged: %s\n",
                out->name, lineno, c->id, ks_strerror(rc));
        out->st->bad++;
        return;
    }
    out->st->convs++;
    uint64_t t1 = ks_qa_now_ns();
    out->fn(out->arg, c, res);
    out->st->output_ns += ks_qa_now_ns() - t1;
}

/* Judges one line: errors to err, the verdict to fn. The fast reader
 * takes the usual line; anything else goes through ks_conv_from_json(),
 * which reports it. */
void ks_qa_judge_line(const char *name, size_t lineno, const char *line,
                      size_t len, ks_scanner *sc, ks_conv_buf *cb,
                      ks_result *res, ks_on_conv fn, void *arg, FILE *err,
                      ks_stream_stats *st)
{
    ks_qa_sink out = {name, sc, fn, arg, err, st};
    ks_conv conv;
    uint64_t t0 = ks_qa_now_ns();
    int owned = ks_conv_from_json_fast(cb, line, len, &conv) != KS_OK;
    int ok = !owned || ks_qa_read_slow(err, name, lineno, line, len, &conv);
    st->parse_ns += ks_qa_now_ns() - t0;
    if (!ok) {
        st->bad++;
        return;
    }
    ks_qa_deliver(&out, lineno, &conv, ks_qa(sc, &conv, res), res);
    if (owned)
        ks_conv_free(&conv);
}

void ks_qa_report_too_long(FILE *err, const char *name, size_t lineno,
                            size_t max_line, ks_stream_stats *st)
{
    st->lines++;
    st->bad++;
    fprintf(err, "%s:%zu: error: line longer than %zu bytes skipped (raise "
                 "--max-line if it is genuine)\n", name, lineno, max_line);
}

int ks_qa_stream(const char *path, const ks_pack *p, size_t max_line,
                 ks_on_conv fn, void *arg, ks_stream_stats *st)
{
    int is_stdin = !strcmp(path, "-");
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    memset(st, 0, sizeof *st);
    if (!f) {
        fprintf(stderr, "kesu: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    ks_linereader lr;
    ks_scanner *sc = NULL;
    ks_qa_group *g = NULL;
    int rc = 0;
    uint64_t start = ks_qa_now_ns();
    if (ks_lr_open(&lr, f, max_line) || ks_scanner_new(p, &sc) ||
        !(g = ks_qa_group_new())) {
        fprintf(stderr, "kesu: out of memory\n");
        rc = -1;
        goto out;
    }
    ks_scanner_timing(sc, g_timing, NULL);
    ks_scanner_model(sc, !ks_qa_no_model);
    ks_qa_sink sink = {name, sc, fn, arg, stderr, st};
    const char *line;
    size_t len;
    int too_long, r;
    while ((r = ks_lr_next(&lr, &line, &len, &too_long)) == 1) {
        if (too_long) {
            ks_qa_group_flush(g, &sink);    /* its error in order */
            ks_qa_report_too_long(stderr, name, lr.lineno, max_line, st);
            continue;
        }
        st->bytes += len + 1;
        if (ks_qa_blank(line, len))
            continue;
        st->lines++;
        ks_qa_group_add(g, &sink, lr.lineno, line, len);
    }
    ks_qa_group_flush(g, &sink);
    if (r < 0) {
        fprintf(stderr, "%s:%zu: error: read failed: %s\n", name,
                lr.lineno + 1, strerror(lr.err));
        rc = -1;
    }
    st->total_ns = ks_qa_now_ns() - start;
    ks_scanner_timing(sc, g_timing, &st->engine);
out:
    ks_qa_group_free(g);
    ks_scanner_free(sc);
    ks_lr_close(&lr);
    if (!is_stdin)
        fclose(f);
    return rc;
}
