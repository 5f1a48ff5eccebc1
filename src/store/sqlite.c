/*
 * The SQLite backend: opening (pragmas, versioned migrations), the
 * statement cache, transactions and the binding helpers. The operations
 * live in sqlite_case.c (writes and loads), sqlite_query.c (lists, due
 * promises, counts) and sqlite_audit.c (the hash chain).
 */
#include <stdio.h>
#include <string.h>

#include "kesu/alloc.h"
#include "sqlite_int.h"

/* ---- schema -------------------------------------------------------------- */

/*
 * Migrations, in order: step i brings the schema from version i to i+1.
 * Append only; a released step is never edited (databases in the field
 * have already run it). All steps pending at open run in one transaction.
 * The same tables exist in the PostgreSQL backend (BIGSERIAL for INTEGER
 * PRIMARY KEY, BYTEA for BLOB, DOUBLE PRECISION for REAL).
 * Case and promise ids are AUTOINCREMENT: an id is never handed out
 * twice, so a promise dropped by a save cannot lend its id (named in
 * audit events, due lists people act on) to a new one.
 */
static const char *const g_migrations[] = {
    /* 1: cases, their links, promises, notes, the audit chain. */
    "CREATE TABLE meta (schema_version INTEGER NOT NULL);"
    "INSERT INTO meta (schema_version) VALUES (0);"
    "CREATE TABLE cases ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " shop TEXT, customer TEXT NOT NULL, agent TEXT, summary TEXT,"
    " has_order INTEGER NOT NULL,"
    " order_id TEXT, order_sku TEXT, order_batch TEXT, order_category TEXT,"
    " order_carrier TEXT, order_region TEXT,"
    " order_price REAL, order_cost REAL,"
    " order_ordered_at INTEGER, order_shipped_at INTEGER,"
    " order_delivered_at INTEGER, order_shelf_life_days INTEGER,"
    " causes INTEGER NOT NULL, risk INTEGER NOT NULL,"
    " state INTEGER NOT NULL, prev_state INTEGER NOT NULL,"
    " fault INTEGER NOT NULL, safety INTEGER NOT NULL,"
    " batch_issue INTEGER NOT NULL,"
    " other_units_bad INTEGER, transit_damage INTEGER,"
    " person_checked INTEGER, feedback_at INTEGER,"
    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    " closed_at INTEGER, refused_offers INTEGER NOT NULL,"
    " remedy INTEGER NOT NULL, remedy_amount REAL);"
    "CREATE INDEX cases_list ON cases (risk, updated_at);"
    "CREATE INDEX cases_batch ON cases (order_sku, order_batch);"
    "CREATE INDEX cases_customer ON cases (shop, customer);"
    /* One case per conversation: the unique key makes imports idempotent. */
    "CREATE TABLE case_convs ("
    " case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL, conv_id TEXT NOT NULL UNIQUE,"
    " PRIMARY KEY (case_id, pos));"
    "CREATE TABLE case_evidence ("
    " case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL, ref TEXT NOT NULL,"
    " PRIMARY KEY (case_id, pos));"
    /* risk mirrors cases.risk so the due list reads one index per level. */
    "CREATE TABLE promises ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL, kind INTEGER NOT NULL, text TEXT,"
    " made_at INTEGER, due_at INTEGER, kept_at INTEGER,"
    " risk INTEGER NOT NULL);"
    "CREATE INDEX promises_case ON promises (case_id);"
    "CREATE INDEX promises_due ON promises (risk, due_at)"
    " WHERE kept_at IS NULL;"
    "CREATE TABLE notes ("
    " case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL, at INTEGER, author TEXT, text TEXT,"
    " PRIMARY KEY (case_id, pos));"
    /* No foreign key: the trail outlives whatever happens to a case. */
    "CREATE TABLE audit ("
    " seq INTEGER PRIMARY KEY, case_id INTEGER NOT NULL,"
    " at INTEGER NOT NULL, actor TEXT, type TEXT NOT NULL, data TEXT,"
    " prev BLOB NOT NULL, hash BLOB NOT NULL);"
    "CREATE INDEX audit_case ON audit (case_id, seq);",
};

enum { KS_SCHEMA_VERSION = sizeof g_migrations / sizeof g_migrations[0] };

/* ---- statements ------------------------------------------------------- */

/* Column order of cases, shared by insert, update (id is ?35) and select;
 * bind_case and load_case in sqlite_case.c follow it. */
