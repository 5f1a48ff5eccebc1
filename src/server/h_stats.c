/*
 * GET /api/v1/scorecards — per agent: conversations judged, findings by
 * level and findings per 100 conversations. GET /api/v1/causes — how
 * many conversations showed each complaint cause, in all and per day.
 * Both over the caller's scope and an optional span of days.
 */
#include "server.h"

#include <stdio.h>
#include <string.h>

/* Days and scope into f; 0, or -1 after answering (v, sc then freed). */
static int read_filter(srv_req *r, ks_conv_filter *f, srv_scope *sc,
                       srv_view *v)
{
    if (srv_query_day(r, "day_from", &f->day_from) ||
        srv_query_day(r, "day_to", &f->day_to) || srv_scope_get(r, sc))
        return -1;
    if (srv_view_get(r, sc, v)) {
        srv_scope_free(sc);
        return -1;
    }
    f->shop = v->shop, f->agent = v->agent;
    f->agents = v->agents, f->nagents = v->nagents;
    return 0;
}

static void put_score(jbuf *o, const ks_agent_score *a)
{
    int64_t total = a->findings[0] + a->findings[1] + a->findings[2];
    char per[32];
    snprintf(per, sizeof per, "%.1f",
             a->convs ? 100.0 * (double)total / (double)a->convs : 0.0);
    jb_lit(o, "{\"shop\":");
    jb_strz(o, a->shop);
    jb_key(o, "agent"), jb_strz(o, a->agent);
    jb_key(o, "conversations"), jb_int(o, a->convs);
    jb_lit(o, ",\"findings\":{\"A\":");
    jb_int(o, a->findings[0]);
    jb_key(o, "B"), jb_int(o, a->findings[1]);
    jb_key(o, "C"), jb_int(o, a->findings[2]);
    jb_lit(o, "},\"per_100\":");
    jb_lit(o, per);
    jb_lit(o, "}");
}

void h_scorecards(srv_req *r)
{
    ks_conv_filter f = KS_CONV_FILTER_ANY;
    srv_scope sc;
    srv_view v;
    if (read_filter(r, &f, &sc, &v))
        return;
    ks_store *st = srv_thread_store(r->th, r->sh);
    ks_agent_score *rows = NULL;
    size_t n = 0;
    int rc = v.none ? KS_OK : st ? ks_store_agent_scores_in(st, &f, &rows, &n)
                                 : KS_EDB;
    if (rc != KS_OK) {
        srv_error(r, SRV_E_internal, "the store failed", NULL);
    } else {
        jb_lit(&r->out, "{\"items\":[");
        for (size_t i = 0; i < n; i++) {
            if (i)
                jb_lit(&r->out, ",");
            put_score(&r->out, &rows[i]);
        }
        jb_lit(&r->out, "]}");
        r->status = 200;
    }
    ks_agent_scores_free(rows, n);
    srv_view_free(&v);
    srv_scope_free(&sc);
}

static void put_causes(jbuf *o, const ks_cause_count *rows, size_t n)
{
    int64_t total[KS_CAUSE_COUNT] = {0};
    for (size_t i = 0; i < n; i++)
        total[rows[i].cause] += rows[i].convs;
    jb_lit(o, "{\"items\":[");
    for (int k = 0, first = 1; k < KS_CAUSE_COUNT; k++) {
        if (!total[k])
            continue;
        if (!first)
            jb_lit(o, ",");
        first = 0;
        jb_lit(o, "{\"cause\":");
        jb_strz(o, ks_cause_name((ks_cause)k));
        jb_key(o, "zh"), jb_strz(o, ks_cause_zh((ks_cause)k));
        jb_key(o, "conversations"), jb_int(o, total[k]);
        jb_lit(o, "}");
    }
    jb_lit(o, "],\"days\":[");
    for (size_t i = 0, first = 1; i < n; i++) {
        if (!rows[i].day[0])
            continue;   /* untimed: counted above, on no day */
        if (!first)
            jb_lit(o, ",");
        first = 0;
        jb_lit(o, "{\"day\":");
        jb_strz(o, rows[i].day);
        jb_key(o, "cause"), jb_strz(o, ks_cause_name(rows[i].cause));
        jb_key(o, "conversations"), jb_int(o, rows[i].convs);
        jb_lit(o, "}");
    }
    jb_lit(o, "]}");
}

void h_causes(srv_req *r)
{
    ks_conv_filter f = KS_CONV_FILTER_ANY;
    srv_scope sc;
    srv_view v;
    if (read_filter(r, &f, &sc, &v))
        return;
    ks_store *st = srv_thread_store(r->th, r->sh);
    ks_cause_count *rows = NULL;
    size_t n = 0;
    int rc = v.none ? KS_OK : st ? ks_store_cause_counts(st, &f, &rows, &n)
                                 : KS_EDB;
    if (rc != KS_OK) {
        srv_error(r, SRV_E_internal, "the store failed", NULL);
    } else {
        put_causes(&r->out, rows, n);
        r->status = 200;
    }
    ks_cause_counts_free(rows);
    srv_view_free(&v);
    srv_scope_free(&sc);
}
