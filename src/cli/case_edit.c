/* `kesu case move|set|promise|resolve`: changes to one case. Each loads
 * the case, changes it in memory through the engine (flow guards, policy
 * deadlines), and saves it with one audit event; a refusal saves nothing. */
#include "case_cmd.h"

#include <stdlib.h>
#include <string.h>

typedef struct edit {
    ks_desk dk;
    ks_case c;
    cJSON *data;
    const char *cmd;
} edit;

/* Opens the desk and loads the case named by the first positional. */
static int edit_open(edit *e, const char *cmd, const ks_desk_opts *o,
                     const char *idarg)
{
    int64_t id;
    memset(e, 0, sizeof *e);
    e->cmd = cmd;
    ks_case_init(&e->c);
    if (ks_arg_id(cmd, idarg, &id))
        return KS_EXIT_USAGE;
    int rc = ks_desk_open(&e->dk, o, cmd, 1);
    if (rc)
        return rc;
    if ((rc = ks_desk_load(&e->dk, cmd, id, &e->c)))
        return rc;
    e->data = cJSON_CreateObject();
    return e->data ? KS_EXIT_OK : KS_EXIT_FAIL;
}

static void edit_close(edit *e)
{
    cJSON_Delete(e->data);
    ks_case_free(&e->c);
    ks_desk_close(&e->dk);
}

/* Saves and confirms; the event data is consumed. */
static int edit_commit(edit *e, const char *type, const char *what)
{
    cJSON *data = e->data;
    e->data = NULL;
    int rc = ks_case_commit(&e->dk, e->cmd, &e->c, type, data);
    return rc ? rc : ks_case_done(&e->dk, &e->c, what);
}

/* Adds a promise due by the policy's rule of the same name. */
static int add_policy_promise(edit *e, ks_promise_kind k, const char *text,
                              cJSON *list)
{
    int64_t due = ks_policy_due(e->dk.policy, ks_promise_name(k), e->dk.now);
    if (due == KS_TIME_NONE)
        due = e->dk.now + 86400000;   /* no rule: a day, said in POLICY.md */
    size_t idx;
    if (ks_case_add_promise(&e->c, k, text, e->dk.now, due, &idx))
        return -1;
    char b[40];
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "kind", ks_promise_name(k));
    cJSON_AddStringToObject(p, "due_at", ks_fmt_iso(&e->dk, due, b));
    cJSON_AddItemToArray(list, p);
    return 0;
}

/* On leaving verification the analysed fault is written into the case,
 * so later steps and reports use the verified answer. */
static void record_fault(edit *e)
{
    ks_fault_result fr;
    ks_plan pl;
    if (ks_desk_analyse(&e->dk, &e->c, &fr, &pl) == KS_OK) {
        e->c.fault = fr.fault;
        if (pl.flag_batch)
            e->c.batch_issue = 1;
        cJSON_AddStringToObject(e->data, "fault", ks_fault_name(fr.fault));
    }
    ks_fault_result_free(&fr);
    ks_plan_free(&pl);
}

int ks_case_move(int argc, char **argv)
{
    ks_desk_opts o = {0};
    ks_facts f = {0};
    ks_opt opts[] = {KS_DESK_OPTS(o), KS_FACT_OPTS(f), {0}};
    char *pos[2];
    edit e;
    int n = ks_parse_opts("case move", argc, argv, opts, pos, 2);
    if (n != 2) {
        if (n >= 0)
            fprintf(stderr, "usage: kesu case move ID STATE\n");
        return KS_EXIT_USAGE;
    }
    int to = ks_state_from_name(pos[1]);
    if (to < 0) {
        fprintf(stderr, "kesu case move: unknown state \"%s\" (new, soothing, "
                        "verifying, negotiating, resolving, closed, "
                        "escalated, or 安抚 核实 协商 处理中 完结 平台介入)\n",
                pos[1]);
        return KS_EXIT_USAGE;
    }
    int rc = edit_open(&e, "case move", &o, pos[0]);
    if (rc) {
        edit_close(&e);
        return rc;
    }
    char why[512];
    ks_state from = e.c.state;
    if (ks_facts_apply(e.cmd, &f, &e.c, e.dk.now, e.dk.actor, e.data)) {
        rc = KS_EXIT_BADINPUT;
    } else if (ks_flow_move(&e.c, (ks_state)to, e.dk.now, why, sizeof why)) {
        fprintf(stderr, "kesu case move: case #%lld stays %s: %s\n",
                (long long)e.c.id, ks_state_name(from), why);
        rc = KS_EXIT_BADINPUT;
    } else {
        cJSON_AddStringToObject(e.data, "from", ks_state_name(from));
        cJSON_AddStringToObject(e.data, "to", ks_state_name((ks_state)to));
        if (from == KS_STATE_verifying)
            record_fault(&e);
        cJSON *pl = cJSON_AddArrayToObject(e.data, "promises");
        if (to == KS_STATE_escalated &&
            add_policy_promise(&e, KS_PROMISE_evidence,
                               "平台介入:提交凭证 (upload evidence)", pl))
            rc = KS_EXIT_FAIL;
        if (!rc)
            rc = edit_commit(&e, "move", "moved");
    }
    edit_close(&e);
    return rc;
}

