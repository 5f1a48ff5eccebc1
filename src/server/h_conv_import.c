/*
 * POST /api/v1/conversations — SPEC 3.1 JSON Lines in, streamed: the
 * body is cut into lines as its chunks arrive, and each complete line is
 * parsed, judged with the thread's scanner and imported (ks_importer:
 * stored with its result and findings, a case opened for a complaint, in
 * committed batches) before the next chunk is read. Memory stays at one
 * line (at most cfg->line_limit bytes) whatever the body's size.
 *
 * A bad line is an error for that line (with its number) and the rest
 * goes on; a line longer than the limit is skipped unread. Batches
 * committed before a failure (a database error, a body past the import
 * limit) stay: importing is idempotent, so sending the file again
 * completes it.
 */
#include "server.h"

#include <stdio.h>
#include <string.h>

#include "kesu/alloc.h"

enum { MAX_ERRORS = 100, IMPORT_BATCH = 256 };

typedef struct imp_state {
    int refused;             /* the caller may not import: 403 at the end */
    int failed;              /* internal error: 500 at the end */
    char failmsg[256];
    ks_importer *im;
    jbuf carry;              /* the line begun in an earlier chunk */
    int skipping;            /* inside a line past the limit */
    size_t lineno;
    size_t lines, stored, existing, rejected, findings, cases;
    jbuf errors;             /* the "errors" array's items */
    size_t nerrors;
} imp_state;

static void state_free(void *p)
{
    imp_state *s = p;
    if (!s)
        return;
    ks_importer_free(s->im);   /* rolls back a batch never flushed */
    jb_free(&s->carry);
    jb_free(&s->errors);
    ks_free(s);
}

static void line_error(imp_state *s, size_t line, const char *code,
                       const char *msg)
{
    s->rejected++;
    if (s->nerrors++ >= MAX_ERRORS)
        return;
    jbuf *e = &s->errors;
    if (e->len)
        jb_lit(e, ",");
    jb_lit(e, "{\"line\":");
    jb_int(e, (int64_t)line);
    jb_key(e, "code"), jb_strz(e, code);
    jb_key(e, "message"), jb_strz(e, msg);
    jb_lit(e, "}");
}

static void fail(imp_state *s, const char *msg)
{
    if (!s->failed)
        snprintf(s->failmsg, sizeof s->failmsg, "%s", msg);
    s->failed = 1;
}

/* Reported by the importer once a batch committed. */
static void on_imported(void *arg, const ks_import_item *it)
{
    imp_state *s = arg;
    if (it->stored) {
        s->stored++;
        s->findings += it->nfindings;
    } else {
        s->existing++;
    }
    s->cases += it->case_new;
    if (it->rejected && s->nerrors++ < MAX_ERRORS) {
        char msg[600];
        snprintf(msg, sizeof msg, "stored, but no case opened: %s",
                 it->rejected);
        if (s->errors.len)
            jb_lit(&s->errors, ",");
        jb_lit(&s->errors, "{\"line\":");
        jb_int(&s->errors, (int64_t)it->tag);
        jb_key(&s->errors, "code"), jb_strz(&s->errors, "invalid_field");
        jb_key(&s->errors, "message"), jb_strz(&s->errors, msg);
        jb_lit(&s->errors, "}");
    }
}

static imp_state *state_new(srv_req *r)
{
    imp_state *s = ks_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    r->stream = s;
    r->stream_free = state_free;
    ks_role role = r->who.role;
    if (role != KS_ROLE_admin && role != KS_ROLE_owner &&
        role != KS_ROLE_lead) {
        s->refused = 1;
        return s;
    }
    ks_store *st = srv_thread_store(r->th, r->sh);
    ks_scanner *sc = srv_thread_scanner(r->th, r->sh);
    ks_import_opts o = {st, r->th->book->pack, sc, IMPORT_BATCH, r->who.name,
                        srv_now_ms(), on_imported, s};
    if (!st || !sc || ks_importer_new(&o, &s->im) != KS_OK)
        fail(s, "the store or the QA engine is not available");
    return s;
}

/* Parses a line: the fast reader, else ks_conv_from_json() for the
 * verdict. 0 (*owned: free c), or -1 after recording the line's error. */
static int parse_line(srv_req *r, imp_state *s, const char *line,
                      size_t len, ks_conv *c, int *owned)
{
    *owned = 0;
    if (ks_conv_from_json_fast(&r->th->convbuf, line, len, c) == KS_OK)
        return 0;
    ks_diags d = {0};
    int rc = ks_conv_from_json(line, len, c, &d, "");
    const ks_diag *e = NULL;
    for (size_t i = 0; i < d.n && !e; i++)
        if (!d.items[i].warning)
            e = &d.items[i];
    if (rc == KS_OK && !e) {
        *owned = 1;
        ks_diags_free(&d);
        return 0;
    }
    if (rc == KS_OK)
        ks_conv_free(c);
    char msg[512];
    const char *where = e ? e->where : "";
    /* Syntax and encoding errors are located by column or byte, field
     * errors by their JSON path. */
    int syntax = rc == KS_EUTF8 || !strncmp(where, "column ", 7) ||
                 !strncmp(where, "byte ", 5);
    snprintf(msg, sizeof msg, "%s%s%s", where, *where ? ": " : "",
             e ? e->msg : ks_strerror(rc));
    if (rc == KS_ENOMEM)
        fail(s, "out of memory");
    else
        line_error(s, s->lineno, syntax ? "bad_json" : "invalid_field", msg);
    ks_diags_free(&d);
    return -1;
}

