/*
 * Case storage, behind one interface. SQLite (one file, WAL, foreign keys,
 * versioned migrations) is the embedded default; the operations are the
 * ones a PostgreSQL backend implements too, so the same tests run on both.
 *
 * Every change to a case is written together with one audit event, in one
 * transaction. Audit events form a single hash chain (BLAKE2b-256 over the
 * previous hash and the event's fields), so an event altered, inserted or
 * removed afterwards is detected by ks_store_verify().
 */
#ifndef KESU_STORE_H
#define KESU_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "kesu/auth.h"
#include "kesu/case.h"
#include "kesu/conv.h"
#include "kesu/qa.h"
#include "kesu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ks_store ks_store;

/* "sqlite:PATH", or a plain PATH (SQLite). Creates and migrates the
 * schema. Errors are explained in d. */
KS_API int ks_store_open(const char *uri, ks_store **out, ks_diags *d);
KS_API void ks_store_close(ks_store *s);
/* The last error message of the backend (for people), never NULL. */
KS_API const char *ks_store_errmsg(const ks_store *s);

/* Explicit transactions group several calls (import batches); calls made
 * outside one are each their own transaction. */
KS_API int ks_store_begin(ks_store *s);
KS_API int ks_store_commit(ks_store *s);
KS_API int ks_store_rollback(ks_store *s);

/* One audit event. data is a JSON object text describing the change. */
typedef struct ks_audit {
    int64_t seq;             /* position in the chain, from 1 */
    int64_t case_id;
    int64_t at;
    char *actor;             /* who did it ("cli", a user name) */
    char *type;              /* "create", "move", "promise", "keep",
                                "resolve", "note", "update" */
    char *data;
    unsigned char prev[32];  /* hash of event seq-1 (zeros for seq 1) */
    unsigned char hash[32];
} ks_audit;

/* The chain hash of an event from its fields and prev (libsodium's
 * crypto_generichash, 32 bytes, length-prefixed fields). */
KS_API void ks_audit_hash(const ks_audit *e, unsigned char out[32]);
KS_API void ks_audit_free(ks_audit *e);

/*
 * Inserts a new case (c->id is set, promises get their ids) and its
 * "create" event. The case is validated first (ks_case_validate); nothing
 * is written when it fails.
 */
KS_API int ks_store_case_create(ks_store *s, ks_case *c, const char *actor,
                                int64_t now, ks_diags *d);
/* Replaces the stored case with c (fields, links, promises, notes; new
 * promises get ids) and appends one event of `type` with `data`.
 * Validated first; KS_ENOENT when the id is unknown. */
KS_API int ks_store_case_save(ks_store *s, ks_case *c, const char *actor,
                              int64_t now, const char *type,
                              const char *data, ks_diags *d);
/* Loads a case; *out must be ks_case_init'ed or freed; KS_ENOENT. */
KS_API int ks_store_case_get(ks_store *s, int64_t id, ks_case *out);
/* The case linked to a conversation id (import idempotency); KS_ENOENT. */
KS_API int ks_store_case_by_conv(ks_store *s, const char *conv_id,
                                 int64_t *id);
/* Cases about the same sku and batch (for fault analysis). */
KS_API int ks_store_count_batch(ks_store *s, const char *sku,
                                const char *batch, int *n);
/* Earlier cases of a customer in a shop (customer history). */
KS_API int ks_store_count_customer(ks_store *s, const char *shop,
                                   const char *customer, int *n);

typedef struct ks_case_filter {
    int state;               /* ks_state, -1 any */
    int open_only;           /* not closed */
    int min_risk;            /* ks_risk, -1 any */
    const char *shop, *agent, *customer; /* NULL any */
    size_t limit;            /* 0 = 100 */
    size_t offset;
    /* Only cases whose agent is one of these (a lead's team); NULL: any.
     * Non-NULL with nagents 0 matches no case. */
    const char *const *agents;
    size_t nagents;
} ks_case_filter;

