/*
 * SQLite: the dashboard's views of imported conversations — the risk
 * board, scorecards limited to some agents, and complaint causes per day.
 *
 * The filters vary per request (a lead's team, a risk set), so each view
 * builds its WHERE from fixed fragments with fixed parameter numbers and
 * prepares it for the one call; every value is a bound parameter. The
 * conversations table is small next to findings, so a fresh prepare costs
 * little beside the query.
 */
#include <stdio.h>
#include <string.h>

#include "kesu/alloc.h"
#include "sqlite_int.h"

/* ?1 shop, ?2 agent, ?3 agents (JSON array), ?4 risks (bits), ?5 and ?6
 * the start's bounds; lists add ?7 limit and ?8 offset. */
static const char *const g_conds[] = {
    " AND shop = ?1", " AND agent = ?2",
    " AND agent IN (SELECT value FROM json_each(?3))",
    " AND (?4 >> risk) & 1", " AND started_at >= ?5", " AND started_at < ?6",
};
enum { NCONDS = sizeof g_conds / sizeof g_conds[0] };

static unsigned conds_of(const ks_conv_filter *f, int64_t a, int64_t b)
{
    return (f->shop ? 1u : 0u) | (f->agent ? 2u : 0u) |
           (f->agents ? 4u : 0u) | (f->risks ? 8u : 0u) |
           (a != KS_TIME_NONE ? 16u : 0u) | (b != KS_TIME_NONE ? 32u : 0u);
}

char *ks_sq_names_json(const char *const *names, size_t n)
{
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += 6 * strlen(names[i]) + 3;
    char *out = ks_malloc(cap), *o = out;
    if (!out)
        return NULL;
    *o++ = '[';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = ',';
        *o++ = '"';
        for (const unsigned char *p = (const unsigned char *)names[i]; *p;
             p++) {
            if (*p == '"' || *p == '\\')
                *o++ = '\\', *o++ = (char)*p;
            else if (*p < 0x20)
                o += sprintf(o, "\\u%04x", *p);
            else
                *o++ = (char)*p;
        }
        *o++ = '"';
    }
    *o++ = ']';
    *o = '\0';
    return out;
}

/* Prepares head + the filter's conditions + tail and binds them. NULL on
 * failure (errmsg set, or *oom). */
static sqlite3_stmt *prepare(ks_sqlite *q, const char *head,
                             const char *tail, const ks_conv_filter *f,
                             int64_t a, int64_t b, int *oom)
{
    char sql[1024];
    unsigned mask = conds_of(f, a, b);
    snprintf(sql, sizeof sql, "%s", head);
    for (unsigned i = 0; i < NCONDS; i++)
        if (mask & (1u << i))
            strncat(sql, g_conds[i], sizeof sql - strlen(sql) - 1);
    strncat(sql, tail, sizeof sql - strlen(sql) - 1);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
        ks_sq_fail(q);
        sqlite3_finalize(st);
        return NULL;
    }
    char *names = f->agents ? ks_sq_names_json(f->agents, f->nagents) : NULL;
    if (f->agents && !names) {
        *oom = 1;
        sqlite3_finalize(st);
        return NULL;
    }
    /* Only the parameters the text holds are bound. */
    if (mask & 1u)
        ks_sq_bind_text(st, 1, f->shop);
    if (mask & 2u)
        ks_sq_bind_text(st, 2, f->agent);
    if (mask & 4u)
        sqlite3_bind_text(st, 3, names, -1, SQLITE_TRANSIENT);
    if (mask & 8u)
        sqlite3_bind_int64(st, 4, (int64_t)f->risks);
    if (mask & 16u)
        ks_sq_bind_time(st, 5, a);
    if (mask & 32u)
        ks_sq_bind_time(st, 6, b);
    ks_free(names);
    return st;
}

static int fail_prepare(ks_sqlite *q, int oom)
{
    (void)q;
    return oom ? KS_ENOMEM : KS_EDB;
}

/* ---- the risk board ---------------------------------------------------- */

static int load_conv_row(sqlite3_stmt *st, ks_conv_row *r)
{
    memset(r, 0, sizeof *r);
    r->started_at = ks_sq_col_time(st, 3);
    const unsigned char *day = sqlite3_column_text(st, 4);
    snprintf(r->day, sizeof r->day, "%s", day ? (const char *)day : "");
    r->risk = (ks_risk)sqlite3_column_int(st, 5);
    r->causes = (uint32_t)sqlite3_column_int64(st, 6);
    for (int l = 0; l < 3; l++)
        r->findings[l] = sqlite3_column_int64(st, 7 + l);
    r->case_id = sqlite3_column_int64(st, 10);   /* NULL reads as 0 */
    int rc = KS_OK;
    char **str[3] = {&r->id, &r->shop, &r->agent};
    for (int i = 0; rc == KS_OK && i < 3; i++)
        rc = ks_sq_col_str(st, i, str[i]);
    return rc;
}

