/*
 * POST /api/v1/guard — the reply guard. A draft agent reply (and,
 * optionally, the conversation so far) in; the findings the draft would
 * cause, and the script to say instead, out. It runs on the request's
 * thread with that thread's scanner and never touches the store (the
 * credential check aside), so its cost is one small JSON parse and one
 * ks_qa().
 */
#include "server.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUARD_MAX_CONTEXT 500   /* messages */

static const char *const guard_keys[] = {"reply", "context", "shop", "agent",
                                         NULL};

typedef struct guard_in {
    const char *reply, *shop, *agent;
    const cJSON *context;    /* array or NULL */
    size_t nctx;
} guard_in;

/* Reads and checks the request's fields. 0, or -1 after answering. */
static int read_input(srv_req *r, const cJSON *root, guard_in *in)
{
    memset(in, 0, sizeof *in);
    if (srv_known_keys(r, root, guard_keys) ||
        srv_opt_string(r, root, "reply", &in->reply) ||
        srv_opt_string(r, root, "shop", &in->shop) ||
        srv_opt_string(r, root, "agent", &in->agent))
        return -1;
    if (!in->reply || !*in->reply) {
        srv_error(r, SRV_E_invalid_field, "reply (the draft) is required",
                  "reply");
        return -1;
    }
    in->context = cJSON_GetObjectItemCaseSensitive(root, "context");
    if (in->context && cJSON_IsNull(in->context))
        in->context = NULL;
    if (in->context && !cJSON_IsArray(in->context)) {
        srv_error(r, SRV_E_invalid_field,
                  "context must be an array of SPEC 3.1 messages", "context");
        return -1;
    }
    in->nctx = in->context ? (size_t)cJSON_GetArraySize(in->context) : 0;
    if (in->nctx > GUARD_MAX_CONTEXT) {
        srv_errorf(r, SRV_E_invalid_field, "context",
                   "at most %d context messages", GUARD_MAX_CONTEXT);
        return -1;
    }
    return 0;
}

/* The conversation as SPEC 3.1 text: context, then the draft. */
static int conv_text(jbuf *b, const guard_in *in)
{
    jb_reset(b);
    jb_lit(b, "{\"id\":\"guard\"");
    if (in->shop)
        jb_key(b, "shop"), jb_strz(b, in->shop);
    if (in->agent)
        jb_key(b, "agent"), jb_strz(b, in->agent);
    jb_lit(b, ",\"messages\":[");
    for (const cJSON *m = in->context ? in->context->child : NULL; m;
         m = m->next) {
        char *t = cJSON_PrintUnformatted(m);
        if (!t)
            return KS_ENOMEM;
        jb_lit(b, t);
        jb_lit(b, ",");
        free(t);
    }
    jb_lit(b, "{\"from\":\"agent\",\"text\":");
    jb_strz(b, in->reply);
    jb_lit(b, "}]}");
    return b->oom ? KS_ENOMEM : KS_OK;
}

/* Maps a conversation diagnostic's "messages[i]..." to the request's
 * "context[i]..." or "reply". */
static void guard_where(const char *where, size_t nctx, char *out, size_t cap)
{
    const char *m = strstr(where, "messages[");
    if (!m) {
        snprintf(out, cap, "context");
        return;
    }
    size_t i = strtoul(m + 9, NULL, 10);
    if (i >= nctx)
        snprintf(out, cap, "reply");
    else
        snprintf(out, cap, "context%s", m + 8);
}

/* Parses the conversation: the fast reader first, cJSON with located
 * errors when the fast one declines. 0, or -1 after answering. */
static int build_conv(srv_req *r, const guard_in *in, ks_conv *c, int *owned)
{
    srv_thread *t = r->th;
    if (conv_text(&t->tmp, in)) {
        srv_error(r, SRV_E_internal, "out of memory", NULL);
        return -1;
    }
    *owned = 0;
    if (ks_conv_from_json_fast(&t->convbuf, t->tmp.p, t->tmp.len, c) == KS_OK)
        return 0;
    ks_diags d = {0};
    int rc = ks_conv_from_json(t->tmp.p, t->tmp.len, c, &d, "");
    if (rc == KS_OK) {
        *owned = 1;
    } else {
        char where[128];
        const ks_diag *e = NULL;
        for (size_t i = 0; i < d.n && !e; i++)
            if (!d.items[i].warning)
                e = &d.items[i];
        guard_where(e ? e->where : "", in->nctx, where, sizeof where);
        srv_error(r, rc == KS_ENOMEM ? SRV_E_internal : SRV_E_invalid_field,
                  e ? e->msg : ks_strerror(rc), where);
    }
    ks_diags_free(&d);
    return rc == KS_OK ? 0 : -1;
}

