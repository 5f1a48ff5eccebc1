/*
 * Lines judged in groups: a stream parses up to KS_GROUP conversations,
 * then ks_qa_many() scans them together (one Vectorscan call per speaker
 * instead of one per conversation and speaker: the call's fixed cost was
 * a third of the matching on the bench archive). Results and errors
 * still come out in input order: a line that cannot be read first
 * flushes the group before its error is printed.
 */
#include "qa_stream.h"

#include <stdlib.h>
#include <string.h>

struct ks_qa_group {
    ks_conv_buf cb[KS_GROUP];   /* the fast reader's storage, per slot */
    ks_conv conv[KS_GROUP];
    const ks_conv *ptr[KS_GROUP];
    int owned[KS_GROUP];        /* read by ks_conv_from_json(): freed */
    size_t lineno[KS_GROUP];
    ks_result res[KS_GROUP];
    int rcs[KS_GROUP];
    size_t n;
    size_t bytes;               /* of the lines held */
};

ks_qa_group *ks_qa_group_new(void)
{
    return calloc(1, sizeof(ks_qa_group));
}

void ks_qa_group_free(ks_qa_group *g)
{
    if (!g)
        return;
    for (size_t k = 0; k < KS_GROUP; k++) {
        ks_conv_buf_free(&g->cb[k]);
        ks_result_free(&g->res[k]);
    }
    free(g);
}

void ks_qa_group_flush(ks_qa_group *g, const ks_qa_sink *out)
{
    if (!g->n)
        return;
    ks_qa_many(out->sc, g->ptr, g->n, g->res, g->rcs);
    for (size_t k = 0; k < g->n; k++) {
        ks_qa_deliver(out, g->lineno[k], &g->conv[k], g->rcs[k], &g->res[k]);
        if (g->owned[k])
            ks_conv_free(&g->conv[k]);
    }
    g->n = 0;
    g->bytes = 0;
}

void ks_qa_group_add(ks_qa_group *g, const ks_qa_sink *out, size_t lineno,
                     const char *line, size_t len)
{
    uint64_t t0 = ks_qa_now_ns();
    size_t k = g->n;
    int rc = ks_conv_from_json_fast(&g->cb[k], line, len, &g->conv[k]);
    g->owned[k] = rc != KS_OK;
    if (g->owned[k]) {
        ks_qa_group_flush(g, out);   /* its messages after the earlier */
        k = 0;
        if (!ks_qa_read_slow(out->err, out->name, lineno, line, len,
                             &g->conv[k])) {
            out->st->parse_ns += ks_qa_now_ns() - t0;
            out->st->bad++;
            return;
        }
        g->owned[k] = 1;
    }
    out->st->parse_ns += ks_qa_now_ns() - t0;
    g->ptr[k] = &g->conv[k];
    g->lineno[k] = lineno;
    g->n = k + 1;
    g->bytes += len;
    /* by bytes too: 64 lines of --max-line would hold gigabytes of text
     * and offset maps at once */
    if (g->n == KS_GROUP || g->bytes >= KS_GROUP_BYTES)
        ks_qa_group_flush(g, out);
}
