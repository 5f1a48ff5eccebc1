/*
 * The cases API (issue 5): GET/POST /api/v1/cases, GET /api/v1/cases/{id},
 * GET /api/v1/due and GET /api/v1/audit. The desk logic (analysis, the
 * case as JSON, changes) is the library's (include/kesu/desk.h), shared
 * with `kesu case`; this file adds who may see what (srv_scope: rows of
 * other shops and agents are filtered in SQL, and addressed by id they
 * are 404), masking of personal data, and the HTTP shapes.
 */
#include "cases.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LIST_MAX 500
#define LIST_DEFAULT 100

/* ---- shared by the case handlers -------------------------------------- */

int srv_desk_env(srv_req *r, ks_desk_env *e)
{
    memset(e, 0, sizeof *e);
    e->store = srv_thread_store(r->th, r->sh);
    e->policy = r->th->book->policy;
    e->scripts = r->th->book->scripts;
    e->now = srv_now_ms();
    e->actor = r->who.name;
    if (!e->store || !e->policy) {
        srv_error(r, SRV_E_internal, "the case database is not available",
                  NULL);
        return -1;
    }
    return 0;
}

/* A case id: 1..INT64_MAX in plain decimal digits, else 0. */
static int64_t parse_id(const char *s)
{
    char *end;
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 19)
        return 0;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    return errno || v <= 0 ? 0 : (int64_t)v;
}

int srv_case_load(srv_req *r, const srv_scope *s, ks_case *c)
{
    int64_t id = parse_id(r->param);
    ks_store *st = srv_thread_store(r->th, r->sh);
    ks_case_init(c);
    int rc = id && st ? ks_store_case_get(st, id, c) : KS_ENOENT;
    if (!st) {
        srv_error(r, SRV_E_internal, "the case database is not available",
                  NULL);
        return -1;
    }
    /* Unknown and invisible look the same, so ids cannot be probed. */
    if (rc == KS_OK && !srv_scope_allows(s, c->shop, c->agent))
        rc = KS_ENOENT;
    if (rc == KS_OK)
        return 0;
    ks_case_free(c);
    if (rc == KS_ENOENT)
        srv_error(r, SRV_E_not_found, "no such case", NULL);
    else
        srv_error(r, SRV_E_internal, "the case database failed", NULL);
    return -1;
}

void srv_desk_error(srv_req *r, int rc, const ks_diags *d)
{
    const ks_diag *g = d && d->n ? &d->items[0] : NULL;
    const char *msg = g ? g->msg : ks_strerror(rc);
    const char *where = g ? g->where : NULL;
    if (rc == KS_ESTATE)
        srv_error(r, SRV_E_conflict, msg, where);
    else if (rc == KS_EINVAL || rc == KS_ENOENT)
        srv_error(r, SRV_E_invalid_field, msg, where);
    else
        srv_error(r, SRV_E_internal, "the case could not be saved", NULL);
}

int srv_mask_tree(const srv_scope *s, const char *agent, cJSON *j)
{
    if (srv_scope_personal(s, agent))
        return 0;
    for (cJSON *c = j ? j->child : NULL; c; c = c->next) {
        if (!cJSON_IsString(c)) {
            if (srv_mask_tree(s, agent, c))
                return -1;
            continue;
        }
        char *m = srv_scope_mask(s, agent, c->valuestring);
        cJSON *v = m ? cJSON_CreateString(m) : NULL;
        ks_free(m);
        if (!v)
            return -1;
        if (c->string) {   /* keep the member's name */
            v->string = c->string;
            c->string = NULL;
        }
        cJSON_ReplaceItemViaPointer(j, c, v);
        c = v;
    }
    return 0;
}

/* ---- GET /cases/{id} ---------------------------------------------------- */

static void add_time(const ks_desk_env *e, cJSON *o, const char *k,
                     int64_t t)
{
    char b[40];
    if (t == KS_TIME_NONE)
        cJSON_AddNullToObject(o, k);
    else
        cJSON_AddStringToObject(o, k, ks_desk_iso(e, t, b));
}

