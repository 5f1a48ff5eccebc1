/*
 * The terminal report of `kesu qa`: each conversation with findings, the
 * evidence highlighted inside its message, then per-agent counts by level,
 * counts per code, risk and causes, and the coaching advice per code.
 */
#include "report.h"
#include "kesu/alloc.h"

#include <string.h>

#define CONTEXT_CPS 40

typedef struct agent_row {
    char *name;
    size_t convs;
    size_t by_level[3];     /* A, B, C */
} agent_row;

struct ks_text_report {
    FILE *out;
    int color, all;
    agent_row *agents;
    size_t nagents;
    size_t per_code[KS_INC_COUNT];
    size_t suspected[KS_INC_COUNT];
    size_t withheld[KS_INC_COUNT];
    const char *advice[KS_INC_COUNT];
    size_t per_risk[KS_RISK_COUNT];
    size_t per_cause[KS_CAUSE_COUNT];
};

ks_text_report *ks_text_report_new(FILE *out, int color, int all)
{
    ks_text_report *t = ks_calloc(1, sizeof *t);
    if (t) {
        t->out = out;
        t->color = color;
        t->all = all;
    }
    return t;
}

static agent_row *agent(ks_text_report *t, const char *name)
{
    name = name ? name : "(none)";
    for (size_t i = 0; i < t->nagents; i++)
        if (!strcmp(t->agents[i].name, name))
            return &t->agents[i];
    agent_row *a = ks_realloc(t->agents, (t->nagents + 1) * sizeof *a);
    if (!a)
        return NULL;
    t->agents = a;
    a = &t->agents[t->nagents];
    memset(a, 0, sizeof *a);
    if (!(a->name = ks_strdup(name)))
        return NULL;
    t->nagents++;
    return a;
}

/* Prints the message with [start,end) highlighted, cut to the context
 * around it when long. */
static void print_evidence(ks_text_report *t, const ks_msg *m, uint32_t start,
                           uint32_t end)
{
    size_t ncp = ks_utf8_count(m->text, m->text_len);
    size_t from = start > CONTEXT_CPS ? start - CONTEXT_CPS : 0;
    size_t to = end + CONTEXT_CPS < ncp ? end + CONTEXT_CPS : ncp;
    size_t b0 = ks_utf8_offset(m->text, m->text_len, from);
    size_t b1 = ks_utf8_offset(m->text, m->text_len, start);
    size_t b2 = ks_utf8_offset(m->text, m->text_len, end);
    size_t b3 = ks_utf8_offset(m->text, m->text_len, to);
    fprintf(t->out, "      %s%.*s%s%.*s%s%.*s%s\n", from ? "…" : "",
            (int)(b1 - b0), m->text + b0, t->color ? "\033[1;31m" : "【",
            (int)(b2 - b1), m->text + b1, t->color ? "\033[0m" : "】",
            (int)(b3 - b2), m->text + b2, to < ncp ? "…" : "");
}

static void print_causes(FILE *out, uint32_t causes)
{
    int any = 0;
    for (int k = 0; k < KS_CAUSE_COUNT; k++)
        if (causes >> k & 1u) {
            fprintf(out, "%s%s", any ? ", " : "", ks_cause_name((ks_cause)k));
            any = 1;
        }
    if (!any)
        fputs("-", out);
}

/* The model's part is said on the line: a suspicion ("?") is for a lead
 * to review before coaching from it, a withheld finding ("-") is one the
 * rules made and the model overruled, and the model's own findings carry
 * their score. */
static void print_finding(ks_text_report *t, const ks_conv *c,
                          const ks_finding *f, const char *mark)
{
    const ks_msg *m = &c->msgs[f->msg];
    fprintf(t->out, "  [%c%s] %s %s · %s %s · %s", ks_incident_level(f->code),
            mark, ks_incident_name(f->code), ks_incident_zh(f->code),
            m->id ? m->id : "-", ks_from_name(m->from), f->rule);
    if (*mark == '?')
        fprintf(t->out, " · 疑似 suspected, score %+.2f", f->score);
    else if (*mark == '-')
        fprintf(t->out, " · 模型撤回 withheld by the model, score %+.2f",
                f->score);
    else if (f->score != 0)
        fprintf(t->out, " · 模型 model, score %+.2f", f->score);
    fputc('\n', t->out);
    if (m->from == KS_FROM_SYSTEM)
        fprintf(t->out, "      (system event: %s)\n", ks_event_name(m->event));
    else
        print_evidence(t, m, f->start, f->end);
}