int ks_sq_conv_list(ks_store *s, const ks_conv_filter *f, int64_t at_from,
                    int64_t at_to, ks_conv_row **rows, size_t *n)
{
    ks_sqlite *q = ks_sq(s);
    int oom = 0;
    sqlite3_stmt *st = prepare(
        q,
        "SELECT c.id, c.shop, c.agent, c.started_at, c.day, c.risk, c.causes,"
        " c.n_a, c.n_b, c.n_c, (SELECT k.case_id FROM case_convs k"
        " WHERE k.conv_id = c.id) FROM conversations c WHERE 1",
        " ORDER BY c.risk DESC, c.started_at DESC, c.id DESC"
        " LIMIT ?7 OFFSET ?8",
        f, at_from, at_to, &oom);
    if (!st)
        return fail_prepare(q, oom);
    sqlite3_bind_int64(st, 7, f->limit > INT64_MAX ? INT64_MAX
                                                   : (int64_t)f->limit);
    sqlite3_bind_int64(st, 8, f->offset > INT64_MAX ? INT64_MAX
                                                    : (int64_t)f->offset);
    size_t cap = 0;
    int rc = KS_OK, step = SQLITE_DONE;
    while (rc == KS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = ks_grow(rows, &cap, *n, sizeof **rows, 16);
        if (rc == KS_OK)
            rc = load_conv_row(st, &(*rows)[(*n)++]);
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_sq_fail(q);
    sqlite3_finalize(st);
    return rc;
}

/* ---- scorecards -------------------------------------------------------- */

int ks_sq_scores_in(ks_store *s, const ks_conv_filter *f, int64_t at_from,
                    int64_t at_to, ks_agent_score **rows, size_t *n)
{
    ks_sqlite *q = ks_sq(s);
    int oom = 0;
    sqlite3_stmt *st = prepare(
        q,
        "SELECT shop, agent, count(*), total(n_a), total(n_b), total(n_c)"
        " FROM conversations WHERE 1",
        " GROUP BY shop, agent ORDER BY shop, agent", f, at_from, at_to,
        &oom);
    if (!st)
        return fail_prepare(q, oom);
    int rc = ks_sq_read_scores(q, st, rows, n);
    sqlite3_finalize(st);
    return rc;
}

/* ---- causes per day ---------------------------------------------------- */

/* Appends day's non-zero counts, cause by cause. */
static int emit_day(const char *day, const int64_t counts[KS_CAUSE_COUNT],
                    ks_cause_count **rows, size_t *n, size_t *cap)
{
    for (int k = 0; k < KS_CAUSE_COUNT; k++) {
        if (!counts[k])
            continue;
        if (ks_grow(rows, cap, *n, sizeof **rows, 16) != KS_OK)
            return KS_ENOMEM;
        ks_cause_count *c = &(*rows)[(*n)++];
        snprintf(c->day, sizeof c->day, "%s", day);
        c->cause = (ks_cause)k;
        c->convs = counts[k];
    }
    return KS_OK;
}

int ks_sq_cause_counts(ks_store *s, const ks_conv_filter *f, int64_t at_from,
                       int64_t at_to, ks_cause_count **rows, size_t *n)
{
    ks_sqlite *q = ks_sq(s);
    int oom = 0;
    /* One row per (day, set of causes); the sets are split here. */
    sqlite3_stmt *st = prepare(
        q, "SELECT coalesce(day, ''), causes, count(*) FROM conversations"
           " WHERE causes <> 0",
        " GROUP BY 1, causes ORDER BY 1", f, at_from, at_to, &oom);
    if (!st)
        return fail_prepare(q, oom);
    char day[11] = "";
    int64_t counts[KS_CAUSE_COUNT] = {0};
    size_t cap = 0;
    int rc = KS_OK, step = SQLITE_DONE;
    while (rc == KS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *d = sqlite3_column_text(st, 0);
        const char *dd = d ? (const char *)d : "";
        if (strcmp(dd, day)) {
            rc = emit_day(day, counts, rows, n, &cap);
            memset(counts, 0, sizeof counts);
            snprintf(day, sizeof day, "%s", dd);
        }
        uint64_t causes = (uint64_t)sqlite3_column_int64(st, 1);
        int64_t k = sqlite3_column_int64(st, 2);
        for (int c = 0; c < KS_CAUSE_COUNT; c++)
            if (causes >> c & 1u)
                counts[c] += k;
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_sq_fail(q);
    if (rc == KS_OK)
        rc = emit_day(day, counts, rows, n, &cap);
    sqlite3_finalize(st);
    return rc;
}