#define CASE_COLS                                                         \
    "shop, customer, agent, summary, has_order, order_id, order_sku, "    \
    "order_batch, order_category, order_carrier, order_region, "          \
    "order_price, order_cost, order_ordered_at, order_shipped_at, "       \
    "order_delivered_at, order_shelf_life_days, causes, risk, state, "    \
    "prev_state, fault, safety, batch_issue, other_units_bad, "           \
    "transit_damage, person_checked, feedback_at, created_at, "           \
    "updated_at, closed_at, refused_offers, remedy, remedy_amount"

#define EVENT_COLS "seq, case_id, at, actor, type, data, prev, hash"

static const char *const g_sql[SQ_NSTMT] = {
    [SQ_BEGIN] = "BEGIN IMMEDIATE",
    [SQ_BEGIN_READ] = "BEGIN",
    [SQ_COMMIT] = "COMMIT",
    [SQ_ROLLBACK] = "ROLLBACK",
    [SQ_SAVEPOINT] = "SAVEPOINT ks_write",
    [SQ_RELEASE] = "RELEASE ks_write",
    [SQ_ROLLBACK_TO] = "ROLLBACK TO ks_write",
    [SQ_CASE_INSERT] =
        "INSERT INTO cases (" CASE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
        " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
        " ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33,"
        " ?34)",
    [SQ_CASE_UPDATE] =
        "UPDATE cases SET shop = ?1, customer = ?2, agent = ?3,"
        " summary = ?4, has_order = ?5, order_id = ?6, order_sku = ?7,"
        " order_batch = ?8, order_category = ?9, order_carrier = ?10,"
        " order_region = ?11, order_price = ?12, order_cost = ?13,"
        " order_ordered_at = ?14, order_shipped_at = ?15,"
        " order_delivered_at = ?16, order_shelf_life_days = ?17,"
        " causes = ?18, risk = ?19, state = ?20, prev_state = ?21,"
        " fault = ?22, safety = ?23, batch_issue = ?24,"
        " other_units_bad = ?25, transit_damage = ?26,"
        " person_checked = ?27, feedback_at = ?28, created_at = ?29,"
        " updated_at = ?30, closed_at = ?31, refused_offers = ?32,"
        " remedy = ?33, remedy_amount = ?34 WHERE id = ?35",
    [SQ_CASE_SELECT] = "SELECT " CASE_COLS " FROM cases WHERE id = ?1",
    [SQ_CONV_DELETE] = "DELETE FROM case_convs WHERE case_id = ?1",
    [SQ_CONV_INSERT] =
        "INSERT INTO case_convs (case_id, pos, conv_id) VALUES (?1, ?2, ?3)",
    [SQ_CONV_SELECT] =
        "SELECT conv_id FROM case_convs WHERE case_id = ?1 ORDER BY pos",
    [SQ_EVID_DELETE] = "DELETE FROM case_evidence WHERE case_id = ?1",
    [SQ_EVID_INSERT] =
        "INSERT INTO case_evidence (case_id, pos, ref) VALUES (?1, ?2, ?3)",
    [SQ_EVID_SELECT] =
        "SELECT ref FROM case_evidence WHERE case_id = ?1 ORDER BY pos",
    [SQ_NOTE_DELETE] = "DELETE FROM notes WHERE case_id = ?1",
    [SQ_NOTE_INSERT] = "INSERT INTO notes (case_id, pos, at, author, text)"
                       " VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQ_NOTE_SELECT] = "SELECT at, author, text FROM notes"
                       " WHERE case_id = ?1 ORDER BY pos",
    [SQ_PROM_INSERT] =
        "INSERT INTO promises (case_id, pos, kind, text, made_at, due_at,"
        " kept_at, risk) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [SQ_PROM_UPDATE] =
        "UPDATE promises SET pos = ?2, kind = ?3, text = ?4, made_at = ?5,"
        " due_at = ?6, kept_at = ?7, risk = ?8 WHERE case_id = ?1"
        " AND id = ?9",
    [SQ_PROM_IDS] = "SELECT id FROM promises WHERE case_id = ?1",
    [SQ_PROM_DELETE] = "DELETE FROM promises WHERE id = ?1",
    [SQ_PROM_SELECT] =
        "SELECT id, kind, text, made_at, due_at, kept_at FROM promises"
        " WHERE case_id = ?1 ORDER BY pos",
    [SQ_BY_CONV] = "SELECT case_id FROM case_convs WHERE conv_id = ?1",
    [SQ_COUNT_BATCH] = "SELECT count(*) FROM cases"
                       " WHERE order_sku = ?1 AND order_batch IS ?2",
    [SQ_COUNT_CUSTOMER] = "SELECT count(*) FROM cases"
                          " WHERE shop IS ?1 AND customer = ?2",
    /* One risk level at a time: a range of the partial index, in due
     * order, so the cost follows the limit, not the backlog. */
    [SQ_DUE] =
        "SELECT p.case_id, p.id, p.kind, p.text, c.customer, c.agent,"
        " c.state, p.due_at FROM promises p JOIN cases c ON c.id = p.case_id"
        " WHERE p.kept_at IS NULL AND p.risk = ?1 AND p.due_at <= ?2"
        " ORDER BY p.due_at, p.id LIMIT ?3",
    [SQ_LAST_EVENT] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
    [SQ_EVENT_INSERT] = "INSERT INTO audit (" EVENT_COLS ")"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [SQ_EVENTS] = "SELECT " EVENT_COLS " FROM audit WHERE case_id = ?1"
                  " ORDER BY seq",
    [SQ_VERIFY] = "SELECT " EVENT_COLS " FROM audit ORDER BY seq",
};

