/*
 * The accounts glue on the store's accounts (store.h): tokens and
 * sessions are looked up by their hash on the calling thread's own store
 * connection.
 */
#include "accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int srv_acct_token(srv_req *r, const unsigned char hash[32], ks_principal *p)
{
    ks_store *st = srv_thread_store(r->th, r->sh);
    if (!st)
        return KS_EDB;
    return ks_store_token_auth(st, hash, srv_now_ms(), p);
}

int srv_acct_session(srv_req *r, const unsigned char hash[32],
                     ks_principal *p, char csrf[SRV_CSRF_MAX])
{
    ks_store *st = srv_thread_store(r->th, r->sh);
    csrf[0] = '\0';
    if (!st)
        return KS_EDB;
    return ks_store_session_auth(st, hash, srv_now_ms(), p, csrf);
}

void srv_acct_hash(const char *text, unsigned char hash[32])
{
    ks_token_hash(text, hash);
}

void srv_mask(const char *s, char *out, size_t cap)
{
    char *m = NULL;
    if (ks_mask_personal(s, strlen(s), &m) != KS_OK || !m) {
        snprintf(out, cap, "%s", "(unmaskable path)");
        return;
    }
    snprintf(out, cap, "%s", m);
    free(m);
}
