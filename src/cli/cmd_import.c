/*
 * `kesu import`: conversations (SPEC 3.1 JSON Lines) into the store. Each
 * conversation is stored with its QA result and findings (the dashboard
 * reads them), and each one the QA engine finds a complaint in becomes
 * one case — idempotently by conversation id (include/kesu/import.h).
 *
 * A case is reported on stdout only after its batch committed: a process
 * killed at any point has stored every case it reported
 * (tests/cli/import.sh).
 */
#include "desk.h"
#include "qa_stream.h"
#include "../io/lines.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct import_ctx {
    ks_desk dk;
    ks_importer *im;
    const char *line;      /* the line being judged */
    size_t len, lineno;
    size_t complaints, created, existing, rejected, stored;
    int failed;            /* a database error: stop writing */
} import_ctx;

static void print_case(const import_ctx *ix, const ks_import_item *it)
{
    if (ix->dk.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "conversation", it->conv);
        cJSON_AddNumberToObject(j, "case", (double)it->case_id);
        cJSON_AddStringToObject(j, "risk", ks_risk_name(it->risk));
        cJSON *a = cJSON_AddArrayToObject(j, "causes");
        for (int i = 0; i < KS_CAUSE_COUNT; i++)
            if (it->causes >> i & 1)
                cJSON_AddItemToArray(a, cJSON_CreateString(ks_cause_name(i)));
        char *s = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        if (s)
            printf("%s\n", s);
        free(s);
        return;
    }
    printf("imported %s -> case #%lld  risk %s%s  causes", it->conv,
           (long long)it->case_id, ks_risk_name(it->risk),
           it->safety ? " (safety)" : "");
    for (int i = 0; i < KS_CAUSE_COUNT; i++)
        if (it->causes >> i & 1)
            printf(" %s", ks_cause_name(i));
    printf("\n");
}

/* Called once the conversation's batch committed. */
static void on_imported(void *arg, const ks_import_item *it)
{
    import_ctx *ix = arg;
    ix->stored += it->stored;
    if (!it->complaint)
        return;
    ix->complaints++;
    if (it->rejected) {
        fprintf(stderr, "kesu import: conversation %s: %s\n", it->conv,
                it->rejected);
        ix->rejected++;
    } else if (it->case_new) {
        print_case(ix, it);
        ix->created++;
    } else {
        ix->existing++;
    }
    fflush(stdout);   /* reported == durable, in this order */
}

static void on_conv(void *arg, const ks_conv *cv, const ks_result *r)
{
    import_ctx *ix = arg;
    if (ix->failed)
        return;
    int rc = ks_import_conv(ix->im, cv, ix->line, ix->len, r, ix->lineno);
    if (rc == KS_EINVAL) {
        fprintf(stderr, "kesu import: conversation %s: not stored: %s\n",
                cv->id, ks_store_errmsg(ix->dk.store));
        ix->rejected++;
    } else if (rc != KS_OK) {
        fprintf(stderr, "kesu import: database error, batch not written: "
                        "%s\n", rc == KS_ENOMEM ? "out of memory"
                                                : ks_store_errmsg(ix->dk.store));
        ix->failed = 1;
    }
}

/* Reads path line by line, judging each (bad lines reported on stderr)
 * and importing what was judged. -1 if the input could not be read. */
static int stream(import_ctx *ix, const char *path, ks_scanner *sc,
                  size_t max_line, ks_stream_stats *st)
{
    int is_stdin = !strcmp(path, "-");
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    memset(st, 0, sizeof *st);
    if (!f) {
        fprintf(stderr, "kesu: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    ks_linereader lr;
    ks_result res = {0};
    ks_conv_buf cb = {0};
    int rc = ks_lr_open(&lr, f, max_line) ? -1 : 0, r = 0, too_long;
    while (!rc && !ix->failed &&
           (r = ks_lr_next(&lr, &ix->line, &ix->len, &too_long)) == 1) {
        if (too_long) {
            ks_qa_report_too_long(stderr, name, lr.lineno, max_line, st);
            continue;
        }
        if (ks_qa_blank(ix->line, ix->len))
            continue;
        st->lines++;
        ix->lineno = lr.lineno;
        ks_qa_judge_line(name, lr.lineno, ix->line, ix->len, sc, &cb, &res,
                         on_conv, ix, stderr, st);
    }
    if (r < 0) {
        fprintf(stderr, "%s:%zu: error: read failed: %s\n", name,
                lr.lineno + 1, strerror(lr.err));
        rc = -1;
    }
    ks_result_free(&res);
    ks_conv_buf_free(&cb);
    ks_lr_close(&lr);
    if (!is_stdin)
        fclose(f);
    return rc;
}

static int run(import_ctx *ix, const char *path, const char *rules,
               size_t batch, long max_line)
{
    ks_pack *p = ks_cli_load_pack(rules ? rules : ks_default_rules(), 1);
    if (!p)
        return KS_EXIT_USAGE;
    ks_scanner *sc = NULL;
    ks_import_opts o = {ix->dk.store, p, NULL, batch, "import", ix->dk.now,
                        on_imported, ix};
    if (ks_scanner_new(p, &sc) ||
        (o.scanner = sc, ks_importer_new(&o, &ix->im))) {
        fprintf(stderr, "kesu import: out of memory\n");
        ks_scanner_free(sc);
        ks_pack_free(p);
        return KS_EXIT_FAIL;
    }
    ks_stream_stats st;
    int rc = stream(ix, path, sc, (size_t)max_line, &st);
    if (!ix->failed && ks_import_flush(ix->im) != KS_OK) {
        fprintf(stderr, "kesu import: database error, batch not written: "
                        "%s\n", ks_store_errmsg(ix->dk.store));
        ix->failed = 1;
    }
    fprintf(stderr, "kesu import: %zu conversations, %zu complaints: %zu "
                    "new cases, %zu already imported, %zu rejected, %zu bad "
                    "lines; %zu conversations stored\n", st.convs,
            ix->complaints, ix->created, ix->existing, ix->rejected, st.bad,
            ix->stored);
    ks_importer_free(ix->im);
    ks_scanner_free(sc);
    ks_pack_free(p);
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
    int rc = ks_desk_open(&ix.dk, &o, "import", 1);
    if (rc)
        return rc;
    rc = run(&ix, pos[0], rules, (size_t)nb, max_line);
    ks_desk_close(&ix.dk);
    return rc;
}