/* May the caller import a conversation of this shop? */
static int shop_allowed(const srv_req *r, const ks_conv *c)
{
    if (r->who.role == KS_ROLE_admin)
        return 1;
    return c->shop && !strcmp(c->shop, r->who.shop);
}

static void import_line(srv_req *r, imp_state *s, const char *line,
                        size_t len)
{
    s->lineno++;
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
                   line[len - 1] == '\t'))
        len--;
    if (!len || s->failed || s->refused)
        return;
    s->lines++;
    ks_conv c;
    int owned;
    if (parse_line(r, s, line, len, &c, &owned))
        return;
    ks_result *res = &r->th->result;
    if (!shop_allowed(r, &c)) {
        char msg[200];
        snprintf(msg, sizeof msg, "conversation %.64s is of shop %.64s, not "
                 "yours", c.id, c.shop ? c.shop : "(none)");
        line_error(s, s->lineno, "forbidden", msg);
    } else if (ks_qa(srv_thread_scanner(r->th, r->sh), &c, res) != KS_OK) {
        fail(s, "the QA engine failed");
    } else {
        int rc = ks_import_conv(s->im, &c, line, len, res, s->lineno);
        if (rc == KS_EINVAL)
            line_error(s, s->lineno, "invalid_field",
                       ks_store_errmsg(srv_thread_store(r->th, r->sh)));
        else if (rc != KS_OK)
            fail(s, rc == KS_ENOMEM ? "out of memory"
                                    : "the database refused the import");
    }
    if (owned)
        ks_conv_free(&c);
}

/* A line too long to import: reported once, its bytes dropped. */
static void too_long(srv_req *r, imp_state *s)
{
    s->lineno++;
    s->lines++;
    s->skipping = 1;
    jb_reset(&s->carry);
    char msg[128];
    snprintf(msg, sizeof msg, "line longer than %zu bytes skipped",
             r->sh->cfg->line_limit);
    line_error(s, s->lineno, "invalid_field", msg);
}

/* Takes bytes up to (not including) a line end, or the last bytes. */
static void take(srv_req *r, imp_state *s, const char *p, size_t n,
                 int ends)
{
    size_t lim = r->sh->cfg->line_limit;
    if (s->skipping) {
        if (ends)
            s->skipping = 0;
        return;
    }
    if (s->carry.len + n > lim) {
        too_long(r, s);
        s->skipping = !ends;
        return;
    }
    if (!ends) {
        jb_raw(&s->carry, p, n);
        if (s->carry.oom)
            fail(s, "out of memory");
        return;
    }
    if (!s->carry.len) {   /* the usual case: a whole line in the chunk */
        import_line(r, s, p, n);
        return;
    }
    jb_raw(&s->carry, p, n);
    if (s->carry.oom)
        fail(s, "out of memory");
    else
        import_line(r, s, s->carry.p, s->carry.len);
    jb_reset(&s->carry);
}

void h_conv_import_chunk(srv_req *r, const char *data, size_t n)
{
    imp_state *s = r->stream ? r->stream : state_new(r);
    if (!s) {
        r->body.oom = 1;   /* answered as out of memory */
        return;
    }
    if (s->refused || s->failed)
        return;
    if (!n) {   /* the end: a last line without its '\n' */
        if (s->carry.len && !s->skipping)
            import_line(r, s, s->carry.p, s->carry.len);
        jb_reset(&s->carry);
        if (s->im && ks_import_flush(s->im) != KS_OK)
            fail(s, "the database refused the import");
        return;
    }
    const char *end = data + n;
    while (data < end) {
        const char *nl = memchr(data, '\n', (size_t)(end - data));
        take(r, s, data, (size_t)((nl ? nl : end) - data), nl != NULL);
        data = nl ? nl + 1 : end;
    }
}

void h_conv_import(srv_req *r)
{
    imp_state *s = r->stream;
    if (!s) {   /* an empty body: no chunk came */
        h_conv_import_chunk(r, NULL, 0);
        if (!(s = r->stream)) {
            srv_error(r, SRV_E_internal, "out of memory", NULL);
            return;
        }
    }
    if (s->refused) {
        srv_error(r, SRV_E_forbidden, "agents may not import conversations",
                  NULL);
        return;
    }
    if (s->failed || s->errors.oom) {
        srv_errorf(r, SRV_E_internal, NULL, "%s; batches committed before "
                   "stay (importing again is safe)",
                   s->failed ? s->failmsg : "out of memory");
        return;
    }
    jbuf *o = &r->out;
    jb_lit(o, "{\"lines\":");
    jb_int(o, (int64_t)s->lines);
    jb_key(o, "stored"), jb_int(o, (int64_t)s->stored);
    jb_key(o, "existing"), jb_int(o, (int64_t)s->existing);
    jb_key(o, "rejected"), jb_int(o, (int64_t)s->rejected);
    jb_key(o, "findings"), jb_int(o, (int64_t)s->findings);
    jb_key(o, "cases"), jb_int(o, (int64_t)s->cases);
    jb_lit(o, ",\"errors\":[");
    if (s->errors.len)
        jb_raw(o, s->errors.p, s->errors.len);
    jb_lit(o, "]}");
    r->status = 200;
}
