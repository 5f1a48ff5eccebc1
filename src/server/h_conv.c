/*
 * GET /api/v1/conversations (the risk board) and
 * GET /api/v1/conversations/{id} (one conversation, its QA result and its
 * case). Rows outside the caller's scope are filtered in SQL; one asked
 * for by id answers 404, as if it did not exist. Message texts and the
 * findings' evidence are masked for callers who do not see personal data;
 * the mask keeps every code point offset, so evidence is re-cut from the
 * masked text at the finding's offsets.
 */
#include "server.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "kesu/alloc.h"

/* "critical,high" -> risk bits; -1 after answering. */
static int read_risks(srv_req *r, unsigned *bits)
{
    const char *q = srv_query(r, "risk");
    *bits = 0;
    while (q && *q) {
        size_t n = strcspn(q, ",");
        char name[16];
        int k = -1;
        if (n < sizeof name) {
            memcpy(name, q, n);
            name[n] = '\0';
            k = ks_risk_from_name(name);
        }
        if (k < 0) {
            srv_error(r, SRV_E_invalid_field, "risk is a comma-separated "
                      "list of normal, elevated, high, critical", "risk");
            return -1;
        }
        *bits |= 1u << k;
        q += n + (q[n] == ',');
    }
    return 0;
}

static void put_causes(jbuf *o, uint32_t causes)
{
    jb_lit(o, "[");
    for (int k = 0, first = 1; k < KS_CAUSE_COUNT; k++)
        if (causes >> k & 1u) {
            if (!first)
                jb_lit(o, ",");
            jb_strz(o, ks_cause_name((ks_cause)k));
            first = 0;
        }
    jb_lit(o, "]");
}

static void put_row(jbuf *o, const ks_conv_row *c)
{
    jb_lit(o, "{\"id\":");
    jb_strz(o, c->id);
    jb_key(o, "shop"), jb_strz(o, c->shop);
    jb_key(o, "agent"), jb_strz(o, c->agent);
    jb_key(o, "day"), jb_strz(o, c->day[0] ? c->day : NULL);
    jb_key(o, "risk"), jb_strz(o, ks_risk_name(c->risk));
    jb_key(o, "causes"), put_causes(o, c->causes);
    jb_lit(o, ",\"findings\":{\"A\":");
    jb_int(o, c->findings[0]);
    jb_key(o, "B"), jb_int(o, c->findings[1]);
    jb_key(o, "C"), jb_int(o, c->findings[2]);
    jb_lit(o, "},\"case\":");
    if (c->case_id)
        jb_int(o, c->case_id);
    else
        jb_lit(o, "null");
    jb_lit(o, "}");
}

void h_conv_list(srv_req *r)
{
    ks_conv_filter f = KS_CONV_FILTER_ANY;
    srv_scope sc;
    srv_view v;
    if (srv_paging(r, &f.limit, &f.offset) || read_risks(r, &f.risks) ||
        srv_query_day(r, "day_from", &f.day_from) ||
        srv_query_day(r, "day_to", &f.day_to) || srv_scope_get(r, &sc))
        return;
    ks_conv_row *rows = NULL;
    size_t n = 0;
    int rc = KS_OK;
    if (srv_view_get(r, &sc, &v) == 0) {
        f.shop = v.shop, f.agent = v.agent;
        f.agents = v.agents, f.nagents = v.nagents;
        ks_store *st = srv_thread_store(r->th, r->sh);
        rc = v.none ? KS_OK : st ? ks_store_conv_list(st, &f, &rows, &n)
                                 : KS_EDB;
        if (rc != KS_OK)
            srv_error(r, SRV_E_internal, "the store failed", NULL);
        srv_view_free(&v);
    }
    if (rc == KS_OK && !r->status) {
        jbuf *o = &r->out;
        jb_lit(o, "{\"items\":[");
        for (size_t i = 0; i < n; i++) {
            if (i)
                jb_lit(o, ",");
            put_row(o, &rows[i]);
        }
        jb_lit(o, "],\"limit\":");
        jb_int(o, (int64_t)f.limit);
        jb_key(o, "offset"), jb_int(o, (int64_t)f.offset);
        jb_lit(o, "}");
        r->status = 200;
    }
    ks_conv_rows_free(rows, n);
    srv_scope_free(&sc);
}

/* ---- one conversation ------------------------------------------------- */

/* text[start, end) in code points, as a new cJSON string. */
static cJSON *cut(const char *text, double start, double end)
{
    size_t len = strlen(text);
    size_t a = ks_utf8_offset(text, len, start > 0 ? (size_t)start : 0);
    size_t b = ks_utf8_offset(text, len, end > 0 ? (size_t)end : 0);
    char *s = ks_strndup(text + a, b > a ? b - a : 0);
    cJSON *j = s ? cJSON_CreateString(s) : NULL;
    ks_free(s);
    return j;
}