/* Adds one script (once per name) to the array a. */
static void add_script(const ks_desk_env *e, cJSON *a, const char *id,
                       const char *text)
{
    const ks_script *sc = id && e->scripts ? ks_script_get(e->scripts, id)
                                           : NULL;
    if (!sc || !text)
        return;
    for (cJSON *x = a->child; x; x = x->next)
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(x, "name")), id))
            return;
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "name", id);
    cJSON_AddStringToObject(x, "title", sc->title ? sc->title : "");
    cJSON_AddStringToObject(x, "text", text);
    cJSON_AddItemToArray(a, x);
}

/* The 话术 for the case now: its stage's script, then each offer's (as
 * the plan rendered them). */
static void add_scripts(const ks_desk_env *e, const ks_case *c, cJSON *j)
{
    cJSON *a = cJSON_AddArrayToObject(j, "scripts");
    int cause = -1;
    for (int k = 0; k < KS_CAUSE_COUNT && cause < 0; k++)
        if (c->causes >> k & 1u)
            cause = k;
    const ks_script *stage =
        e->scripts ? ks_script_pick(e->scripts, c->state, cause,
                                    c->remedy ? (int)c->remedy : -1)
                   : NULL;
    if (stage) {
        char *text = ks_desk_render(e, c, stage->id, c->remedy_amount);
        add_script(e, a, stage->id, text);
        free(text);
    }
    const cJSON *offers = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(j, "plan"), "offers");
    for (const cJSON *o = offers ? offers->child : NULL; o; o = o->next)
        add_script(e, a,
                   cJSON_GetStringValue(cJSON_GetObjectItem(o, "script_id")),
                   cJSON_GetStringValue(cJSON_GetObjectItem(o, "script")));
}

/* The case's own events, each re-hashed (GET /audit walks the chain). */
static int add_events(const ks_desk_env *e, const ks_case *c, cJSON *j)
{
    ks_audit *ev = NULL;
    size_t n = 0, bad = 0;
    if (ks_store_events(e->store, c->id, &ev, &n) != KS_OK)
        return -1;
    cJSON *a = cJSON_AddArrayToObject(j, "events");
    for (size_t i = 0; i < n; i++) {
        unsigned char h[32];
        ks_audit_hash(&ev[i], h);
        bad += memcmp(h, ev[i].hash, 32) != 0;
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "seq", (double)ev[i].seq);
        add_time(e, x, "at", ev[i].at);
        cJSON_AddStringToObject(x, "actor", ev[i].actor ? ev[i].actor : "");
        cJSON_AddStringToObject(x, "type", ev[i].type ? ev[i].type : "");
        cJSON *data = ev[i].data ? cJSON_Parse(ev[i].data) : NULL;
        if (!cJSON_IsObject(data)) {
            cJSON_Delete(data);
            data = cJSON_CreateObject();
        }
        cJSON_AddItemToObject(x, "data", data);
        cJSON_AddItemToArray(a, x);
    }
    cJSON *au = cJSON_AddObjectToObject(j, "audit");
    cJSON_AddBoolToObject(au, "intact", bad == 0);
    cJSON_AddNumberToObject(au, "events", (double)n);
    ks_audits_free(ev, n);
    return 0;
}

static void add_extras(const ks_desk_env *e, const ks_case *c, cJSON *j)
{
    cJSON *notes = cJSON_AddArrayToObject(j, "notes");
    for (size_t i = 0; i < c->nnotes; i++) {
        cJSON *x = cJSON_CreateObject();
        add_time(e, x, "at", c->notes[i].at);
        if (c->notes[i].author)
            cJSON_AddStringToObject(x, "author", c->notes[i].author);
        else
            cJSON_AddNullToObject(x, "author");
        cJSON_AddStringToObject(x, "text", c->notes[i].text);
        cJSON_AddItemToArray(notes, x);
    }
    add_scripts(e, c, j);
    ks_state next[KS_STATE_COUNT];
    size_t nn = ks_flow_next(c, next);
    cJSON *al = cJSON_AddArrayToObject(j, "allowed");
    for (size_t i = 0; i < nn; i++)
        cJSON_AddItemToArray(al, cJSON_CreateString(ks_state_name(next[i])));
}

