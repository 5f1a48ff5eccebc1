/* `kesu case show`: one case with its fault reasoning, the planned offers
 * with their scripts, promises and the audit timeline; as text for an
 * agent or JSON for a program. */
#include "desk.h"

#include <stdlib.h>
#include <string.h>

/* The scripts, rendered by the desk library with the case's variables. */
static char *render(ks_desk *dk, const ks_case *c, const char *id,
                    double amount)
{
    ks_desk_env e = ks_desk_env_of(dk);
    return ks_desk_render(&e, c, id, amount);
}

static void print_causes(FILE *f, uint32_t causes)
{
    int any = 0;
    for (int i = 0; i < KS_CAUSE_COUNT; i++)
        if (causes >> i & 1)
            fprintf(f, "%s%s(%s)", any++ ? ", " : "", ks_cause_zh(i),
                    ks_cause_name(i));
    if (!any)
        fprintf(f, "—");
}

static void print_order(ks_desk *dk, const ks_case *c, FILE *f)
{
    const ks_order *o = &c->order;
    char b[4][32];
    if (!c->has_order)
        return;
    fprintf(f, "订单 order   %s  %s", o->id ? o->id : "—",
            o->sku ? o->sku : "—");
    if (o->batch)
        fprintf(f, "  批次 %s", o->batch);
    if (o->category)
        fprintf(f, "  %s", o->category);
    if (o->price >= 0)
        fprintf(f, "  ¥%.2f", o->price);
    if (o->cost >= 0)
        fprintf(f, " (成本 ¥%.2f)", o->cost);
    fprintf(f, "  %s %s\n", o->carrier ? o->carrier : "",
            o->region ? o->region : "");
    fprintf(f, "            下单 %s  发货 %s  签收 %s  反馈 %s\n",
            ks_fmt_time(dk, o->ordered_at, b[0]),
            ks_fmt_time(dk, o->shipped_at, b[1]),
            ks_fmt_time(dk, o->delivered_at, b[2]),
            ks_fmt_time(dk, c->feedback_at, b[3]));
}

static void print_head(ks_desk *dk, const ks_case *c, FILE *f)
{
    ks_state next[KS_STATE_COUNT];
    size_t nn = ks_flow_next(c, next);
    fprintf(f, "案件 case #%lld  [%s %s]  风险 risk: %s %s%s%s\n",
            (long long)c->id, ks_state_zh(c->state), ks_state_name(c->state),
            ks_risk_zh(c->risk), ks_risk_name(c->risk),
            c->safety ? "  ⚠ 安全事故 safety" : "",
            c->batch_issue ? "  批量问题 batch" : "");
    fprintf(f, "客户 customer %s  店铺 shop %s  客服 agent %s\n",
            c->customer, c->shop ? c->shop : "—", c->agent ? c->agent : "—");
    fprintf(f, "原因 causes  ");
    print_causes(f, c->causes);
    fprintf(f, "\n");
    if (c->summary)
        fprintf(f, "摘要 summary %s\n", c->summary);
    print_order(dk, c, f);
    for (size_t i = 0; i < c->nconvs; i++)
        fprintf(f, "会话 conversation %s\n", c->convs[i]);
    if (c->remedy != KS_REMEDY_none) {
        fprintf(f, "处理 remedy  %s (%s)", ks_remedy_zh(c->remedy),
                ks_remedy_name(c->remedy));
        if (c->remedy_amount >= 0)
            fprintf(f, " ¥%.2f", c->remedy_amount);
        fprintf(f, "\n");
    }
    fprintf(f, "下一步 next ");
    for (size_t i = 0; i < nn; i++)
        fprintf(f, "%s%s", i ? " | " : "", ks_state_name(next[i]));
    fprintf(f, "%s\n", nn ? "" : "— (final)");
}

static void print_fault(const ks_fault_result *fr, FILE *f)
{
    fprintf(f, "\n核实 fault analysis: %s (%s)\n", ks_fault_zh(fr->fault),
            ks_fault_name(fr->fault));
    for (size_t i = 0; i < fr->why.n; i++)
        fprintf(f, "  - %s\n", fr->why.items[i]);
}

/* One script per 2选1 group: the offers of a group are one sentence. */
static int script_shown_before(const ks_plan *pl, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (pl->offers[i].choice_group &&
            pl->offers[j].choice_group == pl->offers[i].choice_group &&
            pl->offers[j].script && pl->offers[i].script &&
            !strcmp(pl->offers[j].script, pl->offers[i].script))
            return 1;
    return 0;
}

static void print_offer(ks_desk *dk, const ks_case *c, const ks_plan *pl,
                        size_t i, FILE *f)
{
    const ks_offer *o = &pl->offers[i];
    fprintf(f, "  %zu. %s%s (%s)", i + 1,
            o->choice_group ? "[2选1] " : "", ks_remedy_zh(o->remedy),
            ks_remedy_name(o->remedy));
    if (o->amount >= 0)
        fprintf(f, " ¥%.2f", o->amount);
    if (o->step)
        fprintf(f, "  阶梯第 %d 步", o->step);
    fprintf(f, "\n     %s\n", o->why ? o->why : "");
    if (script_shown_before(pl, i))
        return;
    char *s = render(dk, c, o->script, ks_plan_script_amount(pl, i));
    if (s)
        fprintf(f, "     话术 script [%s]: %s\n", o->script, s);
    free(s);
}