/* Masks the message texts of conv in place; 0, or -1 on out-of-memory. */
static int mask_messages(const srv_scope *sc, const char *agent, cJSON *conv)
{
    cJSON *msgs = cJSON_GetObjectItemCaseSensitive(conv, "messages");
    for (cJSON *m = msgs ? msgs->child : NULL; m; m = m->next) {
        cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "text");
        if (!cJSON_IsString(t))
            continue;
        char *masked = srv_scope_mask(sc, agent, t->valuestring);
        cJSON *nt = masked ? cJSON_CreateString(masked) : NULL;
        ks_free(masked);
        if (!nt || !cJSON_ReplaceItemInObjectCaseSensitive(m, "text", nt)) {
            cJSON_Delete(nt);
            return -1;
        }
    }
    return 0;
}

/* Re-cuts every finding's evidence from the (masked) message texts. */
static int recut_evidence(cJSON *conv, cJSON *result)
{
    cJSON *msgs = cJSON_GetObjectItemCaseSensitive(conv, "messages");
    cJSON *fs = cJSON_GetObjectItemCaseSensitive(result, "findings");
    for (cJSON *f = fs ? fs->child : NULL; f; f = f->next) {
        cJSON *ix = cJSON_GetObjectItemCaseSensitive(f, "index");
        cJSON *m = cJSON_IsNumber(ix) ? cJSON_GetArrayItem(msgs, ix->valueint)
                                      : NULL;
        cJSON *t = m ? cJSON_GetObjectItemCaseSensitive(m, "text") : NULL;
        cJSON *s = cJSON_GetObjectItemCaseSensitive(f, "start");
        cJSON *e = cJSON_GetObjectItemCaseSensitive(f, "end");
        if (!cJSON_IsString(t) || !cJSON_IsNumber(s) || !cJSON_IsNumber(e))
            continue;
        cJSON *ev = cut(t->valuestring, s->valuedouble, e->valuedouble);
        if (!ev || !cJSON_ReplaceItemInObjectCaseSensitive(f, "evidence", ev)) {
            cJSON_Delete(ev);
            return -1;
        }
    }
    return 0;
}

static void answer_one(srv_req *r, const srv_scope *sc, const char *agent,
                       const char *conv_json, const char *result_json,
                       int64_t case_id)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *conv = cJSON_Parse(conv_json), *res = cJSON_Parse(result_json);
    int ok = root && conv && res && !mask_messages(sc, agent, conv) &&
             !recut_evidence(conv, res);
    if (ok) {
        cJSON_AddItemToObject(root, "conversation", conv);
        cJSON_AddItemToObject(root, "result", res);
        conv = res = NULL;
        ok = case_id ? cJSON_AddNumberToObject(root, "case", (double)case_id)
                           != NULL
                     : cJSON_AddNullToObject(root, "case") != NULL;
    }
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    if (text) {
        jb_lit(&r->out, text);
        r->status = 200;
    } else {
        srv_error(r, SRV_E_internal, "the answer could not be built", NULL);
    }
    free(text);
    cJSON_Delete(conv);
    cJSON_Delete(res);
    cJSON_Delete(root);
}

void h_conv_get(srv_req *r)
{
    srv_scope sc;
    if (srv_scope_get(r, &sc))
        return;
    ks_store *st = srv_thread_store(r->th, r->sh);
    char *conv = NULL, *res = NULL, *shop = NULL, *agent = NULL;
    int rc = st ? ks_store_conv_get(st, r->param, &conv, &res, &shop, &agent)
                : KS_EDB;
    int64_t case_id = 0;
    if (rc == KS_OK && !srv_scope_allows(&sc, shop, agent))
        rc = KS_ENOENT;   /* not the caller's: as if it did not exist */
    if (rc == KS_OK) {
        int c = ks_store_case_by_conv(st, r->param, &case_id);
        if (c == KS_ENOENT)
            case_id = 0;
        rc = c == KS_ENOENT ? KS_OK : c;
    }
    if (rc == KS_ENOENT)
        srv_error(r, SRV_E_not_found, "no such conversation", NULL);
    else if (rc != KS_OK)
        srv_error(r, SRV_E_internal, "the store failed", NULL);
    else
        answer_one(r, &sc, agent, conv, res, case_id);
    ks_free(conv);
    ks_free(res);
    ks_free(shop);
    ks_free(agent);
    srv_scope_free(&sc);
}
