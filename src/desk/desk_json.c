/*
 * The desk's read side, shared by `kesu case show` and `kesu serve`: the
 * fault analysis and plan of a stored case, its scripts rendered with the
 * case's variables, and the case as one JSON object.
 */
#include "kesu/desk.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int utc_offset(const ks_desk_env *e)
{
    return e && e->policy ? e->policy->utc_offset_min : 480;
}

const char *ks_desk_iso(const ks_desk_env *e, int64_t t, char buf[40])
{
    return ks_time_format(t, utc_offset(e), buf);
}

int ks_desk_analyse(const ks_desk_env *e, const ks_case *c,
                    ks_fault_result *fr, ks_plan *pl)
{
    int batch = 0, history = 0;
    if (e->store && c->has_order && c->order.sku && c->order.batch)
        ks_store_count_batch(e->store, c->order.sku, c->order.batch, &batch);
    if (e->store && c->customer)
        ks_store_count_customer(e->store, c->shop, c->customer, &history);
    ks_fault_input fi = {c, batch, e->now};
    memset(fr, 0, sizeof *fr);
    memset(pl, 0, sizeof *pl);
    int rc = ks_fault_analyze(&fi, e->policy, fr);
    if (rc)
        return rc;
    /* Orders are not known to the desk; earlier cases are. */
    ks_plan_input pi = {c, fr, 0, history > 0 ? history - 1 : 0,
                        c->refused_offers};
    return ks_plan_make(&pi, e->policy, pl);
}

char *ks_desk_render(const ks_desk_env *e, const ks_case *c, const char *id,
                     double amount)
{
    const ks_script *sc =
        id && e->scripts ? ks_script_get(e->scripts, id) : NULL;
    if (!sc)
        return NULL;
    ks_var vars[18];
    char bufs[1024], days[16], date[40];
    size_t n = ks_case_vars(c, amount, NULL, vars, 16, bufs, sizeof bufs);
    /* The two the case alone cannot give: the category's after-sales
     * window (policy) and today's date. */
    const ks_window *w = ks_policy_window(
        e->policy, c->has_order ? c->order.category : NULL);
    if (w) {
        snprintf(days, sizeof days, "%d", w->days);
        vars[n++] = (ks_var){"days", days};
    }
    ks_desk_iso(e, e->now, date);
    date[10] = '\0';
    vars[n++] = (ks_var){"date", date};
    char *out = NULL;
    return ks_script_render(sc, vars, n, e->traditional, &out) == KS_OK
               ? out : NULL;
}

double ks_plan_script_amount(const ks_plan *pl, size_t i)
{
    const ks_offer *o = &pl->offers[i];
    if (o->amount >= 0 || !o->choice_group)
        return o->amount;
    for (size_t j = 0; j < pl->noffers; j++)
        if (pl->offers[j].choice_group == o->choice_group &&
            pl->offers[j].amount >= 0)
            return pl->offers[j].amount;
    return o->amount;
}

/* ---- JSON ------------------------------------------------------------ */

static void add_time(const ks_desk_env *e, cJSON *o, const char *k,
                     int64_t t)
{
    char b[40];
    if (t == KS_TIME_NONE)
        cJSON_AddNullToObject(o, k);
    else
        cJSON_AddStringToObject(o, k, ks_desk_iso(e, t, b));
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static void add_lines(cJSON *o, const char *k, const ks_lines *l)
{
    cJSON *a = cJSON_AddArrayToObject(o, k);
    for (size_t i = 0; i < l->n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(l->items[i]));
}

static cJSON *json_order(const ks_desk_env *e, const ks_case *c)
{
    const ks_order *o = &c->order;
    cJSON *j = cJSON_CreateObject();
    add_str(j, "id", o->id);
    add_str(j, "sku", o->sku);
    add_str(j, "batch", o->batch);
    add_str(j, "category", o->category);
    add_str(j, "carrier", o->carrier);
    add_str(j, "region", o->region);
    if (o->price >= 0)
        cJSON_AddNumberToObject(j, "price", o->price);
    if (o->cost >= 0)
        cJSON_AddNumberToObject(j, "cost", o->cost);
    add_time(e, j, "ordered_at", o->ordered_at);
    add_time(e, j, "shipped_at", o->shipped_at);
    add_time(e, j, "delivered_at", o->delivered_at);
    if (o->shelf_life_days >= 0)
        cJSON_AddNumberToObject(j, "shelf_life_days", o->shelf_life_days);
    return j;
}

static cJSON *json_promises(const ks_desk_env *e, const ks_case *c)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < c->npromises; i++) {
        const ks_promise *p = &c->promises[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "id", (double)p->id);
        cJSON_AddStringToObject(j, "kind", ks_promise_name(p->kind));
        add_str(j, "text", p->text);
        add_time(e, j, "made_at", p->made_at);
        add_time(e, j, "due_at", p->due_at);
        add_time(e, j, "kept_at", p->kept_at);
        cJSON_AddBoolToObject(j, "overdue", p->kept_at == KS_TIME_NONE &&
                                                p->due_at < e->now);
        cJSON_AddItemToArray(a, j);
    }
    return a;
}

