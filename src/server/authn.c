/*
 * Authentication: who is calling, from an API token (Authorization:
 * Bearer) or the dashboard's session cookie. A cookie is sent by the
 * browser on its own, so a state-changing request made with one must also
 * carry the session's CSRF token in X-CSRF-Token, which a page of another
 * site cannot read.
 */
#include "accounts.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <string.h>

#define BEARER "Bearer "

enum { CRED_NONE, CRED_BEARER, CRED_COOKIE, CRED_BAD };

/* The presented credential's kind and storage hash. */
static int read_credential(const srv_req *r, unsigned char hash[32])
{
    const char *h = srv_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h) {
        if (strncasecmp(h, BEARER, strlen(BEARER)) || !h[strlen(BEARER)])
            return CRED_BAD;
        srv_acct_hash(h + strlen(BEARER), hash);
        return CRED_BEARER;
    }
    const char *c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
                                                "kesu_session");
    if (c && *c) {
        srv_acct_hash(c, hash);
        return CRED_COOKIE;
    }
    return CRED_NONE;
}

/* read_credential(), once per request. */
static int credential(srv_req *r, unsigned char hash[32])
{
    if (!r->cred_read) {
        r->cred_kind = read_credential(r, r->cred_hash);
        r->cred_read = 1;
    }
    memcpy(hash, r->cred_hash, 32);
    return r->cred_kind;
}

void srv_rate_key(srv_req *r, unsigned char key[32])
{
    int kind = credential(r, key);
    if (kind != CRED_BEARER && kind != CRED_COOKIE)
        srv_addr_key(r, key);
}

void srv_addr_key(srv_req *r, unsigned char key[32])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    unsigned char ip[16] = {0};
    if (sa && sa->sa_family == AF_INET)
        memcpy(ip, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
               4);
    else if (sa && sa->sa_family == AF_INET6)
        memcpy(ip, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
               16);
    crypto_generichash(key, 32, ip, sizeof ip, (const unsigned char *)"ip", 2);
}

static int state_changing(int method)
{
    return method != M_GET;
}

int srv_authenticate(srv_req *r)
{
    unsigned char hash[32];
    char csrf[SRV_CSRF_MAX];
    int kind = credential(r, hash), rc;
    switch (kind) {
    case CRED_NONE:
        srv_error(r, SRV_E_unauthorized, "log in or send an API token",
                  "Authorization");
        return -1;
    case CRED_BAD:
        srv_error(r, SRV_E_unauthorized,
                  "the Authorization header must be \"Bearer <token>\"",
                  "Authorization");
        return -1;
    case CRED_BEARER:
        rc = srv_acct_token(r, hash, &r->who);
        break;
    default:
        rc = srv_acct_session(r, hash, &r->who, csrf);
        break;
    }
    if (rc == KS_ENOENT) {
        srv_error(r, SRV_E_unauthorized,
                  kind == CRED_BEARER ? "unknown or revoked token"
                                      : "the session has ended; log in again",
                  kind == CRED_BEARER ? "Authorization" : "Cookie");
        return -1;
    }
    if (rc != KS_OK) {
        srv_error(r, SRV_E_internal, "the account store failed", NULL);
        return -1;
    }
    if (kind == CRED_COOKIE && state_changing(r->method)) {
        const char *h = srv_header(r, "X-CSRF-Token");
        size_t n = strlen(csrf);
        if (!h || strlen(h) != n || !n || sodium_memcmp(h, csrf, n)) {
            srv_error(r, SRV_E_forbidden, "missing or wrong CSRF token",
                      "X-CSRF-Token");
            return -1;
        }
    }
    r->authed = 1;
    r->session = kind == CRED_COOKIE;
    return 0;
}
