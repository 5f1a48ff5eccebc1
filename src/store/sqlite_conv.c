/*
 * SQLite: imported conversations, their findings, the incident list and
 * the agents' scorecards. A conversation and its findings are written in
 * one unit; an id seen before writes nothing (imports are idempotent).
 */
#include <stdio.h>
#include <string.h>

#include "kesu/alloc.h"
#include "sqlite_int.h"

/* ---- writing ------------------------------------------------------------------ */

/* The time of message i: its own, else the nearest earlier timed one,
 * else the first timed one after it (KS_TIME_NONE when none is timed). */
static int64_t msg_time(const ks_conv *c, size_t i)
{
    for (size_t j = i + 1; j-- > 0;)
        if (c->msgs[j].at != KS_TIME_NONE)
            return c->msgs[j].at;
    for (size_t j = i + 1; j < c->nmsgs; j++)
        if (c->msgs[j].at != KS_TIME_NONE)
            return c->msgs[j].at;
    return KS_TIME_NONE;
}

static int64_t conv_start(const ks_conv *c)
{
    return c->nmsgs ? msg_time(c, 0) : KS_TIME_NONE;
}

static void bind_day(sqlite3_stmt *st, int i, int64_t at)
{
    char day[11];
    ks_store_day(at, day);
    if (day[0])
        sqlite3_bind_text(st, i, day, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static int insert_conv(ks_sqlite *q, const ks_conv *c, const char *conv_json,
                       const ks_result *r, const char *result_json,
                       int64_t now, int *created)
{
    int64_t by_level[3] = {0, 0, 0};
    for (size_t i = 0; i < r->nfindings; i++)
        by_level[ks_incident_level(r->findings[i].code) - 'A']++;
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_CONVERSATION_INSERT);
    if (!st)
        return KS_EDB;
    int64_t start = conv_start(c);
    ks_sq_bind_text(st, 1, c->id);
    ks_sq_bind_text(st, 2, c->shop);
    ks_sq_bind_text(st, 3, c->agent);
    ks_sq_bind_text(st, 4, c->customer);
    ks_sq_bind_time(st, 5, start);
    bind_day(st, 6, start);
    sqlite3_bind_int(st, 7, (int)r->risk);
    sqlite3_bind_int64(st, 8, r->causes);
    for (int l = 0; l < 3; l++)
        sqlite3_bind_int64(st, 9 + l, by_level[l]);
    ks_sq_bind_text(st, 12, conv_json);
    ks_sq_bind_text(st, 13, result_json);
    sqlite3_bind_int64(st, 14, now);
    int rc = ks_sq_run(q, st);
    *created = rc == KS_OK && sqlite3_changes(q->db) > 0;
    return rc;
}

static int insert_finding(ks_sqlite *q, const ks_conv *c, const ks_finding *f)
{
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_FINDING_INSERT);
    if (!st)
        return KS_EDB;
    char level[2] = {ks_incident_level(f->code), '\0'};
    int64_t at = msg_time(c, f->msg);
    ks_sq_bind_text(st, 1, c->id);
    ks_sq_bind_text(st, 2, c->shop);
    ks_sq_bind_text(st, 3, c->agent);
    sqlite3_bind_int(st, 4, (int)f->code);
    sqlite3_bind_text(st, 5, level, 1, SQLITE_TRANSIENT);
    ks_sq_bind_text(st, 6, f->rule);
    sqlite3_bind_int64(st, 7, (int64_t)f->msg);
    sqlite3_bind_int64(st, 8, f->start);
    sqlite3_bind_int64(st, 9, f->end);
    ks_sq_bind_time(st, 10, at);
    bind_day(st, 11, at);
    return ks_sq_run(q, st);
}

