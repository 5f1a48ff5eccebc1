/*
 * SQLite: users, API tokens and dashboard sessions. Secrets never reach
 * this file: tokens and session ids arrive as their 32-byte hashes,
 * passwords as Argon2id strings. Arguments are checked by
 * store_account.c.
 */
#include <stdio.h>
#include <string.h>

#include "kesu/alloc.h"
#include "sqlite_int.h"

enum { KS_HASH_LEN = 32 };

/* A constraint that names bad input rather than a broken database. */
static int constraint(ks_sqlite *q, int xrc)
{
    return sqlite3_extended_errcode(q->db) == xrc;
}

static void copy_col(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

/* Columns PRINCIPAL_COLS (sqlite_sql.c). */
static void load_principal(sqlite3_stmt *st, ks_principal *p)
{
    memset(p, 0, sizeof *p);
    p->user_id = sqlite3_column_int64(st, 0);
    copy_col(st, 1, p->name, sizeof p->name);
    p->role = (ks_role)sqlite3_column_int(st, 2);
    copy_col(st, 3, p->shop, sizeof p->shop);
    copy_col(st, 4, p->team, sizeof p->team);
}

/* Columns USER_COLS then pwhash (sqlite_sql.c). */
static int load_user(sqlite3_stmt *st, ks_user *u)
{
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(st, 0);
    u->role = (ks_role)sqlite3_column_int(st, 2);
    u->disabled = sqlite3_column_int(st, 5);
    u->created_at = sqlite3_column_int64(st, 6);
    int rc = ks_sq_col_str(st, 1, &u->name);
    if (rc == KS_OK)
        rc = ks_sq_col_str(st, 3, &u->shop);
    if (rc == KS_OK)
        rc = ks_sq_col_str(st, 4, &u->team);
    if (rc == KS_OK)
        rc = ks_sq_col_str(st, 7, &u->pwhash);
    if (rc != KS_OK)
        ks_user_free(u);
    return rc;
}

/* ---- users ---------------------------------------------------------------- */

int ks_sq_user_add(ks_store *s, const ks_user *u, int64_t now, int64_t *id,
                   ks_diags *d)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_USER_INSERT);
    if (!st)
        return KS_EDB;
    ks_sq_bind_text(st, 1, u->name);
    sqlite3_bind_int(st, 2, (int)u->role);
    ks_sq_bind_text(st, 3, u->shop);
    ks_sq_bind_text(st, 4, u->team);
    ks_sq_bind_text(st, 5, u->pwhash);
    sqlite3_bind_int(st, 6, u->disabled ? 1 : 0);
    sqlite3_bind_int64(st, 7, now);
    int rc = KS_OK;
    if (sqlite3_step(st) == SQLITE_DONE) {
        *id = sqlite3_last_insert_rowid(q->db);
    } else if (constraint(q, SQLITE_CONSTRAINT_UNIQUE)) {
        ks_diags_add(d, 0, "name", "a user called \"%s\" already exists",
                     u->name);
        rc = KS_ESTATE;
    } else {
        rc = ks_sq_fail(q);
    }
    sqlite3_reset(st);
    return rc;
}

int ks_sq_user_get(ks_store *s, const char *name, ks_user *out)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_USER_SELECT);
    if (!st)
        return KS_EDB;
    ks_sq_bind_text(st, 1, name);
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW    ? load_user(st, out)
             : step == SQLITE_DONE ? KS_ENOENT
                                   : ks_sq_fail(q);
    sqlite3_reset(st);
    return rc;
}

int ks_sq_user_list(ks_store *s, ks_user **users, size_t *n)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_USER_LIST);
    if (!st)
        return KS_EDB;
    size_t cap = 0;
    int rc = KS_OK, step;
    while (rc == KS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = ks_grow(users, &cap, *n, sizeof **users, 16);
        if (rc == KS_OK)
            rc = load_user(st, &(*users)[*n]);
        if (rc == KS_OK)
            (*n)++;
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_sq_fail(q);
    sqlite3_reset(st);
    return rc;
}

