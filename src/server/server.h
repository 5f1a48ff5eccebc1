/*
 * Private to `kesu serve`: the HTTP server core (http.c), its router
 * (router.c), per-thread resources (thread.c), limits (ratelimit.c), the
 * access log (access_log.c), authentication (authn.c) and the endpoint
 * handlers (h_*.c).
 *
 * Threading: libmicrohttpd runs a pool of epoll threads; a request is
 * handled start to finish on one of them. The store (SQLite) and the QA
 * scanner are not thread-safe, so each pool thread opens its own
 * (srv_thread, lazily, on its first request). The pack and scripts are
 * immutable and shared.
 */
#ifndef KS_SRV_SERVER_H
#define KS_SRV_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include "kesu/kesu.h"
#include "kesu/policy.h"
#include "kesu/script.h"
#include "jbuf.h"

struct MHD_Connection;

/* What `kesu serve` was started with. */
typedef struct srv_config {
    char host[64];           /* listen address (IPv4 literal) */
    uint16_t port;           /* 0: any free port (printed at start) */
    const char *db;          /* store URI or path */
    const char *rules;       /* rules directory: pack, desk/policy.yaml,
                                desk/scripts.yaml */
    const char *policy;      /* a shop's policy overlay file, or NULL */
    unsigned threads;        /* pool size; 0 = cores */
    unsigned conn_limit;     /* concurrent connections */
    unsigned timeout_s;      /* idle connection timeout */
    double rate;             /* requests/s per credential; 0 = no limit */
    double burst;            /* bucket size */
    size_t json_limit;       /* body limit for JSON endpoints */
    size_t import_limit;     /* body limit for the JSON Lines import */
    int access_log;          /* 1: one JSON line per request on stderr */
    size_t line_limit;       /* longest JSON Lines line imported */
    const char *web;         /* the dashboard's built files (h_static.c) */
} srv_config;

/* The rule book (book.c): what a rules directory holds, loaded and
 * swapped as one. Immutable once loaded; shared by reference count. */
typedef struct srv_book {
    ks_pack *pack;
    ks_policy *policy;
    ks_scripts *scripts;
    unsigned gen;            /* 1 for the first book, +1 per reload */
    int64_t loaded_at;       /* ms since the epoch */
    _Atomic int refs;
} srv_book;
typedef struct srv_books srv_books;   /* the current book, swappable */

/* Loads cfg->rules (and cfg->policy); NULL with d explaining. */
srv_book *srv_book_load(const srv_config *cfg, ks_diags *d);
void srv_book_release(srv_book *b);
/* Takes ownership of first. */
srv_books *srv_books_new(srv_book *first);
void srv_books_free(srv_books *bs);
/* The current book, with a reference for the caller. */
srv_book *srv_book_current(srv_books *bs);
/* Makes b (owned from now) current; returns its generation. */
unsigned srv_book_install(srv_books *bs, srv_book *b);

/* Shared once the server runs. */
typedef struct srv_shared {
    const srv_config *cfg;
    srv_books *books;
    struct srv_limiter *limiter;
    /* Login attempts, whose Argon2id check costs ~100 ms of CPU: per
     * account name (slows guessing one password) and per client address
     * (slows spraying many names). */
    struct srv_limiter *login_name, *login_addr;
} srv_shared;

/* One pool thread's own handles (never shared). */
typedef struct srv_thread {
    srv_book *book;          /* the rules of this request (a reference) */
    ks_scanner *scanner;     /* built from book->pack; NULL until needed */
    ks_store *store;         /* NULL until first needed */
    ks_result result;        /* reused by every ks_qa() on this thread */
    jbuf tmp;                /* scratch for building conversations */
    jbuf log;                /* the access log line */
    ks_conv_buf convbuf;     /* fast conversation reader's memory */
    struct srv_thread *next; /* registry, to free them at shutdown */
} srv_thread;

/* The calling thread's handles; NULL on out-of-memory. */
srv_thread *srv_thread_get(void);
/* At the start of each request: moves t to the current rule book when a
 * reload has installed a new one (its scanner is rebuilt lazily). */
void srv_thread_sync(srv_thread *t, const srv_shared *sh);
/* The thread's scanner / store, opened on first use; NULL on failure. */
ks_scanner *srv_thread_scanner(srv_thread *t, const srv_shared *sh);
ks_store *srv_thread_store(srv_thread *t, const srv_shared *sh);
/* Frees every thread's handles; only once the pool threads are gone. */
void srv_threads_free(void);

enum srv_method { M_GET, M_POST, M_PUT, M_DELETE, M_OTHER };

/* Route flags. */
enum {
    R_AUTH = 1,     /* needs a principal (token or session) */
    R_IMPORT = 2,   /* streamed body with the import limit */
    R_RAWBODY = 4   /* the handler consumes body chunks itself */
};

typedef struct srv_req srv_req;
typedef void (*srv_handler)(srv_req *r);
/* For R_RAWBODY routes: called per body chunk, then with n == 0 at the
 * end (before the handler). */
