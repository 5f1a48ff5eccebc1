/*
 * The SQL text of the SQLite backend: the schema migrations and every
 * statement of the per-connection cache. Data never enters this text:
 * every value is a bound parameter.
 */
#include "sqlite_int.h"

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
const char *const ks_sq_migrations[] = {
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
    /* The list's order (risk, then newest), whole and per shop and
     * agent, so a page is read in order without sorting the matches. */
    "CREATE INDEX cases_list ON cases (risk, updated_at);"
    "CREATE INDEX cases_shop ON cases (shop, risk, updated_at);"
    "CREATE INDEX cases_agent ON cases (agent, risk, updated_at);"
    "CREATE INDEX cases_batch ON cases (order_sku, order_batch);"
    /* customer first: serves a customer's cases with or without shop */
    "CREATE INDEX cases_customer ON cases (customer, shop);"
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
    /* 2: accounts and credentials, imported conversations and their
     * findings (kesu serve, issue 5). Tokens and sessions hold only the
     * BLAKE2b hash of the secret; a deleted user takes them along. */
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name TEXT NOT NULL UNIQUE, role INTEGER NOT NULL, shop TEXT, team TEXT,"
    " pwhash TEXT, disabled INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE tokens ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " hash BLOB NOT NULL UNIQUE, label TEXT, created_at INTEGER NOT NULL,"
    " expires_at INTEGER, revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX tokens_user ON tokens (user_id);"
    "CREATE TABLE sessions ("
    " hash BLOB PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " csrf TEXT NOT NULL, created_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX sessions_user ON sessions (user_id);"
    "CREATE INDEX sessions_expiry ON sessions (expires_at);"
    /* One row per conversation id: the primary key makes imports
     * idempotent. started_at is its first timed message; n_a/n_b/n_c
     * count its findings by level, so a scorecard reads one table. */
    "CREATE TABLE conversations ("
    " id TEXT PRIMARY KEY, shop TEXT, agent TEXT, customer TEXT,"
    " started_at INTEGER, day TEXT, risk INTEGER NOT NULL,"
    " causes INTEGER NOT NULL, n_a INTEGER NOT NULL, n_b INTEGER NOT NULL,"
    " n_c INTEGER NOT NULL, conv_json TEXT NOT NULL,"
    " result_json TEXT NOT NULL, imported_at INTEGER NOT NULL);"
    "CREATE INDEX conversations_shop ON conversations (shop, started_at);"
    "CREATE INDEX conversations_started ON conversations (started_at);"
    /* One row per finding, copied from its conversation for filtering;
     * at is its message's time (day its local date). Every filter has an
     * index ending in at, the list's order. */
    "CREATE TABLE findings ("
    " id INTEGER PRIMARY KEY,"
    " conv_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
    " shop TEXT, agent TEXT, code INTEGER NOT NULL, level TEXT NOT NULL,"
    " rule TEXT, msg INTEGER NOT NULL, span_start INTEGER NOT NULL,"
    " span_end INTEGER NOT NULL, at INTEGER, day TEXT);"
    "CREATE INDEX findings_at ON findings (at);"
    "CREATE INDEX findings_shop ON findings (shop, at);"
    "CREATE INDEX findings_agent ON findings (agent, at);"
    "CREATE INDEX findings_code ON findings (code, at);"
    "CREATE INDEX findings_level ON findings (level, at);"
    "CREATE INDEX findings_conv ON findings (conv_id);",
};

const int ks_sq_schema_version =
    (int)(sizeof ks_sq_migrations / sizeof ks_sq_migrations[0]);

/* ---- the statement cache's statements ------------------------------- */

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

/* load_user and load_principal in sqlite_account.c follow these. */
#define USER_COLS "id, name, role, shop, team, disabled, created_at"
#define PRINCIPAL_COLS "u.id, u.name, u.role, u.shop, u.team"