int ks_case_set(int argc, char **argv)
{
    ks_desk_opts o = {0};
    ks_facts f = {0};
    ks_opt opts[] = {KS_DESK_OPTS(o), KS_FACT_OPTS(f), {0}};
    char *pos[1];
    edit e;
    int n = ks_parse_opts("case set", argc, argv, opts, pos, 1);
    if (n != 1) {
        if (n == 0)
            fprintf(stderr, "usage: kesu case set ID [facts]\n");
        return KS_EXIT_USAGE;
    }
    int rc = edit_open(&e, "case set", &o, pos[0]);
    if (!rc) {
        if (ks_facts_apply(e.cmd, &f, &e.c, e.dk.now, e.dk.actor, e.data))
            rc = KS_EXIT_BADINPUT;
        else if (!cJSON_GetArraySize(e.data))
            fprintf(stderr, "kesu case set: nothing to set (see kesu case "
                            "--help)\n"), rc = KS_EXIT_USAGE;
        else
            rc = edit_commit(&e, "update", "updated");
    }
    edit_close(&e);
    return rc;
}

static int keep_promise(edit *e, const char *pid_arg, const char *note)
{
    int64_t pid;
    if (ks_arg_id(e->cmd, pid_arg, &pid))
        return KS_EXIT_USAGE;
    for (size_t i = 0; i < e->c.npromises; i++) {
        ks_promise *p = &e->c.promises[i];
        if (p->id != pid)
            continue;
        if (p->kept_at != KS_TIME_NONE) {
            fprintf(stderr, "kesu case promise: promise %lld was already "
                            "kept\n", (long long)pid);
            return KS_EXIT_BADINPUT;
        }
        p->kept_at = e->dk.now < p->made_at ? p->made_at : e->dk.now;
        cJSON_AddNumberToObject(e->data, "promise", (double)pid);
        cJSON_AddStringToObject(e->data, "kind", ks_promise_name(p->kind));
        if (note) {
            ks_case_add_note(&e->c, e->dk.now, e->dk.actor, note);
            cJSON_AddStringToObject(e->data, "note", note);
        }
        return edit_commit(e, "keep", "promise kept");
    }
    fprintf(stderr, "kesu case promise: case #%lld has no promise %lld\n",
            (long long)e->c.id, (long long)pid);
    return KS_EXIT_BADINPUT;
}

static int new_promise(edit *e, const char *kind, const char *text,
                       const char *due, const char *within)
{
    int k = ks_promise_from_name(kind);
    int64_t at = KS_TIME_NONE, span;
    if (k < 0) {
        fprintf(stderr, "kesu case promise: unknown kind \"%s\" (reply, "
                        "callback, tracking, reship, refund, compensate, "
                        "evidence, other)\n", kind);
        return KS_EXIT_USAGE;
    }
    if (due && within) {
        fprintf(stderr, "kesu case promise: give --due or --within, not "
                        "both\n");
        return KS_EXIT_USAGE;
    }
    if (due && ks_arg_time(e->cmd, "due", due, &at))
        return KS_EXIT_USAGE;
    if (within) {
        if (ks_arg_duration(e->cmd, "within", within, &span))
            return KS_EXIT_USAGE;
        at = e->dk.now + span;
    }
    if (at == KS_TIME_NONE)
        at = ks_policy_due(e->dk.policy, kind, e->dk.now);
    if (at == KS_TIME_NONE)
        at = e->dk.now + 86400000;
    if (at < e->dk.now) {
        fprintf(stderr, "kesu case promise: --due is in the past\n");
        return KS_EXIT_BADINPUT;
    }
    if (ks_case_add_promise(&e->c, (ks_promise_kind)k, text, e->dk.now, at,
                            NULL))
        return KS_EXIT_FAIL;
    char b[40];
    cJSON_AddStringToObject(e->data, "kind", ks_promise_name(k));
    cJSON_AddStringToObject(e->data, "due_at", ks_fmt_iso(&e->dk, at, b));
    if (text)
        cJSON_AddStringToObject(e->data, "text", text);
    return edit_commit(e, "promise", "promise recorded");
}