/* A row of a case list (what a list view shows). */
typedef struct ks_case_row {
    int64_t id;
    char *customer, *agent, *summary;
    ks_state state;
    ks_risk risk;
    uint32_t causes;
    int64_t created_at, updated_at;
    int64_t next_due;        /* earliest open promise, or KS_TIME_NONE */
    char *shop;              /* NULL when none */
} ks_case_row;

/* Newest first (risk, then updated_at, descending). */
KS_API int ks_store_case_list(ks_store *s, const ks_case_filter *f,
                              ks_case_row **rows, size_t *n);
KS_API void ks_case_rows_free(ks_case_row *rows, size_t n);

/* An open promise falling due. */
typedef struct ks_due {
    int64_t case_id, promise_id;
    ks_promise_kind kind;
    char *text, *customer, *agent;
    ks_risk risk;
    ks_state state;
    int64_t due_at;
} ks_due;

/* Open promises due before `until` (overdue ones included), ordered by
 * risk (critical first), then due time. At most limit rows (0 = 1000). */
KS_API int ks_store_due(ks_store *s, int64_t until, size_t limit,
                        ks_due **rows, size_t *n);
/* The same for the cases f's shop, agent and agents select (state, risk,
 * customer and offset are ignored); f->limit 0 = 1000. */
KS_API int ks_store_due_filter(ks_store *s, const ks_case_filter *f,
                               int64_t until, ks_due **rows, size_t *n);
KS_API void ks_due_free(ks_due *rows, size_t n);

/* The audit events of one case (case_id > 0) in order. */
KS_API int ks_store_events(ks_store *s, int64_t case_id, ks_audit **out,
                           size_t *n);
KS_API void ks_audits_free(ks_audit *e, size_t n);

/*
 * Walks the whole chain (streaming, constant memory). Returns KS_OK when
 * intact, KS_ECORRUPT when not: *bad_seq (if not NULL) is the first event
 * whose hash or link does not hold, *bad_case its case, and d says what
 * (hash mismatch, broken link, missing seq).
 */
KS_API int ks_store_verify(ks_store *s, int64_t *bad_seq, int64_t *bad_case,
                           size_t *checked, ks_diags *d);

/* ==== accounts, credentials, conversations (issue 5: kesu serve) ==== */

/*
 * Users. name is the login name and, for agents, the agent id of SPEC 3.1
 * conversations: [A-Za-z0-9_.-]{1,63}, unique. Every role but admin
 * belongs to one shop. pwhash is a ks_password_hash() string, or NULL for
 * an account that logs in with API tokens only. Strings are owned by the
 * ks_user; ks_user_free() releases them.
 */
typedef struct ks_user {
    int64_t id;
    char *name;
    ks_role role;
    char *shop, *team;       /* NULL when none (shop: admin only) */
    char *pwhash;            /* NULL: no password login */
    int disabled;            /* refused by every authentication */
    int64_t created_at;
} ks_user;

/* Adds u (u->id and u->created_at are ignored; now is stored). Invalid
 * names, roles, a missing shop and a taken name (KS_ESTATE) are explained
 * in d; nothing is written then. *id (if not NULL) gets the new id. */
KS_API int ks_store_user_add(ks_store *s, const ks_user *u, int64_t now,
                             int64_t *id, ks_diags *d);
/* Loads a user by name (pwhash included, for the login check); KS_ENOENT.
 * *out is overwritten (free it first if it held a user). */
KS_API int ks_store_user_get(ks_store *s, const char *name, ks_user *out);
/* Every user, by name; pwhash is never loaded (NULL). */
KS_API int ks_store_user_list(ks_store *s, ks_user **users, size_t *n);
/* Replaces the password hash (NULL: tokens only) and ends every session
 * of the user, so a stolen cookie dies with the old password. KS_ENOENT. */
KS_API int ks_store_user_set_password(ks_store *s, const char *name,
                                      const char *pwhash);
/* disabled 1 locks the account out (its tokens and sessions stop working
 * at once; its sessions are ended), 0 lets it in again. KS_ENOENT. */
KS_API int ks_store_user_disable(ks_store *s, const char *name,
                                 int disabled);
KS_API void ks_user_free(ks_user *u);
KS_API void ks_users_free(ks_user *u, size_t n);
/* The principal of a user (for a password login). */
KS_API void ks_user_principal(const ks_user *u, ks_principal *out);

