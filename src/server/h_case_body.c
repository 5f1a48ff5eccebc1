/*
 * The fields of the case endpoints' JSON bodies: the same values the
 * `kesu case` options take, typed (times as ISO 8601 strings, money as
 * numbers, facts as booleans or null for "unknown"), each refused with
 * invalid_field naming the field.
 */
#include "cases.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cJSON *member(const cJSON *root, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    return v && !cJSON_IsNull(v) ? v : NULL;
}

int srv_body_time(srv_req *r, const cJSON *root, const char *key,
                  int64_t *out)
{
    const cJSON *v = member(root, key);
    if (!v)
        return 0;
    if (!cJSON_IsString(v) || ks_time_parse(v->valuestring, out) != KS_OK) {
        srv_errorf(r, SRV_E_invalid_field, key, "%s must be a time such as "
                   "2024-06-05T10:00:00+08:00", key);
        return -1;
    }
    return 0;
}

int srv_body_money(srv_req *r, const cJSON *root, const char *key,
                   double *out)
{
    const cJSON *v = member(root, key);
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
        v->valuedouble < 0 || v->valuedouble > 1e9) {
        srv_errorf(r, SRV_E_invalid_field, key, "%s must be an amount in "
                   "yuan (a number from 0 to 1e9)", key);
        return -1;
    }
    *out = v->valuedouble;
    return 0;
}

int srv_body_enum(srv_req *r, const cJSON *root, const char *key,
                  int (*from_name)(const char *), int required, int *out)
{
    const cJSON *v = member(root, key);
    if (!v && !required)
        return 0;
    int x = v && cJSON_IsString(v) ? from_name(v->valuestring) : -1;
    if (x < 0) {
        srv_errorf(r, SRV_E_invalid_field, key, v ? "%s: unknown value"
                                                  : "%s is required", key);
        return -1;
    }
    *out = x;
    return 0;
}

