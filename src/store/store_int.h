/*
 * Private to the store: the backend interface behind store.h.
 *
 * Each backend (SQLite now, PostgreSQL later) fills one ks_store_ops table
 * and embeds struct ks_store as the first member of its own handle, so
 * store.c forwards every public call without knowing which backend it
 * talks to. store.c checks arguments, validates cases and builds the
 * "create" event before forwarding; a backend only persists.
 *
 * A ks_store is one connection: use it from one thread at a time.
 * Pointer arguments reach a backend checked: never NULL (d included).
 */
#ifndef KS_STORE_INT_H
#define KS_STORE_INT_H

#include "kesu/store.h"

typedef struct ks_store_ops {
    const char *name;    /* "sqlite", "postgres" */
    void (*close)(ks_store *s);
    int (*begin)(ks_store *s);
    int (*commit)(ks_store *s);
    int (*rollback)(ks_store *s);
    /* c is valid; data is the event's JSON (built by store.c). On success
     * c->id and the new promise ids are set. */
    int (*case_create)(ks_store *s, ks_case *c, const char *actor,
                       int64_t now, const char *data, ks_diags *d);
    /* c is valid, type not NULL. */
    int (*case_save)(ks_store *s, ks_case *c, const char *actor, int64_t now,
                     const char *type, const char *data, ks_diags *d);
    /* out is empty (ks_case_init'ed). */
    int (*case_get)(ks_store *s, int64_t id, ks_case *out);
    int (*case_by_conv)(ks_store *s, const char *conv_id, int64_t *id);
    int (*count_batch)(ks_store *s, const char *sku, const char *batch,
                       int *n);
    int (*count_customer)(ks_store *s, const char *shop,
                          const char *customer, int *n);
    /* f has limit resolved (never 0). */
    int (*case_list)(ks_store *s, const ks_case_filter *f,
                     ks_case_row **rows, size_t *n);
    /* limit resolved (never 0); f NULL: every case. */
    int (*due)(ks_store *s, const ks_case_filter *f, int64_t until,
               size_t limit, ks_due **rows, size_t *n);
    int (*events)(ks_store *s, int64_t case_id, ks_audit **out, size_t *n);
    int (*verify)(ks_store *s, int64_t *bad_seq, int64_t *bad_case,
                  size_t *checked, ks_diags *d);
    /* Accounts (store_account.c checks names, roles and lengths first;
     * every string fits a ks_principal field). A taken name is KS_ESTATE
     * with a diagnostic; an unknown user_id KS_ENOENT. */
    int (*user_add)(ks_store *s, const ks_user *u, int64_t now, int64_t *id,
                    ks_diags *d);
    int (*user_get)(ks_store *s, const char *name, ks_user *out);
    int (*user_list)(ks_store *s, ks_user **users, size_t *n);
    int (*user_set_password)(ks_store *s, const char *name,
                             const char *pwhash);
    int (*user_disable)(ks_store *s, const char *name, int disabled);
    int (*token_add)(ks_store *s, int64_t user_id,
                     const unsigned char hash[32], const char *label,
                     int64_t now, int64_t expires_at, int64_t *id);
    int (*token_auth)(ks_store *s, const unsigned char hash[32], int64_t now,
                      ks_principal *out);
    int (*token_revoke)(ks_store *s, int64_t id);
    int (*token_list)(ks_store *s, int64_t user_id, ks_token_row **rows,
                      size_t *n);
    int (*session_add)(ks_store *s, int64_t user_id,
                       const unsigned char id_hash[32], const char *csrf,
                       int64_t now, int64_t expires_at);
    int (*session_auth)(ks_store *s, const unsigned char id_hash[32],
                        int64_t now, ks_principal *out, char csrf_out[64]);
    int (*session_end)(ks_store *s, const unsigned char id_hash[32]);
    /* Conversations (store_conv.c checked c, r and the texts). */
    int (*conv_put)(ks_store *s, const ks_conv *c, const char *conv_json,
                    const ks_result *r, const char *result_json, int64_t now,
                    int *created);
    int (*conv_get)(ks_store *s, const char *id, char **conv_json,
                    char **result_json, char **shop, char **agent);
    /* f's limit resolved (never 0) and its days turned into times:
     * at_from <= at < at_to, each KS_TIME_NONE when open. */
    int (*findings_list)(ks_store *s, const ks_finding_filter *f,
                         int64_t at_from, int64_t at_to,
                         ks_finding_row **rows, size_t *n);
    int (*agent_scores)(ks_store *s, const char *shop, int64_t at_from,
                        int64_t at_to, ks_agent_score **rows, size_t *n);
    /* Dashboard views: f's limit resolved, days turned into times. */
    int (*conv_list)(ks_store *s, const ks_conv_filter *f, int64_t at_from,
                     int64_t at_to, ks_conv_row **rows, size_t *n);
    int (*scores_in)(ks_store *s, const ks_conv_filter *f, int64_t at_from,
                     int64_t at_to, ks_agent_score **rows, size_t *n);
    int (*cause_counts)(ks_store *s, const ks_conv_filter *f,
                        int64_t at_from, int64_t at_to,
                        ks_cause_count **rows, size_t *n);
} ks_store_ops;

struct ks_store {
    const ks_store_ops *ops;
    char errmsg[512];    /* the last failure, for people; "" if none */
};

/* Sets s->errmsg (printf-style). */
void ks_store_seterr(ks_store *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* store.c's call discipline, for the other public files of the store:
 * ks_store_fresh() clears errmsg at the start of a call;
 * ks_store_explain() fills it from d[from..] or the code when the backend
 * did not, and returns rc. */
void ks_store_fresh(ks_store *s);
int ks_store_explain(ks_store *s, int rc, const ks_diags *d, size_t from);

/* Local days (store.h: UTC+8): ms -> "YYYY-MM-DD" ("" for KS_TIME_NONE);
 * "YYYY-MM-DD" -> the ms its day starts at, KS_EINVAL when malformed. */
void ks_store_day(int64_t ms, char out[11]);
int ks_store_day_start(const char *day, int64_t *ms);

/* Backends' constructors: path or conninfo without the scheme prefix. */
int ks_sqlite_open(const char *path, ks_store **out, ks_diags *d);

#endif
