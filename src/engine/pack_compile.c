/*
 * Every word of every list -> one Vectorscan block-mode database, so a
 * message is scanned once whatever the size of the pack. Literals are
 * compiled as fully escaped expressions (Vectorscan recognises them as
 * literals); regexes get leftmost start-of-match so evidence can be shown.
 */
#include "pack_int.h"
#include "kesu/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *escape_literal(const ks_lit *l)
{
    char *out = ks_malloc(l->len * 4 + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (size_t i = 0; i < l->len; i++) {
        snprintf(o, 5, "\\x%02x", (unsigned char)l->text[i]);
        o += 4;
    }
    *o = '\0';
    return out;
}

const char *ks_regex_check(const char *re, char *buf, size_t bufsz)
{
    /* Syntax only: a full compile per regex would cost more than the whole
     * pack's; a pattern too large to compile is located by the pack
     * compile instead (lit->where). */
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *err = NULL;
    if (hs_expression_info(re, HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST, &info,
                           &err) != HS_SUCCESS) {
        snprintf(buf, bufsz, "%s", err ? err->message : "invalid regex");
        hs_free_compile_error(err);
        return buf;
    }
    int empty = info->min_width == 0;
    free(info);   /* allocated with the misc allocator, malloc by default */
    if (empty) {
        snprintf(buf, bufsz, "regex can match the empty string");
        return buf;
    }
    return NULL;
}

/* FNV-1a over everything the database depends on, as 2 x 64 bits with
 * different offsets, in hex: collisions across one user's packs are not
 * a practical concern for a cache, and a wrong hit would still have to
 * deserialise as a database of the same pattern count. */
static void cache_key(const ks_pack *p, char out[33])
{
    uint64_t h[2] = {1469598103934665603ull, 0x84222325cbf29ce4ull};
    const char *ver = hs_version();
    for (int k = 0; k < 2; k++) {
        for (const char *c = ver; *c; c++)
            h[k] = (h[k] ^ (unsigned char)*c) * 1099511628211ull;
        for (size_t i = 0; i < p->nlits; i++) {
            const ks_lit *l = &p->lits[i];
            h[k] = (h[k] ^ (uint64_t)(l->is_regex + 2)) * 1099511628211ull;
            for (size_t j = 0; j < l->len; j++)
                h[k] = (h[k] ^ (unsigned char)l->text[j]) * 1099511628211ull;
            h[k] = (h[k] ^ 0xFF) * 1099511628211ull;
        }
    }
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)h[0],
             (unsigned long long)h[1]);
}

static int from_cache(ks_pack *p, const ks_db_cache *c, const char *key)
{
    char *data = NULL;
    size_t len = 0;
    if (!c || !c->get || c->get(c->arg, key, &data, &len) != 0)
        return 0;
    hs_database_t *db = NULL;
    int ok = hs_deserialize_database(data, len, &db) == HS_SUCCESS;
    free(data);
    if (ok)
        p->db = db;
    return ok;
}

static void to_cache(const ks_pack *p, const ks_db_cache *c, const char *key)
{
    char *data = NULL;
    size_t len = 0;
    if (!c || !c->put || hs_serialize_database(p->db, &data, &len) != HS_SUCCESS)
        return;
    c->put(c->arg, key, data, len);
    free(data);
}

static int compile(ks_pack *p, ks_diags *d);

int ks_pack_compile(ks_pack *p, const ks_db_cache *cache, ks_diags *d)
{
    if (p->nlits == 0)
        return KS_OK;
    char key[33];
    cache_key(p, key);
    if (from_cache(p, cache, key))
        return KS_OK;
    int rc = compile(p, d);
    if (rc == KS_OK)
        to_cache(p, cache, key);
    return rc;
}

static int compile(ks_pack *p, ks_diags *d)
{
    const char **exprs = ks_calloc(p->nlits, sizeof *exprs);
    unsigned *flags = ks_calloc(p->nlits, sizeof *flags);
    unsigned *ids = ks_calloc(p->nlits, sizeof *ids);
    int rc = KS_OK;
    if (!exprs || !flags || !ids) {
        rc = KS_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < p->nlits; i++) {
        const ks_lit *l = &p->lits[i];
        ids[i] = (unsigned)i;
        if (l->is_regex) {
            exprs[i] = l->text;
            flags[i] = HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST;
        } else if (!(exprs[i] = escape_literal(l))) {
            rc = KS_ENOMEM;
            goto out;
        }
    }
    hs_compile_error_t *err = NULL;
    if (hs_compile_multi(exprs, flags, ids, (unsigned)p->nlits, HS_MODE_BLOCK,
                         NULL, &p->db, &err) != HS_SUCCESS) {
        int at = err ? err->expression : -1;
        const char *where = at >= 0 && p->lits[at].where ? p->lits[at].where
                                                          : "pack";
        ks_diags_add(d, 0, where, "bad regex: %s%s%s",
                     err ? err->message : "unknown error",
                     at >= 0 ? ": " : "", at >= 0 ? p->lits[at].text : "");
        hs_free_compile_error(err);
        rc = KS_ERULES;
    }
out:
    if (exprs)
        for (size_t i = 0; i < p->nlits; i++)
            if (!p->lits[i].is_regex)
                ks_free((void *)exprs[i]);
    ks_free(exprs);
    ks_free(flags);
    ks_free(ids);
    return rc;
}