/*
 * API tokens, stored as their ks_token_hash(). expires_at is KS_TIME_NONE
 * for a token that never expires. ks_store_token_auth() answers KS_ENOENT
 * alike for an unknown, revoked or expired token and for a disabled user:
 * a caller must not learn which.
 */
KS_API int ks_store_token_add(ks_store *s, int64_t user_id,
                              const unsigned char hash[32],
                              const char *label, int64_t now,
                              int64_t expires_at, int64_t *id);
KS_API int ks_store_token_auth(ks_store *s, const unsigned char hash[32],
                               int64_t now, ks_principal *out);
/* KS_ENOENT when there is no such token; revoking twice is no error. */
KS_API int ks_store_token_revoke(ks_store *s, int64_t id);

/* A token as listed: never its hash. */
typedef struct ks_token_row {
    int64_t id, user_id;
    char *user;              /* the owner's name */
    char *label;             /* NULL when none */
    int64_t created_at;
    int64_t expires_at;      /* KS_TIME_NONE: never */
    int revoked;
} ks_token_row;

/* The tokens of user_id (<= 0: of everyone), by id. */
KS_API int ks_store_token_list(ks_store *s, int64_t user_id,
                               ks_token_row **rows, size_t *n);
KS_API void ks_token_rows_free(ks_token_row *rows, size_t n);

/*
 * Dashboard sessions, keyed by the hash of the cookie's random id. csrf
 * is the session's CSRF token (printable ASCII, at most 63 characters).
 * Adding a session also drops every expired one.
 */
KS_API int ks_store_session_add(ks_store *s, int64_t user_id,
                                const unsigned char id_hash[32],
                                const char *csrf, int64_t now,
                                int64_t expires_at);
/* KS_ENOENT for an unknown or expired session or a disabled user. */
KS_API int ks_store_session_auth(ks_store *s, const unsigned char id_hash[32],
                                 int64_t now, ks_principal *out,
                                 char csrf_out[64]);
/* Ending an unknown session is no error (logging out twice). */
KS_API int ks_store_session_end(ks_store *s, const unsigned char id_hash[32]);

/*
 * Imported conversations (SPEC 3.1) with their QA results (SPEC 3.2), for
 * the incident list and the scorecards. Days are local dates, "YYYY-MM-DD",
 * in China Standard Time (UTC+8 all year, the zone of the shops kesu
 * serves); a finding's day is that of its message (or of the nearest
 * earlier timed message), a conversation's that of its first timed
 * message.
 */

/* Stores c (its raw JSON text conv_json), its result r (result_json, the
 * SPEC 3.2 line) and one row per finding, in one transaction. An id
 * already stored is left as it was: *created (if not NULL) is 0 then, 1
 * when written. KS_EINVAL when a finding names a message c does not
 * have. */
KS_API int ks_store_conv_put(ks_store *s, const ks_conv *c,
                             const char *conv_json, const ks_result *r,
                             const char *result_json, int64_t now,
                             int *created);
/* The stored texts of conversation id (any out pointer may be NULL; shop
 * and agent are NULL when the conversation had none); KS_ENOENT. Free
 * each with ks_free(). */
KS_API int ks_store_conv_get(ks_store *s, const char *id, char **conv_json,
                             char **result_json, char **shop, char **agent);

typedef struct ks_finding_filter {
    const char *shop, *agent;        /* NULL any */
    int code;                        /* ks_incident, -1 any (0 is attitude) */
    char level;                      /* 'A', 'B' or 'C'; 0 any */
    const char *day_from, *day_to;   /* "YYYY-MM-DD", inclusive; NULL open */
    size_t limit;                    /* 0 = 100 */
    size_t offset;
    /* When agents is not NULL, only rows whose agent is one of its
     * nagents names (none: no row). A lead's team, in SQL. */
    const char *const *agents;
    size_t nagents;
} ks_finding_filter;
/* Matches everything: start from it and set what you filter on. */
#define KS_FINDING_FILTER_ANY {NULL, NULL, -1, 0, NULL, NULL, 0, 0, NULL, 0}

