/*
 * The importer (import.h): conversations with their results into the
 * store, complaints into cases, in committed batches. Each conversation
 * is written as it comes, inside the batch's open transaction; only a
 * small record of it waits for the commit, to be reported then.
 */
#include <stdio.h>
#include <string.h>

#include "kesu/alloc.h"
#include "kesu/case.h"
#include "kesu/import.h"
#include "kesu/text.h"

enum { DEFAULT_BATCH = 64 };

/* What is reported once the batch commits (strings owned). */
typedef struct pending {
    ks_import_item it;
    char *conv, *why;
} pending;

struct ks_importer {
    ks_import_opts o;
    int open;                /* a transaction is open */
    int failed;              /* a database error: the code, sticky */
    pending *items;
    size_t n, cap;
    char *text;              /* the conversation's text, NUL-terminated */
    size_t textcap;
};

/* ---- the result line (SPEC 3.2) ------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_raw(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = ks_realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p, b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_lit(sbuf *b, const char *s) { sb_raw(b, s, strlen(s)); }

/* A JSON string literal of valid UTF-8 (NULL: null). */
static void sb_str(sbuf *b, const char *s, size_t n)
{
    if (!s) {
        sb_lit(b, "null");
        return;
    }
    sb_lit(b, "\"");
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        char esc[8];
        sb_raw(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': sb_lit(b, "\\\""); break;
        case '\\': sb_lit(b, "\\\\"); break;
        case '\n': sb_lit(b, "\\n"); break;
        case '\r': sb_lit(b, "\\r"); break;
        case '\t': sb_lit(b, "\\t"); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            sb_lit(b, esc);
        }
    }
    sb_raw(b, s + run, n - run);
    sb_lit(b, "\"");
}

static void sb_strz(sbuf *b, const char *s)
{
    sb_str(b, s, s ? strlen(s) : 0);
}

static void put_finding(sbuf *b, const ks_conv *c, const ks_finding *f)
{
    const ks_msg *m = &c->msgs[f->msg];
    size_t s = ks_utf8_offset(m->text, m->text_len, f->start);
    size_t e = ks_utf8_offset(m->text, m->text_len, f->end);
    char num[96];
    sb_lit(b, "{\"code\":\"");
    sb_lit(b, ks_incident_name(f->code));
    snprintf(num, sizeof num, "\",\"level\":\"%c\",\"rule\":",
             ks_incident_level(f->code));
    sb_lit(b, num);
    sb_strz(b, f->rule);
    sb_lit(b, ",\"message\":");
    sb_strz(b, m->id);
    snprintf(num, sizeof num, ",\"index\":%zu,\"start\":%u,\"end\":%u,"
                              "\"evidence\":", f->msg, f->start, f->end);
    sb_lit(b, num);
    sb_str(b, m->text + s, e - s);
    sb_lit(b, ",\"advice\":");
    sb_strz(b, f->advice ? f->advice : "");
    sb_lit(b, "}");
}

int ks_result_json(const ks_conv *c, const ks_result *r, char **out,
                   size_t *len)
{
    sbuf b = {0};
    sb_lit(&b, "{\"conversation\":");
    sb_strz(&b, c->id);
    sb_lit(&b, ",\"agent\":");
    sb_strz(&b, c->agent);
    sb_lit(&b, ",\"risk\":\"");
    sb_lit(&b, ks_risk_name(r->risk));
    sb_lit(&b, "\",\"causes\":[");
    for (int k = 0, first = 1; k < KS_CAUSE_COUNT; k++)
        if (r->causes >> k & 1u) {
            sb_lit(&b, first ? "\"" : ",\"");
            sb_lit(&b, ks_cause_name((ks_cause)k));
            sb_lit(&b, "\"");
            first = 0;
        }
    sb_lit(&b, "],\"findings\":[");
    for (size_t i = 0; i < r->nfindings; i++) {
        if (i)
            sb_lit(&b, ",");
        put_finding(&b, c, &r->findings[i]);
    }
    sb_lit(&b, "]}");
    if (b.oom) {
        ks_free(b.p);
        return KS_ENOMEM;
    }
    *out = b.p;
    if (len)
        *len = b.len;
    return KS_OK;
}