/* Scorecards: ?2 and ?3 bound the conversations' start (NULL: open). */
#define SCORE_COLS                                                     \
    "shop, agent, count(*), total(n_a), total(n_b), total(n_c)"
#define SCORE_DAYS                                                     \
    "(?2 IS NULL OR started_at >= ?2) AND (?3 IS NULL OR started_at < ?3)" \
    " GROUP BY shop, agent ORDER BY shop, agent"

const char *const ks_sq_sql[SQ_NSTMT] = {
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
    /* ---- accounts ---- */
    [SQ_USER_INSERT] = "INSERT INTO users (name, role, shop, team, pwhash,"
                       " disabled, created_at)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [SQ_USER_SELECT] = "SELECT " USER_COLS ", pwhash FROM users"
                       " WHERE name = ?1",
    [SQ_USER_LIST] = "SELECT " USER_COLS ", NULL FROM users ORDER BY name",
    [SQ_USER_PASSWD] = "UPDATE users SET pwhash = ?2 WHERE name = ?1",
    [SQ_USER_DISABLE] = "UPDATE users SET disabled = ?2 WHERE name = ?1",
    [SQ_USER_SESSIONS_END] = "DELETE FROM sessions WHERE user_id ="
                             " (SELECT id FROM users WHERE name = ?1)",
    [SQ_TOKEN_INSERT] = "INSERT INTO tokens (user_id, hash, label,"
                        " created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQ_TOKEN_AUTH] =
        "SELECT " PRINCIPAL_COLS " FROM tokens t JOIN users u"
        " ON u.id = t.user_id WHERE t.hash = ?1 AND t.revoked = 0"
        " AND (t.expires_at IS NULL OR t.expires_at > ?2)"
        " AND u.disabled = 0",
    [SQ_TOKEN_REVOKE] = "UPDATE tokens SET revoked = 1 WHERE id = ?1",
    [SQ_TOKEN_LIST] =
        "SELECT t.id, t.user_id, u.name, t.label, t.created_at,"
        " t.expires_at, t.revoked FROM tokens t JOIN users u"
        " ON u.id = t.user_id WHERE ?1 <= 0 OR t.user_id = ?1 ORDER BY t.id",
    [SQ_SESSION_PURGE] = "DELETE FROM sessions WHERE expires_at <= ?1",
    [SQ_SESSION_INSERT] = "INSERT INTO sessions (hash, user_id, csrf,"
                          " created_at, expires_at)"
                          " VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQ_SESSION_AUTH] =
        "SELECT " PRINCIPAL_COLS ", s.csrf FROM sessions s JOIN users u"
        " ON u.id = s.user_id WHERE s.hash = ?1 AND s.expires_at > ?2"
        " AND u.disabled = 0",
    [SQ_SESSION_DELETE] = "DELETE FROM sessions WHERE hash = ?1",
    /* ---- conversations ---- */
    [SQ_CONVERSATION_INSERT] =
        "INSERT INTO conversations (id, shop, agent, customer, started_at,"
        " day, risk, causes, n_a, n_b, n_c, conv_json, result_json,"
        " imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
        " ?11, ?12, ?13, ?14) ON CONFLICT (id) DO NOTHING",
    [SQ_CONVERSATION_SELECT] = "SELECT conv_json, result_json, shop, agent"
                               " FROM conversations WHERE id = ?1",
    [SQ_FINDING_INSERT] =
        "INSERT INTO findings (conv_id, shop, agent, code, level, rule, msg,"
        " span_start, span_end, at, day) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
        " ?8, ?9, ?10, ?11)",
    [SQ_SCORES_SHOP] = "SELECT " SCORE_COLS " FROM conversations"
                       " WHERE shop = ?1 AND " SCORE_DAYS,
    [SQ_SCORES_ALL] = "SELECT " SCORE_COLS " FROM conversations"
                      " WHERE " SCORE_DAYS,
};
