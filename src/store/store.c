/*
 * The public store API (store.h): picks a backend from the URI, checks
 * arguments, validates cases and builds the "create" event, then forwards
 * to the backend's ks_store_ops. Backends never see an invalid case.
 */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kesu/alloc.h"
#include "store_int.h"

enum { KS_LIST_LIMIT = 100, KS_DUE_LIMIT = 1000 };

static int has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* "sqlite:PATH", "sqlite://PATH" or a plain PATH -> PATH; NULL for
 * another scheme. */
static const char *sqlite_path(const char *uri)
{
    if (has_prefix(uri, "sqlite://"))
        return uri + strlen("sqlite://");
    if (has_prefix(uri, "sqlite:"))
        return uri + strlen("sqlite:");
    return strstr(uri, "://") ? NULL : uri;
}

/* Callers may pass no diagnostics list; backends always get one. */
#define KS_DIAGS_OR_LOCAL(d, local) ((d) ? (d) : (local))

static int open_uri(const char *uri, ks_store **out, ks_diags *d)
{
    if (!uri || !*uri) {
        ks_diags_add(d, 0, "store", "no database given (sqlite:PATH or PATH)");
        return KS_EINVAL;
    }
    if (has_prefix(uri, "postgres://") || has_prefix(uri, "postgresql://")) {
        ks_diags_add(d, 0, uri, "the PostgreSQL backend is not built yet; "
                                "use sqlite:PATH");
        return KS_EINVAL;
    }
    const char *path = sqlite_path(uri);
    if (!path || !*path) {
        ks_diags_add(d, 0, uri, "unknown database URI (expected sqlite:PATH, "
                                "a file path, or postgres://...)");
        return KS_EINVAL;
    }
    return ks_sqlite_open(path, out, d);
}

int ks_store_open(const char *uri, ks_store **out, ks_diags *d)
{
    if (!out)
        return KS_EINVAL;
    *out = NULL;
    ks_diags local = {0};
    int rc = open_uri(uri, out, KS_DIAGS_OR_LOCAL(d, &local));
    ks_diags_free(&local);
    return rc;
}

void ks_store_close(ks_store *s)
{
    if (s)
        s->ops->close(s);
}

void ks_store_seterr(ks_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
    va_end(ap);
}

const char *ks_store_errmsg(const ks_store *s)
{
    return s ? s->errmsg : "";
}

/* Each call starts with a clean errmsg, so a message never outlives the
 * failure it explains. */
static void fresh(ks_store *s)
{
    s->errmsg[0] = '\0';
}

/* Fills errmsg when the backend did not: with the first error the call
 * added to d (from index `from`), else the code's message, for callers
 * that only print ks_store_errmsg. */
static int explain(ks_store *s, int rc, const ks_diags *d, size_t from)
{
    for (size_t i = from; rc != KS_OK && !s->errmsg[0] && d && i < d->n; i++)
        if (!d->items[i].warning)
            ks_store_seterr(s, "%s: %s", d->items[i].where, d->items[i].msg);
    if (rc != KS_OK && !s->errmsg[0])
        ks_store_seterr(s, "%s", ks_strerror(rc));
    return rc;
}

void ks_store_fresh(ks_store *s)
{
    fresh(s);
}

int ks_store_explain(ks_store *s, int rc, const ks_diags *d, size_t from)
{
    return explain(s, rc, d, from);
}

int ks_store_begin(ks_store *s)
{
    if (!s)
        return KS_EINVAL;
    fresh(s);
    return explain(s, s->ops->begin(s), NULL, 0);
}

int ks_store_commit(ks_store *s)
{
    if (!s)
        return KS_EINVAL;
    fresh(s);
    return explain(s, s->ops->commit(s), NULL, 0);
}

int ks_store_rollback(ks_store *s)
{
    if (!s)
        return KS_EINVAL;
    fresh(s);
    return explain(s, s->ops->rollback(s), NULL, 0);
}

/* ---- the "create" event ------------------------------------------------ */

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
}

static cJSON *order_json(const ks_order *o)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    add_str(j, "id", o->id);
    add_str(j, "sku", o->sku);
    add_str(j, "batch", o->batch);
    if (o->price >= 0)
        cJSON_AddNumberToObject(j, "price", o->price);
    return j;
}

static cJSON *causes_json(uint32_t causes)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < KS_CAUSE_COUNT; i++)
        if (causes & (1u << i))
            cJSON_AddItemToArray(a, cJSON_CreateString(
                                        ks_cause_name((ks_cause)i)));
    return a;
}

