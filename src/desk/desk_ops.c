/*
 * The desk's changes to one case, shared by `kesu case` and `kesu serve`.
 * Each applies the change in memory through the engine (flow guards,
 * policy deadlines) and saves the case with one audit event whose data
 * says what changed; a refusal (KS_EINVAL, KS_ESTATE, KS_ENOENT with a
 * diagnostic in d) saves nothing.
 */
#include "kesu/desk.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000

void ks_case_facts_init(ks_case_facts *f)
{
    memset(f, 0, sizeof *f);
    f->other_units_bad = f->transit_damage = f->person_checked =
        KS_FACT_UNSET;
    f->risk = -1;
}

int ks_case_facts_any(const ks_case_facts *f)
{
    return f->other_units_bad != KS_FACT_UNSET ||
           f->transit_damage != KS_FACT_UNSET ||
           f->person_checked != KS_FACT_UNSET || f->risk >= 0 ||
           f->set_causes || f->refused_offer || f->batch_issue || f->note ||
           f->evidence || f->conv;
}

static int refuse(ks_diags *d, int rc, const char *where, const char *fmt,
                  const char *arg)
{
    if (d)
        ks_diags_add(d, 0, where, fmt, arg);
    return rc;
}

/* "product,logistics" */
static void causes_text(uint32_t causes, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < KS_CAUSE_COUNT && n < cap; i++)
        if (causes >> i & 1)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "," : "",
                                  ks_cause_name(i));
}

static int add_text(ks_case *c, const ks_desk_env *e, const char *field,
                    const char *v, ks_diags *d)
{
    int rc = !strcmp(field, "note")
                 ? ks_case_add_note(c, e->now, e->actor, v)
             : !strcmp(field, "evidence") ? ks_case_add_evidence(c, v)
                                          : ks_case_add_conv(c, v);
    if (rc == KS_EINVAL)
        return refuse(d, rc, field, "%s must not be empty", field);
    return rc;
}

/* Applies the facts to c and records them in data. */
static int apply_facts(const ks_desk_env *e, ks_case *c,
                       const ks_case_facts *f, cJSON *data, ks_diags *d)
{
    if (f->other_units_bad != KS_FACT_UNSET) {
        c->other_units_bad = f->other_units_bad;
        cJSON_AddNumberToObject(data, "other_units_bad", f->other_units_bad);
    }
    if (f->transit_damage != KS_FACT_UNSET) {
        c->transit_damage = f->transit_damage;
        cJSON_AddNumberToObject(data, "transit_damage", f->transit_damage);
    }
    if (f->person_checked != KS_FACT_UNSET) {
        c->person_checked = f->person_checked;
        cJSON_AddNumberToObject(data, "person_checked", f->person_checked);
    }
    if (f->risk >= 0) {
        c->risk = (ks_risk)f->risk;
        cJSON_AddStringToObject(data, "risk", ks_risk_name(c->risk));
    }
    if (f->set_causes) {
        char b[256];
        c->causes = f->causes;
        causes_text(f->causes, b, sizeof b);
        cJSON_AddStringToObject(data, "causes", b);
    }
    if (f->refused_offer) {
        c->refused_offers++;
        cJSON_AddNumberToObject(data, "refused_offers", c->refused_offers);
    }
    if (f->batch_issue) {
        c->batch_issue = 1;
        cJSON_AddBoolToObject(data, "batch_issue", 1);
    }
    int rc = KS_OK;
    if (f->note && (rc = add_text(c, e, "note", f->note, d)))
        return rc;
    if (f->evidence && (rc = add_text(c, e, "evidence", f->evidence, d)))
        return rc;
    if (f->conv && (rc = add_text(c, e, "conv", f->conv, d)))
        return rc;
    if (f->note)
        cJSON_AddStringToObject(data, "note", f->note);
    if (f->evidence)
        cJSON_AddStringToObject(data, "evidence", f->evidence);
    if (f->conv)
        cJSON_AddStringToObject(data, "conversation", f->conv);
    return KS_OK;
}

/* Saves c with one event of `type` whose data is the JSON object
 * (consumed). */
static int commit(const ks_desk_env *e, ks_case *c, const char *type,
                  cJSON *data, ks_diags *d)
{
    char *text = data ? cJSON_PrintUnformatted(data) : NULL;
    cJSON_Delete(data);
    if (!text)
        return KS_ENOMEM;
    c->updated_at = e->now;
    int rc = ks_store_case_save(e->store, c, e->actor, e->now, type, text, d);
    free(text);
    return rc;
}

