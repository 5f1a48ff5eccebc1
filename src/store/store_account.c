/*
 * The public account API (store.h, "accounts, credentials"): checks what
 * callers pass (names, roles, lengths, UTF-8) so that every stored string
 * fits a ks_principal, then forwards to the backend.
 */
#include <string.h>

#include "kesu/alloc.h"
#include "kesu/text.h"
#include "store_int.h"

#define KS_DIAGS_OR_LOCAL(d, local) ((d) ? (d) : (local))

enum { KS_FIELD_MAX = 63, KS_CSRF_MAX = 63 };

/* [A-Za-z0-9_.-]{1,63}: safe in URLs, logs and file names, and the same
 * string as the agent id of SPEC 3.1 conversations. */
static int name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > KS_FIELD_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

/* Shop and team names: any UTF-8 text of 1..63 bytes without controls. */
static int label_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > KS_FIELD_MAX || ks_utf8_validate(s, n, NULL))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return 0;
    return 1;
}

static int check_names(const ks_user *u, ks_diags *d)
{
    int rc = KS_OK;
    if (!name_ok(u->name)) {
        ks_diags_add(d, 0, "name", "\"%s\" is not a user name: 1 to 63 of "
                     "A-Z a-z 0-9 _ . -", u->name ? u->name : "");
        rc = KS_EINVAL;
    }
    if (u->shop && !label_ok(u->shop)) {
        ks_diags_add(d, 0, "shop", "a shop name is 1 to 63 bytes of UTF-8 "
                                   "text without control characters");
        rc = KS_EINVAL;
    }
    if (u->team && !label_ok(u->team)) {
        ks_diags_add(d, 0, "team", "a team name is 1 to 63 bytes of UTF-8 "
                                   "text without control characters");
        rc = KS_EINVAL;
    }
    return rc;
}

static int check_user(const ks_user *u, ks_diags *d)
{
    int rc = check_names(u, d);
    if ((unsigned)u->role >= KS_ROLE_COUNT) {
        ks_diags_add(d, 0, "role", "unknown role %d (agent, lead, owner or "
                                   "admin)", (int)u->role);
        return KS_EINVAL;
    }
    if (u->role == KS_ROLE_admin && u->shop) {
        ks_diags_add(d, 0, "shop", "an admin sees every shop; a shop is for "
                                   "agents, leads and owners");
        rc = KS_EINVAL;
    } else if (u->role != KS_ROLE_admin && !u->shop) {
        ks_diags_add(d, 0, "shop", "the role %s belongs to one shop: "
                                   "give the shop", ks_role_name(u->role));
        rc = KS_EINVAL;
    }
    if (u->pwhash && strnlen(u->pwhash, KS_PWHASH_MAX) >= KS_PWHASH_MAX) {
        ks_diags_add(d, 0, "password", "not a password hash");
        rc = KS_EINVAL;
    }
    return rc;
}

int ks_store_user_add(ks_store *s, const ks_user *u, int64_t now,
                      int64_t *id, ks_diags *d)
{
    int64_t local_id = 0;
    if (!s || !u)
        return KS_EINVAL;
    ks_diags local = {0}, *dd = KS_DIAGS_OR_LOCAL(d, &local);
    size_t from = dd->n;
    ks_store_fresh(s);
    int rc = check_user(u, dd);
    if (rc == KS_OK)
        rc = s->ops->user_add(s, u, now, &local_id, dd);
    rc = ks_store_explain(s, rc, dd, from);
    ks_diags_free(&local);
    if (id)
        *id = rc == KS_OK ? local_id : 0;
    return rc;
}

int ks_store_user_get(ks_store *s, const char *name, ks_user *out)
{
    if (!s || !out)
        return KS_EINVAL;
    memset(out, 0, sizeof *out);
    ks_store_fresh(s);
    /* A name that could never be stored is simply not there. */
    int rc = name_ok(name) ? s->ops->user_get(s, name, out) : KS_ENOENT;
    return ks_store_explain(s, rc, NULL, 0);
}

int ks_store_user_list(ks_store *s, ks_user **users, size_t *n)
{
    if (!s || !users || !n)
        return KS_EINVAL;
    *users = NULL;
    *n = 0;
    ks_store_fresh(s);
    int rc = s->ops->user_list(s, users, n);
    if (rc != KS_OK) {
        ks_users_free(*users, *n);
        *users = NULL;
        *n = 0;
    }
    return ks_store_explain(s, rc, NULL, 0);
}

int ks_store_user_set_password(ks_store *s, const char *name,
                               const char *pwhash)
{
    if (!s || (pwhash && strnlen(pwhash, KS_PWHASH_MAX) >= KS_PWHASH_MAX))
        return KS_EINVAL;
    ks_store_fresh(s);
    int rc = name_ok(name) ? s->ops->user_set_password(s, name, pwhash)
                           : KS_ENOENT;
    return ks_store_explain(s, rc, NULL, 0);
}

int ks_store_user_disable(ks_store *s, const char *name, int disabled)
{
    if (!s)
        return KS_EINVAL;
    ks_store_fresh(s);
    int rc = name_ok(name) ? s->ops->user_disable(s, name, disabled != 0)
                           : KS_ENOENT;
    return ks_store_explain(s, rc, NULL, 0);
}