static cJSON *json_plan(const ks_desk_env *e, const ks_case *c,
                        const ks_plan *pl)
{
    cJSON *j = cJSON_CreateObject();
    add_lines(j, "checklist", &pl->checklist);
    cJSON *offers = cJSON_AddArrayToObject(j, "offers");
    for (size_t i = 0; i < pl->noffers; i++) {
        const ks_offer *o = &pl->offers[i];
        cJSON *oj = cJSON_CreateObject();
        cJSON_AddStringToObject(oj, "remedy", ks_remedy_name(o->remedy));
        if (o->amount >= 0)
            cJSON_AddNumberToObject(oj, "amount", o->amount);
        cJSON_AddNumberToObject(oj, "step", o->step);
        cJSON_AddNumberToObject(oj, "choice_group", o->choice_group);
        add_str(oj, "why", o->why);
        add_str(oj, "script_id", o->script);
        char *s = ks_desk_render(e, c, o->script,
                                 ks_plan_script_amount(pl, i));
        add_str(oj, "script", s);
        free(s);
        cJSON_AddItemToArray(offers, oj);
    }
    cJSON_AddStringToObject(j, "refund_type", ks_remedy_name(pl->refund_type));
    add_str(j, "responsibility", pl->responsibility);
    add_lines(j, "refund_advice", &pl->refund_advice);
    add_lines(j, "tips", &pl->tips);
    cJSON_AddBoolToObject(j, "escalate_to_lead", pl->escalate_to_lead);
    cJSON_AddBoolToObject(j, "flag_batch", pl->flag_batch);
    return j;
}

static cJSON *json_causes(uint32_t causes)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < KS_CAUSE_COUNT; i++)
        if (causes >> i & 1)
            cJSON_AddItemToArray(a, cJSON_CreateString(ks_cause_name(i)));
    return a;
}

static cJSON *json_case(const ks_desk_env *e, const ks_case *c,
                        const ks_fault_result *fr, const ks_plan *pl)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "id", (double)c->id);
    cJSON_AddStringToObject(j, "state", ks_state_name(c->state));
    cJSON_AddStringToObject(j, "risk", ks_risk_name(c->risk));
    cJSON_AddItemToObject(j, "causes", json_causes(c->causes));
    add_str(j, "customer", c->customer);
    add_str(j, "shop", c->shop);
    add_str(j, "agent", c->agent);
    add_str(j, "summary", c->summary);
    cJSON_AddBoolToObject(j, "safety", c->safety);
    cJSON_AddBoolToObject(j, "batch_issue", c->batch_issue);
    if (c->has_order)
        cJSON_AddItemToObject(j, "order", json_order(e, c));
    cJSON *convs = cJSON_AddArrayToObject(j, "conversations");
    for (size_t i = 0; i < c->nconvs; i++)
        cJSON_AddItemToArray(convs, cJSON_CreateString(c->convs[i]));
    cJSON_AddStringToObject(j, "fault", ks_fault_name(fr->fault));
    add_lines(j, "fault_reasons", &fr->why);
    cJSON_AddStringToObject(j, "remedy", ks_remedy_name(c->remedy));
    if (c->remedy_amount >= 0)
        cJSON_AddNumberToObject(j, "remedy_amount", c->remedy_amount);
    cJSON_AddNumberToObject(j, "refused_offers", c->refused_offers);
    add_time(e, j, "feedback_at", c->feedback_at);
    add_time(e, j, "created_at", c->created_at);
    add_time(e, j, "updated_at", c->updated_at);
    add_time(e, j, "closed_at", c->closed_at);
    cJSON_AddItemToObject(j, "promises", json_promises(e, c));
    cJSON_AddItemToObject(j, "plan", json_plan(e, c, pl));
    return j;
}

int ks_desk_case_json(const ks_desk_env *e, const ks_case *c, char **out)
{
    ks_fault_result fr;
    ks_plan pl;
    *out = NULL;
    int rc = ks_desk_analyse(e, c, &fr, &pl);
    if (rc == KS_OK) {
        cJSON *j = json_case(e, c, &fr, &pl);
        *out = j ? cJSON_PrintUnformatted(j) : NULL;
        cJSON_Delete(j);
        if (!*out)
            rc = KS_ENOMEM;
    }
    ks_fault_result_free(&fr);
    ks_plan_free(&pl);
    return rc;
}
