/*
 * Private to the SQLite backend (sqlite*.c): the connection handle, its
 * cache of prepared statements, and small helpers shared by the files.
 *
 * Invariants:
 * - Every statement is prepared once per connection (on first use) and
 *   reset after each use, so none holds a read snapshot between calls.
 * - Case writes run inside ks_sq_write_open/close: their own transaction
 *   (BEGIN IMMEDIATE, so two writers never deadlock upgrading a read
 *   lock), or a savepoint inside the caller's explicit transaction, so a
 *   failed write leaves nothing behind either way.
 * - promises.risk mirrors cases.risk: both writers rewrite every promise
 *   of the case, so the due list can walk one index per risk level.
 * - Times KS_TIME_NONE, money < 0 and unknown facts (-1) are stored as
 *   NULL; enums as their numeric values (new values go at the end).
 */
#ifndef KS_SQLITE_INT_H
#define KS_SQLITE_INT_H

#include <sqlite3.h>

#include "store_int.h"

/* The statements of the cache, by id; text in sqlite_sql.c. */
typedef enum ks_sq_id {
    SQ_BEGIN, SQ_BEGIN_READ, SQ_COMMIT, SQ_ROLLBACK, SQ_SAVEPOINT, SQ_RELEASE,
    SQ_ROLLBACK_TO,
    SQ_CASE_INSERT, SQ_CASE_UPDATE, SQ_CASE_SELECT,
    SQ_CONV_DELETE, SQ_CONV_INSERT, SQ_CONV_SELECT,
    SQ_EVID_DELETE, SQ_EVID_INSERT, SQ_EVID_SELECT,
    SQ_NOTE_DELETE, SQ_NOTE_INSERT, SQ_NOTE_SELECT,
    SQ_PROM_INSERT, SQ_PROM_UPDATE, SQ_PROM_IDS, SQ_PROM_DELETE,
    SQ_PROM_SELECT,
    SQ_BY_CONV, SQ_COUNT_BATCH, SQ_COUNT_CUSTOMER, SQ_DUE,
    SQ_LAST_EVENT, SQ_EVENT_INSERT, SQ_EVENTS, SQ_VERIFY,
    /* accounts (sqlite_account.c) */
    SQ_USER_INSERT, SQ_USER_SELECT, SQ_USER_LIST, SQ_USER_PASSWD,
    SQ_USER_DISABLE, SQ_USER_SESSIONS_END,
    SQ_TOKEN_INSERT, SQ_TOKEN_AUTH, SQ_TOKEN_REVOKE, SQ_TOKEN_LIST,
    SQ_SESSION_PURGE, SQ_SESSION_INSERT, SQ_SESSION_AUTH, SQ_SESSION_DELETE,
    /* conversations (sqlite_conv.c) */
    SQ_CONVERSATION_INSERT, SQ_CONVERSATION_SELECT, SQ_FINDING_INSERT,
    SQ_SCORES_SHOP, SQ_SCORES_ALL,
    SQ_NSTMT
} ks_sq_id;

/* The SQL (sqlite_sql.c): statement text by id; migration i brings the
 * schema from version i to i + 1. */
extern const char *const ks_sq_sql[SQ_NSTMT];
extern const char *const ks_sq_migrations[];
extern const int ks_sq_schema_version;

/* List filters present, as bits: one cached statement per combination. */
enum { KS_SQ_LIST_VARIANTS = 128 };
/* The incident list's filters: the list's six and a lead's team. */
enum { KS_SQ_FIND_VARIANTS = 128 };

typedef struct ks_sqlite {
    ks_store base;              /* first: a ks_store * is a ks_sqlite * */
    sqlite3 *db;
    sqlite3_stmt *stmt[SQ_NSTMT];
    sqlite3_stmt *list[KS_SQ_LIST_VARIANTS];
    sqlite3_stmt *findings[KS_SQ_FIND_VARIANTS];  /* by filter bits too */
    int last_rc;                /* extended code of the last failure */
} ks_sqlite;

static inline ks_sqlite *ks_sq(ks_store *s) { return (ks_sqlite *)s; }

/* The cached statement (prepared on first use), or NULL with the
 * store's errmsg set. */
sqlite3_stmt *ks_sq_stmt(ks_sqlite *q, ks_sq_id id);
/* Records sqlite3_errmsg and returns KS_EDB. */
int ks_sq_fail(ks_sqlite *q);
/* Steps a statement that returns no rows, then resets it. */
int ks_sq_run(ks_sqlite *q, sqlite3_stmt *st);

/* Opens a write unit (*nested says which kind); close commits it when rc
 * is KS_OK, else rolls it back, and returns the final rc. */
int ks_sq_write_open(ks_sqlite *q, int *nested);
int ks_sq_write_close(ks_sqlite *q, int nested, int rc);
/* The same for reads made of several statements (one snapshot). */
int ks_sq_read_open(ks_sqlite *q, int *nested);
int ks_sq_read_close(ks_sqlite *q, int nested, int rc);

