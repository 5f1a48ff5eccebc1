/*
 * SQLite: the audit chain. Events are appended inside the write unit of
 * the change they record; the chain head (last seq and hash) is read under
 * the same write lock, so two writers never fork the chain.
 */
#include <stdio.h>
#include <string.h>

#include "kesu/alloc.h"
#include "sqlite_int.h"

/* The last event's seq and hash; seq 0 and zeros for an empty chain. */
static int chain_head(ks_sqlite *q, int64_t *seq, unsigned char hash[32])
{
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_LAST_EVENT);
    if (!st)
        return KS_EDB;
    *seq = 0;
    memset(hash, 0, 32);
    int step = sqlite3_step(st), rc = KS_OK;
    if (step == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        if (sqlite3_column_bytes(st, 1) == 32)
            memcpy(hash, sqlite3_column_blob(st, 1), 32);
    } else if (step != SQLITE_DONE) {
        rc = ks_sq_fail(q);
    }
    sqlite3_reset(st);
    return rc;
}

int ks_sq_audit_append(ks_sqlite *q, int64_t case_id, int64_t at,
                       const char *actor, const char *type,
                       const char *data)
{
    ks_audit e = {.case_id = case_id, .at = at, .actor = (char *)actor,
                  .type = (char *)type, .data = (char *)data};
    int rc = chain_head(q, &e.seq, e.prev);
    if (rc != KS_OK)
        return rc;
    e.seq++;
    ks_audit_hash(&e, e.hash);
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_EVENT_INSERT);
    if (!st)
        return KS_EDB;
    sqlite3_bind_int64(st, 1, e.seq);
    sqlite3_bind_int64(st, 2, e.case_id);
    sqlite3_bind_int64(st, 3, e.at);
    ks_sq_bind_text(st, 4, e.actor);
    ks_sq_bind_text(st, 5, e.type);
    ks_sq_bind_text(st, 6, e.data);
    sqlite3_bind_blob(st, 7, e.prev, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 8, e.hash, 32, SQLITE_STATIC);
    return ks_sq_run(q, st);
}

/* Copies a 32-byte blob column; 0 when it is not 32 bytes. */
static int col_hash(sqlite3_stmt *st, int i, unsigned char out[32])
{
    memset(out, 0, 32);
    if (sqlite3_column_bytes(st, i) != 32)
        return 0;
    memcpy(out, sqlite3_column_blob(st, i), 32);
    return 1;
}

/* The event of the current row, strings borrowed from the statement
 * (valid until the next step). Returns 0 when a hash column is not 32
 * bytes. */
static int row_event(sqlite3_stmt *st, ks_audit *e)
{
    e->seq = sqlite3_column_int64(st, 0);
    e->case_id = sqlite3_column_int64(st, 1);
    e->at = sqlite3_column_int64(st, 2);
    e->actor = (char *)sqlite3_column_text(st, 3);
    e->type = (char *)sqlite3_column_text(st, 4);
    e->data = (char *)sqlite3_column_text(st, 5);
    int ok = col_hash(st, 6, e->prev);
    return col_hash(st, 7, e->hash) && ok;
}

static int own_strings(sqlite3_stmt *st, ks_audit *e)
{
    int rc = ks_sq_col_str(st, 3, &e->actor);
    if (rc == KS_OK)
        rc = ks_sq_col_str(st, 4, &e->type);
    if (rc == KS_OK)
        rc = ks_sq_col_str(st, 5, &e->data);
    return rc;
}

int ks_sq_events(ks_store *s, int64_t case_id, ks_audit **out, size_t *n)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_EVENTS);
    if (!st)
        return KS_EDB;
    sqlite3_bind_int64(st, 1, case_id);
    size_t cap = 0;
    int rc = KS_OK, step;
    while (rc == KS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = ks_grow(out, &cap, *n, sizeof **out, 8);
        if (rc != KS_OK)
            break;
        ks_audit *e = &(*out)[(*n)++];
        row_event(st, e);
        rc = own_strings(st, e);
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_sq_fail(q);
    sqlite3_reset(st);
    if (rc != KS_OK) {
        ks_audits_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- verification ------------------------------------------------------ */

/* What is wrong with event e, given the hash of the event before it (and
 * its seq); NULL when it holds. why receives the detail. */
static const char *check_event(const ks_audit *e, int hash_ok,
                               int64_t prev_seq,
                               const unsigned char prev_hash[32], char *why,
                               size_t cap)
{
    unsigned char h[32];
    if (e->seq != prev_seq + 1) {
        snprintf(why, cap, "missing seq %lld (the chain jumps from %lld to "
                           "%lld) — an event was removed",
                 (long long)(prev_seq + 1), (long long)prev_seq,
                 (long long)e->seq);
        return why;
    }
    if (!hash_ok)
        return "malformed hash columns — the record was altered";
    if (memcmp(e->prev, prev_hash, 32) != 0)
        return "broken link: prev is not the hash of the event before — "
               "an event was altered, inserted or removed";
    ks_audit_hash(e, h);
    if (memcmp(h, e->hash, 32) != 0)
        return "hash mismatch — the record was altered";
    return NULL;
}

/* One statement over the whole chain in seq order, keeping only the
 * previous hash: memory stays constant however long the chain is. */
int ks_sq_verify(ks_store *s, int64_t *bad_seq, int64_t *bad_case,
                 size_t *checked, ks_diags *d)
{
    ks_sqlite *q = ks_sq(s);
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_VERIFY);
    if (!st)
        return KS_EDB;
    unsigned char prev[32] = {0};
    int64_t prev_seq = 0;
    char why[160];
    int rc = KS_OK, step;
    while (rc == KS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        ks_audit e;
        int hash_ok = row_event(st, &e);
        const char *bad = check_event(&e, hash_ok, prev_seq, prev, why,
                                      sizeof why);
        if (bad) {
            char where[48];
            snprintf(where, sizeof where, "audit %lld", (long long)e.seq);
            ks_diags_add(d, 0, where, "audit event %lld (case %lld, %s): %s",
                         (long long)e.seq, (long long)e.case_id,
                         e.type ? e.type : "?", bad);
            *bad_seq = e.seq;
            *bad_case = e.case_id;
            rc = KS_ECORRUPT;
            break;
        }
        memcpy(prev, e.hash, 32);
        prev_seq = e.seq;
        (*checked)++;
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_sq_fail(q);
    sqlite3_reset(st);
    return rc;
}