static int body_bool(srv_req *r, const cJSON *root, const char *key,
                     int *out)
{
    const cJSON *v = member(root, key);
    if (!v)
        return 0;
    if (!cJSON_IsBool(v)) {
        srv_errorf(r, SRV_E_invalid_field, key, "%s must be true or false",
                   key);
        return -1;
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

/* true, false, or null (unknown); absent leaves *out unset. */
static int body_tristate(srv_req *r, const cJSON *root, const char *key,
                         int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v)
        return 0;
    if (cJSON_IsNull(v)) {
        *out = -1;
        return 0;
    }
    return body_bool(r, root, key, out);
}

static int body_causes(srv_req *r, const cJSON *root, ks_case_facts *f)
{
    const cJSON *v = member(root, "causes");
    if (!v)
        return 0;
    if (!cJSON_IsArray(v))
        goto bad;
    f->set_causes = 1;
    f->causes = 0;
    for (const cJSON *e = v->child; e; e = e->next) {
        int c = cJSON_IsString(e) ? ks_cause_from_name(e->valuestring) : -1;
        if (c < 0)
            goto bad;
        f->causes |= 1u << c;
    }
    return 0;
bad:
    srv_error(r, SRV_E_invalid_field, "causes must be an array of cause "
              "names (product, logistics, shipping, after_sales, service, "
              "promise, misunderstanding, unreasonable, malicious_review)",
              "causes");
    return -1;
}

int srv_body_facts(srv_req *r, const cJSON *root, ks_case_facts *f)
{
    ks_case_facts_init(f);
    return body_tristate(r, root, "other_units_bad", &f->other_units_bad) ||
           body_tristate(r, root, "transit_damage", &f->transit_damage) ||
           body_tristate(r, root, "person_checked", &f->person_checked) ||
           srv_body_enum(r, root, "risk", ks_risk_from_name, 0, &f->risk) ||
           body_causes(r, root, f) ||
           body_bool(r, root, "refused_offer", &f->refused_offer) ||
           body_bool(r, root, "batch_issue", &f->batch_issue) ||
           srv_opt_string(r, root, "note", &f->note) ||
           srv_opt_string(r, root, "evidence", &f->evidence) ||
           srv_opt_string(r, root, "conversation", &f->conv)
               ? -1 : 0;
}

int srv_duration(const char *v, int64_t *ms)
{
    char *end;
    if (!v || !strchr("0123456789", *v) || !*v)
        return -1;
    long x = strtol(v, &end, 10);
    int64_t unit = !strcmp(end, "m") ? 60000
                 : !strcmp(end, "h") ? 3600000
                 : !strcmp(end, "d") ? 86400000 : 0;
    if (end == v || x < 0 || x > 100000 || !unit)
        return -1;
    *ms = x * unit;
    return 0;
}

/* ---- POST /cases -------------------------------------------------- */

static int dup_field(srv_req *r, const cJSON *o, const char *key,
                     const char *where, char **dst)
{
    const char *v;
    if (srv_opt_string(r, o, key, &v))
        return -1;
    if (v && !(*dst = ks_strdup(v))) {
        srv_error(r, SRV_E_internal, "out of memory", where);
        return -1;
    }
    return 0;
}

static int body_order(srv_req *r, const cJSON *root, ks_case *c)
{
    static const char *const keys[] = {
        "id", "sku", "batch", "category", "carrier", "region", "price",
        "cost", "ordered_at", "shipped_at", "delivered_at",
        "shelf_life_days", NULL};
    const cJSON *o = member(root, "order");
    if (!o)
        return 0;
    if (!cJSON_IsObject(o)) {
        srv_error(r, SRV_E_invalid_field, "order must be an object", "order");
        return -1;
    }
    ks_order *od = &c->order;
    c->has_order = 1;
    if (srv_known_keys(r, o, keys) || dup_field(r, o, "id", "order", &od->id) ||
        dup_field(r, o, "sku", "order", &od->sku) ||
        dup_field(r, o, "batch", "order", &od->batch) ||
        dup_field(r, o, "category", "order", &od->category) ||
        dup_field(r, o, "carrier", "order", &od->carrier) ||
        dup_field(r, o, "region", "order", &od->region) ||
        srv_body_money(r, o, "price", &od->price) ||
        srv_body_money(r, o, "cost", &od->cost) ||
        srv_body_time(r, o, "ordered_at", &od->ordered_at) ||
        srv_body_time(r, o, "shipped_at", &od->shipped_at) ||
        srv_body_time(r, o, "delivered_at", &od->delivered_at))
        return -1;
    const cJSON *s = member(o, "shelf_life_days");
    if (s && (!cJSON_IsNumber(s) || s->valuedouble != (int)s->valuedouble ||
              s->valueint < 0 || s->valueint > 36500)) {
        srv_error(r, SRV_E_invalid_field, "shelf_life_days must be a whole "
                  "number from 0 to 36500", "shelf_life_days");
        return -1;
    }
    if (s)
        od->shelf_life_days = s->valueint;
    return 0;
}

int srv_body_new_case(srv_req *r, const cJSON *root, ks_case *c,
                      ks_case_facts *f)
{
    static const char *const keys[] = {
        "customer", "shop", "agent", "summary", "order", "feedback_at",
        "safety", "other_units_bad", "transit_damage", "person_checked",
        "risk", "causes", "refused_offer", "batch_issue", "note", "evidence",
        "conversation", NULL};
    if (srv_known_keys(r, root, keys) ||
        dup_field(r, root, "customer", "customer", &c->customer) ||
        dup_field(r, root, "shop", "shop", &c->shop) ||
        dup_field(r, root, "agent", "agent", &c->agent) ||
        dup_field(r, root, "summary", "summary", &c->summary) ||
        body_order(r, root, c) ||
        srv_body_time(r, root, "feedback_at", &c->feedback_at) ||
        body_bool(r, root, "safety", &c->safety) || srv_body_facts(r, root, f))
        return -1;
    if (!c->customer || !*c->customer) {
        srv_error(r, SRV_E_invalid_field, "customer (the buyer's id) is "
                  "required", "customer");
        return -1;
    }
    return 0;
}