int ks_desk_create(const ks_desk_env *e, ks_case *c, const ks_case_facts *f,
                   ks_diags *d)
{
    if (!c->customer || !*c->customer)
        return refuse(d, KS_EINVAL, "customer", "%s",
                      "the customer (the buyer's id) is required");
    if (c->feedback_at == KS_TIME_NONE)
        c->feedback_at = e->now;
    if (c->safety && c->risk < KS_RISK_critical)
        c->risk = KS_RISK_critical;   /* harm to a person: SPEC 2.3 */
    c->created_at = c->updated_at = e->now;
    /* The store writes the "create" event from the case itself. */
    cJSON *scratch = cJSON_CreateObject();
    int rc = scratch ? apply_facts(e, c, f, scratch, d) : KS_ENOMEM;
    cJSON_Delete(scratch);
    return rc ? rc : ks_store_case_create(e->store, c, e->actor, e->now, d);
}

/* Adds a promise due by the policy's rule of the same name. */
static int policy_promise(const ks_desk_env *e, ks_case *c,
                          ks_promise_kind k, const char *text, cJSON *list)
{
    int64_t due = ks_policy_due(e->policy, ks_promise_name(k), e->now);
    if (due == KS_TIME_NONE)
        due = e->now + DAY_MS;   /* no rule: a day, said in POLICY.md */
    int rc = ks_case_add_promise(c, k, text, e->now, due, NULL);
    if (rc)
        return rc;
    char b[40];
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "kind", ks_promise_name(k));
    cJSON_AddStringToObject(p, "due_at", ks_desk_iso(e, due, b));
    cJSON_AddItemToArray(list, p);
    return KS_OK;
}

/* On leaving verification the analysed fault is written into the case,
 * so later steps and reports use the verified answer. */
static void record_fault(const ks_desk_env *e, ks_case *c, cJSON *data)
{
    ks_fault_result fr;
    ks_plan pl;
    if (ks_desk_analyse(e, c, &fr, &pl) == KS_OK) {
        c->fault = fr.fault;
        if (pl.flag_batch)
            c->batch_issue = 1;
        cJSON_AddStringToObject(data, "fault", ks_fault_name(fr.fault));
    }
    ks_fault_result_free(&fr);
    ks_plan_free(&pl);
}

int ks_desk_move(const ks_desk_env *e, ks_case *c, ks_state to,
                 const ks_case_facts *f, ks_diags *d)
{
    char why[512];
    ks_state from = c->state;
    cJSON *data = cJSON_CreateObject();
    int rc = data ? apply_facts(e, c, f, data, d) : KS_ENOMEM;
    if (rc == KS_OK && ks_flow_move(c, to, e->now, why, sizeof why)) {
        rc = refuse(d, KS_ESTATE, "to", "%s", why);
    } else if (rc == KS_OK) {
        cJSON_AddStringToObject(data, "from", ks_state_name(from));
        cJSON_AddStringToObject(data, "to", ks_state_name(to));
        if (from == KS_STATE_verifying)
            record_fault(e, c, data);
        cJSON *pl = cJSON_AddArrayToObject(data, "promises");
        if (to == KS_STATE_escalated)
            rc = policy_promise(e, c, KS_PROMISE_evidence,
                                "平台介入:提交凭证 (upload evidence)", pl);
        if (rc == KS_OK) {
            rc = commit(e, c, "move", data, d);
            data = NULL;
        }
    }
    cJSON_Delete(data);
    return rc;
}

int ks_desk_set(const ks_desk_env *e, ks_case *c, const ks_case_facts *f,
                ks_diags *d)
{
    if (!ks_case_facts_any(f))
        return refuse(d, KS_EINVAL, "facts", "%s", "nothing to set");
    cJSON *data = cJSON_CreateObject();
    int rc = data ? apply_facts(e, c, f, data, d) : KS_ENOMEM;
    if (rc == KS_OK)
        return commit(e, c, "update", data, d);
    cJSON_Delete(data);
    return rc;
}

static int refuse_closed(const ks_case *c, ks_diags *d)
{
    char b[64];
    snprintf(b, sizeof b, "case #%lld is closed", (long long)c->id);
    return refuse(d, KS_ESTATE, "state", "%s", b);
}

int ks_desk_promise(const ks_desk_env *e, ks_case *c, ks_promise_kind kind,
                    const char *text, int64_t due_at, ks_diags *d)
{
    if (c->state == KS_STATE_closed)
        return refuse_closed(c, d);
    if (kind < 0 || kind >= KS_PROMISE_COUNT)
        return refuse(d, KS_EINVAL, "kind", "%s", "unknown promise kind");
    int64_t at = due_at;
    if (at == KS_TIME_NONE)
        at = ks_policy_due(e->policy, ks_promise_name(kind), e->now);
    if (at == KS_TIME_NONE)
        at = e->now + DAY_MS;
    if (at < e->now)
        return refuse(d, KS_EINVAL, "due", "%s", "the due time is in the past");
    int rc = ks_case_add_promise(c, kind, text, e->now, at, NULL);
    if (rc)
        return rc;
    char b[40];
    cJSON *data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "kind", ks_promise_name(kind));
    cJSON_AddStringToObject(data, "due_at", ks_desk_iso(e, at, b));
    if (text)
        cJSON_AddStringToObject(data, "text", text);
    return commit(e, c, "promise", data, d);
}

