/*
 * Accounts' pure parts (auth.h): role names and checks, Argon2id password
 * hashes, random credentials and their storage hash. No I/O, no state
 * beyond libsodium's one-time initialisation.
 */
#include <sodium.h>
#include <string.h>

#include "kesu/auth.h"

_Static_assert(KS_PWHASH_MAX >= crypto_pwhash_STRBYTES,
               "KS_PWHASH_MAX holds a crypto_pwhash_str string");

enum { KS_TOKEN_RAW = 32 };
_Static_assert(3 + sodium_base64_ENCODED_LEN(
                       KS_TOKEN_RAW,
                       sodium_base64_VARIANT_URLSAFE_NO_PADDING) <=
                   KS_TOKEN_TEXT,
               "KS_TOKEN_TEXT holds \"ks_\" and 43 base64url characters");

/* A password longer than this is refused: Argon2 would take it, but a
 * server must not hash megabytes someone posted as a "password". */
enum { KS_PASSWORD_MAX = 1024 };

/* ---- roles ------------------------------------------------------------- */

static const char *const g_role_names[] = {
#define KS_ROLE_NAME(name, zh) #name,
    KS_ROLE_MAP(KS_ROLE_NAME)
#undef KS_ROLE_NAME
};

static const char *const g_role_zh[] = {
#define KS_ROLE_ZH(name, zh) zh,
    KS_ROLE_MAP(KS_ROLE_ZH)
#undef KS_ROLE_ZH
};

const char *ks_role_name(ks_role r)
{
    return (unsigned)r < KS_ROLE_COUNT ? g_role_names[r] : "?";
}

const char *ks_role_zh(ks_role r)
{
    return (unsigned)r < KS_ROLE_COUNT ? g_role_zh[r] : "?";
}

int ks_role_from_name(const char *name)
{
    for (int i = 0; name && i < KS_ROLE_COUNT; i++)
        if (!strcmp(name, g_role_names[i]))
            return i;
    return -1;
}

static int same(const char *a, const char *b)
{
    return a && b && *a && !strcmp(a, b);
}

int ks_can_see(const ks_principal *p, const char *shop, const char *agent)
{
    if (!p || (unsigned)p->role >= KS_ROLE_COUNT)
        return 0;
    if (p->role == KS_ROLE_admin)
        return 1;
    /* Everyone else is bound to one shop: data without a shop belongs to
     * nobody they may see. */
    if (!same(p->shop, shop))
        return 0;
    if (p->role == KS_ROLE_agent)
        return same(p->name, agent);
    return 1;
}

int ks_role_sees_personal(ks_role r)
{
    return r == KS_ROLE_owner || r == KS_ROLE_admin;
}

/* ---- libsodium ---------------------------------------------------------- */

/* sodium_init is idempotent and thread-safe; it fails only when the
 * system cannot give randomness, and then nothing here is safe to do. */
static int sodium_ready(void)
{
    return sodium_init() < 0 ? KS_EIO : KS_OK;
}

/*
 * Interactive limits (2 passes, 64 MiB): a login costs about 100 ms of one
 * core on the 2-core box kesu targets (verify measured 100-110 ms best of
 * 10, printed by unit_account), which people do not notice and which
 * keeps a burst of logins from starving the reply guard. MODERATE would
 * be about 0.7 s and 256 MiB per concurrent attempt.
 */
int ks_password_hash(const char *password, char out[KS_PWHASH_MAX])
{
    if (!password || !out || strlen(password) > KS_PASSWORD_MAX)
        return KS_EINVAL;
    int rc = sodium_ready();
    if (rc != KS_OK)
        return rc;
    if (crypto_pwhash_str(out, password, strlen(password),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return KS_ENOMEM;   /* the only way it fails: the 64 MiB */
    return KS_OK;
}

int ks_password_verify(const char *hash, const char *password)
{
    if (!hash || !password || strlen(password) > KS_PASSWORD_MAX ||
        strnlen(hash, KS_PWHASH_MAX) >= KS_PWHASH_MAX)
        return KS_EINVAL;
    if (sodium_ready() != KS_OK)
        return KS_EINVAL;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0
               ? KS_OK
               : KS_EINVAL;
}

/* ---- credentials -------------------------------------------------------- */

int ks_token_new(char text[KS_TOKEN_TEXT], unsigned char hash[32])
{
    unsigned char raw[KS_TOKEN_RAW];
    if (!text || !hash)
        return KS_EINVAL;
    int rc = sodium_ready();
    if (rc != KS_OK)
        return rc;
    randombytes_buf(raw, sizeof raw);
    memcpy(text, "ks_", 3);
    sodium_bin2base64(text + 3, KS_TOKEN_TEXT - 3, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    ks_token_hash(text, hash);
    return KS_OK;
}

/* Unkeyed BLAKE2b is enough: a credential has 256 random bits, so its
 * hash cannot be searched backwards the way a password's could. */
void ks_token_hash(const char *text, unsigned char hash[32])
{
    const char *t = text ? text : "";
    crypto_generichash(hash, 32, (const unsigned char *)t, strlen(t), NULL,
                       0);
}