/* ---- cases ------------------------------------------------------------ */

static int is_complaint(const ks_result *r)
{
    return r->causes != 0 || r->risk >= KS_RISK_high;
}

/* The customer's first message, cut to 80 code points, is the summary;
 * its time is when the complaint was first raised. */
static int summarise(ks_case *c, const ks_conv *cv)
{
    for (size_t i = 0; i < cv->nmsgs; i++) {
        const ks_msg *m = &cv->msgs[i];
        if (m->from != KS_FROM_CUSTOMER || !m->text_len)
            continue;
        size_t cut = ks_utf8_offset(m->text, m->text_len, 80);
        c->summary = ks_strndup(m->text, cut);
        c->feedback_at = m->at;
        if (m->id) {
            char ref[512];
            snprintf(ref, sizeof ref, "%s#%s", cv->id, m->id);
            ks_case_add_evidence(c, ref);
        }
        return c->summary ? KS_OK : KS_ENOMEM;
    }
    return KS_OK;
}

/* Each service incident becomes a note the lead sees on the case. */
static void note_findings(ks_case *c, const ks_conv *cv, const ks_result *r)
{
    for (size_t i = 0; i < r->nfindings; i++) {
        const ks_finding *f = &r->findings[i];
        const ks_msg *m = &cv->msgs[f->msg];
        char text[512];
        snprintf(text, sizeof text, "服务事故 %s (%c) %s: %s#%s",
                 ks_incident_zh(f->code), ks_incident_level(f->code),
                 ks_incident_name(f->code), cv->id, m->id ? m->id : "?");
        ks_case_add_note(c, m->at, "qa", text);
    }
}

static int build_case(const ks_importer *im, const ks_conv *cv,
                      const ks_result *r, ks_case *c)
{
    ks_case_init(c);
    c->customer = ks_strdup(cv->customer ? cv->customer : "unknown");
    c->shop = cv->shop ? ks_strdup(cv->shop) : NULL;
    c->agent = cv->agent ? ks_strdup(cv->agent) : NULL;
    if (!c->customer || (cv->shop && !c->shop) ||
        (cv->agent && !c->agent) || ks_case_add_conv(c, cv->id))
        return KS_ENOMEM;
    c->causes = r->causes;
    c->risk = r->risk;
    c->has_order = cv->has_order;
    if (cv->has_order && ks_order_copy(&c->order, &cv->order))
        return KS_ENOMEM;
    if (r->risk == KS_RISK_critical && im->o.scanner)
        ks_qa_rule_named(im->o.scanner, im->o.pack, cv, "risk.harm",
                         &c->safety);
    c->created_at = c->updated_at = im->o.now;
    note_findings(c, cv, r);
    return summarise(c, cv);
}

/* Opens the complaint's case unless one exists. KS_OK (a refusal by
 * validation is in *why), or a database error. */
static int open_case(ks_importer *im, const ks_conv *cv, const ks_result *r,
                     ks_import_item *it, char **why)
{
    int rc = ks_store_case_by_conv(im->o.store, cv->id, &it->case_id);
    if (rc != KS_ENOENT)
        return rc;
    it->case_id = 0;
    ks_case c;
    rc = build_case(im, cv, r, &c);
    ks_diags d = {0};
    if (rc == KS_OK)
        rc = ks_store_case_create(im->o.store, &c, im->o.actor, im->o.now,
                                  &d);
    if (rc == KS_OK) {
        it->case_id = c.id;
        it->case_new = 1;
        it->safety = c.safety;
    } else if (rc == KS_EINVAL) {
        char msg[512] = "the case is invalid";
        if (d.n)
            snprintf(msg, sizeof msg, "%s: %s", d.items[0].where,
                     d.items[0].msg);
        *why = ks_strdup(msg);
        rc = *why ? KS_OK : KS_ENOMEM;
    }
    ks_diags_free(&d);
    ks_case_free(&c);
    return rc;
}

/* ---- batches ---------------------------------------------------------- */

