/*
 * GET /api/v1/rules, POST /api/v1/rules/reload, GET /api/v1/policy — the
 * rule book the server runs on. A reload loads the whole rules directory
 * again (QA pack, desk policy, scripts); if any part fails, the answer
 * lists every located error and the running book stays. One server serves
 * every shop on it, so only an admin may reload.
 */
#include "server.h"

#include <stdio.h>

#include "kesu/codes.h"

static int put_rule(const ks_rule_info *ri, void *arg)
{
    jbuf *o = arg;
    jb_lit(o, o->p[o->len - 1] == '[' ? "{" : ",{");
    jb_key(o, "name"), jb_strz(o, ri->name);
    jb_key(o, "kind"), jb_strz(o, ri->kind);
    jb_key(o, "code"), jb_strz(o, ri->code);
    jb_key(o, "where"), jb_strz(o, ri->where);
    jb_lit(o, "}");
    return 0;
}

static void put_book(jbuf *o, const srv_config *cfg, const srv_book *b)
{
    ks_pack_stats st;
    char at[40];
    ks_pack_get_stats(b->pack, &st);
    jb_lit(o, "{");
    jb_key(o, "generation"), jb_int(o, b->gen);
    jb_key(o, "loaded_at");
    jb_strz(o, ks_time_format(b->loaded_at, b->policy->utc_offset_min, at));
    jb_key(o, "dir"), jb_strz(o, cfg->rules);
    jb_key(o, "policy_overlay"), jb_strz(o, cfg->policy);
    jb_key(o, "lists"), jb_int(o, (int64_t)st.lists);
    jb_key(o, "words"), jb_int(o, (int64_t)st.words);
    jb_key(o, "regexes"), jb_int(o, (int64_t)st.regexes);
    jb_key(o, "examples"), jb_int(o, (int64_t)st.examples);
    jb_key(o, "rules"), jb_lit(o, "[");
    ks_pack_each_rule(b->pack, put_rule, o);
    jb_lit(o, "]}");
}

void h_rules(srv_req *r)
{
    put_book(&r->out, r->sh->cfg, r->th->book);
    r->status = 200;
}

void h_rules_reload(srv_req *r)
{
    if (r->who.role != KS_ROLE_admin) {
        srv_error(r, SRV_E_forbidden,
                  "only an admin may reload the rules (they serve every shop)",
                  NULL);
        return;
    }
    ks_diags d = {0};
    srv_book *b = srv_book_load(r->sh->cfg, &d);
    if (!b) {
        srv_error_diags(r, SRV_E_invalid_rules,
                        "the rules were not reloaded; the running rules stay",
                        &d);
    } else {
        srv_book_install(r->sh->books, b);
        srv_thread_sync(r->th, r->sh);
        put_book(&r->out, r->sh->cfg, r->th->book);
        r->status = 200;
    }
    ks_diags_free(&d);
}

/* ---- GET /api/v1/policy ------------------------------------------------ */

static const char *clock_name(ks_clock c)
{
    static const char *const names[] = {"calendar", "business", "workdays",
                                        "same_day"};
    return (unsigned)c < 4 ? names[c] : "calendar";
}

static void put_day(jbuf *o, int32_t day)
{
    char buf[40];
    ks_time_format((int64_t)day * 86400000, 0, buf);
    buf[10] = '\0';
    jb_strz(o, buf);
}

static void put_days(jbuf *o, const char *key, const int32_t *d, size_t n)
{
    jb_key(o, key), jb_lit(o, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            jb_lit(o, ",");
        put_day(o, d[i]);
    }
    jb_lit(o, "]");
}