int ks_sq_conv_put(ks_store *s, const ks_conv *c, const char *conv_json,
                   const ks_result *r, const char *result_json, int64_t now,
                   int *created)
{
    ks_sqlite *q = ks_sq(s);
    int nested;
    int rc = ks_sq_write_open(q, &nested);
    if (rc != KS_OK)
        return rc;
    rc = insert_conv(q, c, conv_json, r, result_json, now, created);
    for (size_t i = 0; rc == KS_OK && *created && i < r->nfindings; i++)
        rc = insert_finding(q, c, &r->findings[i]);
    return ks_sq_write_close(q, nested, rc);
}

int ks_sq_conv_get(ks_store *s, const char *id, char **conv_json,
                   char **result_json, char **shop, char **agent)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_CONVERSATION_SELECT);
    if (!st)
        return KS_EDB;
    ks_sq_bind_text(st, 1, id);
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW    ? KS_OK
             : step == SQLITE_DONE ? KS_ENOENT
                                   : ks_sq_fail(q);
    char **out[4] = {conv_json, result_json, shop, agent};
    for (int i = 0; rc == KS_OK && i < 4; i++)
        rc = ks_sq_col_str(st, i, out[i]);
    sqlite3_reset(st);
    return rc;
}

/* ---- the incident list --------------------------------------------------------- */

/* One cached statement per combination of filters present, with fixed
 * parameter numbers, so each WHERE is plain enough for the indexes. */
enum {
    FF_SHOP = 1, FF_AGENT = 2, FF_CODE = 4, FF_LEVEL = 8, FF_FROM = 16,
    FF_TO = 32, FF_AGENTS = 64
};

static const char *const g_find_cond[] = {
    " AND shop = ?1", " AND agent = ?2", " AND code = ?3", " AND level = ?4",
    " AND at >= ?5", " AND at < ?6",
    " AND agent IN (SELECT value FROM json_each(?9))",
};

/* An agent's findings are fewer than its shop's, and a code's fewer than
 * its level's: the unary + keeps the planner on the better index. */
static const char *find_cond(unsigned mask, unsigned b)
{
    if (b == 0 && (mask & FF_AGENT))
        return " AND +shop = ?1";
    if (b == 3 && (mask & FF_CODE))
        return " AND +level = ?4";
    return g_find_cond[b];
}

static unsigned find_mask(const ks_finding_filter *f, int64_t a, int64_t b)
{
    return (f->shop ? FF_SHOP : 0u) | (f->agent ? FF_AGENT : 0u) |
           (f->code >= 0 ? FF_CODE : 0u) | (f->level ? FF_LEVEL : 0u) |
           (a != KS_TIME_NONE ? FF_FROM : 0u) |
           (b != KS_TIME_NONE ? FF_TO : 0u) |
           (f->agents ? FF_AGENTS : 0u);
}

static sqlite3_stmt *find_stmt(ks_sqlite *q, unsigned mask)
{
    if (q->findings[mask])
        return q->findings[mask];
    char sql[768] = "SELECT id, conv_id, shop, agent, rule, code, level, msg,"
                    " span_start, span_end, at, day FROM findings WHERE 1";
    for (unsigned b = 0; b < sizeof g_find_cond / sizeof g_find_cond[0]; b++)
        if (mask & (1u << b))
            strcat(sql, find_cond(mask, b));
    strcat(sql, " ORDER BY at DESC, id DESC LIMIT ?7 OFFSET ?8");
    if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                           &q->findings[mask], NULL) != SQLITE_OK) {
        ks_sq_fail(q);
        q->findings[mask] = NULL;
    }
    return q->findings[mask];
}

