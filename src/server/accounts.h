/*
 * Private to the server: the accounts store as the server uses it (token
 * and session look-ups, login), kept behind this one file so that the
 * rest of the server does not depend on how accounts are stored.
 */
#ifndef KS_SRV_ACCOUNTS_H
#define KS_SRV_ACCOUNTS_H

#include "server.h"

#define SRV_CSRF_MAX 64

/* The principal of an API token's hash: KS_OK, KS_ENOENT (unknown,
 * revoked or expired), or another KS_E* when the store failed. */
int srv_acct_token(srv_req *r, const unsigned char hash[32], ks_principal *p);
/* The same for a session cookie's hash; csrf gets the session's token. */
int srv_acct_session(srv_req *r, const unsigned char hash[32],
                     ks_principal *p, char csrf[SRV_CSRF_MAX]);
/* The storage hash of a presented credential. */
void srv_acct_hash(const char *text, unsigned char hash[32]);

#endif
