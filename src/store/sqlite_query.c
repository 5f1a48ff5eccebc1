/*
 * SQLite: the read side beyond one case: the conversation lookup, batch
 * and customer counts, the case list and the due promises.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kesu/alloc.h"
#include "sqlite_int.h"

/* Steps a statement returning one integer, then resets it. */
static int one_int64(ks_sqlite *q, sqlite3_stmt *st, int64_t *v)
{
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW    ? KS_OK
             : step == SQLITE_DONE ? KS_ENOENT
                                   : ks_sq_fail(q);
    if (rc == KS_OK)
        *v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc;
}

int ks_sq_case_by_conv(ks_store *s, const char *conv_id, int64_t *id)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_BY_CONV);
    if (!st)
        return KS_EDB;
    ks_sq_bind_text(st, 1, conv_id);
    return one_int64(q, st, id);
}

static int count(ks_sqlite *q, ks_sq_id id, const char *a, const char *b,
                 int *n)
{
    sqlite3_stmt *st = ks_sq_stmt(q, id);
    if (!st)
        return KS_EDB;
    ks_sq_bind_text(st, 1, a);
    ks_sq_bind_text(st, 2, b);
    int64_t v = 0;
    int rc = one_int64(q, st, &v);
    *n = (int)(v > INT32_MAX ? INT32_MAX : v);
    return rc;
}

int ks_sq_count_batch(ks_store *s, const char *sku, const char *batch,
                      int *n)
{
    return count(ks_sq(s), SQ_COUNT_BATCH, sku, batch, n);
}

int ks_sq_count_customer(ks_store *s, const char *shop, const char *customer,
                         int *n)
{
    return count(ks_sq(s), SQ_COUNT_CUSTOMER, shop, customer, n);
}

/* ---- the case list ------------------------------------------------------- */

/* Which filters are set: one statement per combination, so each has a
 * plain WHERE the planner can use indexes for (an "?1 IS NULL OR" form
 * would hide them). Parameter numbers are fixed whatever is present. */
enum {
    LF_STATE = 1, LF_OPEN = 2, LF_RISK = 4,
    LF_SHOP = 8, LF_AGENT = 16, LF_CUSTOMER = 32, LF_AGENTS = 64
};

static const char *const g_list_cond[] = {
    " AND c.state = ?1", " AND c.state <> ?2", " AND c.risk >= ?3",
    " AND c.shop = ?4", " AND c.agent = ?5", " AND c.customer = ?6",
    /* a lead's team: one bound JSON array, so the statement stays cached
     * whatever the team's size */
    " AND c.agent IN (SELECT value FROM json_each(?9))",
};

/* The same with a unary + that keeps the planner off the column's index:
 * when a more selective filter is present (customer over agent over
 * shop), its index must win, even though the shop or agent index would
 * spare the sort (SQLite prefers that, then reads a whole shop). */
static const char *const g_list_cond_noindex[] = {
    NULL, NULL, NULL, " AND +c.shop = ?4", " AND +c.agent = ?5", NULL, NULL,
};

static const char *list_cond(unsigned mask, unsigned b)
{
    unsigned better = b == 3 ? (LF_AGENT | LF_CUSTOMER)
                      : b == 4 ? LF_CUSTOMER : 0u;
    return (mask & better) ? g_list_cond_noindex[b] : g_list_cond[b];
}

static unsigned list_mask(const ks_case_filter *f)
{
    return (f->state >= 0 ? LF_STATE : 0u) | (f->open_only ? LF_OPEN : 0u) |
           (f->min_risk >= 0 ? LF_RISK : 0u) | (f->shop ? LF_SHOP : 0u) |
           (f->agent ? LF_AGENT : 0u) | (f->customer ? LF_CUSTOMER : 0u) |
           (f->agents ? LF_AGENTS : 0u);
}

/* The agents list as a JSON array text for json_each(); NULL on
 * out-of-memory. Free with free(). */