int ks_case_promise(int argc, char **argv)
{
    ks_desk_opts o = {0};
    const char *text = NULL, *due = NULL, *within = NULL, *keep = NULL,
               *note = NULL;
    ks_opt opts[] = {KS_DESK_OPTS(o), {"text", &text, NULL},
                     {"due", &due, NULL}, {"within", &within, NULL},
                     {"keep", &keep, NULL}, {"note", &note, NULL}, {0}};
    char *pos[2];
    edit e;
    int n = ks_parse_opts("case promise", argc, argv, opts, pos, 2);
    if (n < 0)
        return KS_EXIT_USAGE;
    if (n != (keep ? 1 : 2)) {
        fprintf(stderr, "usage: kesu case promise ID KIND [--text T] [--due "
                        "TIME | --within 2h]\n"
                        "       kesu case promise ID --keep PROMISE_ID\n");
        return KS_EXIT_USAGE;
    }
    int rc = edit_open(&e, "case promise", &o, pos[0]);
    if (!rc && e.c.state == KS_STATE_closed) {
        fprintf(stderr, "kesu case promise: case #%lld is closed\n",
                (long long)e.c.id);
        rc = KS_EXIT_BADINPUT;
    }
    if (!rc)
        rc = keep ? keep_promise(&e, keep, note)
                  : new_promise(&e, pos[1], text, due, within);
    edit_close(&e);
    return rc;
}

/* The promises a remedy implies (seed 000 §四: a reshipment's tracking
 * number goes to the customer at once; seed 003 信守承诺). */
static int remedy_promises(edit *e, ks_remedy r, cJSON *list)
{
    switch (r) {
    case KS_REMEDY_reship:
    case KS_REMEDY_exchange:
        return add_policy_promise(e, KS_PROMISE_reship, "补发/换货发出",
                                  list) ||
               add_policy_promise(e, KS_PROMISE_tracking,
                                  "把补发单号第一时间发给客户", list);
    case KS_REMEDY_refund:
    case KS_REMEDY_partial_refund:
    case KS_REMEDY_return_refund:
        return add_policy_promise(e, KS_PROMISE_refund, "退款到账", list);
    case KS_REMEDY_compensate:
    case KS_REMEDY_full_remedy:
        return add_policy_promise(e, KS_PROMISE_compensate, "补偿到账",
                                  list);
    default:
        return 0;
    }
}

static int resolve_apply(edit *e, ks_remedy r, const char *amount)
{
    double amt = -1;
    char why[512];
    if (amount && ks_arg_money(e->cmd, "amount", amount, &amt))
        return KS_EXIT_USAGE;
    if (e->c.state != KS_STATE_negotiating &&
        e->c.state != KS_STATE_escalated) {
        fprintf(stderr, "kesu case resolve: case #%lld is %s; a remedy is "
                        "agreed while negotiating (协商)\n",
                (long long)e->c.id, ks_state_name(e->c.state));
        return KS_EXIT_BADINPUT;
    }
    e->c.remedy = r;
    e->c.remedy_amount = amt;
    cJSON_AddStringToObject(e->data, "remedy", ks_remedy_name(r));
    if (amt >= 0)
        cJSON_AddNumberToObject(e->data, "amount", amt);
    /* A refusal is the answer itself: the case can close from here. */
    if (r != KS_REMEDY_refuse &&
        ks_flow_move(&e->c, KS_STATE_resolving, e->dk.now, why, sizeof why)) {
        fprintf(stderr, "kesu case resolve: %s\n", why);
        return KS_EXIT_BADINPUT;
    }
    if (remedy_promises(e, r, cJSON_AddArrayToObject(e->data, "promises")))
        return KS_EXIT_FAIL;
    return edit_commit(e, "resolve", "remedy agreed");
}

int ks_case_resolve(int argc, char **argv)
{
    ks_desk_opts o = {0};
    const char *amount = NULL, *note = NULL;
    ks_opt opts[] = {KS_DESK_OPTS(o), {"amount", &amount, NULL},
                     {"note", &note, NULL}, {0}};
    char *pos[2];
    edit e;
    int n = ks_parse_opts("case resolve", argc, argv, opts, pos, 2);
    if (n != 2) {
        if (n >= 0)
            fprintf(stderr, "usage: kesu case resolve ID REMEDY [--amount "
                            "X]\n");
        return KS_EXIT_USAGE;
    }
    int r = ks_remedy_from_name(pos[1]);
    if (r <= KS_REMEDY_none) {
        fprintf(stderr, "kesu case resolve: unknown remedy \"%s\" (refund, "
                        "partial_refund, return_refund, exchange, reship, "
                        "compensate, full_remedy, refuse)\n", pos[1]);
        return KS_EXIT_USAGE;
    }
    int rc = edit_open(&e, "case resolve", &o, pos[0]);
    if (!rc && note && ks_case_add_note(&e.c, e.dk.now, e.dk.actor, note))
        rc = KS_EXIT_BADINPUT;
    if (!rc)
        rc = resolve_apply(&e, (ks_remedy)r, amount);
    edit_close(&e);
    return rc;
}
