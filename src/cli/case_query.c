/* `kesu case list` and `kesu case due`: read-only views of the desk. */
#include "case_cmd.h"

#include <stdlib.h>
#include <string.h>

static void print_json_free(cJSON *j)
{
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (s)
        printf("%s\n", s);
    free(s);
}

static int list_filter(const char *cmd, const char *state, const char *risk,
                       const char *limit, ks_case_filter *f)
{
    long n;
    if (state && (f->state = ks_state_from_name(state)) < 0) {
        fprintf(stderr, "kesu %s: --state: unknown state \"%s\"\n", cmd,
                state);
        return -1;
    }
    if (risk && (f->min_risk = ks_risk_from_name(risk)) < 0) {
        fprintf(stderr, "kesu %s: --risk: unknown level \"%s\" (normal, "
                        "elevated, high, critical)\n", cmd, risk);
        return -1;
    }
    if (limit) {
        if (ks_arg_int(cmd, "limit", limit, 1, 100000, &n))
            return -1;
        f->limit = (size_t)n;
    }
    return 0;
}

static void list_text(ks_desk *dk, const ks_case_row *r, size_t n)
{
    char b[32], sp[32];
    if (!n)
        printf("no cases\n");
    for (size_t i = 0; i < n; i++) {
        printf("#%-6lld %-8s %-11s %-10s %-8s", (long long)r[i].id,
               ks_risk_name(r[i].risk), ks_state_name(r[i].state),
               r[i].customer ? r[i].customer : "—",
               r[i].agent ? r[i].agent : "—");
        if (r[i].next_due != KS_TIME_NONE)
            printf(" due %s%s", ks_fmt_time(dk, r[i].next_due, b),
                   r[i].next_due < dk->now ? " OVERDUE" : "");
        (void)sp;
        printf("  %s\n", r[i].summary ? r[i].summary : "");
    }
}

static void list_json(ks_desk *dk, const ks_case_row *r, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    char b[40];
    for (size_t i = 0; i < n; i++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "id", (double)r[i].id);
        cJSON_AddStringToObject(j, "state", ks_state_name(r[i].state));
        cJSON_AddStringToObject(j, "risk", ks_risk_name(r[i].risk));
        cJSON *cs = cJSON_AddArrayToObject(j, "causes");
        for (int c = 0; c < KS_CAUSE_COUNT; c++)
            if (r[i].causes >> c & 1)
                cJSON_AddItemToArray(cs, cJSON_CreateString(ks_cause_name(c)));
        if (r[i].customer)
            cJSON_AddStringToObject(j, "customer", r[i].customer);
        if (r[i].agent)
            cJSON_AddStringToObject(j, "agent", r[i].agent);
        if (r[i].summary)
            cJSON_AddStringToObject(j, "summary", r[i].summary);
        if (r[i].next_due != KS_TIME_NONE)
            cJSON_AddStringToObject(j, "next_due",
                                    ks_fmt_iso(dk, r[i].next_due, b));
        cJSON_AddItemToArray(a, j);
    }
    print_json_free(a);
}

int ks_case_list(int argc, char **argv)
{
    ks_desk_opts o = {0};
    const char *state = NULL, *risk = NULL, *limit = NULL, *offset = NULL;
    ks_case_filter f = {.state = -1, .min_risk = -1};
    ks_opt opts[] = {KS_DESK_OPTS(o), {"state", &state, NULL},
                     {"risk", &risk, NULL}, {"agent", &f.agent, NULL},
                     {"customer", &f.customer, NULL},
                     {"shop", &f.shop, NULL}, {"limit", &limit, NULL},
                     {"offset", &offset, NULL},
                     {"open", NULL, &f.open_only}, {0}};
    char *pos[1];
    long off = 0;
    if (ks_parse_opts("case list", argc, argv, opts, pos, 0) < 0 ||
        list_filter("case list", state, risk, limit, &f) ||
        (offset && ks_arg_int("case list", "offset", offset, 0, 1L << 30,
                              &off)))
        return KS_EXIT_USAGE;
    f.offset = (size_t)off;
    ks_desk dk;
    int rc = ks_desk_open(&dk, &o, "case list", 1);
    if (rc)
        return rc;
    ks_case_row *rows = NULL;
    size_t n = 0;
    int sr = ks_store_case_list(dk.store, &f, &rows, &n);
    if (sr) {
        fprintf(stderr, "kesu case list: %s (%s)\n", ks_strerror(sr),
                ks_store_errmsg(dk.store));
        rc = KS_EXIT_FAIL;
    } else if (dk.json) {
        list_json(&dk, rows, n);
    } else {
        list_text(&dk, rows, n);
    }
    ks_case_rows_free(rows, n);
    ks_desk_close(&dk);
    return rc;
}

