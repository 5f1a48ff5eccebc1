/*
 * A temporary SQLite store per test, for the cmocka storage tests
 * (private to tests/unit): kt_db_setup / kt_db_teardown as cmocka
 * fixtures (state is a kt_db), kt_db_open for a reopen, and raw SQL on
 * the file through a separate connection (to tamper, or to look at what
 * was written).
 */
#ifndef KT_DB_H
#define KT_DB_H

#include <sqlite3.h>
#include <unistd.h>

#include "kt.h"

typedef struct kt_db {
    char dir[64];
    char path[96];
    ks_store *s;
} kt_db;

static inline ks_store *kt_db_open(const char *path)
{
    ks_diags d = {0};
    ks_store *s = NULL;
    int rc = ks_store_open(path, &s, &d);
    if (rc != KS_OK)
        kt_print_diags(&d);
    assert_int_equal(rc, KS_OK);
    ks_diags_free(&d);
    return s;
}

static inline int kt_db_setup(void **state)
{
    kt_db *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/kesu-db-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/kesu.db", f->dir);
    f->s = kt_db_open(f->path);
    *state = f;
    return 0;
}

static inline int kt_db_teardown(void **state)
{
    kt_db *f = *state;
    char p[128];
    ks_store_close(f->s);
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Runs SQL on the database file through a separate raw connection. */
static inline void kt_raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "raw sql failed: %s: %s\n", sql, err);
        sqlite3_free(err);
        fail();
    }
    sqlite3_close(db);
}

/* The first column of the first row of a query. */
static inline int64_t kt_raw_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

#endif