void ks_text_report_conv(void *arg, const ks_conv *c, const ks_result *r)
{
    ks_text_report *t = arg;
    agent_row *a = agent(t, c->agent);
    if (a)
        a->convs++;
    t->per_risk[r->risk]++;
    for (int k = 0; k < KS_CAUSE_COUNT; k++)
        t->per_cause[k] += r->causes >> k & 1u;
    if (!r->nfindings && !r->nsuspects && !r->nwithheld && !t->all)
        return;
    fprintf(t->out, "%s%s%s  客服 %s  风险 %s  原因 ", t->color ? "\033[1m" : "",
            c->id, t->color ? "\033[0m" : "", c->agent ? c->agent : "-",
            ks_risk_name(r->risk));
    print_causes(t->out, r->causes);
    fputc('\n', t->out);
    for (size_t i = 0; i < r->nfindings; i++) {
        const ks_finding *f = &r->findings[i];
        char lv = ks_incident_level(f->code);
        t->per_code[f->code]++;
        if (!t->advice[f->code])
            t->advice[f->code] = f->advice;
        if (a)
            a->by_level[lv - 'A']++;
        print_finding(t, c, f, "");
    }
    for (size_t i = 0; i < r->nsuspects; i++) {
        t->suspected[r->suspects[i].code]++;
        print_finding(t, c, &r->suspects[i], "?");
    }
    for (size_t i = 0; i < r->nwithheld; i++) {
        t->withheld[r->withheld[i].code]++;
        print_finding(t, c, &r->withheld[i], "-");
    }
    fputc('\n', t->out);
}

/* A block of counts per code, when any is not zero. */
static void print_counts(FILE *o, const char *title, const size_t *n)
{
    int any = 0;
    for (int k = 0; k < KS_INC_COUNT; k++)
        if (n[k]) {
            if (!any)
                fprintf(o, "\n%-22s %5s %s\n", title, "level", "count");
            any = 1;
            fprintf(o, "%-22s %5c %zu  %s\n", ks_incident_name((ks_incident)k),
                    ks_incident_level((ks_incident)k), n[k],
                    ks_incident_zh((ks_incident)k));
        }
}

static void print_summary(ks_text_report *t, const ks_stream_stats *st)
{
    FILE *o = t->out;
    fprintf(o, "== 汇总 summary: %zu conversations judged, %zu lines "
               "rejected ==\n\n", st->convs, st->bad);
    fprintf(o, "%-16s %8s %5s %5s %5s\n", "客服 agent", "会话", "A", "B", "C");
    for (size_t i = 0; i < t->nagents; i++) {
        agent_row *a = &t->agents[i];
        fprintf(o, "%-16s %8zu %5zu %5zu %5zu\n", a->name, a->convs,
                a->by_level[0], a->by_level[1], a->by_level[2]);
    }
    fprintf(o, "\n%-22s %5s %s\n", "事故 incident", "level", "count");
    for (int k = 0; k < KS_INC_COUNT; k++)
        if (t->per_code[k])
            fprintf(o, "%-22s %5c %zu  %s\n", ks_incident_name((ks_incident)k),
                    ks_incident_level((ks_incident)k), t->per_code[k],
                    ks_incident_zh((ks_incident)k));
    print_counts(o, "疑似 suspected (model)", t->suspected);
    print_counts(o, "撤回 withheld (model)", t->withheld);
    fprintf(o, "\n风险 risk:");
    for (int k = KS_RISK_COUNT - 1; k >= 0; k--)
        fprintf(o, "  %s %zu", ks_risk_name((ks_risk)k), t->per_risk[k]);
    fprintf(o, "\n原因 causes:");
    for (int k = 0; k < KS_CAUSE_COUNT; k++)
        if (t->per_cause[k])
            fprintf(o, "  %s %zu", ks_cause_name((ks_cause)k),
                    t->per_cause[k]);
    fputc('\n', o);
}

static void print_advice(ks_text_report *t)
{
    int any = 0;
    for (int k = 0; k < KS_INC_COUNT; k++) {
        if (!t->advice[k])
            continue;
        if (!any)
            fprintf(t->out, "\n== 诊断思路 coaching advice ==\n");
        any = 1;
        fprintf(t->out, "\n%s %s:\n  %s\n", ks_incident_name((ks_incident)k),
                ks_incident_zh((ks_incident)k), t->advice[k]);
    }
}

void ks_text_report_finish(ks_text_report *t, const ks_stream_stats *st,
                           int print)
{
    if (print) {
        print_summary(t, st);
        print_advice(t);
    }
    for (size_t i = 0; i < t->nagents; i++)
        ks_free(t->agents[i].name);
    ks_free(t->agents);
    ks_free(t);
}
