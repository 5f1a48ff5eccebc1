/*
 * SQLite: writing and loading one case with its children (conversation
 * links, evidence, promises, notes). A write is one unit (transaction or
 * savepoint) holding the case row, every child and one audit event.
 */
#include <stdio.h>

#include "kesu/alloc.h"
#include "sqlite_int.h"

/* Binds the case's columns ?1..?34 in CASE_COLS order (sqlite_sql.c). */
static void bind_case(sqlite3_stmt *st, const ks_case *c)
{
    const ks_order *o = &c->order;
    ks_sq_bind_text(st, 1, c->shop);
    ks_sq_bind_text(st, 2, c->customer);
    ks_sq_bind_text(st, 3, c->agent);
    ks_sq_bind_text(st, 4, c->summary);
    sqlite3_bind_int(st, 5, c->has_order != 0);
    ks_sq_bind_text(st, 6, o->id);
    ks_sq_bind_text(st, 7, o->sku);
    ks_sq_bind_text(st, 8, o->batch);
    ks_sq_bind_text(st, 9, o->category);
    ks_sq_bind_text(st, 10, o->carrier);
    ks_sq_bind_text(st, 11, o->region);
    ks_sq_bind_amount(st, 12, o->price);
    ks_sq_bind_amount(st, 13, o->cost);
    ks_sq_bind_time(st, 14, o->ordered_at);
    ks_sq_bind_time(st, 15, o->shipped_at);
    ks_sq_bind_time(st, 16, o->delivered_at);
    ks_sq_bind_opt(st, 17, o->shelf_life_days);
    sqlite3_bind_int64(st, 18, c->causes);
    sqlite3_bind_int(st, 19, c->risk);
    sqlite3_bind_int(st, 20, c->state);
    sqlite3_bind_int(st, 21, c->prev_state);
    sqlite3_bind_int(st, 22, c->fault);
    sqlite3_bind_int(st, 23, c->safety);
    sqlite3_bind_int(st, 24, c->batch_issue);
    ks_sq_bind_opt(st, 25, c->other_units_bad);
    ks_sq_bind_opt(st, 26, c->transit_damage);
    ks_sq_bind_opt(st, 27, c->person_checked);
    ks_sq_bind_time(st, 28, c->feedback_at);
    ks_sq_bind_time(st, 29, c->created_at);
    ks_sq_bind_time(st, 30, c->updated_at);
    ks_sq_bind_time(st, 31, c->closed_at);
    sqlite3_bind_int(st, 32, c->refused_offers);
    sqlite3_bind_int(st, 33, c->remedy);
    ks_sq_bind_amount(st, 34, c->remedy_amount);
}

/* ---- children --------------------------------------------------------- */

static int delete_children(ks_sqlite *q, ks_sq_id id, int64_t case_id)
{
    sqlite3_stmt *st = ks_sq_stmt(q, id);
    if (!st)
        return KS_EDB;
    sqlite3_bind_int64(st, 1, case_id);
    return ks_sq_run(q, st);
}

/* Inserts (case_id, pos, text) rows; *bad is the position that broke a
 * constraint (a conversation linked elsewhere), then KS_EINVAL. */
static int insert_list(ks_sqlite *q, ks_sq_id id, int64_t case_id,
                       char *const *items, size_t n, size_t *bad)
{
    sqlite3_stmt *st = ks_sq_stmt(q, id);
    if (!st)
        return KS_EDB;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, case_id);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        ks_sq_bind_text(st, 3, items[i]);
        int rc = ks_sq_run(q, st);
        if (rc != KS_OK && (q->last_rc & 0xff) == SQLITE_CONSTRAINT) {
            *bad = i;
            return KS_EINVAL;
        }
        if (rc != KS_OK)
            return rc;
    }
    return KS_OK;
}

static int insert_notes(ks_sqlite *q, int64_t case_id, const ks_case *c)
{
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_NOTE_INSERT);
    if (!st)
        return KS_EDB;
    for (size_t i = 0; i < c->nnotes; i++) {
        sqlite3_bind_int64(st, 1, case_id);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        ks_sq_bind_time(st, 3, c->notes[i].at);
        ks_sq_bind_text(st, 4, c->notes[i].author);
        ks_sq_bind_text(st, 5, c->notes[i].text);
        int rc = ks_sq_run(q, st);
        if (rc != KS_OK)
            return rc;
    }
    return KS_OK;
}