void srv_case_answer(srv_req *r, const srv_scope *s, const ks_desk_env *e,
                     const ks_case *c, unsigned status)
{
    char *text = NULL;
    int rc = ks_desk_case_json(e, c, &text);
    cJSON *j = rc == KS_OK ? cJSON_Parse(text) : NULL;
    free(text);
    if (j) {
        add_extras(e, c, j);
        rc = add_events(e, c, j) || srv_mask_tree(s, c->agent, j) ? -1 : 0;
    }
    char *out = j && !rc ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!out) {
        srv_error(r, SRV_E_internal, "the case could not be shown", NULL);
        return;
    }
    jb_reset(&r->out);
    jb_lit(&r->out, out);
    free(out);
    r->status = status;
}

void h_case_get(srv_req *r)
{
    srv_scope s;
    ks_desk_env e;
    ks_case c;
    if (srv_scope_get(r, &s))
        return;
    if (!srv_desk_env(r, &e) && !srv_case_load(r, &s, &c)) {
        srv_case_answer(r, &s, &e, &c, 200);
        ks_case_free(&c);
    }
    srv_scope_free(&s);
}

/* ---- POST /cases ------------------------------------------------------- */

/* Who may open a case for which shop and agent: one's own shop (admin:
 * any); agents for themselves; leads for themselves or their team. An
 * agent or lead who names no agent is the case's agent. */
static int create_allowed(srv_req *r, const srv_scope *s, ks_case *c)
{
    if (s->shop && c->shop && strcmp(c->shop, s->shop)) {
        srv_error(r, SRV_E_forbidden, "a case of another shop", "shop");
        return -1;
    }
    if (s->shop && !c->shop && !(c->shop = ks_strdup(s->shop)))
        goto oom;
    if ((s->agent || s->lead) && !c->agent &&
        !(c->agent = ks_strdup(s->who->name)))
        goto oom;
    if (c->agent && !srv_scope_has_agent(s, c->agent)) {
        srv_error(r, SRV_E_forbidden, "a case of an agent outside your "
                  "scope", "agent");
        return -1;
    }
    return 0;
oom:
    srv_error(r, SRV_E_internal, "out of memory", NULL);
    return -1;
}

void h_case_create(srv_req *r)
{
    srv_scope s;
    ks_desk_env e;
    ks_case c;
    ks_case_facts f;
    ks_diags d = {0};
    ks_case_init(&c);
    cJSON *root = srv_body_object(r);
    if (!root || srv_scope_get(r, &s)) {
        cJSON_Delete(root);
        return;
    }
    if (!srv_body_new_case(r, root, &c, &f) && !create_allowed(r, &s, &c) &&
        !srv_desk_env(r, &e)) {
        int rc = ks_desk_create(&e, &c, &f, &d);
        if (rc == KS_OK)
            srv_case_answer(r, &s, &e, &c, 201);
        else
            srv_desk_error(r, rc, &d);
    }
    ks_diags_free(&d);
    ks_case_free(&c);
    cJSON_Delete(root);
    srv_scope_free(&s);
}

/* ---- GET /cases ---------------------------------------------------------- */

/* A whole number query parameter in [min, max]; def when absent. 0, or
 * -1 after answering. */
static int query_num(srv_req *r, const char *name, long min, long max,
                     long def, long *out)
{
    const char *v = srv_query(r, name);
    char *end;
    *out = def;
    if (!v)
        return 0;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < min || x > max) {
        srv_errorf(r, SRV_E_invalid_field, name,
                   "%s must be a whole number from %ld to %ld", name, min,
                   max);
        return -1;
    }
    *out = x;
    return 0;
}

static int query_enum(srv_req *r, const char *name,
                      int (*from_name)(const char *), int *out)
{
    const char *v = srv_query(r, name);
    *out = -1;
    if (v && (*out = from_name(v)) < 0) {
        srv_errorf(r, SRV_E_invalid_field, name, "%s: unknown value", name);
        return -1;
    }
    return 0;
}

/* Narrows f to the caller's scope; 0 when nothing can match. */
static int scope_filter(const srv_scope *s, ks_case_filter *f,
                        const char **team)
{
    if (s->shop) {
        if (f->shop && strcmp(f->shop, s->shop))
            return 0;
        f->shop = s->shop;
    }
    if (s->agent) {
        if (f->agent && strcmp(f->agent, s->agent))
            return 0;
        f->agent = s->agent;
    }
    if (s->lead) {
        team[0] = s->who->name;
        for (size_t i = 0; i < s->nteam; i++)
            team[i + 1] = s->team[i];
        f->agents = team;
        f->nagents = s->nteam + 1;
    }
    return 1;
}