static cJSON *promises_json(const ks_case *c)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < c->npromises; i++) {
        cJSON *p = cJSON_CreateObject();
        if (!p)
            break;
        cJSON_AddStringToObject(p, "kind",
                                ks_promise_name(c->promises[i].kind));
        if (c->promises[i].due_at != KS_TIME_NONE)
            cJSON_AddNumberToObject(p, "due_at",
                                    (double)c->promises[i].due_at);
        cJSON_AddItemToArray(a, p);
    }
    return a;
}

/* What the case looked like when it was opened, for the audit trail: who,
 * about what, how serious, and what was promised. Returns a cJSON_malloc'ed
 * string (free with cJSON_free) or NULL when out of memory. */
static char *create_event_data(const ks_case *c)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_str(o, "shop", c->shop);
    add_str(o, "customer", c->customer);
    add_str(o, "agent", c->agent);
    add_str(o, "summary", c->summary);
    cJSON_AddStringToObject(o, "state", ks_state_name(c->state));
    cJSON_AddStringToObject(o, "risk", ks_risk_name(c->risk));
    cJSON_AddItemToObject(o, "causes", causes_json(c->causes));
    if (c->safety)
        cJSON_AddBoolToObject(o, "safety", 1);
    if (c->has_order)
        cJSON_AddItemToObject(o, "order", order_json(&c->order));
    cJSON *convs = cJSON_CreateArray();
    for (size_t i = 0; convs && i < c->nconvs; i++)
        cJSON_AddItemToArray(convs, cJSON_CreateString(c->convs[i]));
    cJSON_AddItemToObject(o, "convs", convs);
    cJSON_AddItemToObject(o, "promises", promises_json(c));
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* ---- writes ------------------------------------------------------------ */

/* The store stamps the write time: updated_at is now, created_at now
 * unless given. Returns the previous values for undoing on failure. */
static void stamp(ks_case *c, int64_t now, int64_t old[2])
{
    old[0] = c->created_at;
    old[1] = c->updated_at;
    if (c->created_at == KS_TIME_NONE)
        c->created_at = now;
    c->updated_at = now;
}

static void unstamp(ks_case *c, const int64_t old[2])
{
    c->created_at = old[0];
    c->updated_at = old[1];
}

static int case_create(ks_store *s, ks_case *c, const char *actor,
                       int64_t now, ks_diags *d)
{
    int64_t old[2];
    stamp(c, now, old);
    int rc = ks_case_validate(c, d);
    if (rc == KS_OK) {
        char *data = create_event_data(c);
        rc = data ? s->ops->case_create(s, c, actor, now, data, d)
                  : KS_ENOMEM;
        cJSON_free(data);
    }
    if (rc != KS_OK)
        unstamp(c, old);
    return rc;
}

int ks_store_case_create(ks_store *s, ks_case *c, const char *actor,
                         int64_t now, ks_diags *d)
{
    if (!s || !c)
        return KS_EINVAL;
    ks_diags local = {0}, *dd = KS_DIAGS_OR_LOCAL(d, &local);
    size_t from = dd->n;
    fresh(s);
    int rc = explain(s, case_create(s, c, actor, now, dd), dd, from);
    ks_diags_free(&local);
    return rc;
}

/* The event data must be a JSON object (or absent): it is read back by
 * people and tools, so reject anything else before it enters the chain. */
static int check_event_data(const char *data, ks_diags *d)
{
    if (!data)
        return KS_OK;
    cJSON *j = cJSON_Parse(data);
    int ok = j && cJSON_IsObject(j);
    cJSON_Delete(j);
    if (!ok)
        ks_diags_add(d, 0, "data", "the event data is not a JSON object");
    return ok ? KS_OK : KS_EINVAL;
}

static int case_save(ks_store *s, ks_case *c, const char *actor,
                     int64_t now, const char *type, const char *data,
                     ks_diags *d)
{
    int rc = KS_OK;
    if (c->id <= 0) {
        ks_diags_add(d, 0, "id", "the case was never stored (id %lld); "
                                 "create it first", (long long)c->id);
        rc = KS_EINVAL;
    }
    if (rc == KS_OK)
        rc = check_event_data(data, d);
    int64_t old[2];
    stamp(c, now, old);
    if (rc == KS_OK)
        rc = ks_case_validate(c, d);
    if (rc == KS_OK)
        rc = s->ops->case_save(s, c, actor, now, type ? type : "update",
                               data, d);
    if (rc != KS_OK)
        unstamp(c, old);
    return rc;
}