typedef void (*srv_chunk_fn)(srv_req *r, const char *data, size_t n);

typedef struct srv_route {
    int method;
    const char *pattern;     /* "/api/v1/conversations/{id}" */
    srv_handler handler;
    srv_chunk_fn chunk;      /* R_RAWBODY only */
    int flags;
} srv_route;

/* One request, from its headers to its logged completion. */
struct srv_req {
    struct MHD_Connection *conn;
    const srv_shared *sh;
    srv_thread *th;
    int method;
    const char *method_name;
    char path[512];          /* URL path, truncated for the log */
    const srv_route *route;
    char param[256];         /* the {id} of the route, decoded */
    uint64_t t0_us;
    /* body */
    jbuf body;
    size_t limit;
    size_t received;
    int too_large;
    void *stream;            /* R_RAWBODY handler state */
    void (*stream_free)(void *);
    /* who */
    int cred_read;           /* cred_kind and cred_hash are known */
    int cred_kind;           /* authn.c: none, bearer, cookie, malformed */
    unsigned char cred_hash[32];
    int authed;
    ks_principal who;
    int session;             /* authenticated by cookie, not token */
    /* answer */
    unsigned status;
    jbuf out;
    char set_cookie[256];    /* Set-Cookie value, "" for none */
    char allow[64];          /* Allow header for 405, "" for none */
    unsigned retry_after;    /* seconds, for 429 */
    int responded;           /* queued already (early 413/429) */
};

/* Serves until SIGTERM or SIGINT, then drains in-flight requests and
 * frees the threads' handles. 0 after a clean stop, -1 when it could not
 * start (the reason printed). */
int srv_run(srv_shared *sh);

/* ---- errors (errors.c) ---------------------------------------------- */
#define SRV_ERROR_MAP(XX)                       \
    XX(unauthorized, 401)                       \
    XX(forbidden, 403)                          \
    XX(not_found, 404)                          \
    XX(method_not_allowed, 405)                 \
    XX(bad_json, 400)                           \
    XX(invalid_field, 400)                      \
    XX(too_large, 413)                          \
    XX(rate_limited, 429)                       \
    XX(conflict, 409)                           \
    XX(invalid_rules, 422)                      \
    XX(internal, 500)                           \
    XX(unavailable, 503)

typedef enum srv_err {
#define SRV_ERR_ENUM(name, status) SRV_E_##name,
    SRV_ERROR_MAP(SRV_ERR_ENUM)
#undef SRV_ERR_ENUM
    SRV_E_COUNT
} srv_err;

/* Replaces r's answer with {"error":{code,message,where}}; where may be
 * NULL. */
void srv_error(srv_req *r, srv_err e, const char *message, const char *where);
/* The same with every diagnostic of d as "details" [{where, message,
 * warning}] (at most 50). */
void srv_error_diags(srv_req *r, srv_err e, const char *message,
                     const ks_diags *d);