static void put_list_end(srv_req *r, const ks_case_filter *f)
{
    jb_lit(&r->out, "],\"limit\":");
    jb_int(&r->out, (int64_t)f->limit);
    jb_lit(&r->out, ",\"offset\":");
    jb_int(&r->out, (int64_t)f->offset);
    jb_lit(&r->out, "}");
    r->status = 200;
}

static void put_masked(srv_req *r, const srv_scope *s, const char *agent,
                       const char *key, const char *v)
{
    char *m = v ? srv_scope_mask(s, agent, v) : NULL;
    jb_key(&r->out, key);
    jb_strz(&r->out, m);
    ks_free(m);
}

static void put_time(srv_req *r, const ks_desk_env *e, const char *key,
                     int64_t t)
{
    char b[40];
    jb_key(&r->out, key);
    jb_strz(&r->out, t == KS_TIME_NONE ? NULL : ks_desk_iso(e, t, b));
}

static void put_row(srv_req *r, const srv_scope *s, const ks_desk_env *e,
                    const ks_case_row *w)
{
    jbuf *o = &r->out;
    jb_lit(o, "{\"id\":");
    jb_int(o, w->id);
    jb_key(o, "state"), jb_strz(o, ks_state_name(w->state));
    jb_key(o, "risk"), jb_strz(o, ks_risk_name(w->risk));
    jb_lit(o, ",\"causes\":[");
    for (int c = 0, k = 0; c < KS_CAUSE_COUNT; c++)
        if (w->causes >> c & 1u) {
            if (k++)
                jb_lit(o, ",");
            jb_strz(o, ks_cause_name(c));
        }
    jb_lit(o, "]");
    put_masked(r, s, w->agent, "customer", w->customer);
    jb_key(o, "agent"), jb_strz(o, w->agent);
    put_masked(r, s, w->agent, "summary", w->summary);
    jb_key(o, "shop"), jb_strz(o, w->shop);
    put_time(r, e, "created_at", w->created_at);
    put_time(r, e, "updated_at", w->updated_at);
    put_time(r, e, "next_due", w->next_due);
    jb_lit(o, "}");
}

static int list_filter(srv_req *r, ks_case_filter *f)
{
    long limit, offset, open;
    memset(f, 0, sizeof *f);
    if (query_enum(r, "state", ks_state_from_name, &f->state) ||
        query_enum(r, "min_risk", ks_risk_from_name, &f->min_risk) ||
        query_num(r, "open", 0, 1, 0, &open) ||
        query_num(r, "limit", 1, LIST_MAX, LIST_DEFAULT, &limit) ||
        query_num(r, "offset", 0, 1L << 30, 0, &offset))
        return -1;
    f->open_only = (int)open;
    f->limit = (size_t)limit;
    f->offset = (size_t)offset;
    f->shop = srv_query(r, "shop");
    f->agent = srv_query(r, "agent");
    f->customer = srv_query(r, "customer");
    return 0;
}

void h_cases_list(srv_req *r)
{
    srv_scope s;
    ks_desk_env e;
    ks_case_filter f;
    ks_case_row *rows = NULL;
    size_t n = 0;
    if (list_filter(r, &f) || srv_scope_get(r, &s))
        return;
    const char **team = ks_malloc((s.nteam + 1) * sizeof *team);
    int rc = KS_OK;
    if (!team || srv_desk_env(r, &e))
        rc = KS_EDB;
    else if (scope_filter(&s, &f, team))
        rc = ks_store_case_list(e.store, &f, &rows, &n);
    if (rc && r->status == 0) {
        srv_error(r, SRV_E_internal, "the case list failed", NULL);
    } else if (!rc) {
        jb_lit(&r->out, "{\"items\":[");
        for (size_t i = 0; i < n; i++) {
            if (i)
                jb_lit(&r->out, ",");
            put_row(r, &s, &e, &rows[i]);
        }
        put_list_end(r, &f);
    }
    ks_case_rows_free(rows, n);
    ks_free(team);
    srv_scope_free(&s);
}