typedef struct ks_finding_row {
    int64_t id;
    char *conv_id, *shop, *agent;    /* shop, agent NULL when none */
    char *rule;                      /* the rule that fired */
    ks_incident code;
    char level;                      /* 'A', 'B', 'C' */
    size_t msg;                      /* index into the conversation */
    uint32_t start, end;             /* code points in that message */
    int64_t at;                      /* KS_TIME_NONE when untimed */
    char day[11];                    /* "" when untimed */
} ks_finding_row;

/* Findings matching f (NULL: all), newest first (then by id, descending;
 * untimed last). A malformed day is KS_EINVAL. */
KS_API int ks_store_findings_list(ks_store *s, const ks_finding_filter *f,
                                  ks_finding_row **rows, size_t *n);
KS_API void ks_finding_rows_free(ks_finding_row *rows, size_t n);

/* One agent's scorecard over a span of days. */
typedef struct ks_agent_score {
    char *shop, *agent;              /* NULL when none */
    int64_t convs;                   /* conversations judged */
    int64_t findings[3];             /* by level: [0] A, [1] B, [2] C */
} ks_agent_score;

/* Per (shop, agent), ordered by shop then agent, over the conversations
 * of shop (NULL: every shop) whose day lies in [day_from, day_to] (NULL:
 * open; untimed conversations count only when both are NULL). Findings
 * count with their conversation. */
KS_API int ks_store_agent_scores(ks_store *s, const char *shop,
                                 const char *day_from, const char *day_to,
                                 ks_agent_score **rows, size_t *n);
KS_API void ks_agent_scores_free(ks_agent_score *rows, size_t n);

/* ==== dashboard views of imported conversations (kesu serve) ==== */

/* Which conversations a view covers. Days as in ks_finding_filter. */
typedef struct ks_conv_filter {
    const char *shop, *agent;        /* NULL any */
    unsigned risks;                  /* bit (1u << ks_risk) per risk; 0 any */
    const char *day_from, *day_to;   /* "YYYY-MM-DD", inclusive; NULL open */
    size_t limit;                    /* lists only: 0 = 100 */
    size_t offset;
    const char *const *agents;       /* as in ks_finding_filter */
    size_t nagents;
} ks_conv_filter;
#define KS_CONV_FILTER_ANY {NULL, NULL, 0, NULL, NULL, 0, 0, NULL, 0}

/* A row of the risk board. */
typedef struct ks_conv_row {
    char *id, *shop, *agent;         /* shop, agent NULL when none */
    int64_t started_at;              /* KS_TIME_NONE when untimed */
    char day[11];                    /* "" when untimed */
    ks_risk risk;
    uint32_t causes;
    int64_t findings[3];             /* by level: A, B, C */
    int64_t case_id;                 /* the case opened for it, or 0 */
} ks_conv_row;

/* Conversations matching f (NULL: all), highest risk first, then newest
 * (untimed last), then by id. A malformed day is KS_EINVAL. */
KS_API int ks_store_conv_list(ks_store *s, const ks_conv_filter *f,
                              ks_conv_row **rows, size_t *n);
KS_API void ks_conv_rows_free(ks_conv_row *rows, size_t n);

/* ks_store_agent_scores() over the conversations f selects (shop, agent,
 * agents, days; risks and paging ignored). */
KS_API int ks_store_agent_scores_in(ks_store *s, const ks_conv_filter *f,
                                    ks_agent_score **rows, size_t *n);

/* How many conversations showed a cause, per local day. */
typedef struct ks_cause_count {
    char day[11];                    /* "" for untimed conversations */
    ks_cause cause;
    int64_t convs;
} ks_cause_count;

/* Per (day, cause) with at least one conversation, by day then cause,
 * over the conversations f selects (as ks_store_agent_scores_in). */
KS_API int ks_store_cause_counts(ks_store *s, const ks_conv_filter *f,
                                 ks_cause_count **rows, size_t *n);
KS_API void ks_cause_counts_free(ks_cause_count *rows);

#ifdef __cplusplus
}
#endif
#endif