static int bind_find(sqlite3_stmt *st, const ks_finding_filter *f,
                     int64_t a, int64_t b)
{
    char level[2] = {f->level, '\0'};
    sqlite3_clear_bindings(st);
    ks_sq_bind_text(st, 1, f->shop);
    ks_sq_bind_text(st, 2, f->agent);
    sqlite3_bind_int(st, 3, f->code);
    sqlite3_bind_text(st, 4, level, -1, SQLITE_TRANSIENT);
    ks_sq_bind_time(st, 5, a);
    ks_sq_bind_time(st, 6, b);
    sqlite3_bind_int64(st, 7, f->limit > INT64_MAX ? INT64_MAX
                                                   : (int64_t)f->limit);
    sqlite3_bind_int64(st, 8, f->offset > INT64_MAX ? INT64_MAX
                                                    : (int64_t)f->offset);
    if (!f->agents)
        return KS_OK;
    char *names = ks_sq_names_json(f->agents, f->nagents);
    if (!names)
        return KS_ENOMEM;
    sqlite3_bind_text(st, 9, names, -1, SQLITE_TRANSIENT);
    ks_free(names);
    return KS_OK;
}

static int load_finding(sqlite3_stmt *st, ks_finding_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->code = (ks_incident)sqlite3_column_int(st, 5);
    const unsigned char *lv = sqlite3_column_text(st, 6);
    r->level = lv ? (char)lv[0] : '?';
    r->msg = (size_t)sqlite3_column_int64(st, 7);
    r->start = (uint32_t)sqlite3_column_int64(st, 8);
    r->end = (uint32_t)sqlite3_column_int64(st, 9);
    r->at = ks_sq_col_time(st, 10);
    const unsigned char *day = sqlite3_column_text(st, 11);
    snprintf(r->day, sizeof r->day, "%s", day ? (const char *)day : "");
    int rc = KS_OK;
    char **str[4] = {&r->conv_id, &r->shop, &r->agent, &r->rule};
    for (int i = 0; rc == KS_OK && i < 4; i++)
        rc = ks_sq_col_str(st, 1 + i, str[i]);
    return rc;
}

int ks_sq_findings_list(ks_store *s, const ks_finding_filter *f,
                        int64_t at_from, int64_t at_to,
                        ks_finding_row **rows, size_t *n)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = find_stmt(q, find_mask(f, at_from, at_to));
    if (!st)
        return KS_EDB;
    size_t cap = 0;
    int rc = bind_find(st, f, at_from, at_to), step = SQLITE_DONE;
    while (rc == KS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = ks_grow(rows, &cap, *n, sizeof **rows, 16);
        if (rc == KS_OK) {
            rc = load_finding(st, &(*rows)[*n]);
            (*n)++;   /* counted even when half loaded: freed by caller */
        }
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_sq_fail(q);
    sqlite3_reset(st);
    return rc;
}

/* ---- scorecards ------------------------------------------------------------------ */

int ks_sq_read_scores(ks_sqlite *q, sqlite3_stmt *st, ks_agent_score **rows,
                      size_t *n)
{
    size_t cap = 0;
    int rc = KS_OK, step = SQLITE_DONE;
    while (rc == KS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = ks_grow(rows, &cap, *n, sizeof **rows, 16);
        if (rc != KS_OK)
            break;
        ks_agent_score *a = &(*rows)[(*n)++];
        memset(a, 0, sizeof *a);
        a->convs = sqlite3_column_int64(st, 2);
        for (int l = 0; l < 3; l++)
            a->findings[l] = (int64_t)sqlite3_column_double(st, 3 + l);
        rc = ks_sq_col_str(st, 0, &a->shop);
        if (rc == KS_OK)
            rc = ks_sq_col_str(st, 1, &a->agent);
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_sq_fail(q);
    return rc;
}

int ks_sq_agent_scores(ks_store *s, const char *shop, int64_t at_from,
                       int64_t at_to, ks_agent_score **rows, size_t *n)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = ks_sq_stmt(q, shop ? SQ_SCORES_SHOP : SQ_SCORES_ALL);
    if (!st)
        return KS_EDB;
    sqlite3_clear_bindings(st);
    if (shop)
        ks_sq_bind_text(st, 1, shop);
    ks_sq_bind_time(st, 2, at_from);
    ks_sq_bind_time(st, 3, at_to);
    int rc = ks_sq_read_scores(q, st, rows, n);
    sqlite3_reset(st);
    return rc;
}
