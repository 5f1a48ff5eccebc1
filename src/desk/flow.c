/*
 * The complaint flow as a state machine (SPEC 2.1; seed 000 道歉-安抚-核实-
 * 协商-补偿/退换-完结; seed 002 safety first; seed 003 信守承诺).
 *
 * The graph says which moves exist at all; the guards say why an existing
 * move is refused right now. Refusals explain themselves to the agent, in
 * Chinese first with the English gloss, because the agent is who must act.
 */
#include "kesu/case.h"

#include <stdio.h>

#define BIT(s) (1u << KS_STATE_##s)

/* Moves allowed by the graph, per state. */
static const unsigned graph[KS_STATE_COUNT] = {
    [KS_STATE_new] = BIT(soothing) | BIT(escalated),
    [KS_STATE_soothing] = BIT(verifying) | BIT(escalated),
    [KS_STATE_verifying] = BIT(negotiating) | BIT(escalated),
    /* closing from negotiating: sometimes an apology is the whole remedy
     * (seed 003: 有时客户也许只想听到真诚的道歉). */
    [KS_STATE_negotiating] = BIT(resolving) | BIT(closed) | BIT(escalated),
    /* back to negotiating when an agreed remedy falls through */
    [KS_STATE_resolving] = BIT(closed) | BIT(negotiating) | BIT(escalated),
    [KS_STATE_closed] = 0,
    [KS_STATE_escalated] = BIT(negotiating) | BIT(resolving) | BIT(closed),
};

static int refuse(char *reason, size_t cap, const char *fmt, const char *a,
                  const char *b)
{
    if (reason && cap)
        snprintf(reason, cap, fmt, a, b);
    return KS_ESTATE;
}

static int graph_refusal(const ks_case *c, ks_state to, char *reason,
                         size_t cap)
{
    const char *from = ks_state_name(c->state), *dst = ks_state_name(to);
    if (c->state == to)
        return refuse(reason, cap, "案件已处于%s状态 — already %s",
                      ks_state_zh(to), dst);
    if (c->state == KS_STATE_closed)
        return refuse(reason, cap,
                      "案件已完结,不能再改为%s — a closed case is final "
                      "(open a new case)%s", ks_state_zh(to), "");
    if (c->state == KS_STATE_new &&
        (to == KS_STATE_verifying || to == KS_STATE_negotiating))
        return refuse(reason, cap,
                      "先道歉安抚再核实:一上来就问怎么保存的,客户会觉得是在"
                      "质问他(seed 000 §一) — soothe before %s%s",
                      dst, "");
    if (reason && cap)
        snprintf(reason, cap, "不能从%s直接到%s — no move from %s to %s",
                 ks_state_zh(c->state), ks_state_zh(to), from, dst);
    return KS_ESTATE;
}

static int promise_refusal(const ks_case *c, char *reason, size_t cap)
{
    size_t open = ks_case_open_promises(c);
    const ks_promise *first = NULL;
    for (size_t i = 0; i < c->npromises && !first; i++)
        if (c->promises[i].kept_at == KS_TIME_NONE)
            first = &c->promises[i];
    if (reason && cap)
        snprintf(reason, cap,
                 "还有 %zu 项承诺未兑现(先兑现:%s),不能完结 — %zu open "
                 "promise(s), first: %s; keep them before closing",
                 open, ks_promise_zh(first->kind), open,
                 ks_promise_name(first->kind));
    return KS_ESTATE;
}

int ks_flow_check(const ks_case *c, ks_state to, char *reason,
                  size_t reason_cap)
{
    if ((unsigned)to >= KS_STATE_COUNT || (unsigned)c->state >= KS_STATE_COUNT)
        return refuse(reason, reason_cap, "未知状态 — unknown state%s%s",
                      "", "");
    if (!(graph[c->state] & (1u << to)))
        return graph_refusal(c, to, reason, reason_cap);
    if (c->safety && c->state == KS_STATE_soothing && to != KS_STATE_escalated &&
        c->person_checked != 1)
        return refuse(reason, reason_cap,
                      "安全事故:先确认人身安全、是否受伤(seed 002) — safety "
                      "case: check on the person first (record it with "
                      "--person-checked)%s%s", "", "");
    if (to == KS_STATE_resolving && c->remedy == KS_REMEDY_none)
        return refuse(reason, reason_cap,
                      "还没有与客户商定处理方案 — agree a remedy first "
                      "(kesu case resolve)%s%s", "", "");
    if (to == KS_STATE_closed && ks_case_open_promises(c))
        return promise_refusal(c, reason, reason_cap);
    return KS_OK;
}

int ks_flow_move(ks_case *c, ks_state to, int64_t now, char *reason,
                 size_t reason_cap)
{
    int rc = ks_flow_check(c, to, reason, reason_cap);
    if (rc != KS_OK)
        return rc;
    if (to == KS_STATE_escalated)
        c->prev_state = c->state;
    c->state = to;
    c->updated_at = now;
    if (to == KS_STATE_closed)
        c->closed_at = now;
    return KS_OK;
}

size_t ks_flow_next(const ks_case *c, ks_state out[KS_STATE_COUNT])
{
    size_t n = 0;
    for (int s = 0; s < KS_STATE_COUNT; s++)
        if (ks_flow_check(c, (ks_state)s, NULL, 0) == KS_OK)
            out[n++] = (ks_state)s;
    return n;
}
