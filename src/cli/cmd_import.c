/*
 * `kesu import`: conversations (SPEC 3.1 JSON Lines) -> cases. Each
 * conversation the QA engine finds a complaint in (a cause, or high or
 * critical risk) becomes one case, idempotently by conversation id.
 *
 * Cases are written in batches, one transaction each, and a case is
 * reported on stdout only after its batch committed: a process killed at
 * any point has stored every case it reported (tests/cli/import.sh).
 */
#include "desk.h"
#include "qa_stream.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

typedef struct import_ctx {
    ks_desk dk;
    const ks_pack *pack;
    ks_scanner *sc;        /* for the safety rule (risk.harm) */
    ks_case *pending;
    size_t npending, batch;
    size_t complaints, created, existing, rejected;
    int failed;            /* a database error: stop writing */
} import_ctx;

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
                 ks_incident_name(f->code), cv->id,
                 m->id ? m->id : "?");
        ks_case_add_note(c, m->at, "qa", text);
    }
}

static int build_case(import_ctx *ix, const ks_conv *cv, const ks_result *r,
                      ks_case *c)
{
    ks_case_init(c);
    c->customer = ks_strdup(cv->customer ? cv->customer : "unknown");
    c->shop = cv->shop ? ks_strdup(cv->shop) : NULL;
    c->agent = cv->agent ? ks_strdup(cv->agent) : NULL;
    if (!c->customer || ks_case_add_conv(c, cv->id))
        return KS_ENOMEM;
    c->causes = r->causes;
    c->risk = r->risk;
    c->has_order = cv->has_order;
    if (cv->has_order && ks_order_copy(&c->order, &cv->order))
        return KS_ENOMEM;
    if (r->risk == KS_RISK_critical)
        ks_qa_rule_named(ix->sc, ix->pack, cv, "risk.harm", &c->safety);
    c->created_at = c->updated_at = ix->dk.now;
    note_findings(c, cv, r);
    return summarise(c, cv);
}

static void report(import_ctx *ix, const ks_case *c)
{
    if (ix->dk.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "conversation", c->convs[0]);
        cJSON_AddNumberToObject(j, "case", (double)c->id);
        cJSON_AddStringToObject(j, "risk", ks_risk_name(c->risk));
        cJSON *a = cJSON_AddArrayToObject(j, "causes");
        for (int i = 0; i < KS_CAUSE_COUNT; i++)
            if (c->causes >> i & 1)
                cJSON_AddItemToArray(a, cJSON_CreateString(ks_cause_name(i)));
        char *s = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        if (s)
            printf("%s\n", s);
        free(s);
        return;
    }
    printf("imported %s -> case #%lld  risk %s%s  causes", c->convs[0],
           (long long)c->id, ks_risk_name(c->risk),
           c->safety ? " (safety)" : "");
    for (int i = 0; i < KS_CAUSE_COUNT; i++)
        if (c->causes >> i & 1)
            printf(" %s", ks_cause_name(i));
    printf("\n");
}

/* Creates one pending case inside the open transaction. Returns 1 when
 * created, 0 when skipped, -1 on a database error. */
static int create_one(import_ctx *ix, ks_case *c)
{
    int64_t id;
    int rc = ks_store_case_by_conv(ix->dk.store, c->convs[0], &id);
    if (rc == KS_OK) {
        ix->existing++;
        return 0;
    }
    if (rc != KS_ENOENT)
        return -1;
    ks_diags d = {0};
    rc = ks_store_case_create(ix->dk.store, c, "import", ix->dk.now, &d);
    if (rc == KS_EINVAL) {
        for (size_t i = 0; i < d.n; i++)
            fprintf(stderr, "kesu import: conversation %s: %s: %s\n",
                    c->convs[0], d.items[i].where, d.items[i].msg);
        ix->rejected++;
    }
    ks_diags_free(&d);
    return rc == KS_OK ? 1 : rc == KS_EINVAL ? 0 : -1;
}