/* ---- GET /due ------------------------------------------------------------ */

static int query_within(srv_req *r, int64_t *ms)
{
    const char *v = srv_query(r, "within");
    *ms = 86400000;
    if (v && srv_duration(v, ms)) {
        srv_error(r, SRV_E_invalid_field, "within must be a duration such "
                  "as 30m, 24h or 7d", "within");
        return -1;
    }
    return 0;
}

static void put_due(srv_req *r, const srv_scope *s, const ks_desk_env *e,
                    const ks_due *w)
{
    jbuf *o = &r->out;
    jb_lit(o, "{\"case\":");
    jb_int(o, w->case_id);
    jb_key(o, "promise"), jb_int(o, w->promise_id);
    jb_key(o, "kind"), jb_strz(o, ks_promise_name(w->kind));
    put_masked(r, s, w->agent, "text", w->text);
    put_masked(r, s, w->agent, "customer", w->customer);
    jb_key(o, "agent"), jb_strz(o, w->agent);
    jb_key(o, "risk"), jb_strz(o, ks_risk_name(w->risk));
    jb_key(o, "state"), jb_strz(o, ks_state_name(w->state));
    put_time(r, e, "due_at", w->due_at);
    jb_key(o, "overdue"), jb_lit(o, w->due_at < e->now ? "true" : "false");
    jb_lit(o, "}");
}

void h_due(srv_req *r)
{
    srv_scope s;
    ks_desk_env e;
    ks_case_filter f;
    ks_due *rows = NULL;
    size_t n = 0;
    int64_t within;
    long limit;
    memset(&f, 0, sizeof f);
    if (query_within(r, &within) ||
        query_num(r, "limit", 1, LIST_MAX, LIST_DEFAULT, &limit) ||
        srv_scope_get(r, &s))
        return;
    f.limit = (size_t)limit;
    const char **team = ks_malloc((s.nteam + 1) * sizeof *team);
    int rc = KS_OK;
    if (!team || srv_desk_env(r, &e))
        rc = KS_EDB;
    else if (scope_filter(&s, &f, team))
        rc = ks_store_due_filter(e.store, &f, e.now + within, &rows, &n);
    if (rc && r->status == 0) {
        srv_error(r, SRV_E_internal, "the due list failed", NULL);
    } else if (!rc) {
        jb_lit(&r->out, "{\"items\":[");
        for (size_t i = 0; i < n; i++) {
            if (i)
                jb_lit(&r->out, ",");
            put_due(r, &s, &e, &rows[i]);
        }
        put_list_end(r, &f);
    }
    ks_due_free(rows, n);
    ks_free(team);
    srv_scope_free(&s);
}

/* ---- GET /audit ---------------------------------------------------------- */

void h_audit(srv_req *r)
{
    if (r->who.role != KS_ROLE_owner && r->who.role != KS_ROLE_admin) {
        srv_error(r, SRV_E_forbidden, "the audit check is for owners and "
                  "admins", NULL);
        return;
    }
    ks_store *st = srv_thread_store(r->th, r->sh);
    int64_t bad_seq = 0, bad_case = 0;
    size_t checked = 0;
    ks_diags d = {0};
    int rc = st ? ks_store_verify(st, &bad_seq, &bad_case, &checked, &d)
                : KS_EDB;
    if (rc != KS_OK && rc != KS_ECORRUPT) {
        srv_error(r, SRV_E_internal, "the audit chain could not be read",
                  NULL);
    } else {
        jbuf *o = &r->out;
        jb_lit(o, "{\"intact\":");
        jb_lit(o, rc == KS_OK ? "true" : "false");
        jb_key(o, "checked"), jb_int(o, (int64_t)checked);
        jb_key(o, "bad_seq");
        rc == KS_OK ? jb_lit(o, "null") : jb_int(o, bad_seq);
        jb_key(o, "bad_case");
        rc == KS_OK ? jb_lit(o, "null") : jb_int(o, bad_case);
        jb_key(o, "message");
        jb_strz(o, rc == KS_OK ? NULL : d.n ? d.items[0].msg
                                            : ks_strerror(rc));
        jb_lit(o, "}");
        r->status = 200;
    }
    ks_diags_free(&d);
}
