/*
 * The accounts glue. Until the accounts store (store.h: tokens, sessions,
 * users) is in, no credential is known, so every authenticated endpoint
 * answers 401: closed, never open.
 */
#include "accounts.h"

#include <sodium.h>
#include <string.h>

int srv_acct_token(srv_req *r, const unsigned char hash[32], ks_principal *p)
{
    (void)r, (void)hash, (void)p;
    return KS_ENOENT;
}

int srv_acct_session(srv_req *r, const unsigned char hash[32],
                     ks_principal *p, char csrf[SRV_CSRF_MAX])
{
    (void)r, (void)hash, (void)p;
    csrf[0] = '\0';
    return KS_ENOENT;
}

void srv_acct_hash(const char *text, unsigned char hash[32])
{
    crypto_generichash(hash, 32, (const unsigned char *)text, strlen(text),
                       NULL, 0);
}

/* Masks runs of 7 or more digits as 138****5678. */
void srv_mask(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    while (*s && o + 1 < cap) {
        size_t run = strspn(s, "0123456789");
        if (run < 7) {
            size_t n = run ? run : 1;
            for (size_t i = 0; i < n && o + 1 < cap; i++)
                out[o++] = s[i];
            s += n;
            continue;
        }
        for (size_t i = 0; i < run && o + 1 < cap; i++)
            out[o++] = i < 3 || i >= run - 4 ? s[i] : '*';
        s += run;
    }
    out[o] = '\0';
}
