/*
 * Accounts, roles and credentials for `kesu serve` (issue 5).
 *
 * Roles (SPEC 1): agent (own conversations and cases), lead (the team),
 * owner (the shop), admin (everything, accounts). Passwords are stored as
 * libsodium Argon2id strings; API tokens and session ids are random,
 * shown once, and stored only as their BLAKE2b-256 hash, so a leaked
 * database does not leak credentials. Personal data (phone numbers,
 * addresses) is masked for roles that do not need it.
 *
 * The pure parts (hashing, token making, masking, role checks) live in
 * src/auth; storage of accounts is in store.h's backend.
 */
#ifndef KESU_AUTH_H
#define KESU_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include "kesu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KS_ROLE_MAP(XX)        \
    XX(agent, "客服")          \
    XX(lead, "客服主管")       \
    XX(owner, "店长")          \
    XX(admin, "管理员")

typedef enum ks_role {
#define KS_ROLE_ENUM(name, zh) KS_ROLE_##name,
    KS_ROLE_MAP(KS_ROLE_ENUM)
#undef KS_ROLE_ENUM
    KS_ROLE_COUNT
} ks_role;

KS_API const char *ks_role_name(ks_role r);
KS_API const char *ks_role_zh(ks_role r);
KS_API int ks_role_from_name(const char *name);   /* -1 when unknown */

/* Who is calling: what every API handler checks its data against. */
typedef struct ks_principal {
    int64_t user_id;
    char name[64];       /* login name; also the agent id in SPEC 3.1 */
    ks_role role;
    char shop[64];       /* "" for admin: all shops */
    char team[64];       /* a lead's team; "" when none */
} ks_principal;

/* May p see data of this shop and agent (agent may be NULL: shop-level
 * data)? admin: all; owner: own shop; lead: own shop (team membership is
 * checked by the caller against the agent's team); agent: own rows. */
KS_API int ks_can_see(const ks_principal *p, const char *shop,
                      const char *agent);
/* Does the role see personal data (phone numbers, addresses) unmasked?
 * agent and lead: masked except on their own cases; owner and admin:
 * unmasked. */
KS_API int ks_role_sees_personal(ks_role r);

/* Argon2id (crypto_pwhash_str, interactive limits). out gets a
 * NUL-terminated string of at most KS_PWHASH_MAX bytes. */
#define KS_PWHASH_MAX 128
KS_API int ks_password_hash(const char *password, char out[KS_PWHASH_MAX]);
/* KS_OK when the password matches, KS_EINVAL when not. */
KS_API int ks_password_verify(const char *hash, const char *password);

/* A new random credential: "ks_" + 43 base64url characters (32 random
 * bytes) in text (NUL-terminated), and its hash for storage. */
#define KS_TOKEN_TEXT 48
KS_API int ks_token_new(char text[KS_TOKEN_TEXT], unsigned char hash[32]);
/* The storage hash of a presented credential. */
KS_API void ks_token_hash(const char *text, unsigned char hash[32]);

/* Masks personal data in a UTF-8 text for display and logs: mainland
 * mobile numbers (1[3-9]x, 11 digits, with or without separators) become
 * 138****5678, and detailed addresses keep everything up to the district
 * or county (四川省成都市武侯区****): the street, number and room go. The
 * exact rules, and what is deliberately left alone (tracking numbers,
 * "18号发货"), are at the top of src/auth/mask.c. Returns a new string in
 * *out. */
KS_API int ks_mask_personal(const char *text, size_t len, char **out);
/* The same, but every masked code point becomes one '*' (a mobile number
 * keeps its first 3 and last 4 digits and its separators), so that code
 * point offsets into the text (finding evidence) stay valid:
 * "四川省成都市武侯区人民南路4号" -> "四川省成都市武侯区*******". */
KS_API int ks_mask_personal_aligned(const char *text, size_t len, char **out);

#ifdef __cplusplus
}
#endif
#endif