void ks_user_free(ks_user *u)
{
    if (!u)
        return;
    ks_free(u->name);
    ks_free(u->shop);
    ks_free(u->team);
    if (u->pwhash)
        memset(u->pwhash, 0, strlen(u->pwhash));
    ks_free(u->pwhash);
    memset(u, 0, sizeof *u);
}

void ks_users_free(ks_user *u, size_t n)
{
    for (size_t i = 0; u && i < n; i++)
        ks_user_free(&u[i]);
    ks_free(u);
}

static void copy_field(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strnlen(src, cap - 1) : 0;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

void ks_user_principal(const ks_user *u, ks_principal *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!u)
        return;
    out->user_id = u->id;
    out->role = u->role;
    copy_field(out->name, sizeof out->name, u->name);
    copy_field(out->shop, sizeof out->shop, u->shop);
    copy_field(out->team, sizeof out->team, u->team);
}

/* ---- tokens ------------------------------------------------------------- */

int ks_store_token_add(ks_store *s, int64_t user_id,
                       const unsigned char hash[32], const char *label,
                       int64_t now, int64_t expires_at, int64_t *id)
{
    int64_t local_id = 0;
    if (!s || !hash || (label && !label_ok(label)))
        return KS_EINVAL;
    ks_store_fresh(s);
    int rc = KS_OK;
    if (user_id <= 0)
        rc = KS_ENOENT;
    else if (expires_at != KS_TIME_NONE && expires_at <= now)
        rc = KS_EINVAL;   /* born expired: a caller's mistake */
    if (rc == KS_OK)
        rc = s->ops->token_add(s, user_id, hash, label, now, expires_at,
                               &local_id);
    if (id)
        *id = rc == KS_OK ? local_id : 0;
    return ks_store_explain(s, rc, NULL, 0);
}

int ks_store_token_auth(ks_store *s, const unsigned char hash[32],
                        int64_t now, ks_principal *out)
{
    if (!s || !hash || !out)
        return KS_EINVAL;
    memset(out, 0, sizeof *out);
    ks_store_fresh(s);
    return ks_store_explain(s, s->ops->token_auth(s, hash, now, out), NULL,
                            0);
}

int ks_store_token_revoke(ks_store *s, int64_t id)
{
    if (!s)
        return KS_EINVAL;
    ks_store_fresh(s);
    int rc = id > 0 ? s->ops->token_revoke(s, id) : KS_ENOENT;
    return ks_store_explain(s, rc, NULL, 0);
}

int ks_store_token_list(ks_store *s, int64_t user_id, ks_token_row **rows,
                        size_t *n)
{
    if (!s || !rows || !n)
        return KS_EINVAL;
    *rows = NULL;
    *n = 0;
    ks_store_fresh(s);
    int rc = s->ops->token_list(s, user_id, rows, n);
    if (rc != KS_OK) {
        ks_token_rows_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return ks_store_explain(s, rc, NULL, 0);
}

void ks_token_rows_free(ks_token_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        ks_free(rows[i].user);
        ks_free(rows[i].label);
    }
    ks_free(rows);
}

/* ---- sessions ------------------------------------------------------------ */

/* Printable ASCII without spaces: it travels in a header and a form. */
static int csrf_ok(const char *c)
{
    size_t n = c ? strlen(c) : 0;
    if (n == 0 || n > KS_CSRF_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (c[i] <= 0x20 || c[i] >= 0x7F)
            return 0;
    return 1;
}

int ks_store_session_add(ks_store *s, int64_t user_id,
                         const unsigned char id_hash[32], const char *csrf,
                         int64_t now, int64_t expires_at)
{
    if (!s || !id_hash || !csrf_ok(csrf) || expires_at <= now ||
        expires_at == KS_TIME_NONE)
        return KS_EINVAL;
    ks_store_fresh(s);
    int rc = user_id > 0 ? s->ops->session_add(s, user_id, id_hash, csrf,
                                               now, expires_at)
                         : KS_ENOENT;
    return ks_store_explain(s, rc, NULL, 0);
}

int ks_store_session_auth(ks_store *s, const unsigned char id_hash[32],
                          int64_t now, ks_principal *out, char csrf_out[64])
{
    char scratch[64];
    if (!s || !id_hash || !out)
        return KS_EINVAL;
    memset(out, 0, sizeof *out);
    char *csrf = csrf_out ? csrf_out : scratch;
    csrf[0] = '\0';
    ks_store_fresh(s);
    int rc = s->ops->session_auth(s, id_hash, now, out, csrf);
    if (rc != KS_OK) {
        memset(out, 0, sizeof *out);
        csrf[0] = '\0';
    }
    return ks_store_explain(s, rc, NULL, 0);
}

int ks_store_session_end(ks_store *s, const unsigned char id_hash[32])
{
    if (!s || !id_hash)
        return KS_EINVAL;
    ks_store_fresh(s);
    return ks_store_explain(s, s->ops->session_end(s, id_hash), NULL, 0);
}
