/*
 * POST /api/v1/cases/{id}/{move,set,promise,keep,resolve,note}: what
 * `kesu case move|set|promise|promise --keep|resolve` and `set --note` do,
 * through the same desk library calls, with the caller as the audit actor.
 * The case must be visible to the caller (agents: their own; else 404).
 * The answer is the updated case; a refused flow move is 409 conflict
 * with the flow's reason (citing the seed) as the message.
 */
#include "cases.h"

#include <cjson/cJSON.h>
#include <string.h>

#define ANSWERED 1   /* an action's result: it has answered already */

typedef int (*action_fn)(srv_req *r, const cJSON *root,
                         const ks_desk_env *e, ks_case *c, ks_diags *d);

#define FACT_KEYS                                                         \
    "other_units_bad", "transit_damage", "person_checked", "risk",        \
        "causes", "refused_offer", "batch_issue", "note", "evidence",     \
        "conversation"

static void run(srv_req *r, const char *const *keys, action_fn fn)
{
    srv_scope s;
    ks_desk_env e;
    ks_case c;
    ks_diags d = {0};
    cJSON *root = srv_body_object(r);
    if (!root || srv_known_keys(r, root, keys) || srv_scope_get(r, &s)) {
        cJSON_Delete(root);
        return;
    }
    if (!srv_desk_env(r, &e) && !srv_case_load(r, &s, &c)) {
        int rc = fn(r, root, &e, &c, &d);
        if (rc == KS_OK)
            srv_case_answer(r, &s, &e, &c, 200);
        else if (rc != ANSWERED)
            srv_desk_error(r, rc, &d);
        ks_case_free(&c);
    }
    ks_diags_free(&d);
    cJSON_Delete(root);
    srv_scope_free(&s);
}

static int do_move(srv_req *r, const cJSON *root, const ks_desk_env *e,
                   ks_case *c, ks_diags *d)
{
    int to;
    ks_case_facts f;
    if (srv_body_enum(r, root, "to", ks_state_from_name, 1, &to) ||
        srv_body_facts(r, root, &f))
        return ANSWERED;
    return ks_desk_move(e, c, (ks_state)to, &f, d);
}

static int do_set(srv_req *r, const cJSON *root, const ks_desk_env *e,
                  ks_case *c, ks_diags *d)
{
    ks_case_facts f;
    if (srv_body_facts(r, root, &f))
        return ANSWERED;
    return ks_desk_set(e, c, &f, d);
}

static int do_promise(srv_req *r, const cJSON *root, const ks_desk_env *e,
                      ks_case *c, ks_diags *d)
{
    int kind;
    const char *text, *within;
    int64_t due = KS_TIME_NONE;
    if (srv_body_enum(r, root, "kind", ks_promise_from_name, 1, &kind) ||
        srv_opt_string(r, root, "text", &text) ||
        srv_opt_string(r, root, "within", &within) ||
        srv_body_time(r, root, "due", &due))
        return ANSWERED;
    if (within && due != KS_TIME_NONE) {
        srv_error(r, SRV_E_invalid_field, "give due or within, not both",
                  "within");
        return ANSWERED;
    }
    if (within) {
        int64_t span;
        if (srv_duration(within, &span)) {
            srv_error(r, SRV_E_invalid_field, "within must be a duration "
                      "such as 30m, 24h or 7d", "within");
            return ANSWERED;
        }
        due = e->now + span;
    }
    return ks_desk_promise(e, c, (ks_promise_kind)kind, text, due, d);
}

static int do_keep(srv_req *r, const cJSON *root, const ks_desk_env *e,
                   ks_case *c, ks_diags *d)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "promise");
    const char *note;
    if (!cJSON_IsNumber(p) || p->valuedouble < 1 ||
        p->valuedouble > 9007199254740991.0 ||
        p->valuedouble != (double)(int64_t)p->valuedouble) {
        srv_error(r, SRV_E_invalid_field, "promise must be a promise id "
                  "(a whole number)", "promise");
        return ANSWERED;
    }
    if (srv_opt_string(r, root, "note", &note))
        return ANSWERED;
    return ks_desk_keep(e, c, (int64_t)p->valuedouble, note, d);
}

static int do_resolve(srv_req *r, const cJSON *root, const ks_desk_env *e,
                      ks_case *c, ks_diags *d)
{
    int remedy;
    double amount = -1;
    const char *note;
    if (srv_body_enum(r, root, "remedy", ks_remedy_from_name, 1, &remedy) ||
        srv_body_money(r, root, "amount", &amount) ||
        srv_opt_string(r, root, "note", &note))
        return ANSWERED;
    if (remedy == KS_REMEDY_none) {
        srv_error(r, SRV_E_invalid_field, "remedy: choose one (refund, "
                  "partial_refund, return_refund, exchange, reship, "
                  "compensate, full_remedy, refuse)", "remedy");
        return ANSWERED;
    }
    return ks_desk_resolve(e, c, (ks_remedy)remedy, amount, note, d);
}

static int do_note(srv_req *r, const cJSON *root, const ks_desk_env *e,
                   ks_case *c, ks_diags *d)
{
    const char *text;
    if (srv_opt_string(r, root, "text", &text))
        return ANSWERED;
    if (!text || !*text) {
        srv_error(r, SRV_E_invalid_field, "text (the note) is required",
                  "text");
        return ANSWERED;
    }
    return ks_desk_note(e, c, text, d);
}

void h_case_move(srv_req *r)
{
    static const char *const keys[] = {"to", FACT_KEYS, NULL};
    run(r, keys, do_move);
}

void h_case_set(srv_req *r)
{
    static const char *const keys[] = {FACT_KEYS, NULL};
    run(r, keys, do_set);
}

void h_case_promise(srv_req *r)
{
    static const char *const keys[] = {"kind", "text", "due", "within",
                                       NULL};
    run(r, keys, do_promise);
}

void h_case_keep(srv_req *r)
{
    static const char *const keys[] = {"promise", "note", NULL};
    run(r, keys, do_keep);
}

void h_case_resolve(srv_req *r)
{
    static const char *const keys[] = {"remedy", "amount", "note", NULL};
    run(r, keys, do_resolve);
}

void h_case_note(srv_req *r)
{
    static const char *const keys[] = {"text", NULL};
    run(r, keys, do_note);
}