int ks_desk_keep(const ks_desk_env *e, ks_case *c, int64_t promise,
                 const char *note, ks_diags *d)
{
    char b[96];
    if (c->state == KS_STATE_closed)
        return refuse_closed(c, d);
    for (size_t i = 0; i < c->npromises; i++) {
        ks_promise *p = &c->promises[i];
        if (p->id != promise)
            continue;
        if (p->kept_at != KS_TIME_NONE) {
            snprintf(b, sizeof b, "promise %lld was already kept",
                     (long long)promise);
            return refuse(d, KS_ESTATE, "promise", "%s", b);
        }
        if (note && *note == '\0')
            return refuse(d, KS_EINVAL, "note", "%s", "note must not be empty");
        p->kept_at = e->now < p->made_at ? p->made_at : e->now;
        cJSON *data = cJSON_CreateObject();
        cJSON_AddNumberToObject(data, "promise", (double)promise);
        cJSON_AddStringToObject(data, "kind", ks_promise_name(p->kind));
        if (note) {
            int rc = ks_case_add_note(c, e->now, e->actor, note);
            if (rc) {
                cJSON_Delete(data);
                return rc;
            }
            cJSON_AddStringToObject(data, "note", note);
        }
        return commit(e, c, "keep", data, d);
    }
    snprintf(b, sizeof b, "case #%lld has no promise %lld", (long long)c->id,
             (long long)promise);
    return refuse(d, KS_ENOENT, "promise", "%s", b);
}

/* The promises a remedy implies (seed 000 §四: a reshipment's tracking
 * number goes to the customer at once; seed 003 信守承诺). */
static int remedy_promises(const ks_desk_env *e, ks_case *c, ks_remedy r,
                           cJSON *list)
{
    switch (r) {
    case KS_REMEDY_reship:
    case KS_REMEDY_exchange:
        return policy_promise(e, c, KS_PROMISE_reship, "补发/换货发出",
                              list) ||
               policy_promise(e, c, KS_PROMISE_tracking,
                              "把补发单号第一时间发给客户", list);
    case KS_REMEDY_refund:
    case KS_REMEDY_partial_refund:
    case KS_REMEDY_return_refund:
        return policy_promise(e, c, KS_PROMISE_refund, "退款到账", list);
    case KS_REMEDY_compensate:
    case KS_REMEDY_full_remedy:
        return policy_promise(e, c, KS_PROMISE_compensate, "补偿到账", list);
    default:
        return KS_OK;
    }
}

int ks_desk_resolve(const ks_desk_env *e, ks_case *c, ks_remedy r,
                    double amount, const char *note, ks_diags *d)
{
    char why[512];
    if (r <= KS_REMEDY_none || r >= KS_REMEDY_COUNT)
        return refuse(d, KS_EINVAL, "remedy", "%s", "unknown remedy");
    if (note && ks_case_add_note(c, e->now, e->actor, note))
        return refuse(d, KS_EINVAL, "note", "%s", "note must not be empty");
    if (c->state != KS_STATE_negotiating && c->state != KS_STATE_escalated) {
        snprintf(why, sizeof why, "case #%lld is %s; a remedy is agreed "
                 "while negotiating (协商)", (long long)c->id,
                 ks_state_name(c->state));
        return refuse(d, KS_ESTATE, "state", "%s", why);
    }
    c->remedy = r;
    c->remedy_amount = amount < 0 ? -1 : amount;
    /* A refusal is the answer itself: the case can close from here. */
    if (r != KS_REMEDY_refuse &&
        ks_flow_move(c, KS_STATE_resolving, e->now, why, sizeof why))
        return refuse(d, KS_ESTATE, "remedy", "%s", why);
    cJSON *data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "remedy", ks_remedy_name(r));
    if (amount >= 0)
        cJSON_AddNumberToObject(data, "amount", amount);
    if (remedy_promises(e, c, r, cJSON_AddArrayToObject(data, "promises"))) {
        cJSON_Delete(data);
        return KS_ENOMEM;
    }
    return commit(e, c, "resolve", data, d);
}

int ks_desk_note(const ks_desk_env *e, ks_case *c, const char *text,
                 ks_diags *d)
{
    ks_case_facts f;
    ks_case_facts_init(&f);
    f.note = text ? text : "";
    cJSON *data = cJSON_CreateObject();
    int rc = data ? apply_facts(e, c, &f, data, d) : KS_ENOMEM;
    if (rc == KS_OK)
        return commit(e, c, "note", data, d);
    cJSON_Delete(data);
    return rc;
}