static void bind_promise(sqlite3_stmt *st, int64_t case_id, size_t pos,
                         const ks_promise *p, ks_risk risk)
{
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, (int64_t)pos);
    sqlite3_bind_int(st, 3, p->kind);
    ks_sq_bind_text(st, 4, p->text);
    ks_sq_bind_time(st, 5, p->made_at);
    ks_sq_bind_time(st, 6, p->due_at);
    ks_sq_bind_time(st, 7, p->kept_at);
    sqlite3_bind_int(st, 8, risk);
}

static int insert_promise(ks_sqlite *q, int64_t case_id, size_t pos,
                          const ks_case *c, int64_t *id)
{
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_PROM_INSERT);
    if (!st)
        return KS_EDB;
    bind_promise(st, case_id, pos, &c->promises[pos], c->risk);
    int rc = ks_sq_run(q, st);
    *id = sqlite3_last_insert_rowid(q->db);
    return rc;
}

/* Updates a stored promise in place, so its id (which people and the due
 * list refer to) survives the save. */
static int update_promise(ks_sqlite *q, int64_t case_id, size_t pos,
                          const ks_case *c, ks_diags *d)
{
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_PROM_UPDATE);
    if (!st)
        return KS_EDB;
    bind_promise(st, case_id, pos, &c->promises[pos], c->risk);
    sqlite3_bind_int64(st, 9, c->promises[pos].id);
    int rc = ks_sq_run(q, st);
    if (rc == KS_OK && sqlite3_changes(q->db) == 0) {
        char where[48];
        snprintf(where, sizeof where, "promises[%zu]", pos);
        ks_diags_add(d, 0, where, "promise %lld is not a promise of case %lld",
                     (long long)c->promises[pos].id, (long long)case_id);
        rc = KS_EINVAL;
    }
    return rc;
}

static int case_has_promise(const ks_case *c, int64_t id)
{
    for (size_t i = 0; i < c->npromises; i++)
        if (c->promises[i].id == id)
            return 1;
    return 0;
}

/* The stored promise ids of a case (a handful), in *ids. */
static int stored_promise_ids(ks_sqlite *q, int64_t case_id, int64_t **ids,
                              size_t *n)
{
    size_t cap = 0;
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_PROM_IDS);
    if (!st)
        return KS_EDB;
    sqlite3_bind_int64(st, 1, case_id);
    int rc = KS_OK, step;
    while (rc == KS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = ks_grow(ids, &cap, *n, sizeof **ids, 8);
        if (rc == KS_OK)
            (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_sq_fail(q);
    sqlite3_reset(st);
    return rc;
}

/* Deletes the stored promises the saved case no longer has. */
static int drop_promises(ks_sqlite *q, int64_t case_id, const ks_case *c)
{
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = stored_promise_ids(q, case_id, &ids, &n);
    sqlite3_stmt *st = rc == KS_OK ? ks_sq_stmt(q, SQ_PROM_DELETE) : NULL;
    if (rc == KS_OK && !st)
        rc = KS_EDB;
    for (size_t i = 0; rc == KS_OK && i < n; i++) {
        if (case_has_promise(c, ids[i]))
            continue;
        sqlite3_bind_int64(st, 1, ids[i]);
        rc = ks_sq_run(q, st);
    }
    ks_free(ids);
    return rc;
}

/* Writes c's promises; ids[i] receives each one's id. */
static int write_promises(ks_sqlite *q, int64_t case_id, const ks_case *c,
                          int is_new, int64_t *ids, ks_diags *d)
{
    int rc = is_new ? KS_OK : drop_promises(q, case_id, c);
    for (size_t i = 0; rc == KS_OK && i < c->npromises; i++) {
        ids[i] = c->promises[i].id;
        if (ids[i] > 0 && !is_new)
            rc = update_promise(q, case_id, i, c, d);
        else
            rc = insert_promise(q, case_id, i, c, &ids[i]);
    }
    return rc;
}

/* All children of a case; *bad_conv as in insert_list. */
static int write_children(ks_sqlite *q, int64_t id, const ks_case *c,
                          int is_new, int64_t *ids, size_t *bad_conv,
                          ks_diags *d)
{
    size_t no_constraint;   /* evidence has none beyond its position */
    int rc = KS_OK;
    if (!is_new) {
        rc = delete_children(q, SQ_CONV_DELETE, id);
        if (rc == KS_OK)
            rc = delete_children(q, SQ_EVID_DELETE, id);
        if (rc == KS_OK)
            rc = delete_children(q, SQ_NOTE_DELETE, id);
    }
    if (rc == KS_OK)
        rc = insert_list(q, SQ_CONV_INSERT, id, c->convs, c->nconvs,
                         bad_conv);
    if (rc == KS_OK)
        rc = insert_list(q, SQ_EVID_INSERT, id, c->evidence, c->nevidence,
                         &no_constraint);
    if (rc == KS_OK)
        rc = insert_notes(q, id, c);
    if (rc == KS_OK)
        rc = write_promises(q, id, c, is_new, ids, d);
    return rc;
}

/* ---- the case row ------------------------------------------------------- */

static int insert_row(ks_sqlite *q, const ks_case *c, int64_t *id)
{
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_CASE_INSERT);
    if (!st)
        return KS_EDB;
    bind_case(st, c);
    int rc = ks_sq_run(q, st);
    *id = sqlite3_last_insert_rowid(q->db);
    return rc;
}