static char *agents_json(const ks_case_filter *f)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < f->nagents; i++) {
        cJSON *v = cJSON_CreateString(f->agents[i] ? f->agents[i] : "");
        if (!v || !cJSON_AddItemToArray(a, v)) {
            cJSON_Delete(v);
            cJSON_Delete(a);
            return NULL;
        }
    }
    char *s = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    return s;
}

static sqlite3_stmt *list_stmt(ks_sqlite *q, unsigned mask)
{
    if (q->list[mask])
        return q->list[mask];
    char sql[1024] =
        "SELECT c.id, c.customer, c.agent, c.summary, c.state, c.risk,"
        " c.causes, c.created_at, c.updated_at,"
        " (SELECT min(p.due_at) FROM promises p"
        "  WHERE p.case_id = c.id AND p.kept_at IS NULL), c.shop"
        " FROM cases c WHERE 1";
    for (unsigned b = 0; b < sizeof g_list_cond / sizeof g_list_cond[0]; b++)
        if (mask & (1u << b))
            strcat(sql, list_cond(mask, b));
    strcat(sql, " ORDER BY c.risk DESC, c.updated_at DESC, c.id DESC"
                " LIMIT ?7 OFFSET ?8");
    if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                           &q->list[mask], NULL) != SQLITE_OK) {
        ks_sq_fail(q);
        q->list[mask] = NULL;
    }
    return q->list[mask];
}

static void bind_list(sqlite3_stmt *st, const ks_case_filter *f,
                      const char *agents)
{
    sqlite3_bind_int(st, 1, f->state);
    sqlite3_bind_int(st, 2, KS_STATE_closed);
    sqlite3_bind_int(st, 3, f->min_risk);
    ks_sq_bind_text(st, 4, f->shop);
    ks_sq_bind_text(st, 5, f->agent);
    ks_sq_bind_text(st, 6, f->customer);
    sqlite3_bind_int64(st, 7, f->limit > INT64_MAX ? INT64_MAX
                                                   : (int64_t)f->limit);
    sqlite3_bind_int64(st, 8, f->offset > INT64_MAX ? INT64_MAX
                                                    : (int64_t)f->offset);
    ks_sq_bind_text(st, 9, agents);
}

static int read_row(sqlite3_stmt *st, ks_case_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->state = (ks_state)sqlite3_column_int(st, 4);
    r->risk = (ks_risk)sqlite3_column_int(st, 5);
    r->causes = (uint32_t)sqlite3_column_int64(st, 6);
    r->created_at = ks_sq_col_time(st, 7);
    r->updated_at = ks_sq_col_time(st, 8);
    r->next_due = ks_sq_col_time(st, 9);
    int rc = ks_sq_col_str(st, 1, &r->customer);
    if (rc == KS_OK)
        rc = ks_sq_col_str(st, 2, &r->agent);
    if (rc == KS_OK)
        rc = ks_sq_col_str(st, 3, &r->summary);
    if (rc == KS_OK)
        rc = ks_sq_col_str(st, 10, &r->shop);
    return rc;
}