static void print_plan(ks_desk *dk, const ks_case *c, const ks_plan *pl,
                       FILE *f)
{
    fprintf(f, "\n处理方案 plan%s%s\n",
            pl->escalate_to_lead ? "  (上报主管 tell the lead)" : "",
            pl->flag_batch ? "  (批量问题:质检/召回/下架)" : "");
    for (size_t i = 0; i < pl->checklist.n; i++)
        fprintf(f, "  [先做 first] %s\n", pl->checklist.items[i]);
    for (size_t i = 0; i < pl->noffers; i++)
        print_offer(dk, c, pl, i, f);
    if (pl->responsibility)
        fprintf(f, "  退款类型 refund type: %s (%s责任 %s)\n",
                ks_remedy_zh(pl->refund_type),
                strcmp(pl->responsibility, "seller") ? "买家" : "卖家",
                pl->responsibility);
    for (size_t i = 0; i < pl->refund_advice.n; i++)
        fprintf(f, "    · %s\n", pl->refund_advice.items[i]);
    for (size_t i = 0; i < pl->tips.n; i++)
        fprintf(f, "  风险提示 tip: %s\n", pl->tips.items[i]);
}

static void print_promises(ks_desk *dk, const ks_case *c, FILE *f)
{
    char b1[32], b2[32], sp[32];
    if (!c->npromises)
        return;
    fprintf(f, "\n承诺 promises\n");
    for (size_t i = 0; i < c->npromises; i++) {
        const ks_promise *p = &c->promises[i];
        fprintf(f, "  #%lld %s (%s) due %s", (long long)p->id,
                ks_promise_zh(p->kind), ks_promise_name(p->kind),
                ks_fmt_time(dk, p->due_at, b1));
        if (p->kept_at != KS_TIME_NONE)
            fprintf(f, "  kept %s", ks_fmt_time(dk, p->kept_at, b2));
        else if (p->due_at < dk->now)
            fprintf(f, "  OVERDUE 逾期 %s",
                    ks_fmt_span(dk->now - p->due_at, sp));
        else
            fprintf(f, "  open, %s left", ks_fmt_span(p->due_at - dk->now, sp));
        fprintf(f, "%s%s\n", p->text ? "  " : "", p->text ? p->text : "");
    }
}

/* The case's own events, each re-hashed: an altered record shows here
 * without walking the whole chain (`kesu case verify` does that). */
static void print_timeline(ks_desk *dk, const ks_case *c, FILE *f)
{
    ks_audit *ev = NULL;
    size_t n = 0;
    char b[32];
    if (ks_store_events(dk->store, c->id, &ev, &n) != KS_OK)
        return;
    fprintf(f, "\n时间线 timeline\n");
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char h[32];
        ks_audit_hash(&ev[i], h);
        int ok = !memcmp(h, ev[i].hash, 32);
        bad += !ok;
        fprintf(f, "  %s  %-8s %-8s %s%s\n", ks_fmt_time(dk, ev[i].at, b),
                ev[i].actor, ev[i].type, ev[i].data,
                ok ? "" : "  ✗ ALTERED");
    }
    for (size_t i = 0; i < c->nnotes; i++)
        fprintf(f, "  %s  note %s: %s\n", ks_fmt_time(dk, c->notes[i].at, b),
                c->notes[i].author ? c->notes[i].author : "",
                c->notes[i].text);
    fprintf(f, "审计 audit: %zu events, %s\n", n,
            bad ? "ALTERED — run kesu case verify" : "hashes intact");
    ks_audits_free(ev, n);
}

static int print_text(ks_desk *dk, const ks_case *c, const ks_fault_result *fr,
                      const ks_plan *pl, FILE *f)
{
    print_head(dk, c, f);
    if (c->state != KS_STATE_closed) {
        print_fault(fr, f);
        print_plan(dk, c, pl, f);
    }
    print_promises(dk, c, f);
    print_timeline(dk, c, f);
    return KS_EXIT_OK;
}

/* ---- JSON: the desk library's view (also GET /api/v1/cases/{id}) ---- */

static int print_json(ks_desk *dk, const ks_case *c, FILE *f)
{
    ks_desk_env e = ks_desk_env_of(dk);
    char *s = NULL;
    int rc = ks_desk_case_json(&e, c, &s);
    if (rc == KS_OK)
        fprintf(f, "%s\n", s);
    else
        fprintf(stderr, "kesu case: case %lld not analysed: %s\n",
                (long long)c->id, ks_strerror(rc));
    free(s);
    return rc == KS_OK ? KS_EXIT_OK : KS_EXIT_FAIL;
}

int ks_case_print(ks_desk *dk, const ks_case *c, FILE *f)
{
    ks_fault_result fr;
    ks_plan pl;
    if (dk->json)
        return print_json(dk, c, f);
    ks_desk_env e = ks_desk_env_of(dk);
    int rc = ks_desk_analyse(&e, c, &fr, &pl);
    if (rc == KS_OK)
        rc = print_text(dk, c, &fr, &pl, f);
    else
        fprintf(stderr, "kesu case: case %lld not analysed: %s\n",
                (long long)c->id, ks_strerror(rc));
    ks_fault_result_free(&fr);
    ks_plan_free(&pl);
    return rc < 0 ? KS_EXIT_FAIL : rc;
}