/* Binding and reading the NULL conventions above. */
void ks_sq_bind_text(sqlite3_stmt *st, int i, const char *v);
void ks_sq_bind_time(sqlite3_stmt *st, int i, int64_t t);
void ks_sq_bind_amount(sqlite3_stmt *st, int i, double v);
void ks_sq_bind_opt(sqlite3_stmt *st, int i, int64_t v);
int64_t ks_sq_col_time(sqlite3_stmt *st, int i);
double ks_sq_col_amount(sqlite3_stmt *st, int i);
int ks_sq_col_opt(sqlite3_stmt *st, int i);
/* A copy of a text column into *out (NULL stays NULL); KS_ENOMEM. */
int ks_sq_col_str(sqlite3_stmt *st, int i, char **out);
/* Reads scorecard rows (shop, agent, convs, A, B, C) until the statement
 * is done; the caller resets or finalizes it. */
int ks_sq_read_scores(ks_sqlite *q, sqlite3_stmt *st, ks_agent_score **rows,
                      size_t *n);

/* The audit chain (sqlite_audit.c): appends one event to the chain. */
int ks_sq_audit_append(ks_sqlite *q, int64_t case_id, int64_t at,
                       const char *actor, const char *type,
                       const char *data);

/* The operations, by file. */
int ks_sq_case_create(ks_store *s, ks_case *c, const char *actor,
                      int64_t now, const char *data, ks_diags *d);
int ks_sq_case_save(ks_store *s, ks_case *c, const char *actor, int64_t now,
                    const char *type, const char *data, ks_diags *d);
int ks_sq_case_get(ks_store *s, int64_t id, ks_case *out);
int ks_sq_case_by_conv(ks_store *s, const char *conv_id, int64_t *id);
int ks_sq_count_batch(ks_store *s, const char *sku, const char *batch,
                      int *n);
int ks_sq_count_customer(ks_store *s, const char *shop, const char *customer,
                         int *n);
int ks_sq_case_list(ks_store *s, const ks_case_filter *f, ks_case_row **rows,
                    size_t *n);
int ks_sq_due(ks_store *s, const ks_case_filter *f, int64_t until,
              size_t limit, ks_due **rows,
              size_t *n);
int ks_sq_events(ks_store *s, int64_t case_id, ks_audit **out, size_t *n);
int ks_sq_verify(ks_store *s, int64_t *bad_seq, int64_t *bad_case,
                 size_t *checked, ks_diags *d);

int ks_sq_user_add(ks_store *s, const ks_user *u, int64_t now, int64_t *id,
                   ks_diags *d);
int ks_sq_user_get(ks_store *s, const char *name, ks_user *out);
int ks_sq_user_list(ks_store *s, ks_user **users, size_t *n);
int ks_sq_user_set_password(ks_store *s, const char *name,
                            const char *pwhash);
int ks_sq_user_disable(ks_store *s, const char *name, int disabled);
int ks_sq_token_add(ks_store *s, int64_t user_id,
                    const unsigned char hash[32], const char *label,
                    int64_t now, int64_t expires_at, int64_t *id);
int ks_sq_token_auth(ks_store *s, const unsigned char hash[32], int64_t now,
                     ks_principal *out);
int ks_sq_token_revoke(ks_store *s, int64_t id);
int ks_sq_token_list(ks_store *s, int64_t user_id, ks_token_row **rows,
                     size_t *n);
int ks_sq_session_add(ks_store *s, int64_t user_id,
                      const unsigned char id_hash[32], const char *csrf,
                      int64_t now, int64_t expires_at);
int ks_sq_session_auth(ks_store *s, const unsigned char id_hash[32],
                       int64_t now, ks_principal *out, char csrf_out[64]);
int ks_sq_session_end(ks_store *s, const unsigned char id_hash[32]);
int ks_sq_conv_put(ks_store *s, const ks_conv *c, const char *conv_json,
                   const ks_result *r, const char *result_json, int64_t now,
                   int *created);
int ks_sq_conv_get(ks_store *s, const char *id, char **conv_json,
                   char **result_json, char **shop, char **agent);
int ks_sq_findings_list(ks_store *s, const ks_finding_filter *f,
                        int64_t at_from, int64_t at_to,
                        ks_finding_row **rows, size_t *n);
int ks_sq_agent_scores(ks_store *s, const char *shop, int64_t at_from,
                       int64_t at_to, ks_agent_score **rows, size_t *n);
/* sqlite_dash.c */
int ks_sq_conv_list(ks_store *s, const ks_conv_filter *f, int64_t at_from,
                    int64_t at_to, ks_conv_row **rows, size_t *n);
int ks_sq_scores_in(ks_store *s, const ks_conv_filter *f, int64_t at_from,
                    int64_t at_to, ks_agent_score **rows, size_t *n);
int ks_sq_cause_counts(ks_store *s, const ks_conv_filter *f, int64_t at_from,
                       int64_t at_to, ks_cause_count **rows, size_t *n);
/* A JSON array of names for "IN (SELECT value FROM json_each(?))", bound
 * as a parameter; NULL on out-of-memory. Free with ks_free(). */
char *ks_sq_names_json(const char *const *names, size_t n);

#endif