int ks_importer_new(const ks_import_opts *o, ks_importer **out)
{
    *out = NULL;
    if (!o || !o->store || !o->pack)
        return KS_EINVAL;
    ks_importer *im = ks_calloc(1, sizeof *im);
    if (!im)
        return KS_ENOMEM;
    im->o = *o;
    if (!im->o.batch)
        im->o.batch = DEFAULT_BATCH;
    if (!im->o.actor)
        im->o.actor = "import";
    *out = im;
    return KS_OK;
}

static void drop_pending(ks_importer *im)
{
    for (size_t i = 0; i < im->n; i++) {
        ks_free(im->items[i].conv);
        ks_free(im->items[i].why);
    }
    im->n = 0;
}

/* A database failure: the open batch is lost, unreported. */
static int fail(ks_importer *im, int rc)
{
    if (im->open)
        ks_store_rollback(im->o.store);
    im->open = 0;
    drop_pending(im);
    im->failed = rc;
    return rc;
}

int ks_import_flush(ks_importer *im)
{
    if (im->failed)
        return im->failed;
    if (!im->open)
        return KS_OK;
    int rc = ks_store_commit(im->o.store);
    if (rc != KS_OK)
        return fail(im, rc);
    im->open = 0;
    for (size_t i = 0; im->o.report && i < im->n; i++) {
        pending *p = &im->items[i];
        p->it.conv = p->conv;
        p->it.rejected = p->why;
        im->o.report(im->o.arg, &p->it);
    }
    drop_pending(im);
    return KS_OK;
}

/* The text to store, NUL-terminated. */
static const char *text_of(ks_importer *im, const char *json, size_t len)
{
    if (len + 1 > im->textcap) {
        char *p = ks_realloc(im->text, len + 1);
        if (!p)
            return NULL;
        im->text = p;
        im->textcap = len + 1;
    }
    memcpy(im->text, json, len);
    im->text[len] = '\0';
    return im->text;
}

/* Stores c and r, opens the case; KS_EINVAL leaves the batch intact. */
static int write_one(ks_importer *im, const ks_conv *c, const char *json,
                     size_t len, const ks_result *r, pending *p)
{
    const char *text = text_of(im, json, len);
    char *res = NULL;
    if (!text || ks_result_json(c, r, &res, NULL) != KS_OK)
        return KS_ENOMEM;
    int rc = ks_store_conv_put(im->o.store, c, text, r, res, im->o.now,
                               &p->it.stored);
    ks_free(res);
    if (rc == KS_OK && p->it.complaint)
        rc = open_case(im, c, r, &p->it, &p->why);
    return rc;
}

int ks_import_conv(ks_importer *im, const ks_conv *c, const char *json,
                   size_t len, const ks_result *r, size_t tag)
{
    if (im->failed)
        return im->failed;
    if (!c->id || !*c->id)
        return KS_EINVAL;
    if (ks_grow(&im->items, &im->cap, im->n, sizeof *im->items, 16))
        return fail(im, KS_ENOMEM);
    if (!im->open) {
        int rc = ks_store_begin(im->o.store);
        if (rc != KS_OK)
            return fail(im, rc);
        im->open = 1;
    }
    pending *p = &im->items[im->n];
    memset(p, 0, sizeof *p);
    p->it.tag = tag;
    p->it.nfindings = r->nfindings;
    p->it.complaint = is_complaint(r);
    p->it.risk = r->risk;
    p->it.causes = r->causes;
    p->conv = ks_strdup(c->id);
    if (!p->conv)
        return fail(im, KS_ENOMEM);
    int rc = write_one(im, c, json, len, r, p);
    if (rc == KS_EINVAL) {   /* the store refused this one: skip it */
        ks_free(p->conv);
        ks_free(p->why);
        return rc;
    }
    if (rc != KS_OK) {
        ks_free(p->conv);
        ks_free(p->why);
        return fail(im, rc);
    }
    if (++im->n >= im->o.batch)
        return ks_import_flush(im);
    return KS_OK;
}

void ks_importer_free(ks_importer *im)
{
    if (!im)
        return;
    if (im->open)
        ks_store_rollback(im->o.store);
    drop_pending(im);
    ks_free(im->items);
    ks_free(im->text);
    ks_free(im);
}