/* Runs a one-name update (?1 name, ?2 value); KS_ENOENT when no row. */
static int update_user(ks_sqlite *q, ks_sq_id id, const char *name,
                       sqlite3_stmt **out)
{
    sqlite3_stmt *st = ks_sq_stmt(q, id);
    *out = st;
    if (!st)
        return KS_EDB;
    ks_sq_bind_text(st, 1, name);
    return KS_OK;
}

static int end_sessions(ks_sqlite *q, const char *name)
{
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_USER_SESSIONS_END);
    if (!st)
        return KS_EDB;
    ks_sq_bind_text(st, 1, name);
    return ks_sq_run(q, st);
}

/* The update, then (when end is set) the user's sessions, in one unit. */
static int update_and_end(ks_sqlite *q, sqlite3_stmt *st, const char *name,
                          int end)
{
    int nested;
    int rc = ks_sq_write_open(q, &nested);
    if (rc != KS_OK) {
        sqlite3_clear_bindings(st);
        return rc;
    }
    rc = ks_sq_run(q, st);
    if (rc == KS_OK && sqlite3_changes(q->db) == 0)
        rc = KS_ENOENT;
    if (rc == KS_OK && end)
        rc = end_sessions(q, name);
    return ks_sq_write_close(q, nested, rc);
}

int ks_sq_user_set_password(ks_store *s, const char *name,
                            const char *pwhash)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st;
    int rc = update_user(q, SQ_USER_PASSWD, name, &st);
    if (rc != KS_OK)
        return rc;
    ks_sq_bind_text(st, 2, pwhash);
    return update_and_end(q, st, name, 1);
}

int ks_sq_user_disable(ks_store *s, const char *name, int disabled)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st;
    int rc = update_user(q, SQ_USER_DISABLE, name, &st);
    if (rc != KS_OK)
        return rc;
    sqlite3_bind_int(st, 2, disabled ? 1 : 0);
    return update_and_end(q, st, name, disabled);
}

/* ---- tokens ---------------------------------------------------------------- */

int ks_sq_token_add(ks_store *s, int64_t user_id,
                    const unsigned char hash[32], const char *label,
                    int64_t now, int64_t expires_at, int64_t *id)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_TOKEN_INSERT);
    if (!st)
        return KS_EDB;
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_blob(st, 2, hash, KS_HASH_LEN, SQLITE_STATIC);
    ks_sq_bind_text(st, 3, label);
    sqlite3_bind_int64(st, 4, now);
    ks_sq_bind_time(st, 5, expires_at);
    int rc = KS_OK;
    if (sqlite3_step(st) == SQLITE_DONE) {
        *id = sqlite3_last_insert_rowid(q->db);
    } else if (constraint(q, SQLITE_CONSTRAINT_FOREIGNKEY)) {
        ks_store_seterr(s, "no user %lld", (long long)user_id);
        rc = KS_ENOENT;
    } else {
        rc = ks_sq_fail(q);
    }
    sqlite3_reset(st);
    return rc;
}

/* Steps an authentication query: a row is the principal, no row
 * KS_ENOENT. csrf_col >= 0 copies that column into csrf. */
static int auth_step(ks_sqlite *q, sqlite3_stmt *st, ks_principal *out,
                     int csrf_col, char csrf[64])
{
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW    ? KS_OK
             : step == SQLITE_DONE ? KS_ENOENT
                                   : ks_sq_fail(q);
    if (rc == KS_OK) {
        load_principal(st, out);
        if (csrf_col >= 0)
            copy_col(st, csrf_col, csrf, 64);
    }
    sqlite3_reset(st);
    return rc;
}

int ks_sq_token_auth(ks_store *s, const unsigned char hash[32], int64_t now,
                     ks_principal *out)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_TOKEN_AUTH);
    if (!st)
        return KS_EDB;
    sqlite3_bind_blob(st, 1, hash, KS_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    return auth_step(q, st, out, -1, NULL);
}

