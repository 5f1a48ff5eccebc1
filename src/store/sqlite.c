/*
 * The SQLite backend: opening (pragmas, versioned migrations), the
 * statement cache, transactions and the binding helpers. The SQL text is
 * in sqlite_sql.c; the operations live in sqlite_case.c (writes and
 * loads), sqlite_query.c (lists, due promises, counts),
 * sqlite_audit.c (the hash chain), sqlite_account.c (users, tokens,
 * sessions) and sqlite_conv.c (imported conversations and findings).
 */
#include <stdio.h>
#include <string.h>

#include "kesu/alloc.h"
#include "sqlite_int.h"


int ks_sq_fail(ks_sqlite *q)
{
    q->last_rc = sqlite3_extended_errcode(q->db);
    ks_store_seterr(&q->base, "%s", sqlite3_errmsg(q->db));
    return KS_EDB;
}

sqlite3_stmt *ks_sq_stmt(ks_sqlite *q, ks_sq_id id)
{
    if (!q->stmt[id] &&
        sqlite3_prepare_v3(q->db, ks_sq_sql[id], -1,
                           SQLITE_PREPARE_PERSISTENT, &q->stmt[id],
                           NULL) != SQLITE_OK) {
        ks_sq_fail(q);
        q->stmt[id] = NULL;
    }
    return q->stmt[id];
}

int ks_sq_run(ks_sqlite *q, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    int r = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? KS_OK : ks_sq_fail(q);
    sqlite3_reset(st);
    return r;
}

/* ---- binding helpers ----------------------------------------------------- */

void ks_sq_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    /* STATIC: every statement is stepped and reset before the call that
     * bound it returns, while the caller's string is still alive. */
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

void ks_sq_bind_time(sqlite3_stmt *st, int i, int64_t t)
{
    if (t == KS_TIME_NONE)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, t);
}

void ks_sq_bind_amount(sqlite3_stmt *st, int i, double v)
{
    if (v < 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

void ks_sq_bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
    if (v < 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, v);
}

int64_t ks_sq_col_time(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL
               ? KS_TIME_NONE
               : sqlite3_column_int64(st, i);
}

double ks_sq_col_amount(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL
               ? -1.0
               : sqlite3_column_double(st, i);
}

int ks_sq_col_opt(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL
               ? -1
               : sqlite3_column_int(st, i);
}

int ks_sq_col_str(sqlite3_stmt *st, int i, char **out)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    *out = NULL;
    if (!t)
        return KS_OK;
    *out = ks_strndup((const char *)t, (size_t)sqlite3_column_bytes(st, i));
    return *out ? KS_OK : KS_ENOMEM;
}

/* ---- transactions ---------------------------------------------------- */

static int run_id(ks_sqlite *q, ks_sq_id id)
{
    sqlite3_stmt *st = ks_sq_stmt(q, id);
    return st ? ks_sq_run(q, st) : KS_EDB;
}

/* Undoes a failed write unit. Its own errors are not reported: the first
 * failure is the one that explains what happened, and SQLite may already
 * have rolled the transaction back itself (disk full, I/O error). */
static void write_undo(ks_sqlite *q, int nested)
{
    char keep[sizeof q->base.errmsg];
    int keep_rc = q->last_rc;
    memcpy(keep, q->base.errmsg, sizeof keep);
    if (nested) {
        run_id(q, SQ_ROLLBACK_TO);
        run_id(q, SQ_RELEASE);
    } else if (!sqlite3_get_autocommit(q->db)) {
        run_id(q, SQ_ROLLBACK);
    }
    memcpy(q->base.errmsg, keep, sizeof keep);
    q->last_rc = keep_rc;
}

int ks_sq_write_open(ks_sqlite *q, int *nested)
{
    *nested = !sqlite3_get_autocommit(q->db);
    return run_id(q, *nested ? SQ_SAVEPOINT : SQ_BEGIN);
}

int ks_sq_write_close(ks_sqlite *q, int nested, int rc)
{
    if (rc == KS_OK)
        rc = run_id(q, nested ? SQ_RELEASE : SQ_COMMIT);
    if (rc != KS_OK)
        write_undo(q, nested);
    return rc;
}