static void flush(import_ctx *ix)
{
    if (!ix->npending || ix->failed)
        goto out;
    int ok = ks_store_begin(ix->dk.store) == KS_OK;
    signed char *made = calloc(ix->npending, 1);
    for (size_t i = 0; ok && made && i < ix->npending; i++) {
        int r = create_one(ix, &ix->pending[i]);
        ok = r >= 0;
        made[i] = r == 1;
    }
    if (ok && made && ks_store_commit(ix->dk.store) == KS_OK) {
        for (size_t i = 0; i < ix->npending; i++)
            if (made[i]) {
                report(ix, &ix->pending[i]);
                ix->created++;
            }
        fflush(stdout);   /* reported == durable, in this order */
    } else {
        ks_store_rollback(ix->dk.store);
        fprintf(stderr, "kesu import: database error, batch not written: "
                        "%s\n", ks_store_errmsg(ix->dk.store));
        ix->failed = 1;
    }
    free(made);
out:
    for (size_t i = 0; i < ix->npending; i++)
        ks_case_free(&ix->pending[i]);
    ix->npending = 0;
}

static void on_conv(void *arg, const ks_conv *cv, const ks_result *r)
{
    import_ctx *ix = arg;
    if (ix->failed || !is_complaint(r))
        return;
    ix->complaints++;
    ks_case *c = &ix->pending[ix->npending];
    if (build_case(ix, cv, r, c)) {
        fprintf(stderr, "kesu import: conversation %s: out of memory\n",
                cv->id);
        ks_case_free(c);
        ix->failed = 1;
        return;
    }
    if (++ix->npending == ix->batch)
        flush(ix);
}

static int run(import_ctx *ix, const char *path, const char *rules,
               long max_line)
{
    ks_pack *p = ks_cli_load_pack(rules ? rules : ks_default_rules(), 1);
    if (!p)
        return KS_EXIT_USAGE;
    ix->pack = p;
    ix->pending = calloc(ix->batch, sizeof *ix->pending);
    if (!ix->pending || ks_scanner_new(p, &ix->sc)) {
        ks_pack_free(p);
        free(ix->pending);
        return KS_EXIT_FAIL;
    }
    ks_stream_stats st;
    int rc = ks_qa_stream(path, p, (size_t)max_line, on_conv, ix, &st);
    flush(ix);
    fprintf(stderr, "kesu import: %zu conversations, %zu complaints: %zu "
                    "new cases, %zu already imported, %zu rejected, %zu bad "
                    "lines\n", st.convs, ix->complaints, ix->created,
            ix->existing, ix->rejected, st.bad);
    ks_scanner_free(ix->sc);
    ks_pack_free(p);
    free(ix->pending);
    if (rc < 0 || ix->failed)
        return KS_EXIT_FAIL;
    return st.bad || ix->rejected ? KS_EXIT_BADINPUT : KS_EXIT_OK;
}

int cmd_import(int argc, char **argv)
{
    import_ctx ix = {0};
    ks_desk_opts o = {0};
    const char *rules = NULL, *batch = NULL, *maxl = NULL;
    ks_opt opts[] = {KS_DESK_OPTS(o), {"rules", &rules, NULL},
                     {"batch", &batch, NULL}, {"max-line", &maxl, NULL},
                     {0}};
    char *pos[1];
    long nb = 64, max_line = 16L << 20;
    int n = ks_parse_opts("import", argc, argv, opts, pos, 1);
    if (n != 1) {
        if (n == 0)
            fprintf(stderr, "usage: kesu import FILE|- [--db PATH] [--rules "
                            "DIR] [--batch N] [--format text|json]\n");
        return KS_EXIT_USAGE;
    }
    if ((batch && ks_arg_int("import", "batch", batch, 1, 100000, &nb)) ||
        (maxl && ks_arg_int("import", "max-line", maxl, 1024, 1L << 30,
                            &max_line)))
        return KS_EXIT_USAGE;
    ix.batch = (size_t)nb;
    int rc = ks_desk_open(&ix.dk, &o, "import", 1);
    if (rc)
        return rc;
    rc = run(&ix, pos[0], rules, max_line);
    ks_desk_close(&ix.dk);
    return rc;
}
