/*
 * Test helper for tests/http: adds an account to a kesu database through
 * the store API and prints two API tokens for it, a live one and a
 * revoked one.
 *
 * usage: mkuser DB NAME ROLE SHOP|- TEAM|- PASSWORD|-
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kesu/kesu.h"

static const char *opt(const char *s) { return strcmp(s, "-") ? s : NULL; }

static int add_token(ks_store *st, int64_t uid, int64_t now, int revoke)
{
    char text[KS_TOKEN_TEXT];
    unsigned char hash[32];
    int64_t id;
    if (ks_token_new(text, hash) != KS_OK ||
        ks_store_token_add(st, uid, hash, "test", now, KS_TIME_NONE, &id) ||
        (revoke && ks_store_token_revoke(st, id)))
        return -1;
    printf("%s%s", text, revoke ? "\n" : " ");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: mkuser DB NAME ROLE SHOP|- TEAM|- PASSWORD|-\n");
        return 2;
    }
    ks_store *st = NULL;
    ks_diags d = {0};
    char pw[KS_PWHASH_MAX];
    int role = ks_role_from_name(argv[3]);
    ks_user u = {0, argv[2], (ks_role)role, (char *)opt(argv[4]),
                 (char *)opt(argv[5]), NULL, 0, 0};
    if (opt(argv[6]) && ks_password_hash(argv[6], pw) == KS_OK)
        u.pwhash = pw;
    int64_t uid, now = (int64_t)time(NULL) * 1000;
    int rc = role < 0 ? KS_EINVAL : ks_store_open(argv[1], &st, &d);
    if (rc == KS_OK)
        rc = ks_store_user_add(st, &u, now, &uid, &d);
    if (rc == KS_OK && (add_token(st, uid, now, 0) || add_token(st, uid, now, 1)))
        rc = KS_EDB;
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "mkuser: %s: %s\n", d.items[i].where, d.items[i].msg);
    ks_diags_free(&d);
    if (st)
        ks_store_close(st);
    if (rc != KS_OK)
        fprintf(stderr, "mkuser: %s\n", ks_strerror(rc));
    return rc == KS_OK ? 0 : 1;
}
