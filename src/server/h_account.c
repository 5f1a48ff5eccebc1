/*
 * POST /api/v1/login, POST /api/v1/logout, GET /api/v1/me — the
 * dashboard's session. A login answers the same error, after about the
 * same time (one Argon2id verification either way), for an unknown name,
 * a wrong password, a disabled account and one without a password, so
 * that names cannot be probed. The session id travels only in an HttpOnly
 * SameSite=Strict cookie; the CSRF token is given to the page in the body.
 */
#include "accounts.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SESSION_MS (12 * 3600 * 1000LL)
#define COOKIE_ATTRS "HttpOnly; SameSite=Strict; Path=/"

static char dummy_hash[KS_PWHASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

/* A hash to verify against when there is no account, so that an unknown
 * name costs what a wrong password costs. */
static void make_dummy(void)
{
    if (ks_password_hash("kesu: no such account", dummy_hash) != KS_OK)
        dummy_hash[0] = '\0';
}

static void put_principal(jbuf *o, const ks_principal *p)
{
    jb_key(o, "user"), jb_strz(o, p->name);
    jb_key(o, "role"), jb_strz(o, ks_role_name(p->role));
    jb_key(o, "shop"), jb_strz(o, p->shop[0] ? p->shop : NULL);
    jb_key(o, "team"), jb_strz(o, p->team[0] ? p->team : NULL);
}

/* Checks name and password; 0 with *u loaded, or -1 after answering. */
static int check_login(srv_req *r, ks_store *st, const char *name,
                       const char *password, ks_user *u)
{
    memset(u, 0, sizeof *u);
    pthread_once(&dummy_once, make_dummy);
    int found = ks_store_user_get(st, name, u);
    if (found != KS_OK && found != KS_ENOENT) {
        srv_error(r, SRV_E_internal, "the account store failed", NULL);
        return -1;
    }
    int usable = found == KS_OK && u->pwhash && !u->disabled;
    int ok = ks_password_verify(usable ? u->pwhash : dummy_hash, password);
    if (usable && ok == KS_OK)
        return 0;
    if (found == KS_OK)
        ks_user_free(u);
    srv_error(r, SRV_E_unauthorized, "wrong name or password", NULL);
    return -1;
}

/* Refuses (429) a login attempt over the per-name or per-address rate. */
static int login_throttled(srv_req *r, const char *name)
{
    unsigned char by_name[32], by_addr[32];
    crypto_generichash(by_name, 32, (const unsigned char *)name,
                       strlen(name), (const unsigned char *)"login", 5);
    srv_addr_key(r, by_addr);
    unsigned wait = srv_limiter_take(r->sh->login_name, by_name, r->t0_us);
    if (!wait)
        wait = srv_limiter_take(r->sh->login_addr, by_addr, r->t0_us);
    if (!wait)
        return 0;
    r->retry_after = wait;
    srv_errorf(r, SRV_E_rate_limited, NULL,
               "too many login attempts; retry in %u s", wait);
    return -1;
}

/* Starts a session for u: cookie in r, CSRF token in csrf. */
static int start_session(srv_req *r, ks_store *st, const ks_user *u,
                         char csrf[KS_TOKEN_TEXT])
{
    char sid[KS_TOKEN_TEXT];
    unsigned char hash[32], unused[32];
    int64_t now = srv_now_ms();
    if (ks_token_new(sid, hash) != KS_OK ||
        ks_token_new(csrf, unused) != KS_OK ||
        ks_store_session_add(st, u->id, hash, csrf, now, now + SESSION_MS) !=
            KS_OK)
        return -1;
    snprintf(r->set_cookie, sizeof r->set_cookie,
             "kesu_session=%s; Max-Age=%lld; " COOKIE_ATTRS, sid,
             SESSION_MS / 1000);
    return 0;
}

void h_login(srv_req *r)
{
    static const char *const keys[] = {"name", "password", NULL};
    cJSON *root = srv_body_object(r);
    const char *name, *password;
    ks_store *st = srv_thread_store(r->th, r->sh);
    ks_user u;
    char csrf[KS_TOKEN_TEXT];
    if (!root || srv_known_keys(r, root, keys) ||
        srv_opt_string(r, root, "name", &name) ||
        srv_opt_string(r, root, "password", &password))
        goto out;
    if (!name || !password) {
        srv_error(r, SRV_E_invalid_field, "name and password are required",
                  !name ? "name" : "password");
        goto out;
    }
    if (!st) {
        srv_error(r, SRV_E_internal, "the database is not available", NULL);
        goto out;
    }
    if (login_throttled(r, name))
        goto out;
    if (check_login(r, st, name, password, &u))
        goto out;
    if (start_session(r, st, &u, csrf)) {
        srv_error(r, SRV_E_internal, "the session could not be stored", NULL);
    } else {
        ks_user_principal(&u, &r->who);
        r->authed = 1;
        jb_lit(&r->out, "{");
        put_principal(&r->out, &r->who);
        jb_key(&r->out, "csrf"), jb_strz(&r->out, csrf);
        jb_lit(&r->out, "}");
        r->status = 200;
    }
    ks_user_free(&u);
out:
    cJSON_Delete(root);
}

void h_logout(srv_req *r)
{
    if (r->session) {
        ks_store *st = srv_thread_store(r->th, r->sh);
        if (!st || ks_store_session_end(st, r->cred_hash) != KS_OK) {
            srv_error(r, SRV_E_internal, "the session could not be ended",
                      NULL);
            return;
        }
    }
    snprintf(r->set_cookie, sizeof r->set_cookie,
             "kesu_session=; Max-Age=0; " COOKIE_ATTRS);
    jb_lit(&r->out, "{\"ok\":true}");
    r->status = 200;
}

void h_me(srv_req *r)
{
    jb_lit(&r->out, "{");
    put_principal(&r->out, &r->who);
    jb_key(&r->out, "session"), jb_lit(&r->out, r->session ? "true" : "false");
    jb_lit(&r->out, "}");
    r->status = 200;
}