int ks_sq_read_open(ks_sqlite *q, int *nested)
{
    *nested = !sqlite3_get_autocommit(q->db);
    return *nested ? KS_OK : run_id(q, SQ_BEGIN_READ);
}

int ks_sq_read_close(ks_sqlite *q, int nested, int rc)
{
    if (!nested && !sqlite3_get_autocommit(q->db)) {
        int rc2 = run_id(q, SQ_COMMIT);
        if (rc2 != KS_OK)   /* never leave a read snapshot open */
            write_undo(q, 0);
        if (rc == KS_OK)
            rc = rc2;
    }
    return rc;
}

static int sq_begin(ks_store *s)
{
    ks_sqlite *q = ks_sq(s);
    if (!sqlite3_get_autocommit(q->db)) {
        ks_store_seterr(s, "a transaction is already open");
        return KS_ESTATE;
    }
    return run_id(q, SQ_BEGIN);
}

static int sq_commit(ks_store *s)
{
    ks_sqlite *q = ks_sq(s);
    if (sqlite3_get_autocommit(q->db)) {
        ks_store_seterr(s, "no transaction is open");
        return KS_ESTATE;
    }
    return run_id(q, SQ_COMMIT);
}

/* Rolling back when SQLite already did (after an I/O error) is no error. */
static int sq_rollback(ks_store *s)
{
    ks_sqlite *q = ks_sq(s);
    return sqlite3_get_autocommit(q->db) ? KS_OK : run_id(q, SQ_ROLLBACK);
}

/* ---- opening --------------------------------------------------------- */

/*
 * WAL lets readers (lists, the due view) run while one writer commits.
 * synchronous=NORMAL in WAL mode still writes each commit to the log
 * before returning, so a killed process loses nothing committed; only an
 * OS crash or power cut can lose the last transactions (never corrupt the
 * file). FULL would fsync the log on every commit: one fsync per API call
 * (bench_case, one create per transaction: 3.5k/s NORMAL, 1.4k/s FULL).
 * busy_timeout makes a second writer wait instead of failing at once.
 * A 64 MiB page cache keeps a 1000-case import transaction from spilling
 * to the log before its commit; savepoint journals stay in memory. The
 * log is checkpointed every 16384 pages (64 MiB) instead of 1000: each
 * checkpoint fsyncs the database, and at the default a million-case
 * import spent half its time there (6.3k -> 11.7k cases/s, bench_case).
 */
static const char g_pragmas[] = "PRAGMA busy_timeout = 5000;"
                                "PRAGMA journal_mode = WAL;"
                                "PRAGMA synchronous = NORMAL;"
                                "PRAGMA foreign_keys = ON;"
                                "PRAGMA cache_size = -65536;"
                                "PRAGMA temp_store = MEMORY;"
                                "PRAGMA wal_autocheckpoint = 16384;";

static int exec(ks_sqlite *q, const char *sql)
{
    return sqlite3_exec(q->db, sql, NULL, NULL, NULL) == SQLITE_OK
               ? KS_OK
               : ks_sq_fail(q);
}

/* The version recorded in meta; 0 for a new (empty) database. */
static int read_version(ks_sqlite *q, int *v)
{
    sqlite3_stmt *st = NULL;
    *v = 0;
    if (sqlite3_prepare_v2(q->db,
                           "SELECT count(*) FROM sqlite_master"
                           " WHERE type = 'table' AND name = 'meta'",
                           -1, &st, NULL) != SQLITE_OK)
        return ks_sq_fail(q);
    int has_meta = sqlite3_step(st) == SQLITE_ROW &&
                   sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    if (!has_meta)
        return KS_OK;
    if (sqlite3_prepare_v2(q->db, "SELECT max(schema_version) FROM meta", -1,
                           &st, NULL) != SQLITE_OK)
        return ks_sq_fail(q);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? KS_OK : ks_sq_fail(q);
}

static int write_version(ks_sqlite *q, int v)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->db, "UPDATE meta SET schema_version = ?1", -1,
                           &st, NULL) != SQLITE_OK)
        return ks_sq_fail(q);
    sqlite3_bind_int(st, 1, v);
    int rc = sqlite3_step(st) == SQLITE_DONE ? KS_OK : ks_sq_fail(q);
    sqlite3_finalize(st);
    return rc;
}