int ks_sq_fail(ks_sqlite *q)
{
    q->last_rc = sqlite3_extended_errcode(q->db);
    snprintf(q->errmsg, sizeof q->errmsg, "%s", sqlite3_errmsg(q->db));
    return KS_EDB;
}

sqlite3_stmt *ks_sq_stmt(ks_sqlite *q, ks_sq_id id)
{
    if (!q->stmt[id] &&
        sqlite3_prepare_v3(q->db, g_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                           &q->stmt[id], NULL) != SQLITE_OK) {
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
    char keep[sizeof q->errmsg];
    int keep_rc = q->last_rc;
    memcpy(keep, q->errmsg, sizeof keep);
    if (nested) {
        run_id(q, SQ_ROLLBACK_TO);
        run_id(q, SQ_RELEASE);
    } else if (!sqlite3_get_autocommit(q->db)) {
        run_id(q, SQ_ROLLBACK);
    }
    memcpy(q->errmsg, keep, sizeof keep);
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
        if (rc == KS_OK)
            rc = rc2;
    }
    return rc;
}

static int sq_begin(ks_store *s)
{
    ks_sqlite *q = ks_sq(s);
    if (!sqlite3_get_autocommit(q->db)) {
        snprintf(q->errmsg, sizeof q->errmsg,
                 "a transaction is already open");
        return KS_ESTATE;
    }
    return run_id(q, SQ_BEGIN);
}

static int sq_commit(ks_store *s)
{
    ks_sqlite *q = ks_sq(s);
    if (sqlite3_get_autocommit(q->db)) {
        snprintf(q->errmsg, sizeof q->errmsg, "no transaction is open");
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
 * file). FULL would fsync the log on every commit: one fsync per API call.
 * busy_timeout makes a second writer wait instead of failing at once.
 */
static const char g_pragmas[] = "PRAGMA busy_timeout = 5000;"
                                "PRAGMA journal_mode = WAL;"
                                "PRAGMA synchronous = NORMAL;"
                                "PRAGMA foreign_keys = ON;";

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
                 v, (int)KS_SCHEMA_VERSION);
    return KS_EDB;
}

/* Runs the pending steps in one transaction; the version is re-read under
 * the write lock in case another process migrated meanwhile. */
static int migrate(ks_sqlite *q, const char *path, ks_diags *d)
{
    int v, rc = read_version(q, &v);
    if (rc == KS_OK && v > KS_SCHEMA_VERSION)
        return too_new(path, v, d);
    if (rc != KS_OK || v == KS_SCHEMA_VERSION)
        return rc;
    rc = exec(q, "BEGIN IMMEDIATE");
    if (rc == KS_OK)
        rc = read_version(q, &v);
    if (rc == KS_OK && v > KS_SCHEMA_VERSION)
        rc = too_new(path, v, d);
    for (int i = v; rc == KS_OK && i < KS_SCHEMA_VERSION; i++)
        rc = exec(q, g_migrations[i]);
    if (rc == KS_OK)
        rc = write_version(q, KS_SCHEMA_VERSION);
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
    sqlite3_close(q->db);
    ks_free(q);
}

static const char *sq_errmsg(const ks_store *s)
{
    return ((const ks_sqlite *)s)->errmsg;
}

static const ks_store_ops g_sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .errmsg = sq_errmsg,
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
                     q->errmsg);
    if (rc != KS_OK) {
        sq_close(&q->base);
        return rc;
    }
    *out = &q->base;
    return KS_OK;
}