/* The same with a printf-style message. */
void srv_errorf(srv_req *r, srv_err e, const char *where, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* ---- router (router.c) ---------------------------------------------- */
/* Finds the route for method and path. Returns it (param filled) or NULL
 * with *err set: not_found, or method_not_allowed with allow filled. */
const srv_route *srv_route_find(int method, const char *path, char *param,
                                size_t param_cap, srv_err *err, char *allow,
                                size_t allow_cap);
/* May a path segment of n bytes at s be matched (not empty, ".", "..")?
 * The static files use the same rule. */
int srv_segment_ok(const char *s, size_t n);

/* ---- rate limit (ratelimit.c) --------------------------------------- */
typedef struct srv_limiter srv_limiter;
srv_limiter *srv_limiter_new(double rate, double burst);
void srv_limiter_free(srv_limiter *l);
/* Takes one token from key's bucket. 0 when allowed; else the seconds to
 * wait before the next request is allowed (>= 1). */
unsigned srv_limiter_take(srv_limiter *l, const unsigned char key[32],
                          uint64_t now_us);

/* ---- access log (access_log.c) -------------------------------------- */
void srv_access_log(const srv_req *r, uint64_t bytes, uint64_t now_us);

/* ---- request helpers (http.c) --------------------------------------- */
const char *srv_header(const srv_req *r, const char *name);
const char *srv_query(const srv_req *r, const char *name);
uint64_t srv_now_us(void);
int64_t srv_now_ms(void);

/* ---- authentication (authn.c) --------------------------------------- */
/* Sets r->who from the Bearer token or the session cookie. Returns 0, or
 * -1 after answering 401/403 (missing, wrong or revoked credential, or a
 * state-changing cookie request without its CSRF token). */
int srv_authenticate(srv_req *r);
/* The rate-limit key of a request: the credential's hash, else the
 * client address's. */
void srv_rate_key(srv_req *r, unsigned char key[32]);
/* The rate-limit key of the client address alone. */
void srv_addr_key(srv_req *r, unsigned char key[32]);
/* Masks phone numbers and addresses in s for the log (into out). */
void srv_mask(const char *s, char *out, size_t cap);

/* ---- who may see what (scope.c) ------------------------------------- */
/* The caller's view of the data, taken once per request. */
typedef struct srv_scope {
    const ks_principal *who;
    const char *shop;        /* NULL: every shop (admin) */
    const char *agent;       /* agent role: the caller's name; else NULL */
    int lead;                /* rows limited to the caller and team */
    char **team;             /* lead: the team's agent names (owned) */
    size_t nteam;
} srv_scope;

/* Fills s for r's principal; 0, or -1 after answering (store failure). */
int srv_scope_get(srv_req *r, srv_scope *s);
void srv_scope_free(srv_scope *s);
/* May the caller see a row of this shop and agent (agent NULL: shop-level
 * data, which agents and leads see only through their own rows)? */
int srv_scope_allows(const srv_scope *s, const char *shop, const char *agent);
/* The agent part alone (for rows already filtered by shop). */
int srv_scope_has_agent(const srv_scope *s, const char *agent);
/* Does the caller see personal data of this agent's rows unmasked? */
int srv_scope_personal(const srv_scope *s, const char *agent);
/* text for the caller: a copy, masked with ks_mask_personal_aligned()
 * (code point offsets stay valid) unless srv_scope_personal(). NULL on
 * out-of-memory or a NULL text. Free with ks_free(). */
char *srv_scope_mask(const srv_scope *s, const char *agent, const char *text);

/* ---- JSON bodies (body.c) ----------------------------------------- */
struct cJSON;
/* The body as a JSON object, or NULL after answering bad_json (located
 * "line:column") or invalid_field (not an object). */
struct cJSON *srv_body_object(srv_req *r);
/* Refuses (invalid_field, where = the key) any member of obj not in keys
 * (NULL-terminated). 0 when all are known. */
int srv_known_keys(srv_req *r, const struct cJSON *obj,
                   const char *const *keys);
/* Optional string member: 0 and *out (NULL when absent), or -1 after
 * answering invalid_field. */
int srv_opt_string(srv_req *r, const struct cJSON *obj, const char *key,
                   const char **out);

/* ---- handlers ------------------------------------------------------- */
void h_health(srv_req *r);
void h_guard(srv_req *r);
void h_login(srv_req *r);
void h_logout(srv_req *r);
void h_me(srv_req *r);
void h_rules(srv_req *r);
void h_rules_reload(srv_req *r);
void h_policy(srv_req *r);

/* ---- query parameters of the list views (query.c) ----------------- */
/* limit (1..500, default 100) and offset; -1 after answering
 * invalid_field. */
int srv_paging(srv_req *r, size_t *limit, size_t *offset);
/* An optional "YYYY-MM-DD" parameter (*out NULL when absent); -1 after
 * answering invalid_field. */
int srv_query_day(srv_req *r, const char *name, const char **out);
/* An ISO 8601 time in China time ("...+08:00"), or null. */
void srv_jb_time(jbuf *b, int64_t ms);

/* Whose rows a view shows: the scope narrowed by ?agent=. */
typedef struct srv_view {
    const char *shop, *agent;
    const char **agents;     /* lead: the team and the lead (owned array) */
    size_t nagents;
    int none;                /* ?agent= names someone out of scope */
} srv_view;
/* Fills v from s and the agent parameter; -1 after answering. */
int srv_view_get(srv_req *r, const srv_scope *s, srv_view *v);
void srv_view_free(srv_view *v);

/* ---- conversations, incidents, scorecards (h_conv*.c, h_incidents.c,
 *      h_stats.c) --------------------------------------------------- */
void h_conv_import_chunk(srv_req *r, const char *data, size_t n);
void h_conv_import(srv_req *r);
void h_conv_list(srv_req *r);
void h_conv_get(srv_req *r);
void h_incidents(srv_req *r);
void h_codes(srv_req *r);
void h_scorecards(srv_req *r);
void h_causes(srv_req *r);
/* cases (h_cases.c, h_case_edit.c) */
void h_cases_list(srv_req *r);
void h_case_create(srv_req *r);
void h_case_get(srv_req *r);
void h_case_move(srv_req *r);
void h_case_set(srv_req *r);
void h_case_promise(srv_req *r);
void h_case_keep(srv_req *r);
void h_case_resolve(srv_req *r);
void h_case_note(srv_req *r);
void h_due(srv_req *r);
void h_audit(srv_req *r);

/* ---- the dashboard's files (h_static.c) ---------------------------- */
/* Is r a GET or HEAD outside /api (a dashboard file or page)? */
int srv_static_wants(const srv_req *r);
/* Queues the file (or index.html for a page of the dashboard), or leaves
 * a JSON error in r (404; 503 when the dashboard is not built). */
void srv_static(srv_req *r);

#endif