static void put_deadlines(jbuf *o, const ks_policy *p)
{
    jb_key(o, "deadlines"), jb_lit(o, "[");
    for (size_t i = 0; i < p->ndeadlines; i++) {
        const ks_deadline_rule *d = &p->deadlines[i];
        jb_lit(o, i ? ",{" : "{");
        jb_key(o, "name"), jb_strz(o, d->name);
        jb_key(o, "clock"), jb_strz(o, clock_name(d->clock));
        jb_key(o, "within_minutes"), jb_int(o, d->within_ms / 60000);
        jb_key(o, "workdays"), jb_int(o, d->workdays);
        jb_key(o, "source"), jb_strz(o, d->source);
        jb_lit(o, "}");
    }
    jb_lit(o, "]");
}

static void put_windows(jbuf *o, const ks_policy *p)
{
    jb_key(o, "windows"), jb_lit(o, "[");
    for (size_t i = 0; i < p->nwindows; i++) {
        const ks_window *w = &p->windows[i];
        jb_lit(o, i ? ",{" : "{");
        jb_key(o, "category"), jb_strz(o, w->category);
        jb_key(o, "days"), jb_int(o, w->days);
        jb_key(o, "no_reason_return"),
            jb_lit(o, w->no_reason_return ? "true" : "false");
        jb_key(o, "source"), jb_strz(o, w->source);
        jb_lit(o, "}");
    }
    jb_lit(o, "]");
    jb_key(o, "carriers"), jb_lit(o, "[");
    for (size_t i = 0; i < p->ncarriers; i++) {
        jb_lit(o, i ? ",{" : "{");
        jb_key(o, "carrier"), jb_strz(o, p->carriers[i].carrier);
        jb_key(o, "transit_days"), jb_int(o, p->carriers[i].transit_days);
        jb_lit(o, "}");
    }
    jb_lit(o, "]");
}

static void put_planner(jbuf *o, const ks_policy *p)
{
    char num[32];
    jb_key(o, "stance");
    jb_strz(o, p->stance == KS_STANCE_COST ? "cost" : "reputation");
    snprintf(num, sizeof num, "%.2f", p->goodwill_max_price);
    jb_key(o, "goodwill_max_price"), jb_lit(o, num);
    snprintf(num, sizeof num, "%.4f", p->compensation_share);
    jb_key(o, "compensation_share"), jb_lit(o, num);
    jb_key(o, "ladder"), jb_lit(o, "[");
    for (size_t i = 0; i < p->nladder; i++) {
        snprintf(num, sizeof num, "%s%.4f", i ? "," : "", p->ladder[i]);
        jb_lit(o, num);
    }
    jb_lit(o, "]");
    jb_key(o, "batch_threshold"), jb_int(o, p->batch_threshold);
    jb_key(o, "repeat_contacts_high"), jb_int(o, p->repeat_contacts_high);
}

void h_policy(srv_req *r)
{
    const ks_policy *p = r->th->book->policy;
    jbuf *o = &r->out;
    char hm[8];
    jb_lit(o, "{");
    jb_key(o, "generation"), jb_int(o, r->th->book->gen);
    jb_key(o, "utc_offset_minutes"), jb_int(o, p->utc_offset_min);
    snprintf(hm, sizeof hm, "%02d:%02d", p->work_start_min / 60 % 100,
             p->work_start_min % 60);
    jb_key(o, "work_start"), jb_strz(o, hm);
    snprintf(hm, sizeof hm, "%02d:%02d", p->work_end_min / 60 % 100,
             p->work_end_min % 60);
    jb_key(o, "work_end"), jb_strz(o, hm);
    put_days(o, "holidays", p->holidays, p->nholidays);
    put_days(o, "makeup_days", p->makeup_days, p->nmakeup);
    put_deadlines(o, p);
    put_windows(o, p);
    jb_key(o, "perishable"), jb_lit(o, "[");
    for (size_t i = 0; i < p->nperishable; i++) {
        if (i)
            jb_lit(o, ",");
        jb_strz(o, p->perishable[i]);
    }
    jb_lit(o, "]");
    put_planner(o, p);
    jb_lit(o, "}");
    r->status = 200;
}