static int update_row(ks_sqlite *q, const ks_case *c, ks_diags *d)
{
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_CASE_UPDATE);
    if (!st)
        return KS_EDB;
    bind_case(st, c);
    sqlite3_bind_int64(st, 35, c->id);
    int rc = ks_sq_run(q, st);
    if (rc == KS_OK && sqlite3_changes(q->db) == 0) {
        ks_diags_add(d, 0, "id", "no case %lld in the store",
                     (long long)c->id);
        rc = KS_ENOENT;
    }
    return rc;
}

/* Says which conversation was refused and why, once the write is undone
 * (the lookup then sees what is really stored). */
static void explain_conv(ks_sqlite *q, const ks_case *c, size_t i,
                         ks_diags *d)
{
    char where[48];
    int64_t owner = 0;
    snprintf(where, sizeof where, "convs[%zu]", i);
    if (ks_sq_case_by_conv(&q->base, c->convs[i], &owner) == KS_OK &&
        owner != c->id)
        ks_diags_add(d, 0, where,
                     "conversation %s is already linked to case %lld",
                     c->convs[i], (long long)owner);
    else
        ks_diags_add(d, 0, where, "conversation %s is listed twice",
                     c->convs[i]);
    ks_store_seterr(&q->base, "conversation %s is already linked",
                    c->convs[i]);
}

/* Create (is_new) or save: row, children and event in one unit. */
static int write_case(ks_sqlite *q, ks_case *c, int is_new, const char *actor,
                      int64_t now, const char *type, const char *data,
                      ks_diags *d)
{
    int64_t *ids = ks_calloc(c->npromises ? c->npromises : 1, sizeof *ids);
    if (!ids)
        return KS_ENOMEM;
    int64_t id = c->id;
    size_t bad_conv = (size_t)-1;
    int nested, rc = ks_sq_write_open(q, &nested);
    if (rc == KS_OK) {
        rc = is_new ? insert_row(q, c, &id) : update_row(q, c, d);
        if (rc == KS_OK)
            rc = write_children(q, id, c, is_new, ids, &bad_conv, d);
        if (rc == KS_OK)
            rc = ks_sq_audit_append(q, id, now, actor, type, data);
        rc = ks_sq_write_close(q, nested, rc);
    }
    if (rc == KS_EINVAL && bad_conv != (size_t)-1)
        explain_conv(q, c, bad_conv, d);
    if (rc == KS_OK) {
        /* Only now: a failed write leaves c exactly as it was given. */
        c->id = id;
        for (size_t i = 0; i < c->npromises; i++)
            c->promises[i].id = ids[i];
    }
    ks_free(ids);
    return rc;
}

int ks_sq_case_create(ks_store *s, ks_case *c, const char *actor,
                      int64_t now, const char *data, ks_diags *d)
{
    return write_case(ks_sq(s), c, 1, actor, now, "create", data, d);
}

int ks_sq_case_save(ks_store *s, ks_case *c, const char *actor, int64_t now,
                    const char *type, const char *data, ks_diags *d)
{
    return write_case(ks_sq(s), c, 0, actor, now, type, data, d);
}

/* ---- loading -------------------------------------------------------- */

static int load_strings(sqlite3_stmt *st, char **out[], const int cols[],
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = ks_sq_col_str(st, cols[i], out[i]);
        if (rc != KS_OK)
            return rc;
    }
    return KS_OK;
}