int ks_store_case_save(ks_store *s, ks_case *c, const char *actor,
                       int64_t now, const char *type, const char *data,
                       ks_diags *d)
{
    if (!s || !c)
        return KS_EINVAL;
    ks_diags local = {0}, *dd = KS_DIAGS_OR_LOCAL(d, &local);
    size_t from = dd->n;
    fresh(s);
    int rc = explain(s, case_save(s, c, actor, now, type, data, dd), dd,
                     from);
    ks_diags_free(&local);
    return rc;
}

/* ---- reads ------------------------------------------------------------- */

int ks_store_case_get(ks_store *s, int64_t id, ks_case *out)
{
    if (!s || !out)
        return KS_EINVAL;
    ks_case_init(out);
    fresh(s);
    return explain(s, id > 0 ? s->ops->case_get(s, id, out) : KS_ENOENT,
                   NULL, 0);
}

int ks_store_case_by_conv(ks_store *s, const char *conv_id, int64_t *id)
{
    if (!s || !conv_id || !id)
        return KS_EINVAL;
    *id = 0;
    fresh(s);
    return explain(s, s->ops->case_by_conv(s, conv_id, id), NULL, 0);
}

int ks_store_count_batch(ks_store *s, const char *sku, const char *batch,
                         int *n)
{
    if (!s || !n)
        return KS_EINVAL;
    *n = 0;
    fresh(s);
    /* Without a sku there is no batch to speak of. */
    return explain(s, sku ? s->ops->count_batch(s, sku, batch, n) : KS_OK,
                   NULL, 0);
}

int ks_store_count_customer(ks_store *s, const char *shop,
                            const char *customer, int *n)
{
    if (!s || !n || !customer)
        return KS_EINVAL;
    *n = 0;
    fresh(s);
    return explain(s, s->ops->count_customer(s, shop, customer, n), NULL, 0);
}

int ks_store_case_list(ks_store *s, const ks_case_filter *f,
                       ks_case_row **rows, size_t *n)
{
    if (!s || !rows || !n)
        return KS_EINVAL;
    *rows = NULL;
    *n = 0;
    ks_case_filter any = {.state = -1, .min_risk = -1};
    ks_case_filter g = f ? *f : any;
    if (!g.limit)
        g.limit = KS_LIST_LIMIT;
    fresh(s);
    return explain(s, s->ops->case_list(s, &g, rows, n), NULL, 0);
}

void ks_case_rows_free(ks_case_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        ks_free(rows[i].customer);
        ks_free(rows[i].agent);
        ks_free(rows[i].summary);
        ks_free(rows[i].shop);
    }
    ks_free(rows);
}

int ks_store_due(ks_store *s, int64_t until, size_t limit, ks_due **rows,
                 size_t *n)
{
    if (!s || !rows || !n)
        return KS_EINVAL;
    *rows = NULL;
    *n = 0;
    fresh(s);
    return explain(s, s->ops->due(s, NULL, until,
                                  limit ? limit : KS_DUE_LIMIT, rows, n),
                   NULL, 0);
}

int ks_store_due_filter(ks_store *s, const ks_case_filter *f, int64_t until,
                        ks_due **rows, size_t *n)
{
    if (!s || !f || !rows || !n)
        return KS_EINVAL;
    *rows = NULL;
    *n = 0;
    fresh(s);
    return explain(s, s->ops->due(s, f, until,
                                  f->limit ? f->limit : KS_DUE_LIMIT, rows,
                                  n),
                   NULL, 0);
}

void ks_due_free(ks_due *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        ks_free(rows[i].text);
        ks_free(rows[i].customer);
        ks_free(rows[i].agent);
    }
    ks_free(rows);
}

int ks_store_events(ks_store *s, int64_t case_id, ks_audit **out, size_t *n)
{
    if (!s || !out || !n || case_id <= 0)
        return KS_EINVAL;
    *out = NULL;
    *n = 0;
    fresh(s);
    return explain(s, s->ops->events(s, case_id, out, n), NULL, 0);
}

void ks_audits_free(ks_audit *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++)
        ks_audit_free(&e[i]);
    ks_free(e);
}

int ks_store_verify(ks_store *s, int64_t *bad_seq, int64_t *bad_case,
                    size_t *checked, ks_diags *d)
{
    int64_t seq = 0, cs = 0;
    size_t k = 0;
    if (!s)
        return KS_EINVAL;
    ks_diags local = {0}, *dd = KS_DIAGS_OR_LOCAL(d, &local);
    size_t from = dd->n;
    fresh(s);
    int rc = explain(s, s->ops->verify(s, &seq, &cs, &k, dd), dd, from);
    ks_diags_free(&local);
    if (bad_seq)
        *bad_seq = seq;
    if (bad_case)
        *bad_case = cs;
    if (checked)
        *checked = k;
    return rc;
}