/* {id, title, text} of sc rendered for the draft, or null. */
static void put_script(jbuf *o, const guard_in *in, const ks_script *sc)
{
    char *text = NULL;
    ks_var vars[] = {{"agent", in->agent}, {"shop", in->shop}};
    if (!sc || ks_script_render(sc, vars, 2, 0, &text) != KS_OK) {
        jb_lit(o, "null");
        return;
    }
    jb_lit(o, "{\"id\":");
    jb_strz(o, sc->id);
    jb_key(o, "title"), jb_strz(o, sc->title);
    jb_key(o, "text"), jb_strz(o, text);
    jb_lit(o, "}");
    free(text);
}

static void put_finding(srv_req *r, const guard_in *in, const ks_conv *c,
                        const ks_finding *f)
{
    jbuf *o = &r->out;
    const ks_msg *m = &c->msgs[f->msg];
    size_t b = ks_utf8_offset(m->text, m->text_len, f->start);
    size_t e = ks_utf8_offset(m->text, m->text_len, f->end);
    char level[2] = {ks_incident_level(f->code), '\0'};
    jb_lit(o, "{\"code\":");
    jb_strz(o, ks_incident_name(f->code));
    jb_key(o, "level"), jb_strz(o, level);
    jb_key(o, "rule"), jb_strz(o, f->rule);
    jb_key(o, "start"), jb_int(o, f->start);
    jb_key(o, "end"), jb_int(o, f->end);
    jb_key(o, "evidence"), jb_str(o, m->text + b, e - b);
    jb_key(o, "advice"), jb_strz(o, f->advice ? f->advice : "");
    jb_key(o, "script");
    put_script(o, in, ks_script_for_incident(r->th->book->scripts, f->code));
    jb_lit(o, "}");
}

/* The script to say instead: the rewrite for the draft's most severe
 * finding; without one, soothing when the customer complained (a cause or
 * a raised risk), else a script for any stage. */
static void put_suggestion(srv_req *r, const guard_in *in, const ks_result *res,
                           size_t draft)
{
    const ks_scripts *all = r->th->book->scripts;
    const ks_script *best = NULL;
    char best_level = 'Z';
    for (size_t i = 0; i < res->nfindings; i++) {
        const ks_finding *f = &res->findings[i];
        const ks_script *sc = ks_script_for_incident(all, f->code);
        if (f->msg == draft && sc && ks_incident_level(f->code) < best_level)
            best = sc, best_level = ks_incident_level(f->code);
    }
    if (best) {
        put_script(&r->out, in, best);
        return;
    }
    int cause = -1;
    for (int k = 0; k < KS_CAUSE_COUNT && cause < 0; k++)
        if (res->causes >> k & 1u)
            cause = k;
    int stage = cause >= 0 || res->risk > KS_RISK_normal ? KS_STATE_soothing
                                                          : -1;
    put_script(&r->out, in, ks_script_pick(all, stage, cause, -1));
}

static void answer(srv_req *r, const guard_in *in, const ks_conv *c,
                   const ks_result *res)
{
    size_t draft = c->nmsgs - 1, n = 0;
    jbuf *o = &r->out;
    jb_lit(o, "{\"ok\":");
    for (size_t i = 0; i < res->nfindings; i++)
        n += res->findings[i].msg == draft;
    jb_lit(o, n ? "false" : "true");
    jb_lit(o, ",\"findings\":[");
    for (size_t i = 0, k = 0; i < res->nfindings; i++)
        if (res->findings[i].msg == draft) {
            if (k++)
                jb_lit(o, ",");
            put_finding(r, in, c, &res->findings[i]);
        }
    jb_lit(o, "],\"risk\":");
    jb_strz(o, ks_risk_name(res->risk));
    jb_lit(o, ",\"suggestion\":");
    if (n)
        put_suggestion(r, in, res, draft);
    else
        jb_lit(o, "null");
    jb_lit(o, "}");
    r->status = 200;
}

void h_guard(srv_req *r)
{
    cJSON *root = srv_body_object(r);
    guard_in in;
    ks_conv c;
    int owned = 0;
    if (!root || read_input(r, root, &in) || build_conv(r, &in, &c, &owned)) {
        cJSON_Delete(root);
        return;
    }
    ks_scanner *s = srv_thread_scanner(r->th, r->sh);
    int rc = KS_EINVAL;
    if (s) {    /* the rules alone: see ks_scanner_model() */
        ks_scanner_model(s, 0);
        rc = ks_qa(s, &c, &r->th->result);
        ks_scanner_model(s, 1);
    }
    if (rc != KS_OK)
        srv_error(r, SRV_E_internal, "the QA engine failed", NULL);
    else
        answer(r, &in, &c, &r->th->result);
    if (owned)
        ks_conv_free(&c);
    cJSON_Delete(root);
}