/* The case row, columns in CASE_COLS order. */
static int load_row(sqlite3_stmt *st, ks_case *c)
{
    ks_order *o = &c->order;
    char **strs[] = {&c->shop, &c->customer, &c->agent, &c->summary,
                     &o->id, &o->sku, &o->batch, &o->category,
                     &o->carrier, &o->region};
    static const int cols[] = {0, 1, 2, 3, 5, 6, 7, 8, 9, 10};
    c->has_order = sqlite3_column_int(st, 4);
    o->price = ks_sq_col_amount(st, 11);
    o->cost = ks_sq_col_amount(st, 12);
    o->ordered_at = ks_sq_col_time(st, 13);
    o->shipped_at = ks_sq_col_time(st, 14);
    o->delivered_at = ks_sq_col_time(st, 15);
    o->shelf_life_days = ks_sq_col_opt(st, 16);
    c->causes = (uint32_t)sqlite3_column_int64(st, 17);
    c->risk = (ks_risk)sqlite3_column_int(st, 18);
    c->state = (ks_state)sqlite3_column_int(st, 19);
    c->prev_state = (ks_state)sqlite3_column_int(st, 20);
    c->fault = (ks_fault)sqlite3_column_int(st, 21);
    c->safety = sqlite3_column_int(st, 22);
    c->batch_issue = sqlite3_column_int(st, 23);
    c->other_units_bad = ks_sq_col_opt(st, 24);
    c->transit_damage = ks_sq_col_opt(st, 25);
    c->person_checked = ks_sq_col_opt(st, 26);
    c->feedback_at = ks_sq_col_time(st, 27);
    c->created_at = ks_sq_col_time(st, 28);
    c->updated_at = ks_sq_col_time(st, 29);
    c->closed_at = ks_sq_col_time(st, 30);
    c->refused_offers = sqlite3_column_int(st, 31);
    c->remedy = (ks_remedy)sqlite3_column_int(st, 32);
    c->remedy_amount = ks_sq_col_amount(st, 33);
    return load_strings(st, strs, cols, sizeof cols / sizeof cols[0]);
}

static int add_child(ks_case *c, ks_sq_id id, sqlite3_stmt *st)
{
    const char *t0 = (const char *)sqlite3_column_text(st, 0);
    switch (id) {
    case SQ_CONV_SELECT:
        return ks_case_add_conv(c, t0);
    case SQ_EVID_SELECT:
        return ks_case_add_evidence(c, t0);
    case SQ_NOTE_SELECT:
        return ks_case_add_note(c, ks_sq_col_time(st, 0),
                                (const char *)sqlite3_column_text(st, 1),
                                (const char *)sqlite3_column_text(st, 2));
    default: {
        size_t at;
        int rc = ks_case_add_promise(
            c, (ks_promise_kind)sqlite3_column_int(st, 1),
            (const char *)sqlite3_column_text(st, 2), ks_sq_col_time(st, 3),
            ks_sq_col_time(st, 4), &at);
        if (rc == KS_OK) {
            c->promises[at].id = sqlite3_column_int64(st, 0);
            c->promises[at].kept_at = ks_sq_col_time(st, 5);
        }
        return rc;
    }
    }
}

/* Appends the rows of one child table through the case.h adders, so the
 * arrays are grown the way ks_case_free expects. */
static int load_children(ks_sqlite *q, ks_sq_id id, int64_t case_id,
                         ks_case *c)
{
    sqlite3_stmt *st = ks_sq_stmt(q, id);
    if (!st)
        return KS_EDB;
    sqlite3_bind_int64(st, 1, case_id);
    int rc = KS_OK, step;
    while (rc == KS_OK && (step = sqlite3_step(st)) == SQLITE_ROW)
        rc = add_child(c, id, st);
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_sq_fail(q);
    sqlite3_reset(st);
    return rc;
}

static int load_case(ks_sqlite *q, int64_t id, ks_case *c)
{
    sqlite3_stmt *st = ks_sq_stmt(q, SQ_CASE_SELECT);
    if (!st)
        return KS_EDB;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW    ? load_row(st, c)
             : step == SQLITE_DONE ? KS_ENOENT
                                   : ks_sq_fail(q);
    sqlite3_reset(st);
    c->id = id;
    static const ks_sq_id kids[] = {SQ_CONV_SELECT, SQ_EVID_SELECT,
                                    SQ_PROM_SELECT, SQ_NOTE_SELECT};
    for (size_t i = 0; rc == KS_OK && i < sizeof kids / sizeof kids[0]; i++)
        rc = load_children(q, kids[i], id, c);
    return rc;
}

int ks_sq_case_get(ks_store *s, int64_t id, ks_case *out)
{
    ks_sqlite *q = ks_sq(s);
    int nested, rc = ks_sq_read_open(q, &nested);
    if (rc == KS_OK)
        rc = ks_sq_read_close(q, nested, load_case(q, id, out));
    if (rc != KS_OK) {
        ks_case_free(out);
        ks_case_init(out);
    }
    return rc;
}