static int too_new(const char *path, int v, ks_diags *d)
{
    ks_diags_add(d, 0, path,
                 "the database has schema version %d, newer than this kesu "
                 "knows (%d); upgrade kesu to open it",
                 v, ks_sq_schema_version);
    return KS_EDB;
}

/* Runs the pending steps in one transaction; the version is re-read under
 * the write lock in case another process migrated meanwhile. */
static int migrate(ks_sqlite *q, const char *path, ks_diags *d)
{
    int v, rc = read_version(q, &v);
    if (rc == KS_OK && v > ks_sq_schema_version)
        return too_new(path, v, d);
    if (rc != KS_OK || v == ks_sq_schema_version)
        return rc;
    rc = exec(q, "BEGIN IMMEDIATE");
    if (rc == KS_OK)
        rc = read_version(q, &v);
    if (rc == KS_OK && v > ks_sq_schema_version)
        rc = too_new(path, v, d);
    for (int i = v; rc == KS_OK && i < ks_sq_schema_version; i++)
        rc = exec(q, ks_sq_migrations[i]);
    if (rc == KS_OK)
        rc = write_version(q, ks_sq_schema_version);
    if (rc == KS_OK)
        rc = exec(q, "COMMIT");
    if (rc != KS_OK && !sqlite3_get_autocommit(q->db))
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static void sq_close(ks_store *s)
{
    ks_sqlite *q = ks_sq(s);
    for (int i = 0; i < SQ_NSTMT; i++)
        sqlite3_finalize(q->stmt[i]);
    for (int i = 0; i < KS_SQ_LIST_VARIANTS; i++)
        sqlite3_finalize(q->list[i]);
    for (int i = 0; i < KS_SQ_FIND_VARIANTS; i++)
        sqlite3_finalize(q->findings[i]);
    sqlite3_close(q->db);
    ks_free(q);
}

static const ks_store_ops g_sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .case_create = ks_sq_case_create,
    .case_save = ks_sq_case_save,
    .case_get = ks_sq_case_get,
    .case_by_conv = ks_sq_case_by_conv,
    .count_batch = ks_sq_count_batch,
    .count_customer = ks_sq_count_customer,
    .case_list = ks_sq_case_list,
    .due = ks_sq_due,
    .events = ks_sq_events,
    .verify = ks_sq_verify,
    .user_add = ks_sq_user_add,
    .user_get = ks_sq_user_get,
    .user_list = ks_sq_user_list,
    .user_set_password = ks_sq_user_set_password,
    .user_disable = ks_sq_user_disable,
    .token_add = ks_sq_token_add,
    .token_auth = ks_sq_token_auth,
    .token_revoke = ks_sq_token_revoke,
    .token_list = ks_sq_token_list,
    .session_add = ks_sq_session_add,
    .session_auth = ks_sq_session_auth,
    .session_end = ks_sq_session_end,
    .conv_put = ks_sq_conv_put,
    .conv_get = ks_sq_conv_get,
    .findings_list = ks_sq_findings_list,
    .agent_scores = ks_sq_agent_scores,
    .conv_list = ks_sq_conv_list,
    .scores_in = ks_sq_scores_in,
    .cause_counts = ks_sq_cause_counts,
};

int ks_sqlite_open(const char *path, ks_store **out, ks_diags *d)
{
    ks_sqlite *q = ks_calloc(1, sizeof *q);
    if (!q)
        return KS_ENOMEM;
    q->base.ops = &g_sqlite_ops;
    size_t n0 = d->n;
    int rc = KS_OK;
    if (sqlite3_open_v2(path, &q->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK)
        rc = q->db ? ks_sq_fail(q) : KS_ENOMEM;
    if (rc == KS_OK) {
        sqlite3_extended_result_codes(q->db, 1);
        rc = exec(q, g_pragmas);
    }
    if (rc == KS_OK)
        rc = migrate(q, path, d);
    if (rc != KS_OK && d->n == n0)
        ks_diags_add(d, 0, path, "cannot open the case store: %s",
                     q->base.errmsg);
    if (rc != KS_OK) {
        sq_close(&q->base);
        return rc;
    }
    *out = &q->base;
    return KS_OK;
}