int ks_sq_case_list(ks_store *s, const ks_case_filter *f, ks_case_row **rows,
                    size_t *n)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = list_stmt(q, list_mask(f));
    if (!st)
        return KS_EDB;
    char *agents = f->agents ? agents_json(f) : NULL;
    if (f->agents && !agents)
        return KS_ENOMEM;
    bind_list(st, f, agents);
    size_t cap = 0;
    int rc = KS_OK, step;
    while (rc == KS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = ks_grow(rows, &cap, *n, sizeof **rows, 16);
        if (rc == KS_OK)
            rc = read_row(st, &(*rows)[(*n)++]);
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_sq_fail(q);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(agents);
    if (rc != KS_OK) {
        ks_case_rows_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- due promises -------------------------------------------------- */

static int read_due(sqlite3_stmt *st, ks_risk risk, ks_due *r)
{
    memset(r, 0, sizeof *r);
    r->case_id = sqlite3_column_int64(st, 0);
    r->promise_id = sqlite3_column_int64(st, 1);
    r->kind = (ks_promise_kind)sqlite3_column_int(st, 2);
    r->risk = risk;
    r->state = (ks_state)sqlite3_column_int(st, 6);
    r->due_at = ks_sq_col_time(st, 7);
    int rc = ks_sq_col_str(st, 3, &r->text);
    if (rc == KS_OK)
        rc = ks_sq_col_str(st, 4, &r->customer);
    if (rc == KS_OK)
        rc = ks_sq_col_str(st, 5, &r->agent);
    return rc;
}

/* Appends the due promises of one risk level, up to limit rows in all. */
static int due_level(ks_sqlite *q, sqlite3_stmt *st, ks_risk risk,
                     int64_t until, size_t limit, ks_due **rows, size_t *n,
                     size_t *cap)
{
    sqlite3_bind_int(st, 1, risk);
    sqlite3_bind_int64(st, 2, until);
    sqlite3_bind_int64(st, 3, (int64_t)(limit - *n));
    int rc = KS_OK, step;
    while (rc == KS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = ks_grow(rows, cap, *n, sizeof **rows, 16);
        if (rc == KS_OK)
            rc = read_due(st, risk, &(*rows)[(*n)++]);
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_sq_fail(q);
    sqlite3_reset(st);
    return rc;
}

/* The due query narrowed to f's shop, agent and agents: prepared per
 * call (the scoped views are few and small next to the whole desk's). */
static sqlite3_stmt *due_scoped_stmt(ks_sqlite *q, const ks_case_filter *f,
                                     char **agents)
{
    char sql[1024] =
        "SELECT p.case_id, p.id, p.kind, p.text, c.customer, c.agent,"
        " c.state, p.due_at FROM promises p JOIN cases c ON c.id = p.case_id"
        " WHERE p.kept_at IS NULL AND p.risk = ?1 AND p.due_at <= ?2";
    if (f->shop)
        strcat(sql, " AND c.shop = ?4");
    if (f->agent)
        strcat(sql, " AND c.agent = ?5");
    if (f->agents)
        strcat(sql, " AND c.agent IN (SELECT value FROM json_each(?9))");
    strcat(sql, " ORDER BY p.due_at, p.id LIMIT ?3");
    sqlite3_stmt *st = NULL;
    if (f->agents && !(*agents = agents_json(f)))
        return NULL;
    if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
        ks_sq_fail(q);
        sqlite3_finalize(st);
        return NULL;
    }
    ks_sq_bind_text(st, 4, f->shop);
    ks_sq_bind_text(st, 5, f->agent);
    ks_sq_bind_text(st, 9, *agents);
    return st;
}

int ks_sq_due(ks_store *s, const ks_case_filter *f, int64_t until,
              size_t limit, ks_due **rows, size_t *n)
{
    ks_sqlite *q = ks_sq(s);
    if (limit > INT32_MAX)
        limit = INT32_MAX;
    size_t cap = 0;
    char *agents = NULL;
    sqlite3_stmt *st = f ? due_scoped_stmt(q, f, &agents)
                         : ks_sq_stmt(q, SQ_DUE);
    if (!st) {
        free(agents);
        return f && f->agents && !agents ? KS_ENOMEM : KS_EDB;
    }
    int nested, rc = ks_sq_read_open(q, &nested);
    for (int r = KS_RISK_COUNT - 1; rc == KS_OK && r >= 0 && *n < limit; r--)
        rc = due_level(q, st, (ks_risk)r, until, limit, rows, n, &cap);
    rc = ks_sq_read_close(q, nested, rc);
    if (f)
        sqlite3_finalize(st);
    free(agents);
    if (rc != KS_OK) {
        ks_due_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}