static void due_text(ks_desk *dk, const ks_due *r, size_t n, int64_t until)
{
    char b[32], b2[32], sp[32];
    printf("due by %s (now %s): %zu\n", ks_fmt_time(dk, until, b), 
           ks_fmt_time(dk, dk->now, b2), n);
    for (size_t i = 0; i < n; i++) {
        int late = r[i].due_at < dk->now;
        printf("  %s %-6s case #%-6lld %-8s %s (%s) #%lld due %s",
               late ? "OVERDUE 逾期" : "due 待办    ",
               late ? ks_fmt_span(dk->now - r[i].due_at, sp)
                    : ks_fmt_span(r[i].due_at - dk->now, sp),
               (long long)r[i].case_id, ks_risk_name(r[i].risk),
               ks_promise_zh(r[i].kind), ks_promise_name(r[i].kind),
               (long long)r[i].promise_id, ks_fmt_time(dk, r[i].due_at, b));
        printf("  customer %s agent %s%s%s\n",
               r[i].customer ? r[i].customer : "—",
               r[i].agent ? r[i].agent : "—", r[i].text ? "  " : "",
               r[i].text ? r[i].text : "");
    }
}

static void due_json(ks_desk *dk, const ks_due *r, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    char b[40];
    for (size_t i = 0; i < n; i++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "case", (double)r[i].case_id);
        cJSON_AddNumberToObject(j, "promise", (double)r[i].promise_id);
        cJSON_AddStringToObject(j, "kind", ks_promise_name(r[i].kind));
        cJSON_AddStringToObject(j, "risk", ks_risk_name(r[i].risk));
        cJSON_AddStringToObject(j, "state", ks_state_name(r[i].state));
        cJSON_AddStringToObject(j, "due_at", ks_fmt_iso(dk, r[i].due_at, b));
        cJSON_AddBoolToObject(j, "overdue", r[i].due_at < dk->now);
        if (r[i].text)
            cJSON_AddStringToObject(j, "text", r[i].text);
        if (r[i].customer)
            cJSON_AddStringToObject(j, "customer", r[i].customer);
        if (r[i].agent)
            cJSON_AddStringToObject(j, "agent", r[i].agent);
        cJSON_AddItemToArray(a, j);
    }
    print_json_free(a);
}

int ks_case_due(int argc, char **argv)
{
    ks_desk_opts o = {0};
    const char *within = NULL, *limit = NULL;
    ks_opt opts[] = {KS_DESK_OPTS(o), {"within", &within, NULL},
                     {"limit", &limit, NULL}, {0}};
    char *pos[1];
    int64_t span = 86400000;
    long lim = 1000;
    if (ks_parse_opts("case due", argc, argv, opts, pos, 0) < 0 ||
        (within && ks_arg_duration("case due", "within", within, &span)) ||
        (limit && ks_arg_int("case due", "limit", limit, 1, 100000, &lim)))
        return KS_EXIT_USAGE;
    ks_desk dk;
    int rc = ks_desk_open(&dk, &o, "case due", 1);
    if (rc)
        return rc;
    ks_due *rows = NULL;
    size_t n = 0;
    int sr = ks_store_due(dk.store, dk.now + span, (size_t)lim, &rows, &n);
    if (sr) {
        fprintf(stderr, "kesu case due: %s (%s)\n", ks_strerror(sr),
                ks_store_errmsg(dk.store));
        rc = KS_EXIT_FAIL;
    } else if (dk.json) {
        due_json(&dk, rows, n);
    } else {
        due_text(&dk, rows, n, dk.now + span);
    }
    ks_due_free(rows, n);
    ks_desk_close(&dk);
    return rc;
}
