/*
 * GET /api/v1/incidents — the service incidents found in imported
 * conversations, newest first, each with the message it was found in
 * (masked for callers who do not see personal data: offsets stay valid),
 * its evidence cut from that text, the code's Chinese name and the rule's
 * advice. GET /api/v1/codes — every incident code, for filters and labels.
 */
#include "server.h"

#include <string.h>

#include "kesu/alloc.h"

/* Reads level and code; -1 after answering. */
static int read_codes(srv_req *r, ks_finding_filter *f)
{
    const char *lv = srv_query(r, "level"), *code = srv_query(r, "code");
    if (lv && *lv) {
        if (strlen(lv) != 1 || lv[0] < 'A' || lv[0] > 'C') {
            srv_error(r, SRV_E_invalid_field, "level is A, B or C", "level");
            return -1;
        }
        f->level = lv[0];
    }
    if (code && *code) {
        f->code = ks_incident_from_name(code);
        if (f->code < 0) {
            srv_error(r, SRV_E_invalid_field, "unknown incident code",
                      "code");
            return -1;
        }
    }
    return 0;
}

/* The conversation a finding is in, loaded once for its run of rows. */
typedef struct conv_cache {
    char *id;
    ks_conv conv;
    int loaded;
} conv_cache;

static void cache_drop(conv_cache *c)
{
    if (c->loaded)
        ks_conv_free(&c->conv);
    ks_free(c->id);
    memset(c, 0, sizeof *c);
}

/* The conversation id (NULL when it cannot be read: the row then goes
 * without its text). */
static const ks_conv *cache_get(conv_cache *c, ks_store *st, const char *id)
{
    if (c->id && !strcmp(c->id, id))
        return c->loaded ? &c->conv : NULL;
    cache_drop(c);
    c->id = ks_strdup(id);
    char *json = NULL;
    if (c->id && ks_store_conv_get(st, id, &json, NULL, NULL, NULL) == KS_OK) {
        ks_diags d = {0};
        c->loaded = ks_conv_from_json(json, strlen(json), &c->conv, &d, "") ==
                    KS_OK;
        ks_diags_free(&d);
    }
    ks_free(json);
    return c->loaded ? &c->conv : NULL;
}

static void put_incident(srv_req *r, const srv_scope *sc,
                         const ks_finding_row *f, const ks_conv *c)
{
    jbuf *o = &r->out;
    char level[2] = {f->level, '\0'};
    const ks_msg *m = c && f->msg < c->nmsgs ? &c->msgs[f->msg] : NULL;
    jb_lit(o, "{\"id\":");
    jb_int(o, f->id);
    jb_key(o, "conversation"), jb_strz(o, f->conv_id);
    jb_key(o, "shop"), jb_strz(o, f->shop);
    jb_key(o, "agent"), jb_strz(o, f->agent);
    jb_key(o, "rule"), jb_strz(o, f->rule);
    jb_key(o, "code"), jb_strz(o, ks_incident_name(f->code));
    jb_key(o, "code_zh"), jb_strz(o, ks_incident_zh(f->code));
    jb_key(o, "level"), jb_strz(o, level);
    jb_key(o, "message"), jb_int(o, (int64_t)f->msg);
    jb_key(o, "start"), jb_int(o, f->start);
    jb_key(o, "end"), jb_int(o, f->end);
    jb_key(o, "at"), srv_jb_time(o, f->at);
    jb_key(o, "day"), jb_strz(o, f->day[0] ? f->day : NULL);
    jb_key(o, "from"), jb_strz(o, m ? ks_from_name(m->from) : NULL);
    char *text = m ? srv_scope_mask(sc, f->agent, m->text) : NULL;
    jb_key(o, "text"), jb_strz(o, text);
    jb_key(o, "evidence");
    if (text) {
        size_t len = strlen(text);
        size_t a = ks_utf8_offset(text, len, f->start);
        size_t b = ks_utf8_offset(text, len, f->end);
        jb_str(o, text + a, b > a ? b - a : 0);
    } else {
        jb_lit(o, "null");
    }
    ks_free(text);
    jb_key(o, "advice");
    jb_strz(o, ks_pack_advice(r->th->book->pack, f->rule, (int)f->code));
    jb_lit(o, "}");
}

static void answer(srv_req *r, const srv_scope *sc, ks_store *st,
                   const ks_finding_filter *f, const ks_finding_row *rows,
                   size_t n)
{
    conv_cache cache = {0};
    jbuf *o = &r->out;
    jb_lit(o, "{\"items\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            jb_lit(o, ",");
        put_incident(r, sc, &rows[i], cache_get(&cache, st, rows[i].conv_id));
    }
    cache_drop(&cache);
    jb_lit(o, "],\"limit\":");
    jb_int(o, (int64_t)f->limit);
    jb_key(o, "offset"), jb_int(o, (int64_t)f->offset);
    jb_lit(o, "}");
    r->status = 200;
}

void h_incidents(srv_req *r)
{
    ks_finding_filter f = KS_FINDING_FILTER_ANY;
    srv_scope sc;
    srv_view v;
    if (srv_paging(r, &f.limit, &f.offset) || read_codes(r, &f) ||
        srv_query_day(r, "day_from", &f.day_from) ||
        srv_query_day(r, "day_to", &f.day_to) || srv_scope_get(r, &sc))
        return;
    if (srv_view_get(r, &sc, &v)) {
        srv_scope_free(&sc);
        return;
    }
    f.shop = v.shop, f.agent = v.agent;
    f.agents = v.agents, f.nagents = v.nagents;
    ks_store *st = srv_thread_store(r->th, r->sh);
    ks_finding_row *rows = NULL;
    size_t n = 0;
    int rc = v.none ? KS_OK : st ? ks_store_findings_list(st, &f, &rows, &n)
                                 : KS_EDB;
    if (rc != KS_OK)
        srv_error(r, SRV_E_internal, "the store failed", NULL);
    else
        answer(r, &sc, st, &f, rows, n);
    ks_finding_rows_free(rows, n);
    srv_view_free(&v);
    srv_scope_free(&sc);
}

void h_codes(srv_req *r)
{
    jbuf *o = &r->out;
    jb_lit(o, "{\"items\":[");
    for (int k = 0; k < KS_INC_COUNT; k++) {
        char level[2] = {ks_incident_level((ks_incident)k), '\0'};
        if (k)
            jb_lit(o, ",");
        jb_lit(o, "{\"code\":");
        jb_strz(o, ks_incident_name((ks_incident)k));
        jb_key(o, "zh"), jb_strz(o, ks_incident_zh((ks_incident)k));
        jb_key(o, "level"), jb_strz(o, level);
        jb_key(o, "advice"), jb_strz(o, ks_pack_advice(r->th->book->pack, NULL, k));
        jb_lit(o, "}");
    }
    jb_lit(o, "]}");
    r->status = 200;
}