int ks_sq_token_revoke(ks_store *s, int64_t id)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_TOKEN_REVOKE);
    if (!st)
        return KS_EDB;
    sqlite3_bind_int64(st, 1, id);
    int rc = ks_sq_run(q, st);
    return rc == KS_OK && sqlite3_changes(q->db) == 0 ? KS_ENOENT : rc;
}

static int load_token(sqlite3_stmt *st, ks_token_row *t)
{
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(st, 0);
    t->user_id = sqlite3_column_int64(st, 1);
    t->created_at = sqlite3_column_int64(st, 4);
    t->expires_at = ks_sq_col_time(st, 5);
    t->revoked = sqlite3_column_int(st, 6);
    int rc = ks_sq_col_str(st, 2, &t->user);
    if (rc == KS_OK)
        rc = ks_sq_col_str(st, 3, &t->label);
    if (rc != KS_OK) {
        ks_free(t->user);
        ks_free(t->label);
    }
    return rc;
}

int ks_sq_token_list(ks_store *s, int64_t user_id, ks_token_row **rows,
                     size_t *n)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_TOKEN_LIST);
    if (!st)
        return KS_EDB;
    sqlite3_bind_int64(st, 1, user_id);
    size_t cap = 0;
    int rc = KS_OK, step;
    while (rc == KS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = ks_grow(rows, &cap, *n, sizeof **rows, 16);
        if (rc == KS_OK)
            rc = load_token(st, &(*rows)[*n]);
        if (rc == KS_OK)
            (*n)++;
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_sq_fail(q);
    sqlite3_reset(st);
    return rc;
}

/* ---- sessions -------------------------------------------------------------- */

static int session_insert(ks_sqlite *q, int64_t user_id,
                          const unsigned char id_hash[32], const char *csrf,
                          int64_t now, int64_t expires_at)
{
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_SESSION_INSERT);
    if (!st)
        return KS_EDB;
    sqlite3_bind_blob(st, 1, id_hash, KS_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    ks_sq_bind_text(st, 3, csrf);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, expires_at);
    int rc = KS_OK;
    if (sqlite3_step(st) != SQLITE_DONE) {
        if (constraint(q, SQLITE_CONSTRAINT_FOREIGNKEY)) {
            ks_store_seterr(&q->base, "no user %lld", (long long)user_id);
            rc = KS_ENOENT;
        } else {
            rc = ks_sq_fail(q);
        }
    }
    sqlite3_reset(st);
    return rc;
}

/* Expired sessions go when a new one comes: the table stays as small as
 * the number of people logged in, without a sweeper thread. */
int ks_sq_session_add(ks_store *s, int64_t user_id,
                      const unsigned char id_hash[32], const char *csrf,
                      int64_t now, int64_t expires_at)
{
    ks_sqlite *q = ks_sq(s);
    int nested;
    int rc = ks_sq_write_open(q, &nested);
    if (rc != KS_OK)
        return rc;
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_SESSION_PURGE);
    if (!st)
        rc = KS_EDB;
    if (rc == KS_OK) {
        sqlite3_bind_int64(st, 1, now);
        rc = ks_sq_run(q, st);
    }
    if (rc == KS_OK)
        rc = session_insert(q, user_id, id_hash, csrf, now, expires_at);
    return ks_sq_write_close(q, nested, rc);
}

int ks_sq_session_auth(ks_store *s, const unsigned char id_hash[32],
                       int64_t now, ks_principal *out, char csrf_out[64])
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_SESSION_AUTH);
    if (!st)
        return KS_EDB;
    sqlite3_bind_blob(st, 1, id_hash, KS_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    return auth_step(q, st, out, 5, csrf_out);
}

int ks_sq_session_end(ks_store *s, const unsigned char id_hash[32])
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_SESSION_DELETE);
    if (!st)
        return KS_EDB;
    sqlite3_bind_blob(st, 1, id_hash, KS_HASH_LEN, SQLITE_STATIC);
    return ks_sq_run(q, st);
}
